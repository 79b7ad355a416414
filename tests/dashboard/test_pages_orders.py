"""Orders to fulfil from the dashboard: filter, accept, refuse, ship one or many,
and decide refund requests; errors name the field; a bounded query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import RefundRequest, VendorOrder
from orders.services.checkout import place_order
from orders.services.fulfilment import accept_vendor_order
from orders.services.refunds import request_refund
from tests import factories
from tests.orders.conftest import lines, pay, sellable

pytestmark = [pytest.mark.django_db, pytest.mark.money]


@pytest.fixture
def shopper(db):
    return factories.UserFactory()


@pytest.fixture
def paid(vendor, shopper):
    """Return a factory of paid vendor orders of ``vendor``."""
    address = factories.AddressFactory(user=shopper)

    def make(quantity: int = 1) -> VendorOrder:
        order = place_order(
            shopper=shopper,
            address_id=address.pk,
            lines=lines((sellable(vendor=vendor, stock=5), quantity)),
        )
        pay(order)
        return order.vendor_orders.get()

    return make


def accepted(vendor_order):
    owner = vendor_order.vendor.members.get().user
    accept_vendor_order(
        vendor=vendor_order.vendor, vendor_order_id=vendor_order.pk, actor=owner
    )
    return vendor_order


def test_accept_then_ship_with_carrier_and_tracking(owner_web, paid):
    vendor_order = paid()

    owner_web.post(reverse("dashboard:order-accept", args=[vendor_order.pk]))
    response = owner_web.post(
        reverse("dashboard:order-ship", args=[vendor_order.pk]),
        {"carrier": "SF Express", "tracking_number": "SF1234567890"},
    )

    assert response.status_code == 302
    vendor_order.refresh_from_db()
    assert vendor_order.status == "shipped"
    shipment = vendor_order.shipments.get()
    assert (shipment.carrier, shipment.tracking_number) == (
        "SF Express",
        "SF1234567890",
    )


def test_a_bad_tracking_number_is_refused_on_its_field(owner_web, paid):
    vendor_order = accepted(paid())

    response = owner_web.post(
        reverse("dashboard:order-ship", args=[vendor_order.pk]),
        {"carrier": "SF Express", "tracking_number": "no!"},
    )

    assert response.status_code == 400
    assert list(response.context["ship_form"].errors) == ["tracking_number"]
    vendor_order.refresh_from_db()
    assert vendor_order.status == "accepted"


def test_shipping_before_accepting_is_refused_with_a_reason(owner_web, paid):
    vendor_order = paid()

    response = owner_web.post(
        reverse("dashboard:order-ship", args=[vendor_order.pk]),
        {"carrier": "SF Express", "tracking_number": "SF1234567890"},
    )

    assert response.status_code == 400
    assert response.context["ship_form"].non_field_errors()
    vendor_order.refresh_from_db()
    assert vendor_order.status == "paid"


def test_refusing_needs_a_reason_then_refunds(owner_web, paid):
    vendor_order = paid()
    url = reverse("dashboard:order-refuse", args=[vendor_order.pk])

    empty = owner_web.post(url, {"reason": ""})
    done = owner_web.post(url, {"reason": "Out of stock"})

    assert empty.status_code == 400
    assert list(empty.context["refuse_form"].errors) == ["reason"]
    assert done.status_code == 302
    vendor_order.refresh_from_db()
    assert vendor_order.status == "refused"


def test_ship_several_orders_at_once_each_with_its_tracking_number(owner_web, paid):
    first, second, third = (accepted(paid()) for _ in range(3))

    response = owner_web.post(
        reverse("dashboard:orders-ship"),
        {
            "carrier": "ZTO",
            "vendor_order": [first.pk, second.pk, third.pk],
            f"tracking_{first.pk}": "ZT0000000001",
            f"tracking_{second.pk}": "ZT0000000002",
            f"tracking_{third.pk}": "",
        },
        follow=True,
    )

    statuses = dict(
        VendorOrder.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list(
            "pk", "status"
        )
    )
    assert statuses == {first.pk: "shipped", second.pk: "shipped", third.pk: "accepted"}
    assert [m.level_tag for m in response.context["messages"]] == ["success", "error"]


def test_filter_orders_by_status(owner_web, paid):
    waiting = paid()
    to_ship = accepted(paid())

    paid_page = owner_web.get(reverse("dashboard:orders"), {"status": "paid"})
    accepted_page = owner_web.get(reverse("dashboard:orders"), {"status": "accepted"})

    assert [o.pk for o in paid_page.context["orders"]] == [waiting.pk]
    assert [o.pk for o in accepted_page.context["orders"]] == [to_ship.pk]


def test_decide_refund_requests(owner_web, paid, shopper):
    kept, refunded = paid(), paid()
    requests = [
        request_refund(
            shopper=shopper,
            vendor_order_id=vendor_order.pk,
            type="refund_only",
            reason="Changed my mind",
        )
        for vendor_order in (kept, refunded)
    ]

    no_reason = owner_web.post(
        reverse("dashboard:refund-refuse", args=[requests[0].pk]), {"reason": ""}
    )
    owner_web.post(
        reverse("dashboard:refund-refuse", args=[requests[0].pk]),
        {"reason": "Already shipped"},
    )
    owner_web.post(reverse("dashboard:refund-accept", args=[requests[1].pk]))

    assert no_reason.status_code == 302
    statuses = [RefundRequest.objects.get(pk=r.pk).status for r in requests]
    assert statuses[0] == "refused"
    assert statuses[1] in ("accepted", "refunded")
    assert RefundRequest.objects.get(pk=requests[0].pk).decision_reason == (
        "Already shipped"
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["dashboard:orders", "dashboard:refunds"])
def test_order_lists_run_the_same_queries_for_1_or_many_rows(
    owner_web, paid, shopper, name
):
    def one_more():
        vendor_order = accepted(paid(quantity=2))
        request_refund(
            shopper=shopper,
            vendor_order_id=vendor_order.pk,
            type="refund_only",
            reason="Late",
        )

    one_more()
    one = count_queries(owner_web, reverse(name))
    for _ in range(6):
        one_more()
    many = count_queries(owner_web, reverse(name))

    assert many == one
    assert many <= 12
