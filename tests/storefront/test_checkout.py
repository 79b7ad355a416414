"""Checkout: the address book, each shop's parcel, the provider's page, and the
result page that waits on the real payment status."""

import pytest

from orders.models import Address, Cart, CartLine, Order
from tests import factories
from tests.orders.conftest import pay

pytestmark = pytest.mark.django_db


def cart_of(shopper, *items):
    cart = Cart.objects.create(user=shopper)
    for item, quantity in items:
        CartLine.objects.create(cart=cart, variant=item, quantity=quantity)
    return cart


def sellable(**vendor_fields):
    product = factories.ProductFactory(vendor=factories.VendorFactory(**vendor_fields))
    return factories.VariantFactory(product=product, retail_price=4550, stock_on_hand=5)


def checkout_form(client) -> dict:
    response = client.get("/checkout/")
    form = response.context["form"]
    return {
        "action": "place",
        "address_id": form["address_id"].value(),
        "idempotency_key": form["idempotency_key"].value(),
    }


def test_checkout_needs_a_signed_in_shopper(english):
    response = english.get("/checkout/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=/checkout/")


def test_checkout_reviews_what_each_shop_will_send(signed_in, shopper):
    factories.AddressFactory(user=shopper, recipient="Han Meimei")
    cart_of(
        shopper,
        (sellable(name_en="Tea House"), 2),
        (sellable(name_en="Potter", shipping_fee=0), 1),
    )

    page = signed_in.get("/checkout/").content.decode()

    assert "Han Meimei" in page
    assert "Tea House" in page
    assert "Potter" in page
    assert "¥91.00" in page  # 2 × 45.50
    assert "Place order and pay" in page


def test_placing_the_order_goes_to_the_providers_page(signed_in, shopper):
    factories.AddressFactory(user=shopper)
    cart_of(shopper, (sellable(), 1), (sellable(), 2))
    form = checkout_form(signed_in)

    response = signed_in.post("/checkout/", form)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.payment_url
    assert response["Location"].startswith("/sandbox/pay/")
    assert order.vendor_orders.count() == 2
    assert not CartLine.objects.exists()
    # the same page submitted again returns the same order
    again = signed_in.post("/checkout/", form)
    assert again["Location"] == order.payment_url
    assert Order.objects.count() == 1


def test_checkout_without_an_address_shows_the_error_and_places_nothing(
    signed_in, shopper
):
    cart_of(shopper, (sellable(), 1))
    form = checkout_form(signed_in)
    form["address_id"] = ""

    response = signed_in.post("/checkout/", form)

    assert response.status_code == 400
    assert "Choose an address from your address book." in response.content.decode()
    assert not Order.objects.exists()


def test_a_new_address_added_inline_with_a_bad_phone_keeps_what_was_typed(
    signed_in, shopper
):
    cart_of(shopper, (sellable(), 1))

    response = signed_in.post(
        "/checkout/",
        {
            "action": "add_address",
            "address-recipient": "Han Meimei",
            "address-phone": "call me",
            "address-province_code": "110000",
            "address-city_code": "110100",
            "address-district_code": "110105",
            "address-detail": "8 Checkout Lane",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_address-phone-errors"' in page
    assert "Enter a valid phone number." in page
    assert 'value="Han Meimei"' in page
    assert not Address.objects.exists()


def test_an_address_added_inline_is_chosen(signed_in, shopper):
    cart_of(shopper, (sellable(), 1))

    response = signed_in.post(
        "/checkout/",
        {
            "action": "add_address",
            "address-recipient": "Han Meimei",
            "address-phone": "13900000000",
            "address-province_code": "110000",
            "address-city_code": "110100",
            "address-district_code": "110105",
            "address-detail": "8 Checkout Lane",
        },
    )

    address = Address.objects.get(user=shopper)
    assert response["Location"] == f"/checkout/?address={address.pk}"


def place(shopper):
    from orders.services.checkout import place_order

    address = factories.AddressFactory(user=shopper)
    cart_of(shopper, (sellable(), 1))
    return place_order(shopper=shopper, address_id=address.pk)


def test_the_result_page_ignores_the_redirects_query_string(signed_in, shopper):
    order = place(shopper)

    response = signed_in.get(
        f"/orders/{order.number}/result/",
        {"payment_id": order.payment_reference, "redirect_status": "succeeded"},
    )

    page = response.content.decode()
    assert "Waiting for the payment provider" in page
    assert 'hx-trigger="every 2s"' in page
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_the_result_page_shows_paid_once_the_provider_confirmed(signed_in, shopper):
    order = place(shopper)
    pay(order)

    response = signed_in.get(f"/orders/{order.number}/result/", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "Paid. Thank you!" in page
    assert "every 2s" not in page


def test_a_poll_from_the_order_page_reloads_it_once_paid(signed_in, shopper):
    order = place(shopper)
    pay(order)

    response = signed_in.get(
        f"/orders/{order.number}/result/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/orders/{order.number}/?x=1",
    )

    assert response.headers["HX-Refresh"] == "true"


def test_the_result_page_shows_a_failed_payment(signed_in, shopper):
    from orders.models import OrderEvent

    order = place(shopper)
    OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        reason=f"payment {order.payment_reference} failed (sandbox evt_1)",
    )

    page = signed_in.get(f"/orders/{order.number}/result/").content.decode()

    assert "The payment failed." in page
    assert "every 2s" not in page


def test_another_shoppers_result_page_is_not_found(english, shopper):
    order = place(shopper)
    other = factories.UserFactory()
    english.force_login(other)

    assert english.get(f"/orders/{order.number}/result/").status_code == 404
