"""``payment.failed``: the order waits for another attempt; a paid one stays paid."""

from dataclasses import replace
from datetime import timedelta

import pytest

from marketplace.payments.port import PaymentStatus
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.webhooks import body_of
from orders.models import Order, OrderEvent, VendorOrder
from orders.services.payment import (
    PaidResult,
    expire_unpaid_orders,
    record_payment_failure,
    sync_payment,
)
from tests.orders.conftest import sellable
from tests.orders.events import (
    deliver,
    event_id_of,
    forged,
    process,
    sandbox_event,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


def body(type: str) -> bytes:
    return body_of(sandbox_event(type))


def _events(order) -> list[tuple[str, str, str]]:
    return list(
        OrderEvent.objects.filter(order=order, vendor_order=None).values_list(
            "from_status", "to_status", "reason"
        )
    )


def test_a_declined_payment_keeps_the_order_waiting_and_records_it_once(place):
    variant = sellable(stock=5)
    order = place((variant, 2))
    before = _events(order)
    control.decline(order.payment_reference)
    failed = body("payment.failed")
    again = forged(sandbox_event("payment.failed"))  # the same news, another event

    statuses = [deliver(failed), deliver(failed), deliver(again)]
    outcomes = [process(event_id_of(failed)), process(event_id_of(again))]

    assert statuses == [200, 200, 200]
    assert outcomes == ["payment_failed", "payment_failed"]
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.vendor_orders.get().status == VendorOrder.Status.PENDING_PAYMENT
    reason = f"payment {order.payment_reference} failed (sandbox {event_id_of(failed)})"
    assert _events(order) == [*before, ("pending_payment", "pending_payment", reason)]
    variant.refresh_from_db()
    assert variant.stock_reserved == 2


def test_a_stale_payment_failed_after_success_moves_nothing_back(place):
    order = place((sellable(), 1))
    control.pay(order.payment_reference)
    paid = sandbox_event("payment.succeeded")
    stale = forged(paid, type="payment.failed", status="failed")
    deliver(body_of(paid))
    assert process(paid.event_id) == "paid"
    before = _events(order)

    deliver(stale)
    outcome = process(event_id_of(stale))

    assert outcome == PaidResult.ALREADY_PAID
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.vendor_orders.get().status == VendorOrder.Status.PAID
    assert _events(order) == before


def test_a_failure_reported_before_the_success_is_a_hint_that_pays(place):
    order = place((sellable(), 1))
    control.pay(order.payment_reference)
    early = forged(sandbox_event("payment.succeeded"), type="payment.failed")

    deliver(early)
    outcome = process(event_id_of(early))

    assert outcome == PaidResult.PAID
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


@pytest.mark.parametrize("status", ["paid", "cancelled"])
def test_recording_a_failure_never_moves_a_paid_or_closed_order(place, status):
    order = place((sellable(), 1))
    info = get_provider().get_payment(order.payment_reference)
    if status == "paid":
        control.pay(order.payment_reference)
        sync_payment(payment_id=order.payment_reference, source="status query")
    else:
        expire_unpaid_orders(now=order.expires_at + timedelta(seconds=1))
    before = _events(order)
    failed = replace(info, status=PaymentStatus.FAILED)

    outcome = record_payment_failure(info=failed, source="test")

    assert outcome == PaidResult.IGNORED
    order.refresh_from_db()
    assert order.status == status
    assert _events(order) == before
