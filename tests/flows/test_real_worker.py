"""One order's whole journey through a real Celery worker and its beat.

Placed through the API, paid on the sandbox, whose signed webhook the worker posts
over HTTP to the app (``live_server``), which stores it and lets the worker apply it;
shipped by each vendor; completed by beat's auto-complete sweep. Each side effect
(the outbox rows and their emails, the ledger entries) happens exactly once.
"""

from collections import Counter

import pytest
from django.urls import reverse

from marketplace.common.models import OutboxMessage
from marketplace.ledger.models import JournalEntry
from marketplace.payments.models import WebhookEvent
from marketplace.payments.sandbox import control
from marketplace.rules.services import change_rules
from orders.management.commands.ledger_check import CHECKS
from orders.models import Order, VendorOrder
from tests import factories
from tests.flows.conftest import wait_for
from tests.orders.conftest import lines, sellable

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
DEADLINE = 60


def _order(number: str) -> Order:
    return Order.objects.get(number=number)


def test_an_order_is_paid_by_webhook_shipped_and_auto_completed_by_the_worker(
    celery_worker, client_for
):
    # given: two vendors' products, a shopper, and completion due as soon as shipped
    change_rules(actor=None, changes={"auto_complete_days": 0})
    tea, pottery = sellable(price=12900), sellable(price=4550)
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)

    # when: the shopper checks out through the API and pays on the sandbox
    placed = client_for(shopper).post(
        reverse("store-checkout"),
        {"address_id": address.pk, "lines": lines((tea, 2), (pottery, 1))},
        format="json",
    )
    assert placed.status_code == 201, placed.json()
    number = placed.json()["number"]
    control.pay(_order(number).payment_reference)

    # then the worker delivers the webhook, the app stores it, the worker applies it
    wait_for(
        lambda: _order(number).status == Order.Status.PAID,
        timeout=DEADLINE,
        what=f"the webhook to mark the order paid\n{celery_worker.log_text()[-3000:]}",
    )

    # when: each vendor accepts and ships through the vendor API
    for vendor_order in VendorOrder.objects.filter(order__number=number):
        vendor_api = client_for(vendor_order.vendor.members.get().user)
        kwargs = {"vendor_order_id": vendor_order.pk}
        accepted = vendor_api.post(reverse("vendor-order-accept", kwargs=kwargs))
        shipped = vendor_api.post(
            reverse("vendor-order-ship", kwargs=kwargs),
            {"carrier": "SF Express", "tracking_number": f"SF{vendor_order.pk:010d}"},
            format="json",
        )
        assert (accepted.status_code, shipped.status_code) == (200, 200)

    # then beat's sweep completes both, and the outbox drains
    wait_for(
        lambda: (
            _order(number).status == Order.Status.COMPLETED
            and not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
        ),
        timeout=DEADLINE,
        what=f"auto-completion and the outbox\n{celery_worker.log_text()[-3000:]}",
    )
    order = _order(number)
    assert sorted(order.vendor_orders.values_list("status", flat=True)) == [
        "completed",
        "completed",
    ]
    completions = order.events.filter(
        to_status="completed", vendor_order__isnull=False
    ).values_list("reason", flat=True)
    assert list(completions) == ["auto-complete", "auto-complete"]
    # every outbox row delivered exactly once, each email sent once
    messages = list(OutboxMessage.objects.order_by("id"))
    assert [(m.attempts, m.delivered_at is not None) for m in messages] == [
        (1, True)
    ] * len(messages)
    statuses = Counter(
        (m.topic, m.payload["to_status"])
        for m in messages
        if m.topic.endswith("status_changed")
    )
    assert statuses == {
        ("order.status_changed", "paid"): 1,
        ("order.status_changed", "completed"): 1,
        ("order.vendor_order_status_changed", "paid"): 2,
        ("order.vendor_order_status_changed", "accepted"): 2,
        ("order.vendor_order_status_changed", "shipped"): 2,
        ("order.vendor_order_status_changed", "completed"): 2,
    }
    emails = celery_worker.emails()
    # the shopper hears of each change; each vendor owner of its vendor order's
    assert len(emails) == 2 + 8 * 2
    assert len({e["Message-ID"] for e in emails}) == len(emails)
    assert Counter(e["To"] for e in emails)[shopper.email] == 2 + 8
    # the webhook was stored once and applied once
    assert list(WebhookEvent.objects.values_list("type", "attempts")) == [
        ("payment.succeeded", 1)
    ]
    assert WebhookEvent.objects.get().processed_at is not None
    # the ledger booked the capture and the fee once, anything per vendor order at
    # most once each (completion, with settlement), and every check is green
    kinds = Counter(JournalEntry.objects.values_list("kind", flat=True))
    assert (kinds.pop("payment_captured"), kinds.pop("provider_fee")) == (1, 1)
    assert all(count <= 2 for count in kinds.values()), kinds
    assert [problem for check in CHECKS for problem in check()] == []
