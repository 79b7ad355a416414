"""The public catalog API: only visible listings, filters, and a flat query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.conftest import make_product
from tests.factories import CategoryFactory, ProductImageFactory, VendorFactory

pytestmark = pytest.mark.django_db
LIST = reverse("store-products")


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("vendor_status", "product_status", "visible"),
    [
        ("approved", "live", True),
        ("suspended", "live", False),
        ("closed", "live", False),
        ("submitted", "live", False),
        ("approved", "draft", False),
        ("approved", "pending_review", False),
        ("approved", "rejected", False),
        ("approved", "paused", False),
        ("approved", "archived", False),
    ],
)
def test_only_live_listings_of_approved_vendors_are_visible(
    api, vendor_status, product_status, visible
):
    # given
    product = make_product(
        vendor=VendorFactory(status=vendor_status), status=product_status
    )
    # when
    listed = _ids(api.get(LIST))
    page = api.get(reverse("store-product", args=[product.pk]))
    # then
    assert listed == ([product.pk] if visible else [])
    assert page.status_code == (200 if visible else 404)


def test_suspending_a_vendor_hides_its_products(api, vendor):
    product = make_product(vendor=vendor)
    assert _ids(api.get(LIST)) == [product.pk]
    vendor.status = "suspended"
    vendor.save()
    assert _ids(api.get(LIST)) == []
    assert api.get(reverse("store-product", args=[product.pk])).status_code == 404


def test_product_page_shows_money_as_minor_units_with_currency(api):
    product = make_product(price=12900, stock=7, title_en="Tea")
    ProductImageFactory(product=product)
    body = api.get(reverse("store-product", args=[product.pk])).json()
    assert body["min_price"] == 12900
    assert body["currency"] == "CNY"
    assert body["stock_available"] == 7
    assert [v["price"] for v in body["variants"]] == [12900]
    assert body["images"][0]["url"].endswith(".webp")
    assert "supply_price" not in body["variants"][0]


def test_filters_category_subtree_price_stock_and_sort(api):
    # given a tree and products at different prices and stock
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    other = CategoryFactory()
    cheap = make_product(category=child, price=1000, stock=0)
    dear = make_product(category=root, price=5000, stock=3)
    elsewhere = make_product(category=other, price=3000, stock=3)
    # then
    assert _ids(api.get(LIST, {"category": root.pk, "sort": "price"})) == [
        cheap.pk,
        dear.pk,
    ]
    assert _ids(api.get(LIST, {"category": child.pk})) == [cheap.pk]
    assert _ids(api.get(LIST, {"min_price": 2000, "sort": "-price"})) == [
        dear.pk,
        elsewhere.pk,
    ]
    assert _ids(api.get(LIST, {"max_price": 3000, "sort": "price"})) == [
        cheap.pk,
        elsewhere.pk,
    ]
    assert _ids(api.get(LIST, {"in_stock": "true", "sort": "price"})) == [
        elsewhere.pk,
        dear.pk,
    ]
    assert _ids(api.get(LIST, {"vendor": cheap.vendor_id})) == [cheap.pk]
    assert _ids(api.get(LIST, {"sort": "newest"})) == [
        elsewhere.pk,
        dear.pk,
        cheap.pk,
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "-1"}, "min_price"),
        ({"max_price": str(10**20)}, "max_price"),
        ({"min_price": "1e3"}, "min_price"),
        ({"sort": "random()"}, "sort"),
        ({"category": "999999"}, "category"),
        ({"q": "x" * 10_000}, "q"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_field(api, params, field):
    response = api.get(LIST, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [field]


def _count_list_queries(api, add, expected_total):
    for _ in range(add):
        product = make_product(variants=2)
        ProductImageFactory(product=product)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(LIST, {"page_size": 50})
    assert len(response.json()["results"]) == expected_total
    return len(queries)


def test_product_list_query_count_does_not_grow_with_products(api):
    few = _count_list_queries(api, 3, 3)
    many = _count_list_queries(api, 27, 30)
    assert few == many
    assert many <= 5


def test_product_page_query_count_does_not_grow_with_variants_or_images(api):
    small = make_product(variants=1)
    big = make_product(variants=12)
    for _ in range(6):
        ProductImageFactory(product=big)
    counts = []
    for product in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert (
                api.get(reverse("store-product", args=[product.pk])).status_code == 200
            )
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


def test_category_tree_is_public_and_nested(api):
    root = CategoryFactory(name_en="Food")
    CategoryFactory(parent=root, name_en="Tea")
    CategoryFactory(name_en="Hidden", is_active=False)
    body = api.get(reverse("store-categories")).json()
    assert [(n["name"], [c["name"] for c in n["children"]]) for n in body] == [
        ("Food", ["Tea"])
    ]
