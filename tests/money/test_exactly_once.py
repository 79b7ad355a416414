"""Exactly once: completion and settlement delivered many times, at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.common.models import OutboxMessage
from marketplace.common.services import deliver_outbox_message
from marketplace.ledger.models import JournalEntry
from marketplace.outbox import HANDLERS
from marketplace.payments.sandbox.models import SandboxTransfer
from orders.models import VendorOrder, VendorOrderSettlement
from orders.services import fulfilment
from orders.services.settlement import settle_due_vendor_orders
from tests.money.conftest import LATER, Kind, ship, vendor_balance
from tests.orders.conftest import sellable
from tests.orders.test_concurrency import run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


def test_completion_delivered_five_times_at_once_credits_the_vendor_once(
    paid_order, commission_vendor
):
    # given a shipped vendor order past its completion time
    order = paid_order((sellable(vendor=commission_vendor), 2))
    vendor_order = order.vendor_orders.get()
    ship(vendor_order)
    VendorOrder.objects.filter(pk=vendor_order.pk).update(
        auto_complete_at=timezone.now() - timedelta(minutes=1)
    )

    # when the shopper's confirmation and four auto-completions race
    def confirm():
        return fulfilment.confirm_receipt(
            shopper=order.shopper, vendor_order_id=vendor_order.pk
        )

    def auto():
        return fulfilment.complete_vendor_order_if_due(vendor_order_id=vendor_order.pk)

    results = run_concurrently([confirm, auto, auto, auto, auto])

    # then it completed once and the vendor's payable was credited once
    row = VendorOrderSettlement.objects.get()
    assert sum(1 for r in results if r is True or isinstance(r, VendorOrder)) == 1
    assert JournalEntry.objects.filter(kind="vendor_order_completed").count() == 1
    assert vendor_balance(commission_vendor, Kind.VENDOR_PAYABLE) == row.vendor_amount


def test_settlement_delivered_five_times_at_once_transfers_once(
    paid_order, commission_vendor
):
    order = paid_order((sellable(vendor=commission_vendor), 2))
    vendor_order = order.vendor_orders.get()
    ship(vendor_order)
    fulfilment.confirm_receipt(shopper=order.shopper, vendor_order_id=vendor_order.pk)
    now = timezone.now() + LATER
    run_concurrently([lambda: settle_due_vendor_orders(now=now) for _ in range(5)])
    message = OutboxMessage.objects.get(topic="order.settlement_due")

    def deliver_again():
        OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None)
        return deliver_outbox_message(message_id=message.pk, handlers=HANDLERS)

    run_concurrently([deliver_again for _ in range(5)])

    row = VendorOrderSettlement.objects.get()
    assert row.provider_settlement_id
    assert SandboxTransfer.objects.count() == 1
    assert JournalEntry.objects.filter(kind="vendor_order_settled").count() == 1
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == (
        row.vendor_amount
    )
