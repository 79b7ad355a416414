"""The public catalog cache: a repeat read of a list or a product page runs no SQL,
and every writer's change shows at once on product pages (the services bump the
catalog version; orders mark the stock they move changed; common/cache.py)."""

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.catalog.services.lifecycle import pause_product
from marketplace.catalog.services.variants import set_stock, update_variant
from marketplace.common import cache
from orders.services.stock import commit_stock, release_stock, reserve_stock
from tests.catalog.conftest import make_product
from tests.factories import ProductImageFactory, VendorFactory
from vendors.services.profile import update_shop_profile
from vendors.services.status import suspend_vendor

pytestmark = pytest.mark.django_db
LIST = reverse("store-products")


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.CATALOG_CACHE_SECONDS = 60
    settings.CATALOG_PRODUCT_CACHE_SECONDS = 3600
    cache.bump(cache.CATALOG)  # nothing another test cached is reachable


def _product(**fields):
    product = make_product(price=12900, stock=10, **fields)
    cache.bump(cache.CATALOG)  # factories are not services: announce the new rows
    return product


def _detail(api, product):
    return api.get(reverse("store-product", args=[product.pk]))


def _queries(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code in (200, 404), response.content
    return response, len(queries)


def test_a_repeat_read_of_a_list_runs_no_sql_and_returns_the_same_answer(api):
    _product()
    for path in (LIST, LIST + "?q=tea&sort=price"):
        first, built = _queries(lambda path=path: api.get(path))
        again, cached = _queries(lambda path=path: api.get(path))
        assert built > 0
        assert cached == 0, path
        assert again.json() == first.json()


def test_a_list_is_served_whole_from_the_cache_and_a_bad_query_never_is(api):
    _product()
    first = api.get(LIST)
    again, queries = _queries(lambda: api.get(LIST))
    assert queries == 0
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert {"Accept", "Accept-Language"} <= {
        v.strip() for v in again["Vary"].split(",")
    }
    # a bad query is refused every time, never stored
    for _ in range(2):
        bad = api.get(f"{LIST}?min_price=-1")
        assert bad.status_code == 400
        assert list(bad.json()["errors"]) == ["min_price"]
    # a browser asking for HTML gets DRF's page, not the cached JSON
    html = api.get(LIST, HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")


def test_a_cached_product_page_runs_no_sql_and_matches_a_fresh_build(api, settings):
    product = _product(variants=2)
    ProductImageFactory(product=product)
    cache.bump(cache.CATALOG)
    first, built = _queries(lambda: _detail(api, product))
    again, cached = _queries(lambda: _detail(api, product))
    other_url, _ = _queries(lambda: api.get(f"{LIST}{product.pk}/?utm=x"))
    assert built > 1
    assert cached == 0
    settings.CATALOG_CACHE_SECONDS = settings.CATALOG_PRODUCT_CACHE_SECONDS = 0
    fresh = _detail(api, product).json()
    assert first.json() == again.json() == other_url.json() == fresh
    assert fresh["stock_available"] == 20
    assert len(fresh["variants"]) == 2
    assert len(fresh["images"]) == 1


def test_a_product_page_answered_without_drf_is_the_page_drf_answers(api):
    product = _product(variants=2)
    plain = _detail(api, product)
    through_drf = api.get(reverse("store-product", args=[product.pk]) + "?format=json")
    missing = api.get(reverse("store-product", args=[product.pk + 1000]))

    assert plain.content == through_drf.content
    for header in ("Content-Type", "Allow", "Content-Language"):
        assert plain[header] == through_drf[header], header
    # DRF's session authentication reads the session (Vary: Cookie); the page is
    # the same for everyone
    vary = {v.strip() for v in plain["Vary"].split(",")}
    assert vary == {"Accept", "Accept-Language"}
    assert "Cookie" in through_drf["Vary"]
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")


def test_with_the_product_page_cache_off_it_is_cached_like_a_list(api, settings):
    settings.CATALOG_PRODUCT_CACHE_SECONDS = 0
    product = _product()
    _, built = _queries(lambda: _detail(api, product))
    _, cached = _queries(lambda: _detail(api, product))
    assert (built > 0, cached) == (True, 0)


def test_languages_are_cached_apart(api):
    product = _product(title_en="Green tea", title_zh="绿茶")
    english = _detail(api, product).json()["title"]
    chinese = api.get(f"{LIST}{product.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()[
        "title"
    ]
    assert (english, chinese) == ("Green tea", "绿茶")


def test_a_price_and_stock_change_by_the_vendor_shows_at_once(api):
    product = _product()
    variant = product.variants.get()
    owner = product.vendor.members.get().user
    assert _detail(api, product).json()["min_price"] == 12900
    update_variant(variant=variant, actor=owner, retail_price=9900)
    set_stock(variant=variant, actor=owner, on_hand=3)
    body = _detail(api, product).json()
    assert (body["min_price"], body["stock_available"]) == (9900, 3)


def test_stock_moved_by_orders_shows_on_the_page_at_once_on_lists_on_expiry(
    api, settings, django_capture_on_commit_callbacks
):
    # Orders do not bump the version (a flash sale would empty the cache on every
    # sale): lists show their stock moves after CATALOG_CACHE_SECONDS; the product
    # page is cached under the product's stock token, which a move renews on commit.
    settings.CATALOG_CACHE_SECONDS = 1
    product = _product(variants=2)
    first, second = product.variants.order_by("id")
    assert _detail(api, product).json()["stock_available"] == 20
    assert api.get(LIST).json()["results"][0]["stock_available"] == 20
    with django_capture_on_commit_callbacks(execute=True) as committed:
        assert reserve_stock({first.pk: 4}) == set()
    assert len(committed) == 1
    body = _detail(api, product).json()
    assert body["stock_available"] == 16
    assert {v["id"]: v["stock_available"] for v in body["variants"]} == {
        first.pk: 6,
        second.pk: 10,
    }
    assert api.get(LIST).json()["results"][0]["stock_available"] == 20  # cached
    with django_capture_on_commit_callbacks(execute=True):
        release_stock({first.pk: 4})
    assert _detail(api, product).json()["stock_available"] == 20  # nothing kept
    with django_capture_on_commit_callbacks(execute=True):
        assert reserve_stock({second.pk: 3}) == set()
    time.sleep(1.1)
    assert api.get(LIST).json()["results"][0]["stock_available"] == 17
    assert _detail(api, product).json()["stock_available"] == 17


def test_a_move_that_changes_no_stock_available_keeps_the_page_cached(
    api, django_capture_on_commit_callbacks
):
    product = _product()
    variant = product.variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        reserve_stock({variant.pk: 4})
    assert _detail(api, product).json()["stock_available"] == 6  # cached now
    # a sale's commit moves on-hand and reserved units together: nothing to renew
    with django_capture_on_commit_callbacks(execute=True) as committed:
        commit_stock({variant.pk: 4})
    assert committed == []
    # a reservation refused (too few) and one rolled back renew nothing either
    with django_capture_on_commit_callbacks(execute=True) as committed:
        assert reserve_stock({variant.pk: 7}) == {variant.pk}
        try:
            with transaction.atomic():
                reserve_stock({variant.pk: 1})
                raise RuntimeError
        except RuntimeError:
            pass
    assert committed == []
    again, queries = _queries(lambda: _detail(api, product))
    assert (queries, again.json()["stock_available"]) == (0, 6)


def test_price_pause_and_suspension_show_at_once_on_cached_product_pages(
    api, operator, settings
):
    assert settings.CATALOG_PRODUCT_CACHE_SECONDS == 3600
    repriced, paused, suspended = _product(), _product(), _product()
    for product in (repriced, paused, suspended):
        assert _detail(api, product).status_code == 200  # now cached
    variant = repriced.variants.get()
    update_variant(
        variant=variant, actor=repriced.vendor.members.get().user, retail_price=9900
    )
    pause_product(product=paused, actor=paused.vendor.members.get().user)
    suspend_vendor(vendor=suspended.vendor, actor=operator, reason="Fake licence")
    body = _detail(api, repriced).json()
    assert (body["min_price"], body["variants"][0]["price"]) == (9900, 9900)
    assert _detail(api, paused).status_code == 404
    assert _detail(api, suspended).status_code == 404


def test_pausing_a_product_or_suspending_its_vendor_hides_it_at_once(api, operator):
    paused, suspended = _product(), _product()
    listed = {item["id"] for item in api.get(LIST).json()["results"]}
    assert listed == {paused.pk, suspended.pk}
    assert _detail(api, paused).status_code == 200
    pause_product(product=paused, actor=paused.vendor.members.get().user)
    suspend_vendor(vendor=suspended.vendor, actor=operator, reason="Fake licence")
    assert api.get(LIST).json()["results"] == []
    assert _detail(api, paused).status_code == 404
    assert _detail(api, suspended).status_code == 404


def test_a_shop_rename_shows_on_its_cards(api):
    product = _product(vendor=VendorFactory(name_zh="老茶馆"))
    assert api.get(LIST).json()["results"][0]["vendor"]["name"] == "老茶馆"
    update_shop_profile(
        vendor=product.vendor,
        actor=product.vendor.members.get().user,
        data={"name_zh": "新茶馆"},
    )
    assert api.get(LIST).json()["results"][0]["vendor"]["name"] == "新茶馆"


def test_a_404_is_not_cached(api):
    product = _product()
    product_id = product.pk + 1000
    assert api.get(f"{LIST}{product_id}/").status_code == 404
    assert api.get(f"{LIST}{product_id}/").status_code == 404
