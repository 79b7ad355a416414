"""The vendor's product API: scope, happy paths and the bad-input matrix."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from marketplace.catalog.models import (
    Product,
    ProductEvent,
    ProductImage,
    ProductRevision,
    Variant,
)
from tests.catalog.conftest import make_product, png_bytes
from tests.factories import (
    CategoryFactory,
    SupplyVendorFactory,
    VariantFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_client(client_for):
    """Return a factory of signed-in clients that send JSON by default."""

    def make(user):
        client = client_for(user)
        client.default_format = "json"
        return client

    return make


@pytest.fixture
def owner_api(json_client, vendor_owner):
    return json_client(vendor_owner)


@pytest.fixture
def category(db):
    return CategoryFactory()


def _create_body(category, **variant):
    return {
        "category": category.pk,
        "title_en": "Green tea",
        "title_zh": "绿茶",
        "description_en": "Fresh.",
        "variants": [
            {
                "sku": "TEA-1",
                "attributes": {"size": "100g"},
                "retail_price": 3900,
                "stock_on_hand": 5,
                **variant,
            }
        ],
    }


def _field_names(response) -> list[str]:
    """Return the fields named by a problem response (list items as ``[index]``)."""
    return list(response.json()["errors"])


def _snapshot():
    return (
        list(Product.objects.order_by("id").values()),
        list(Variant.objects.order_by("id").values()),
        list(ProductImage.objects.order_by("id").values()),
        ProductRevision.objects.count(),
        ProductEvent.objects.count(),
    )


def test_vendor_creates_submits_and_lists_its_product(owner_api, category, review_on):
    # when
    created = owner_api.post(reverse("vendor-products"), _create_body(category))
    assert created.status_code == 201, created.content
    product_id = created.json()["id"]
    submitted = owner_api.post(reverse("vendor-product-submit", args=[product_id]))
    listed = owner_api.get(reverse("vendor-products"))
    # then
    assert created.json()["status"] == "draft"
    assert created.json()["variants"][0]["retail_price"] == 3900
    assert submitted.json()["status"] == "pending_review"
    assert [p["id"] for p in listed.json()["results"]] == [product_id]


def test_supply_vendor_sets_supply_and_gets_default_retail(json_client, category):
    vendor = SupplyVendorFactory()
    api = json_client(vendor.members.get().user)
    body = _create_body(category, retail_price=None, supply_price=8000)
    response = api.post(reverse("vendor-products"), body)
    assert response.status_code == 201, response.content
    variant = response.json()["variants"][0]
    assert (variant["supply_price"], variant["retail_price"]) == (8000, 10000)


def test_live_edit_with_review_on_returns_a_pending_revision(
    owner_api, vendor, review_on
):
    product = make_product(vendor=vendor, title_zh="绿茶")
    response = owner_api.patch(
        reverse("vendor-product", args=[product.pk]), {"title_zh": "龙井"}
    )
    assert response.status_code == 200
    assert response.json()["title_zh"] == "绿茶"
    assert response.json()["pending_revision"]["content"]["title_zh"] == "龙井"


def test_variant_price_and_stock_apply_at_once(owner_api, vendor, review_on):
    product = make_product(vendor=vendor, price=3900, stock=5)
    variant = product.variants.get()
    response = owner_api.patch(
        reverse("vendor-product-variant", args=[product.pk, variant.pk]),
        {"retail_price": 4200, "stock_on_hand": 9},
    )
    assert response.status_code == 200, response.content
    variant.refresh_from_db()
    assert (variant.retail_price, variant.stock_on_hand) == (4200, 9)


def test_pause_resume_and_archive(owner_api, vendor):
    product = make_product(vendor=vendor)
    url = reverse("vendor-product", args=[product.pk])
    paused = owner_api.post(reverse("vendor-product-pause", args=[product.pk]))
    resumed = owner_api.post(reverse("vendor-product-resume", args=[product.pk]))
    again = owner_api.post(reverse("vendor-product-resume", args=[product.pk]))
    archived = owner_api.delete(url)
    assert [paused.json()["status"], resumed.json()["status"]] == ["paused", "live"]
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert archived.status_code == 204
    assert owner_api.get(url).json()["status"] == "archived"


def test_image_upload_and_delete(owner_api, vendor):
    product = make_product(vendor=vendor)
    upload = SimpleUploadedFile("a.png", png_bytes((900, 600)), "image/png")
    created = owner_api.post(
        reverse("vendor-product-images", args=[product.pk]),
        {"image": upload, "alt_en": "Front"},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    assert sorted(created.json()["thumbnails"]) == ["320", "640"]
    deleted = owner_api.delete(
        reverse("vendor-product-image", args=[product.pk, created.json()["id"]])
    )
    assert deleted.status_code == 204
    assert ProductImage.objects.count() == 0


def test_unapproved_vendor_gets_409(json_client, category):
    vendor = VendorFactory(status="submitted")
    api = json_client(vendor.members.get().user)
    response = api.post(reverse("vendor-products"), _create_body(category))
    assert response.status_code == 409
    assert Product.objects.count() == 0


def test_shopper_without_a_vendor_gets_403(json_client, category):
    from tests.factories import UserFactory

    response = json_client(UserFactory()).get(reverse("vendor-products"))
    assert response.status_code == 403


# --- bad input: 400 naming the field, nothing written ------------------------------

HUGE = "x" * 10_240


@pytest.mark.parametrize(
    ("variant", "field"),
    [
        ({"retail_price": 0}, "variants[0].retail_price"),
        ({"retail_price": -100}, "variants[0].retail_price"),
        ({"retail_price": 10**20}, "variants[0].retail_price"),
        ({"retail_price": "NaN"}, "variants[0].retail_price"),
        ({"retail_price": "1e3"}, "variants[0].retail_price"),
        ({"retail_price": 1.5}, "variants[0].retail_price"),
        ({"retail_price": "Infinity"}, "variants[0].retail_price"),
        ({"stock_on_hand": -1}, "variants[0].stock_on_hand"),
        ({"stock_on_hand": 10**20}, "variants[0].stock_on_hand"),
        ({"sku": HUGE}, "variants[0].sku"),
        ({"sku": "bad sku!"}, "variants[0].sku"),
        ({"attributes": {"colour": HUGE}}, "variants[0].attributes.colour"),
        ({"supply_price": 100}, "variants[0].supply_price"),  # commission model
    ],
)
def test_bad_variant_input_on_create_is_400_and_writes_nothing(
    owner_api, category, variant, field
):
    before = _snapshot()
    response = owner_api.post(
        reverse("vendor-products"), _create_body(category, **variant)
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in _field_names(response)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title_en": HUGE}, "title_en"),
        ({"description_zh": "长" * 10_001}, "description_zh"),
        ({"title_en": "", "title_zh": ""}, "title_en"),
        ({"category": 10**20}, "category"),
        ({"category": 99999}, "category"),
    ],
)
def test_bad_content_is_400_and_writes_nothing(owner_api, vendor, changes, field):
    product = make_product(vendor=vendor)
    before = _snapshot()
    response = owner_api.patch(reverse("vendor-product", args=[product.pk]), changes)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert _snapshot() == before


def test_raw_nan_in_json_is_400_and_writes_nothing(owner_api, vendor):
    product = make_product(vendor=vendor)
    variant = product.variants.get()
    before = _snapshot()
    response = owner_api.generic(
        "PATCH",
        reverse("vendor-product-variant", args=[product.pk, variant.pk]),
        '{"retail_price": NaN}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"retail_price": 0}, "retail_price"),
        ({"retail_price": -1}, "retail_price"),
        ({"retail_price": 10**20}, "retail_price"),
        ({"retail_price": "NaN"}, "retail_price"),
        ({"retail_price": "1e3"}, "retail_price"),
        ({"retail_price": 1.5}, "retail_price"),
        ({"retail_price": None}, "retail_price"),
        ({"stock_on_hand": -1}, "stock_on_hand"),
        ({"stock_on_hand": 10**20}, "stock_on_hand"),
        ({"weight_grams": -5}, "weight_grams"),
        ({"supply_price": 500}, "supply_price"),  # commission model
        ({"attributes": {HUGE: "x"}}, "attributes"),
    ],
)
def test_bad_variant_changes_are_400_and_write_nothing(
    owner_api, vendor, changes, field
):
    product = make_product(vendor=vendor)
    variant = product.variants.get()
    before = _snapshot()
    response = owner_api.patch(
        reverse("vendor-product-variant", args=[product.pk, variant.pk]), changes
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert _snapshot() == before


def test_stock_below_reserved_is_400(owner_api, vendor):
    product = make_product(vendor=vendor, stock=10)
    variant = product.variants.get()
    Variant.objects.filter(pk=variant.pk).update(stock_reserved=6)
    response = owner_api.patch(
        reverse("vendor-product-variant", args=[product.pk, variant.pk]),
        {"stock_on_hand": 5},
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["stock_on_hand"]
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (10, 6)


def test_supply_vendor_cannot_set_retail_price(json_client):
    vendor = SupplyVendorFactory()
    product = make_product(vendor=vendor)
    variant = product.variants.get()
    response = json_client(vendor.members.get().user).patch(
        reverse("vendor-product-variant", args=[product.pk, variant.pk]),
        {"retail_price": 99},
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["retail_price"]


def _pixel_bomb():
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.png", b"MZ\x90\x00 a windows program", "image/png"),
        ("photo.jpg", b"<?php echo 1; ?>", "image/jpeg"),
        ("huge.png", _pixel_bomb(), "image/png"),
    ],
)
def test_bad_image_upload_is_400_on_image_and_writes_nothing(
    owner_api, vendor, name, content, content_type
):
    product = make_product(vendor=vendor)
    before = _snapshot()
    response = owner_api.post(
        reverse("vendor-product-images", args=[product.pk]),
        {"image": SimpleUploadedFile(name, content, content_type)},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["image"]
    assert _snapshot() == before


# --- isolation (the full matrix is tests/dashboard/test_vendor_isolation.py) -------


def test_variant_of_another_product_is_404(owner_api, vendor):
    mine = make_product(vendor=vendor)
    other_vendors_variant = VariantFactory()
    response = owner_api.patch(
        reverse("vendor-product-variant", args=[mine.pk, other_vendors_variant.pk]),
        {"stock_on_hand": 1},
    )
    assert response.status_code == 404
