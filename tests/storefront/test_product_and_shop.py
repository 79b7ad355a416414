"""The product page with its variant picker, and the shop page with its licence."""

import pytest

from tests import factories
from tests.storefront.conftest import count_queries, listing

pytestmark = pytest.mark.django_db


def test_product_page_shows_variants_price_stock_and_the_shop(english):
    vendor = factories.VendorFactory(name_en="Tea House", slug="tea-house")
    product = listing(vendor=vendor, title_en="Longjing", prices=(12900, 9900))
    image = product.images.get()
    image.thumbnails = {"320": image.image.name}
    image.save()

    page = english.get(f"/products/{product.pk}/").content.decode()

    assert "<h1" in page
    assert "Longjing" in page
    assert page.count('name="variant"') == 2
    assert "¥129.00" in page
    assert 'href="/shops/tea-house/">Tea House</a>' in page
    assert 'srcset="' in page
    assert " 320w" not in page
    assert "Add to cart" in page


def test_choosing_a_variant_with_htmx_swaps_the_buy_box(english):
    product = listing(prices=(12900,))
    sold_out = factories.VariantFactory(
        product=product, retail_price=4500, stock_on_hand=0, attributes={"size": "S"}
    )

    response = english.get(
        f"/products/{product.pk}/", {"variant": sold_out.pk}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="buy-box"')
    assert "¥45.00" in page
    assert "Sold out" in page
    assert "Add to cart" not in page


def test_a_product_not_on_sale_is_not_found(english):
    product = listing(status="draft")

    assert english.get(f"/products/{product.pk}/").status_code == 404


def test_product_page_runs_the_same_queries_for_3_or_30_variants(english):
    product = listing(prices=(100, 200, 300))
    three = count_queries(english, f"/products/{product.pk}/")
    for price in range(400, 3100, 100):
        factories.VariantFactory(product=product, retail_price=price)

    assert count_queries(english, f"/products/{product.pk}/") == three


def test_shop_page_shows_profile_products_rating_slot_and_licence(english):
    vendor = factories.VendorFactory(
        name_en="Tea House",
        slug="tea-house",
        company_name="Hangzhou Tea Co., Ltd",
        business_licence_number="91330100MA2KXXXX01",
    )
    listing(vendor=vendor, title_en="Longjing")

    page = english.get("/shops/tea-house/").content.decode()

    assert "Tea House" in page
    assert "Longjing" in page
    assert "Ratings and reviews are coming soon." in page
    assert "Hangzhou Tea Co., Ltd" in page
    assert "91330100MA2KXXXX01" in page
    assert "contact" not in page.lower().split("licence")[-1]  # no phone or email


def test_shop_page_in_chinese_names_the_licence(chinese):
    factories.VendorFactory(slug="tea-house", name_zh="茶舍")

    page = chinese.get("/shops/tea-house/").content.decode()

    assert "茶舍" in page
    assert "营业执照" in page


def test_a_shop_not_approved_is_not_found(english):
    factories.VendorFactory(slug="closed", status="suspended")

    assert english.get("/shops/closed/").status_code == 404
