"""The front page: categories, featured and new listings, the nearby-stores slot."""

import pytest

from marketplace.catalog.models import Product
from tests import factories
from tests.storefront.conftest import count_queries, listing
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_home_lists_live_products_with_price_vendor_picture_and_srcset(english):
    tea = factories.CategoryFactory(name_en="Tea", name_zh="茶")
    vendor = factories.VendorFactory(name_en="Tea House", name_zh="茶舍")
    product = listing(
        vendor=vendor,
        category=factories.CategoryFactory(parent=tea),
        title_en="Longjing",
        title_zh="龙井茶",
    )

    page = english.get("/").content.decode()

    assert "Longjing" in page
    assert "from ¥99.00" in page
    assert "Tea House" in page
    assert f'href="/search/?category={tea.pk}">Tea</a>' in page
    assert f'href="/products/{product.pk}/"' in page
    assert 'srcset="/media/products/' in page


def test_home_shows_featured_products_and_leaves_a_slot_for_nearby_stores(english):
    listing(title_en="Star product", is_featured=True)

    page = english.get("/").content.decode()

    assert 'id="featured-heading"' in page
    assert page.count("Star product") == 2  # featured and new
    assert 'id="nearby-stores"' in page
    assert "data-nearby" in page
    assert "Local stores are coming soon" in page


def test_home_speaks_chinese_when_asked(chinese):
    listing(title_en="Longjing", title_zh="龙井茶", category__name_zh="茶")

    page = chinese.get("/").content.decode()

    assert '<html lang="zh-hans">' in page
    assert "龙井茶" in page
    assert "¥99.00 起" in page
    assert "新品上架" in page
    assert "跳到正文" in page  # the skip link


def test_home_hides_what_shoppers_may_not_see(english):
    listing(title_en="On sale")
    listing(title_en="Still a draft", status=Product.Status.DRAFT)
    listing(
        title_en="Of a suspended shop",
        vendor=factories.VendorFactory(status=Vendor.Status.SUSPENDED),
    )

    page = english.get("/").content.decode()

    assert "On sale" in page
    assert "Still a draft" not in page
    assert "Of a suspended shop" not in page


def test_home_runs_the_same_queries_for_3_or_12_products(english):
    for _ in range(3):
        listing(vendor=factories.VendorFactory(), is_featured=True)
    three = count_queries(english, "/")
    for _ in range(9):
        listing(vendor=factories.VendorFactory(), is_featured=True)

    assert count_queries(english, "/") == three


def test_language_switch_sets_a_cookie_and_returns(english):
    response = english.post("/account/language/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == "en"


def test_language_switch_is_saved_on_the_account(signed_in, shopper):
    signed_in.post("/account/language/", {"language": "zh-hans", "next": "/"})

    shopper.refresh_from_db()
    assert shopper.preferred_language == "zh-hans"
    assert "新品上架" in signed_in.get("/").content.decode()


def test_the_pages_load_the_pinned_css_framework_and_htmx(english):
    page = english.get("/").content.decode()

    assert "/static/vendor/pico/pico.min.css" in page
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert "hx-headers" in page
    assert "X-CSRFToken" in page
