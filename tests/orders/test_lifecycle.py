"""Vendor orders: the transition table, events, outbox rows, completion, expiry."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.catalog.models import Variant
from marketplace.common.models import OutboxMessage
from orders.models import Order, OrderEvent, Refund, RefundRequest, VendorOrder
from orders.services import fulfilment, payment, refunds
from tests import factories
from tests.orders.conftest import pay, sellable

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]
Status = VendorOrder.Status


@pytest.fixture
def vendor_order(place):
    variant = sellable(stock=5)
    order = place((variant, 2))
    return order.vendor_orders.get()


def _owner(vendor_order):
    return vendor_order.vendor.members.get().user


def to_status(vendor_order, target):
    """Walk a fresh vendor order along the happy path to ``target``."""
    vendor, actor = vendor_order.vendor, _owner(vendor_order)
    path = [
        Status.PAID,
        Status.ACCEPTED,
        Status.SHIPPED,
        Status.DELIVERED,
        Status.COMPLETED,
    ]
    if target in (Status.REFUSED, Status.CANCELLED):
        path = [Status.PAID]
    if target == Status.PENDING_PAYMENT:
        path = []
    for step in path[: path.index(target) + 1] if target in path else path:
        if step == Status.PAID:
            pay(vendor_order.order)
        elif step == Status.ACCEPTED:
            fulfilment.accept_vendor_order(
                vendor=vendor, vendor_order_id=vendor_order.pk, actor=actor
            )
        elif step == Status.SHIPPED:
            fulfilment.ship_vendor_order(
                vendor=vendor,
                vendor_order_id=vendor_order.pk,
                actor=actor,
                carrier="SF",
                tracking_number="SF1234",
            )
        elif step == Status.DELIVERED:
            fulfilment.mark_delivered(vendor_order_id=vendor_order.pk, actor=actor)
        elif step == Status.COMPLETED:
            fulfilment.confirm_receipt(
                shopper=vendor_order.order.shopper, vendor_order_id=vendor_order.pk
            )
    if target == Status.REFUSED:
        fulfilment.refuse_vendor_order(
            vendor=vendor, vendor_order_id=vendor_order.pk, actor=actor, reason="none"
        )
    if target == Status.CANCELLED:
        fulfilment.cancel_vendor_order(
            shopper=vendor_order.order.shopper, vendor_order_id=vendor_order.pk
        )
    vendor_order.refresh_from_db()
    assert vendor_order.status == target
    return vendor_order


def attempt(vendor_order, target):
    """Try the service that moves a vendor order to ``target``."""
    vendor, actor = vendor_order.vendor, _owner(vendor_order)
    shopper = vendor_order.order.shopper
    calls = {
        Status.ACCEPTED: lambda: fulfilment.accept_vendor_order(
            vendor=vendor, vendor_order_id=vendor_order.pk, actor=actor
        ),
        Status.REFUSED: lambda: fulfilment.refuse_vendor_order(
            vendor=vendor, vendor_order_id=vendor_order.pk, actor=actor, reason="no"
        ),
        Status.SHIPPED: lambda: fulfilment.ship_vendor_order(
            vendor=vendor,
            vendor_order_id=vendor_order.pk,
            actor=actor,
            carrier="SF",
            tracking_number="SF9999",
        ),
        Status.DELIVERED: lambda: fulfilment.mark_delivered(
            vendor_order_id=vendor_order.pk, actor=actor
        ),
        Status.COMPLETED: lambda: fulfilment.confirm_receipt(
            shopper=shopper, vendor_order_id=vendor_order.pk
        ),
        Status.CANCELLED: lambda: fulfilment.cancel_vendor_order(
            shopper=shopper, vendor_order_id=vendor_order.pk
        ),
    }
    return calls[target]()


SERVICE_TARGETS = [
    Status.ACCEPTED,
    Status.REFUSED,
    Status.SHIPPED,
    Status.DELIVERED,
    Status.COMPLETED,
    Status.CANCELLED,
]
INVALID = [
    (source, target)
    for source in Status
    for target in SERVICE_TARGETS
    if target not in VendorOrder.TRANSITIONS[source]
    # shipping a shipped order adds a parcel; cancelling an unpaid one cancels all
    and not (source == target == Status.SHIPPED)
]


def _snapshot():
    return (
        list(VendorOrder.objects.order_by("pk").values()),
        OrderEvent.objects.count(),
        OutboxMessage.objects.count(),
        Refund.objects.count(),
    )


@pytest.mark.parametrize(("source", "target"), INVALID)
def test_every_invalid_vendor_order_transition_is_a_409_and_writes_nothing(
    vendor_order, source, target
):
    from marketplace.common.errors import InvalidTransition

    vendor_order = to_status(vendor_order, source)
    before = _snapshot()

    with pytest.raises(InvalidTransition):
        attempt(vendor_order, target)

    assert _snapshot() == before


def test_each_transition_records_an_event_and_an_outbox_row(vendor_order):
    owner = _owner(vendor_order)

    to_status(vendor_order, Status.SHIPPED)

    events = list(
        OrderEvent.objects.filter(vendor_order=vendor_order).values_list(
            "actor", "from_status", "to_status"
        )
    )
    assert events == [
        (vendor_order.order.shopper_id, "", "pending_payment"),
        (None, "pending_payment", "paid"),
        (owner.pk, "paid", "accepted"),
        (owner.pk, "accepted", "shipped"),
    ]
    topics = OutboxMessage.objects.filter(
        topic="order.vendor_order_status_changed",
        payload__vendor_order_id=vendor_order.pk,
    ).values_list("payload__to_status", flat=True)
    assert sorted(topics) == ["accepted", "paid", "shipped"]


def test_refusing_records_the_reason_restocks_and_refunds_in_full(vendor_order):
    to_status(vendor_order, Status.PAID)
    variant = Variant.objects.get(pk=vendor_order.lines.get().variant_id)
    assert (variant.stock_on_hand, variant.stock_reserved) == (3, 0)

    fulfilment.refuse_vendor_order(
        vendor=vendor_order.vendor,
        vendor_order_id=vendor_order.pk,
        actor=_owner(vendor_order),
        reason="Out of stock in the warehouse",
    )

    event = OrderEvent.objects.filter(vendor_order=vendor_order).last()
    assert (event.to_status, event.reason) == (
        "refused",
        "Out of stock in the warehouse",
    )
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (5, 0)
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount, refund.vendor_order_id) == (
        "refusal",
        vendor_order.total,
        vendor_order.pk,
    )
    assert Order.objects.get().status == Order.Status.REFUNDED


def test_shipping_sets_the_auto_complete_time_from_the_rules(vendor_order):
    before = timezone.now()

    vendor_order = to_status(vendor_order, Status.SHIPPED)

    assert vendor_order.shipments.count() == 1
    assert before + timedelta(days=10) <= vendor_order.auto_complete_at
    assert vendor_order.auto_complete_at <= timezone.now() + timedelta(days=10)


def test_auto_complete_completes_due_orders_and_skips_paused_ones(place):
    # given two shipped vendor orders past their completion time, one with an open
    # after-sales request
    first = to_status(place((sellable(), 1)).vendor_orders.get(), Status.SHIPPED)
    second = to_status(place((sellable(), 1)).vendor_orders.get(), Status.SHIPPED)
    refunds.request_refund(
        shopper=second.order.shopper,
        vendor_order_id=second.pk,
        type=RefundRequest.Type.REFUND_ONLY,
        reason="Broken on arrival",
    )
    later = timezone.now() + timedelta(days=11)

    # when the beat task runs
    completed = fulfilment.complete_due_vendor_orders(now=later)

    # then only the unpaused one completed, with a system event
    assert completed == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("completed", "shipped")
    assert second.completion_paused is True
    event = OrderEvent.objects.filter(vendor_order=first).last()
    assert (event.actor_id, event.reason) == (None, "auto-complete")
    assert Order.objects.get(pk=first.order_id).status == Order.Status.COMPLETED


def test_a_refused_request_restarts_the_clock_pushed_back_by_the_pause(vendor_order):
    vendor_order = to_status(vendor_order, Status.SHIPPED)
    due = vendor_order.auto_complete_at
    request = refunds.request_refund(
        shopper=vendor_order.order.shopper,
        vendor_order_id=vendor_order.pk,
        type=RefundRequest.Type.REFUND_ONLY,
        reason="Scratched",
    )

    refunds.refuse_refund(
        vendor=vendor_order.vendor,
        request_id=request.pk,
        actor=_owner(vendor_order),
        reason="Not our fault",
    )

    vendor_order.refresh_from_db()
    assert vendor_order.completion_paused is False
    assert vendor_order.auto_complete_at >= due


def test_expiring_unpaid_orders_cancels_them_and_releases_the_stock(place):
    variant = sellable(stock=5)
    order = place((variant, 3))
    variant.refresh_from_db()
    assert variant.stock_reserved == 3

    cancelled = payment.expire_unpaid_orders(
        now=order.expires_at + timedelta(seconds=1)
    )

    assert cancelled == 1
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.vendor_orders.get().status == Status.CANCELLED
    assert (variant.stock_on_hand, variant.stock_reserved) == (5, 0)


def test_unpaid_orders_not_yet_due_are_left_alone(place):
    order = place((sellable(), 1))

    assert (
        payment.expire_unpaid_orders(now=order.expires_at - timedelta(seconds=1)) == 0
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_payment_commits_the_reserved_stock(vendor_order):
    to_status(vendor_order, Status.PAID)

    variant = Variant.objects.get(pk=vendor_order.lines.get().variant_id)
    assert (variant.stock_on_hand, variant.stock_reserved) == (3, 0)


def test_a_payment_applied_twice_changes_nothing_the_second_time(vendor_order):
    assert pay(vendor_order.order) == payment.PaidResult.PAID
    before = _snapshot()

    assert pay(vendor_order.order) == payment.PaidResult.ALREADY_PAID

    assert _snapshot() == before


def test_a_payment_after_cancellation_is_refunded_and_never_fulfilled(place):
    variant = sellable(stock=5)
    order = place((variant, 1))
    payment.expire_unpaid_orders(now=order.expires_at + timedelta(seconds=1))

    result = pay(order)

    assert result == payment.PaidResult.LATE_REFUNDED
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.vendor_orders.get().status == Status.CANCELLED
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount) == ("late_payment", order.grand_total)
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (5, 0)
    assert pay(order) == payment.PaidResult.LATE_REFUNDED
    assert Refund.objects.count() == 1


def test_a_shopper_cancels_a_paid_order_before_shipment_and_it_is_refunded(
    client_for, vendor_order
):
    vendor_order = to_status(vendor_order, Status.ACCEPTED)
    order = vendor_order.order

    response = client_for(order.shopper).post(
        reverse(
            "store-vendor-order-cancel",
            kwargs={"number": order.number, "vendor_order_id": vendor_order.pk},
        ),
        {"reason": "Changed my mind"},
        format="json",
    )

    assert response.status_code == 200
    vendor_order.refresh_from_db()
    assert vendor_order.status == Status.CANCELLED
    assert vendor_order.refunded_total == vendor_order.total
    assert Refund.objects.get().kind == "cancellation"


def test_the_shopper_cannot_cancel_after_shipment(client_for, vendor_order, row_counts):
    vendor_order = to_status(vendor_order, Status.SHIPPED)
    order = vendor_order.order
    before = row_counts()

    response = client_for(order.shopper).post(
        reverse(
            "store-vendor-order-cancel",
            kwargs={"number": order.number, "vendor_order_id": vendor_order.pk},
        ),
        {},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert row_counts() == before


def test_another_shoppers_order_is_not_found(client_for, vendor_order, row_counts):
    to_status(vendor_order, Status.SHIPPED)
    stranger = factories.UserFactory()
    before = row_counts()

    response = client_for(stranger).post(
        reverse(
            "store-vendor-order-confirm-receipt",
            kwargs={
                "number": vendor_order.order.number,
                "vendor_order_id": vendor_order.pk,
            },
        )
    )

    assert response.status_code == 404
    assert row_counts() == before
    assert (
        client_for(stranger)
        .get(reverse("store-order", kwargs={"number": vendor_order.order.number}))
        .status_code
        == 404
    )


def test_a_refusal_is_refunded_through_the_provider_and_booked(vendor_order):
    from marketplace.ledger.models import Account
    from marketplace.payments.sandbox import control

    # given a vendor order paid at the provider and applied
    control.pay(vendor_order.order.payment_reference)
    pay(vendor_order.order)
    fulfilment.refuse_vendor_order(
        vendor=vendor_order.vendor,
        vendor_order_id=vendor_order.pk,
        actor=_owner(vendor_order),
        reason="Cannot ship",
    )
    refund = Refund.objects.get()

    # when the outbox carries the refund to the provider (twice: a retry)
    first = refunds.execute_refund(refund_id=refund.pk)
    second = refunds.execute_refund(refund_id=refund.pk)

    # then it succeeded once, and the order's escrow is empty again
    refund.refresh_from_db()
    assert (first, second, refund.status) == ("succeeded", "succeeded", "succeeded")
    assert refund.provider_reference
    escrow = Account.objects.get(owner_type="order", kind="order_escrow")
    assert escrow.credits_posted - escrow.debits_posted == 0
    assert escrow.credits_posted == vendor_order.total
