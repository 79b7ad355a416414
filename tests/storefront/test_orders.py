"""The shopper's orders: each shop's part with its status, parcels and timeline;
confirm receipt, cancel before shipment, ask for a refund and follow it."""

import pytest

from orders.models import Order, RefundRequest, VendorOrder
from orders.services.checkout import place_order
from orders.services.fulfilment import accept_vendor_order, ship_vendor_order
from tests import factories
from tests.orders.conftest import lines, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper):
    """A paid order of two shops: tea (2 × ¥45.50) and a pot (¥120.00)."""
    tea = factories.VariantFactory(
        product__vendor__name_en="Tea House", retail_price=4550, stock_on_hand=5
    )
    pot = factories.VariantFactory(
        product__vendor__name_en="Potter", retail_price=12000, stock_on_hand=5
    )
    address = factories.AddressFactory(user=shopper)
    placed = place_order(
        shopper=shopper, address_id=address.pk, lines=lines((tea, 2), (pot, 1))
    )
    pay(placed)
    placed.refresh_from_db()
    return placed


def part(order, name) -> VendorOrder:
    return order.vendor_orders.get(vendor__name_en=name)


def ship(vendor_order, tracking="SF123456789"):
    owner = vendor_order.vendor.members.get().user
    accept_vendor_order(
        vendor=vendor_order.vendor, vendor_order_id=vendor_order.pk, actor=owner
    )
    ship_vendor_order(
        vendor=vendor_order.vendor,
        vendor_order_id=vendor_order.pk,
        actor=owner,
        carrier="SF Express",
        tracking_number=tracking,
    )


def test_orders_list_shows_each_shops_status(signed_in, order):
    page = signed_in.get("/orders/").content.decode()

    assert order.number in page
    assert "Tea House" in page
    assert "Potter" in page
    assert page.count(">Paid</span>") == 3


def test_orders_need_a_signed_in_shopper(english):
    assert english.get("/orders/").status_code == 302


def test_order_page_shows_parts_tracking_and_timeline(signed_in, order):
    ship(part(order, "Tea House"))

    page = signed_in.get(f"/orders/{order.number}/").content.decode()

    assert page.count("data-vendor-part") == 2
    assert "SF Express" in page
    assert "SF123456789" in page
    assert 'data-part-status="shipped"' in page
    assert "Shipped" in page
    assert "Awaiting payment" in page
    assert "Confirm receipt" in page
    assert page.count("Cancel this part") == 1  # the pot, not shipped yet


def test_another_shoppers_order_is_not_found(english, order):
    english.force_login(factories.UserFactory())

    assert english.get(f"/orders/{order.number}/").status_code == 404


def test_confirming_receipt_completes_the_part(signed_in, order):
    tea = part(order, "Tea House")
    ship(tea)

    response = signed_in.post(f"/orders/{order.number}/parts/{tea.pk}/confirm/")

    assert response.status_code == 302
    tea.refresh_from_db()
    assert tea.status == VendorOrder.Status.COMPLETED
    page = signed_in.get(response["Location"]).content.decode()
    assert "Thank you: receipt confirmed." in page
    assert 'data-part-status="completed"' in page


def test_cancelling_before_shipment_refunds_the_part(signed_in, order):
    pot = part(order, "Potter")

    signed_in.post(f"/orders/{order.number}/parts/{pot.pk}/cancel/", {"reason": "x"})

    pot.refresh_from_db()
    assert pot.status == VendorOrder.Status.CANCELLED
    assert order.refunds.filter(vendor_order=pot).exists()


def test_cancelling_a_shipped_part_is_refused_with_a_message(signed_in, order):
    tea = part(order, "Tea House")
    ship(tea)

    response = signed_in.post(
        f"/orders/{order.number}/parts/{tea.pk}/cancel/", follow=True
    )

    tea.refresh_from_db()
    assert tea.status == VendorOrder.Status.SHIPPED
    assert 'class="message error"' in response.content.decode()


def test_a_refund_request_for_some_lines_is_sent_and_followed(signed_in, order):
    tea = part(order, "Tea House")
    ship(tea)
    line = tea.lines.get()
    url = f"/orders/{order.number}/parts/{tea.pk}/refund/"
    assert signed_in.get(url).status_code == 200

    response = signed_in.post(
        url,
        {"type": "refund_only", "reason": "One tin arrived open", f"line_{line.pk}": 1},
    )

    assert response.status_code == 302
    request = RefundRequest.objects.get()
    assert request.amount == 4550
    assert list(request.lines.values_list("quantity", flat=True)) == [1]
    page = signed_in.get(f"/orders/{order.number}/").content.decode()
    assert "data-refund-request" in page
    assert "Requested" in page
    assert "One tin arrived open" in page
    assert "Confirm receipt" not in page  # paused while the request is open


def test_a_refund_request_without_a_reason_shows_the_error_and_writes_nothing(
    signed_in, order
):
    tea = part(order, "Tea House")
    line = tea.lines.get()

    response = signed_in.post(
        f"/orders/{order.number}/parts/{tea.pk}/refund/",
        {"type": "refund_only", "reason": "", f"line_{line.pk}": 3},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_reason-errors"' in page
    assert f'id="id_line_{line.pk}-errors"' in page  # only 2 were bought
    assert not RefundRequest.objects.exists()


def test_an_unpaid_order_page_waits_for_the_payment(signed_in, shopper):
    variant = factories.VariantFactory(retail_price=1000, stock_on_hand=3)
    address = factories.AddressFactory(user=shopper)
    order = place_order(
        shopper=shopper, address_id=address.pk, lines=lines((variant, 1))
    )

    page = signed_in.get(
        f"/orders/{order.number}/?payment_id=x&redirect_status=succeeded"
    ).content.decode()

    assert "Waiting for the payment provider" in page
    assert f'hx-get="/orders/{order.number}/result/"' in page
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT
