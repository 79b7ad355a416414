"""Webhooks in any order, any number of times, reach one final state (a property).

The story, fixed before the events arrive: the shopper paid on the sandbox (its
webhooks held back), the order became paid by a status query, the shopper cancelled
one vendor's part, and the refund reached the provider but its answer was lost (a
timeout). Then come, in every order Hypothesis tries, with duplicates: the payment's
``payment.succeeded``, another notification of it, a stale ``payment.failed``, the
refund's ``refund.succeeded`` and a repeat of it, each signed as the sandbox signs and
posted to the real endpoint; the outbox's retry of the refund; and the sweep of
stored events. Each event is processed by the real task at once or left for later.
Every run ends in the same state, and no step moves anything backwards.
"""

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.common.models import OutboxMessage
from marketplace.common.services import deliver_outbox_message
from marketplace.ledger.models import Account, JournalEntry
from marketplace.outbox import HANDLERS
from marketplace.payments.models import WebhookEvent
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.webhooks import body_of
from orders.models import Order, OrderEvent, Refund
from orders.services.fulfilment import cancel_vendor_order
from orders.services.payment import sync_payment
from orders.services.refunds import RefundNotSettled, execute_refund
from orders.tasks import process_pending_webhook_events_task
from tests.orders.conftest import sellable
from tests.orders.events import deliver, event_id_of, forged, process, sandbox_event

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]

ORDER_RANK = {"pending_payment": 0, "paid": 1}
VENDOR_ORDER_RANK = {"pending_payment": 0, "paid": 1, "accepted": 2, "shipped": 3}
REFUND_RANK = {"pending": 0}
EVENTS = ("P", "P2", "F", "R", "R2")
BASE = ["P", "R", "F", "retry"]
plans = (
    st.lists(st.sampled_from([*EVENTS, "retry", "sweep"]), max_size=4)
    .flatmap(lambda extra: st.permutations(BASE + extra))
    .flatmap(
        lambda steps: st.tuples(
            st.just(steps),
            st.lists(st.booleans(), min_size=len(steps), max_size=len(steps)),
        )
    )
)


def _scenario(place) -> dict:
    """Play the story up to the held events; return what the actions need."""
    control.hold_webhooks()
    order = place((sellable(price=12900), 2), (sellable(price=4550), 1))
    control.pay(order.payment_reference)
    sync_payment(payment_id=order.payment_reference, source="status query")
    cancelled = order.vendor_orders.order_by("id").first()
    cancel_vendor_order(
        shopper=order.shopper, vendor_order_id=cancelled.pk, reason="Changed my mind"
    )
    refund_message = OutboxMessage.objects.get(topic="order.refund_created")
    control.inject_fault("timeout_after_commit", operation="refund")
    with pytest.raises(RefundNotSettled):
        execute_refund(refund_id=Refund.objects.get().pk)
    assert Refund.objects.get().status == Refund.Status.PENDING
    paid, refunded = (
        sandbox_event("payment.succeeded"),
        sandbox_event("refund.succeeded"),
    )
    bodies = {
        "P": body_of(paid),
        "P2": forged(paid),
        "F": forged(paid, type="payment.failed", status="failed"),
        "R": body_of(refunded),
        "R2": forged(refunded),
    }
    return {"order": order, "bodies": bodies, "refund_message": refund_message.pk}


def _ranks(order) -> list[int]:
    """Everything that may only grow: statuses by rank, then counts."""
    order = Order.objects.get(pk=order.pk)
    vendor_orders = order.vendor_orders.order_by("id").values_list("status", flat=True)
    return [
        ORDER_RANK.get(order.status, 9),
        *[VENDOR_ORDER_RANK.get(status, 9) for status in vendor_orders],
        *[REFUND_RANK.get(r.status, 9) for r in Refund.objects.order_by("id")],
        order.refunded_total,
        WebhookEvent.objects.filter(processed_at__isnull=False).count(),
        JournalEntry.objects.count(),
        OrderEvent.objects.count(),
    ]


def _state(order) -> dict:
    """The final state, free of ids and times."""
    order = Order.objects.get(pk=order.pk)

    def owner(account):
        return "this order" if account.owner_id == str(order.pk) else account.owner_id

    return {
        "order": (order.status, order.refunded_total),
        "vendor_orders": list(
            order.vendor_orders.order_by("id").values_list("status", "refunded_total")
        ),
        "refunds": list(Refund.objects.values_list("kind", "status", "amount")),
        "ledger": {
            (a.owner_type, owner(a), a.kind): (
                a.debits_posted,
                a.credits_posted,
                a.debits_pending,
                a.credits_pending,
            )
            for a in Account.objects.all()
        },
        "entries": Counter(JournalEntry.objects.values_list("kind", flat=True)),
        "order_events": list(
            OrderEvent.objects.order_by("id").values_list(
                "vendor_order_id", "from_status", "to_status"
            )
        ),
        "unprocessed_events": WebhookEvent.objects.filter(
            processed_at__isnull=True
        ).count(),
        "refund_undelivered": OutboxMessage.objects.filter(
            topic="order.refund_created", delivered_at__isnull=True
        ).count(),
    }


def _play(scenario, steps, now) -> dict:
    """Run ``steps`` in a savepoint that is rolled back; return the final state."""
    order = scenario["order"]
    with transaction.atomic():
        history = [_ranks(order)]
        for step, process_now in zip(steps, now, strict=True):
            if step == "retry":
                deliver_outbox_message(
                    message_id=scenario["refund_message"], handlers=HANDLERS
                )
            elif step == "sweep":
                process_pending_webhook_events_task.apply().get()
            else:
                body = scenario["bodies"][step]
                assert deliver(body) == 200
                if process_now:
                    process(event_id_of(body))
            history.append(_ranks(order))
            assert all(
                after >= before
                for before, after in zip(history[-2], history[-1], strict=True)
            ), f"{step} moved something back: {history[-2]} → {history[-1]}"
        # everything stored is processed, and the outbox retries what is left
        process_pending_webhook_events_task.apply().get()
        deliver_outbox_message(message_id=scenario["refund_message"], handlers=HANDLERS)
        state = _state(order)
        transaction.set_rollback(True)
    return state


def test_webhooks_in_any_order_with_duplicates_reach_the_same_state(place):
    scenario = _scenario(place)
    order = scenario["order"]
    cancelled, kept = order.vendor_orders.order_by("id")
    in_order = ["P", "R", "F", "retry"]
    reference = _play(scenario, in_order, [True] * len(in_order))
    assert reference["order"] == ("paid", cancelled.total)
    assert reference["vendor_orders"] == [
        ("cancelled", cancelled.total),
        ("paid", 0),
    ]
    assert reference["refunds"] == [("cancellation", "succeeded", cancelled.total)]
    assert reference["entries"] == {
        "payment_captured": 1,
        "provider_fee": 1,
        "refund": 1,
    }
    escrow = reference["ledger"][("order", "this order", "order_escrow")]
    assert escrow[1] - escrow[0] == kept.total
    assert (reference["unprocessed_events"], reference["refund_undelivered"]) == (0, 0)

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(plan=plans)
    def every_order_ends_the_same(plan):
        steps, now = plan
        assert _play(scenario, steps, now) == reference

    every_order_ends_the_same()
