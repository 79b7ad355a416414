"""WeChat Pay's own faults through the marketplace: the domain calls the adapter, the
fake counts one effect per action, and the ledger's invariants hold."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import ReconciliationItem, Refund, VendorOrderSettlement
from orders.services import settlement
from orders.services.reconciliation import reconcile_day
from tests.money.conftest import (
    Kind,
    complete,
    deliver,
    owner,
    run_refunds,
    settle,
    vendor_balance,
)
from tests.payments.contract.conftest import process_webhooks
from tests.payments.contract.harness import Effects, Fault
from tests.payments.contract.test_contract import (
    pay,
    place,
    redeliver,
    refund_after_settlement,
)
from vendors.services.withdrawals import request_withdrawal

pytestmark = [pytest.mark.django_db, pytest.mark.money]


def test_a_refund_callback_arriving_before_the_answer_refunds_once(
    harness, onboarded_vendor
):
    order = pay(harness, place(onboarded_vendor))
    vendor_order = complete(order.vendor_orders.get())
    harness.inject_fault(Fault.WEBHOOK_BEFORE_RESPONSE, operation="refund")
    before = len(harness.fake.delivered)

    refund_after_settlement(vendor_order, amount=1_000)
    run_refunds()
    stored_before_answer = harness.fake.delivered[before:]
    applied = process_webhooks()

    assert stored_before_answer == [200]
    assert applied == ["ignored"]  # the answer had already completed the refund
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert harness.effects() == Effects(captures=1, refunds=1)
    call_command("ledger_check")


def test_profit_sharing_stuck_in_processing_settles_once_after_a_query(
    harness, onboarded_vendor
):
    order = pay(harness, place(onboarded_vendor))
    complete(order.vendor_orders.get())
    harness.fake.hold_sharing = True

    settle()
    pending = VendorOrderSettlement.objects.get().provider_settlement_id
    harness.fake.release_sharing()
    redeliver("order.settlement_due")

    assert pending == ""
    assert VendorOrderSettlement.objects.get().provider_settlement_id
    assert harness.effects() == Effects(captures=1, transfers=1)
    assert (
        harness.fake.requests.count(("POST", "/v3/ecommerce/profitsharing/orders")) == 1
    )
    call_command("ledger_check")


def test_a_refused_profit_sharing_return_holds_the_refund_until_it_is_made(
    harness, onboarded_vendor
):
    """WeChat Pay would take a refund after 完结分账 from the sub-merchant's
    available balance while the books say the platform returned its commission:
    a return refused for the platform's balance (NOT_ENOUGH) holds the refund back
    until the retry makes the return."""
    order = pay(harness, place(onboarded_vendor))
    vendor_order = complete(order.vendor_orders.get())
    settle()
    harness.fake.refuse_returns = 1

    refund_after_settlement(vendor_order)
    deliver("order.refund_created")
    held = (Refund.objects.get().status, harness.effects().refunds)
    redeliver("order.refund_created")

    assert held == (Refund.Status.PENDING, 0)
    assert harness.fake.refuse_returns == 0  # the return was asked and refused
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert harness.effects() == Effects(captures=1, transfers=1, reversals=1, refunds=1)
    call_command("ledger_check")


def test_a_full_refund_after_a_withdrawal_is_advanced_by_the_platform(
    harness, onboarded_vendor
):
    """The vendor withdrew through the marketplace, so the refund's clawback owes
    its whole part: the commission comes back by 分账回退, the vendor's part is a
    垫付退款 from the platform's balance, and the vendor owes it."""
    vendor = onboarded_vendor
    order = pay(harness, place(vendor))
    vendor_order = complete(order.vendor_orders.get())
    vendor_part, _platform_part = settlement.shares(vendor_order)
    settle()
    request_withdrawal(
        vendor=vendor,
        actor=owner(vendor),
        amount=vendor_balance(vendor, Kind.VENDOR_AVAILABLE),
    )
    deliver("vendor.withdrawal_payout")
    platform_funds = harness.fake.platform_available

    refund_after_settlement(vendor_order, amount=vendor_order.total)
    run_refunds()

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert harness.effects() == Effects(
        captures=1, transfers=1, reversals=1, refunds=1, payouts=1
    )
    (advanced,) = [r["advance"] for r in harness.fake.refunds.values()]
    assert advanced == vendor_part
    assert (
        harness.fake.platform_available
        == platform_funds - (vendor_order.total - vendor_part) - vendor_part
    )
    assert vendor_balance(vendor, Kind.VENDOR_RECEIVABLE) == vendor_part
    call_command("ledger_check")


def test_a_refund_after_settlement_returns_the_commission_then_refunds_once(
    harness, onboarded_vendor
):
    order = pay(harness, place(onboarded_vendor))
    vendor_order = complete(order.vendor_orders.get())
    settle()

    refund_after_settlement(vendor_order)
    run_refunds()
    harness.deliver_webhooks(duplicates=1, order="reversed")
    process_webhooks()

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert harness.effects() == Effects(captures=1, transfers=1, reversals=1, refunds=1)
    call_command("ledger_check")


# reconcile_day finds captures missing at the provider; it does not look for
# refunds or settlements the ledger booked and the provider's list lacks.
@pytest.mark.parametrize("dropped", ["payment"])
def test_the_day_reconciles_against_the_bills_and_finds_the_dropped_movement(
    harness, onboarded_vendor, dropped
):
    order = pay(harness, place(onboarded_vendor))
    vendor_order = complete(order.vendor_orders.get())
    settle()
    refund_after_settlement(vendor_order)
    run_refunds()
    sources = {
        "payment": order.payment_reference,
        "settlement": VendorOrderSettlement.objects.get().provider_settlement_id,
        "refund": Refund.objects.get().provider_reference,
    }

    clean = reconcile_day(day=timezone.localdate())
    harness.drop_transaction(source_id=sources[dropped])
    found = reconcile_day(day=timezone.localdate())

    assert clean == 0
    assert found == 1
    assert ReconciliationItem.objects.get().source_id == sources[dropped]
    call_command("ledger_check")
