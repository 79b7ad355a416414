"""The front page: top categories and the newest listings on sale, in two languages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.catalog.models import Product
from tests import factories
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def listing(**fields):
    product = factories.ProductFactory(**fields)
    factories.VariantFactory(product=product, retail_price=12900)
    factories.VariantFactory(product=product, retail_price=9900)
    factories.ProductImageFactory(product=product)
    return product


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return len(queries)


def test_home_lists_live_products_with_price_vendor_and_picture(client):
    tea = factories.CategoryFactory(name_en="Tea", name_zh="茶")
    vendor = factories.VendorFactory(name_en="Tea House", name_zh="茶舍")
    listing(
        vendor=vendor,
        category=factories.CategoryFactory(parent=tea),
        title_en="Longjing",
        title_zh="龙井茶",
    )

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Longjing" in page
    assert "from ¥99.00" in page
    assert "Tea House" in page
    assert "<span>Tea</span>" in page
    assert '<img src="/media/products/' in page


def test_home_speaks_chinese_when_asked(client):
    listing(title_en="Longjing", title_zh="龙井茶", category__name_zh="茶")

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert '<html lang="zh-hans">' in page
    assert "龙井茶" in page
    assert "<span>茶</span>" in page
    assert "¥99.00 起" in page
    assert "新品上架" in page


def test_home_hides_what_shoppers_may_not_see(client):
    listing(title_en="On sale")
    listing(title_en="Still a draft", status=Product.Status.DRAFT)
    listing(
        title_en="Of a suspended shop",
        vendor=factories.VendorFactory(status=Vendor.Status.SUSPENDED),
    )

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "On sale" in page
    assert "Still a draft" not in page
    assert "Of a suspended shop" not in page


def test_home_runs_the_same_queries_for_one_product_or_many(client):
    listing()
    one = home_queries(client)
    for _ in range(6):
        listing(vendor=factories.VendorFactory())

    assert home_queries(client) == one


def test_language_switch_sets_the_language_and_returns(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == "en"
