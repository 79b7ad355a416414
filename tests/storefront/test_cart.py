"""The cart: grouped by shop with shipping and the free-shipping hint, quantities
changed with or without htmx, sold-out lines explained, merged on sign-in."""

import pytest
from django.test import Client

from orders.models import Cart, CartLine
from tests import factories
from tests.factories import PASSWORD
from tests.storefront.conftest import count_queries

pytestmark = pytest.mark.django_db


def variant(*, vendor=None, price=12900, stock=10, **kwargs):
    product = factories.ProductFactory(**({"vendor": vendor} if vendor else {}))
    return factories.VariantFactory(
        product=product, retail_price=price, stock_on_hand=stock, **kwargs
    )


def add(client, item, quantity=1, **headers):
    return client.post(
        "/cart/add/", {"variant_id": item.pk, "quantity": quantity}, **headers
    )


def test_adding_goes_to_the_cart_grouped_by_shop_with_shipping(english):
    tea_house = factories.VendorFactory(
        name_en="Tea House", shipping_fee=1000, free_shipping_threshold=9900
    )
    potter = factories.VendorFactory(name_en="Potter", shipping_fee=0)
    tea, pot = variant(vendor=tea_house, price=7800), variant(vendor=potter, price=4550)

    assert add(english, tea)["Location"] == "/cart/"
    add(english, pot, 2)
    page = english.get("/cart/").content.decode()

    assert "Tea House" in page
    assert "Potter" in page
    assert "¥78.00" in page
    assert "¥91.00" in page
    assert "Shipping from this shop: ¥10.00" in page
    assert "¥21.00 more for free shipping from this shop" in page
    assert "¥179.00" in page  # 78 + 10 + 91
    assert 'id="cart-count" class="badge"' in page


def test_adding_with_htmx_confirms_and_updates_the_count(english):
    response = add(english, variant(), 3, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "Added to your cart." in page
    assert 'id="cart-count" class="badge" hx-swap-oob="true"' in page
    assert ">3</span>" in page


def test_adding_more_than_the_stock_shows_the_error_and_writes_nothing(english):
    item = variant(stock=2)

    response = add(english, item, 5)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Only 2 left." in page
    assert 'id="id_quantity-errors"' in page
    assert 'value="5"' in page  # what was typed is kept
    assert not CartLine.objects.exists()


def test_changing_a_quantity_with_htmx_returns_the_cart(english):
    add(english, variant(price=1000))
    line = CartLine.objects.get()

    response = english.post(
        f"/cart/lines/{line.pk}/", {"quantity": 4}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="cart"')
    assert "¥40.00" in page
    line.refresh_from_db()
    assert line.quantity == 4


def test_a_bad_quantity_is_shown_on_its_line_and_changes_nothing(english):
    add(english, variant(stock=3))
    line = CartLine.objects.get()

    response = english.post(f"/cart/lines/{line.pk}/", {"quantity": 7})

    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="qty-{line.pk}-error"' in page
    assert "Only 3 left." in page
    line.refresh_from_db()
    assert line.quantity == 1


def test_a_sold_out_line_is_explained_and_blocks_checkout(english):
    item = variant(stock=1)
    add(english, item)
    item.stock_on_hand = 0
    item.save()

    page = english.get("/cart/").content.decode()

    assert "Sold out: the shop has none left." in page
    assert "Fix the lines marked above to check out." in page
    assert 'href="/checkout/"' not in page


def test_removing_a_line(english):
    add(english, variant())
    line = CartLine.objects.get()

    response = english.post(f"/cart/lines/{line.pk}/remove/")

    assert response.status_code == 302
    assert not CartLine.objects.exists()


def test_another_carts_line_cannot_be_changed(english):
    other = Cart.objects.create(session_key="someone-else")
    line = CartLine.objects.create(cart=other, variant=variant(), quantity=1)

    response = english.post(f"/cart/lines/{line.pk}/", {"quantity": 5})

    assert response.status_code == 404
    line.refresh_from_db()
    assert line.quantity == 1


def test_the_anonymous_cart_merges_into_the_shoppers_on_sign_in(english, shopper):
    item = variant()
    mine = Cart.objects.create(user=shopper)
    CartLine.objects.create(cart=mine, variant=item, quantity=2)
    add(english, item, 1)
    add(english, other := variant())

    response = english.post(
        "/account/sign-in/", {"username": shopper.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert dict(mine.lines.values_list("variant_id", "quantity")) == {
        item.pk: 3,
        other.pk: 1,
    }
    assert Cart.objects.count() == 1


def test_cart_runs_the_same_queries_for_3_or_30_lines(shopper):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(shopper)
    cart = Cart.objects.create(user=shopper)
    for _ in range(3):
        CartLine.objects.create(cart=cart, variant=variant(), quantity=1)
    three = count_queries(client, "/cart/")
    for _ in range(27):
        CartLine.objects.create(cart=cart, variant=variant(), quantity=1)

    assert count_queries(client, "/cart/") == three
