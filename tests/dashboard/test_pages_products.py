"""The vendor's product pages: list, search, create with a variant, edit prices and
stock, images, submit and pause; errors name the field; a bounded query count."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.catalog.models import Product, Variant
from marketplace.rules.models import PlatformRules
from tests import factories
from tests.catalog.conftest import make_product, png_bytes

pytestmark = pytest.mark.django_db


def new_product(category, **changes):
    return {
        "category": category.pk,
        "title_zh": "明前龙井",
        "title_en": "Pre-Qingming Longjing",
        "description_zh": "",
        "description_en": "",
        "variant-sku": "LJ-100",
        "variant-attributes": "weight: 100g",
        "variant-price": "129.00",
        "variant-stock_on_hand": "20",
        "variant-weight_grams": "150",
        "variant-is_active": "on",
        **changes,
    }


def test_create_a_draft_with_its_first_variant(owner_web, vendor):
    category = factories.CategoryFactory()

    response = owner_web.post(reverse("dashboard:product-new"), new_product(category))

    product = Product.objects.get(vendor=vendor)
    assert response["Location"] == reverse("dashboard:product", args=[product.pk])
    assert (product.status, product.title_zh) == ("draft", "明前龙井")
    variant = product.variants.get()
    assert (variant.sku, variant.retail_price, variant.stock_on_hand) == (
        "LJ-100",
        12900,
        20,
    )
    assert variant.attributes == {"weight": "100g"}


@pytest.mark.parametrize(
    ("changes", "form", "field"),
    [
        ({"variant-price": "-5"}, "variant_form", "price"),
        ({"variant-price": "1.234"}, "variant_form", "price"),
        ({"variant-sku": "bad sku!"}, "variant_form", "sku"),
        ({"variant-attributes": "no colon"}, "variant_form", "attributes"),
        ({"title_zh": "", "title_en": ""}, "form", None),
    ],
)
def test_create_refused_names_the_field(owner_web, vendor, changes, form, field):
    category = factories.CategoryFactory()

    response = owner_web.post(
        reverse("dashboard:product-new"), new_product(category, **changes)
    )

    assert response.status_code == 400
    errors = response.context[form].errors
    assert errors, response.context["form"].errors
    if field:
        assert field in errors
    assert not Product.objects.filter(vendor=vendor).exists()


def test_supply_price_vendor_types_its_supply_price(web_for):
    vendor = factories.SupplyVendorFactory()
    category = factories.CategoryFactory()

    web_for(vendor.members.get().user).post(
        reverse("dashboard:product-new"), new_product(category)
    )

    variant = Variant.objects.get(product__vendor=vendor)
    assert (variant.supply_price, variant.retail_price is not None) == (12900, True)


def test_edit_price_and_stock_of_a_variant_at_once(owner_web, vendor):
    product = make_product(vendor=vendor)
    variant = product.variants.get()
    prefix = f"v{variant.pk}"

    response = owner_web.post(
        reverse("dashboard:variant", args=[product.pk, variant.pk]),
        {
            f"{prefix}-attributes": "colour: green",
            f"{prefix}-price": "99.50",
            f"{prefix}-stock_on_hand": "7",
            f"{prefix}-weight_grams": "0",
            f"{prefix}-is_active": "on",
        },
    )

    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.retail_price, variant.stock_on_hand, variant.attributes) == (
        9950,
        7,
        {"colour": "green"},
    )


def test_add_a_variant_with_a_repeated_sku_names_the_sku(owner_web, vendor):
    product = make_product(vendor=vendor)
    sku = product.variants.get().sku

    response = owner_web.post(
        reverse("dashboard:variant-new", args=[product.pk]),
        {
            "new-sku": sku,
            "new-price": "10",
            "new-stock_on_hand": "1",
            "new-weight_grams": "0",
        },
    )

    assert response.status_code == 400
    assert "sku" in response.context["new_variant"].errors
    assert product.variants.count() == 1


def test_upload_and_remove_an_image(owner_web, vendor):
    product = make_product(vendor=vendor)

    owner_web.post(
        reverse("dashboard:image-new", args=[product.pk]),
        {"image": SimpleUploadedFile("tea.png", png_bytes(), "image/png")},
    )
    image = product.images.get()
    page = owner_web.get(reverse("dashboard:product", args=[product.pk]))
    assert image.image.name.endswith(".webp")
    assert page.status_code == 200

    owner_web.post(reverse("dashboard:image-delete", args=[product.pk, image.pk]))
    assert product.images.count() == 0


def test_not_an_image_is_refused_on_the_image_field(owner_web, vendor):
    product = make_product(vendor=vendor)

    response = owner_web.post(
        reverse("dashboard:image-new", args=[product.pk]),
        {"image": SimpleUploadedFile("tea.png", b"not an image", "image/png")},
    )

    assert response.status_code == 400
    assert list(response.context["image_form"].errors) == ["image"]


def test_submit_for_review_then_pause_and_resume(owner_web, vendor):
    from marketplace.catalog import services

    PlatformRules.objects.create(listing_review_required=True)
    product = make_product(vendor=vendor, status=Product.Status.DRAFT)

    owner_web.post(reverse("dashboard:product-submit", args=[product.pk]))
    product.refresh_from_db()
    assert product.status == "pending_review"

    services.approve_product(product=product, actor=factories.OperatorFactory())
    owner_web.post(reverse("dashboard:product-pause", args=[product.pk]))
    product.refresh_from_db()
    assert product.status == "paused"
    owner_web.post(reverse("dashboard:product-resume", args=[product.pk]))
    product.refresh_from_db()
    assert product.status == "live"


def test_a_refused_status_change_shows_why(owner_web, vendor):
    product = make_product(vendor=vendor)  # live: cannot be resumed

    response = owner_web.post(
        reverse("dashboard:product-resume", args=[product.pk]), follow=True
    )

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    product.refresh_from_db()
    assert product.status == "live"


def test_staff_manage_products_too(staff_web, vendor):
    product = make_product(vendor=vendor)

    response = staff_web.post(reverse("dashboard:product-pause", args=[product.pk]))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == "paused"


def test_search_and_filter_by_status(owner_web, vendor):
    make_product(vendor=vendor, title_en="Longjing green tea", title_zh="龙井")
    make_product(vendor=vendor, title_en="Clay teapot", title_zh="紫砂壶")
    make_product(vendor=vendor, title_en="Draft thing", status=Product.Status.DRAFT)

    found = owner_web.get(reverse("dashboard:products"), {"q": "Longjing"})
    drafts = owner_web.get(reverse("dashboard:products"), {"status": "draft"})

    assert [p.title_en for p in found.context["products"]] == ["Longjing green tea"]
    assert [p.title_en for p in drafts.context["products"]] == ["Draft thing"]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_product_list_runs_the_same_queries_for_1_or_25_rows(owner_web, vendor):
    url = reverse("dashboard:products")
    make_product(vendor=vendor, variants=2)
    factories.ProductImageFactory(product=Product.objects.get())
    one = count_queries(owner_web, url)

    for _ in range(24):
        product = make_product(vendor=vendor, variants=3)
        factories.ProductImageFactory(product=product)
    many = count_queries(owner_web, url)

    assert many == one
    assert many <= 10
