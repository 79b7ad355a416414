"""Settlement at the end of the holding period: set-based, exactly once, netted."""

import pytest
from django.utils import timezone

from marketplace.common.models import OutboxMessage
from marketplace.ledger.models import JournalEntry
from marketplace.ledger.services import get_or_create_account, record_entry
from marketplace.payments.providers import get_provider
from orders.models import VendorOrderSettlement, VendorPayee
from orders.services.settlement import settle_due_vendor_orders
from tests.money.conftest import (
    LATER,
    Kind,
    complete,
    deliver,
    settle,
    vendor_balance,
)
from tests.orders.conftest import sellable
from tests.orders.test_concurrency import run_concurrently

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


def provider_available(vendor) -> int:
    ref = VendorPayee.objects.get(vendor=vendor).account_ref
    return get_provider().get_vendor_balance(ref).available


def test_nothing_settles_before_the_holding_period_ends(paid_order, commission_vendor):
    order = paid_order((sellable(vendor=commission_vendor), 1))
    complete(order.vendor_orders.get())

    assert settle_due_vendor_orders(now=timezone.now()) == 0
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == 0


def test_a_due_vendor_order_moves_to_available_and_is_transferred_once(
    paid_order, commission_vendor
):
    # given a completed vendor order whose holding period is over
    order = paid_order((sellable(vendor=commission_vendor), 2))
    vendor_order = complete(order.vendor_orders.get())
    row = VendorOrderSettlement.objects.get()
    part = row.vendor_amount

    # when the beat task runs and its outbox row is delivered, five times over
    settled = [settle() for _ in range(5)]
    for message in OutboxMessage.objects.filter(topic="order.settlement_due"):
        message.delivered_at = None
        message.save()
        deliver("order.settlement_due")

    # then the vendor was credited once, in the ledger and at the provider
    row.refresh_from_db()
    assert settled == [1, 0, 0, 0, 0]
    assert vendor_balance(commission_vendor, Kind.VENDOR_PAYABLE) == 0
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == part
    assert row.status == "settled"
    assert row.provider_settlement_id
    assert JournalEntry.objects.filter(kind="vendor_order_settled").count() == 1
    assert provider_available(commission_vendor) == part
    assert vendor_order.pk == row.vendor_order_id


def test_a_receivable_is_netted_first_by_the_next_settlement(
    paid_order, commission_vendor
):
    # given a vendor that owes 5.00 (a refund after it had withdrawn)
    receivable = get_or_create_account(
        owner_type="vendor",
        owner_id=commission_vendor.pk,
        kind=Kind.VENDOR_RECEIVABLE,
        currency="CNY",
    )
    revenue = get_or_create_account(
        owner_type="platform",
        owner_id="platform",
        kind=Kind.PLATFORM_REVENUE,
        currency="CNY",
    )
    record_entry(
        idempotency_key="test-owed",
        kind="test_receivable",
        postings=[(receivable, 500), (revenue, -500)],
    )
    order = paid_order((sellable(vendor=commission_vendor), 1))
    complete(order.vendor_orders.get())
    part = VendorOrderSettlement.objects.get().vendor_amount

    # when it settles
    settle()

    # then 5.00 repays the receivable and the rest becomes available
    row = VendorOrderSettlement.objects.get()
    assert vendor_balance(commission_vendor, Kind.VENDOR_RECEIVABLE) == 0
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == part - 500
    assert (row.netted_amount, row.transfer_amount) == (500, part - 500)
    assert provider_available(commission_vendor) == part - 500


def test_a_batch_costs_the_same_queries_for_2_or_8_vendor_orders(
    paid_order, commission_vendor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    orders = [paid_order((sellable(vendor=commission_vendor), 1)) for _ in range(10)]
    rows = [complete(order.vendor_orders.get()) for order in orders]
    now = timezone.now() + LATER
    VendorOrderSettlement.objects.filter(vendor_order__in=rows[2:]).update(
        available_at=now + LATER
    )

    with CaptureQueriesContext(connection) as two:
        first = settle_due_vendor_orders(now=now, batch_size=100)
    with CaptureQueriesContext(connection) as eight:
        second = settle_due_vendor_orders(now=now + LATER, batch_size=100)

    assert (first, second) == (2, 8)
    # (the first batch also creates the vendor's available and receivable accounts)
    assert len(eight.captured_queries) <= len(two.captured_queries)
    assert len(eight.captured_queries) <= 16


@pytest.mark.django_db(transaction=True)
def test_concurrent_settlement_runs_credit_each_vendor_order_once(
    paid_order, commission_vendor
):
    for _ in range(4):
        order = paid_order((sellable(vendor=commission_vendor), 1))
        complete(order.vendor_orders.get())
    total = sum(VendorOrderSettlement.objects.values_list("vendor_amount", flat=True))
    now = timezone.now() + LATER

    results = run_concurrently(
        [lambda: settle_due_vendor_orders(now=now, batch_size=2) for _ in range(5)]
    )

    assert sum(results) == 4
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == total
    assert JournalEntry.objects.filter(kind="vendor_order_settled").count() == 4
    assert OutboxMessage.objects.filter(topic="order.settlement_due").count() == 4
