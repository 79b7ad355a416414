"""The public catalog cache: a repeat read runs no SQL, and every writer's change shows
at once (the services bump the catalog version; common/cache.py)."""

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.catalog.services.lifecycle import pause_product
from marketplace.catalog.services.variants import set_stock, update_variant
from marketplace.common import cache
from orders.services.stock import reserve_stock
from tests.catalog.conftest import make_product
from tests.factories import VendorFactory
from vendors.services.profile import update_shop_profile
from vendors.services.status import suspend_vendor

pytestmark = pytest.mark.django_db
LIST = reverse("store-products")


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.CATALOG_CACHE_SECONDS = 60
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


def test_a_repeat_read_runs_no_sql_and_returns_the_same_answer(api):
    product = _product()
    for path in (LIST, LIST + "?q=tea&sort=price", f"{LIST}{product.pk}/"):
        first, built = _queries(lambda path=path: api.get(path))
        again, cached = _queries(lambda path=path: api.get(path))
        assert built > 0
        assert cached == 0, path
        assert again.json() == first.json()


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


def test_stock_reserved_by_orders_shows_when_the_answer_expires(api, settings):
    # Orders do not bump the version (a flash sale would empty the cache on every
    # sale): their stock moves show after CATALOG_CACHE_SECONDS.
    settings.CATALOG_CACHE_SECONDS = 1
    product = _product()
    variant = product.variants.get()
    assert _detail(api, product).json()["stock_available"] == 10
    with transaction.atomic():
        assert reserve_stock({variant.pk: 4}) == set()
    assert _detail(api, product).json()["stock_available"] == 10  # still cached
    time.sleep(1.1)
    assert _detail(api, product).json()["stock_available"] == 6


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
