"""The books of the frozen money shape (``FUNDS_FROZEN_IN_PAYEE_ACCOUNT``).

The order's escrow is the same liability in both shapes; what backs it here is
each vendor's frozen funds at the provider. After every step the ledger mirrors the
sandbox: ``vendor_frozen`` = the payee's frozen balance, ``vendor_unfrozen`` = its
available balance, the platform's provider cash = the platform's balance.
"""

import pytest

from marketplace.ledger.models import JournalEntry
from marketplace.payments.port import FundsFlow
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.engine import platform_account
from orders.models import Refund, VendorOrderSettlement, VendorPayee
from orders.selectors_settlement import list_upcoming_payouts
from orders.services import fulfilment, settlement
from tests.money.conftest import (
    Kind,
    complete,
    deliver,
    escrow_balance,
    owner,
    platform_balance,
    run_refunds,
    settle,
    vendor_balance,
)
from tests.money.test_refunds_after_completion import refund
from tests.orders.conftest import sellable
from vendors.selectors_money import get_vendor_balances
from vendors.services import withdrawals

pytestmark = [pytest.mark.django_db, pytest.mark.money]


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.SANDBOX_FUNDS_FLOW = FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT.value


def assert_ledger_mirrors_provider(*vendors) -> None:
    provider = get_provider()
    for vendor in vendors:
        ref = VendorPayee.objects.get(vendor=vendor).account_ref
        at_provider = provider.get_vendor_balance(ref)
        assert vendor_balance(vendor, Kind.VENDOR_FROZEN) == at_provider.pending
        assert vendor_balance(vendor, Kind.VENDOR_UNFROZEN) == at_provider.available
    assert platform_balance(Kind.PROVIDER_CASH) == platform_account("CNY").available


@pytest.fixture
def two_vendor_order(paid_order, commission_vendor, supply_vendor):
    return paid_order(
        (sellable(vendor=commission_vendor, price=12900), 2),
        (sellable(vendor=supply_vendor, price=5000, supply_price=3000), 1),
    )


def test_a_capture_freezes_each_vendors_part_and_the_fee_is_an_expense(
    two_vendor_order,
):
    order = two_vendor_order
    parts = {vo.vendor: vo.total for vo in order.vendor_orders.all()}

    assert escrow_balance(order) == order.grand_total
    for vendor, total in parts.items():
        assert vendor_balance(vendor, Kind.VENDOR_FROZEN) == total
    fee = platform_balance(Kind.PLATFORM_FEE_EXPENSE)
    assert fee > 0
    assert platform_balance(Kind.PROVIDER_CASH) == -fee
    assert_ledger_mirrors_provider(*parts)


def test_settlement_shares_the_commission_and_unfreezes_the_vendors_share(
    two_vendor_order,
):
    vendor_orders = [complete(vo) for vo in two_vendor_order.vendor_orders.all()]
    fee = platform_balance(Kind.PLATFORM_FEE_EXPENSE)

    settle()

    shares = [settlement.shares(vo) for vo in vendor_orders]
    for vo, (vendor_part, _platform) in zip(vendor_orders, shares, strict=True):
        assert vendor_balance(vo.vendor, Kind.VENDOR_FROZEN) == 0
        assert vendor_balance(vo.vendor, Kind.VENDOR_UNFROZEN) == vendor_part
        assert vendor_balance(vo.vendor, Kind.VENDOR_AVAILABLE) == vendor_part
    commission = sum(platform for _vendor, platform in shares)
    assert platform_balance(Kind.PLATFORM_REVENUE) == commission
    assert platform_balance(Kind.PROVIDER_CASH) == commission - fee
    assert escrow_balance(two_vendor_order) == 0
    assert_ledger_mirrors_provider(*(vo.vendor for vo in vendor_orders))


def test_a_refund_before_completion_comes_out_of_the_frozen_funds(two_vendor_order):
    vendor_order = two_vendor_order.vendor_orders.order_by("id").first()
    fulfilment.refuse_vendor_order(
        vendor=vendor_order.vendor,
        vendor_order_id=vendor_order.pk,
        actor=owner(vendor_order.vendor),
        reason="out of stock",
    )
    run_refunds()

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert vendor_balance(vendor_order.vendor, Kind.VENDOR_FROZEN) == 0
    assert_ledger_mirrors_provider(
        *(vo.vendor for vo in two_vendor_order.vendor_orders.all())
    )


def test_a_refund_after_settlement_is_returned_then_refunded(
    paid_order, commission_vendor
):
    order = paid_order((sellable(vendor=commission_vendor, price=12900), 2))
    vendor_order = complete(order.vendor_orders.get())
    settle()
    vendor_part, _platform_part = settlement.shares(vendor_order)

    refund(vendor_order, 10001)
    run_refunds()

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    clawback = JournalEntry.objects.get(kind="vendor_order_rebooked")
    to_vendor = clawback.metadata["from_unfrozen"]
    assert to_vendor + clawback.metadata["provider_return"] == 10001
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == (
        vendor_part - to_vendor
    )
    assert escrow_balance(order) == 0
    split = get_provider().get_payment(order.payment_reference).splits[0]
    assert (split.refunded, split.settled) == (10001, vendor_order.total - 10001)
    assert_ledger_mirrors_provider(commission_vendor)


def test_a_full_refund_after_the_vendor_withdrew_is_advanced_and_owed(
    paid_order, commission_vendor
):
    order = paid_order((sellable(vendor=commission_vendor, price=30000), 1))
    vendor_order = complete(order.vendor_orders.get())
    settle()
    control.complete_onboarding(
        VendorPayee.objects.get(vendor=commission_vendor).account_ref
    )
    available = vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE)
    withdrawals.request_withdrawal(
        vendor=commission_vendor, actor=owner(commission_vendor), amount=available
    )
    deliver("vendor.withdrawal_payout")

    refund(vendor_order, vendor_order.total)
    run_refunds()

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    # the vendor's whole part was withdrawn: the platform advanced it, it is owed
    vendor_part = settlement.shares(vendor_order)[0]
    assert vendor_balance(commission_vendor, Kind.VENDOR_RECEIVABLE) == vendor_part
    assert VendorOrderSettlement.objects.get().vendor_amount == 0
    assert escrow_balance(order) == 0
    assert_ledger_mirrors_provider(commission_vendor)


def test_a_paid_withdrawal_leaves_the_vendors_unfrozen_funds(
    paid_order, commission_vendor
):
    order = paid_order((sellable(vendor=commission_vendor, price=30000), 1))
    complete(order.vendor_orders.get())
    settle()
    control.complete_onboarding(
        VendorPayee.objects.get(vendor=commission_vendor).account_ref
    )
    available = vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE)
    cash = platform_balance(Kind.PROVIDER_CASH)

    withdrawal = withdrawals.request_withdrawal(
        vendor=commission_vendor, actor=owner(commission_vendor), amount=available
    )
    deliver("vendor.withdrawal_payout")

    withdrawal.refresh_from_db()
    assert withdrawal.status == "paid"
    assert vendor_balance(commission_vendor, Kind.VENDOR_UNFROZEN) == (
        available - withdrawal.payout_amount
    )
    assert platform_balance(Kind.PROVIDER_CASH) == cash
    assert_ledger_mirrors_provider(commission_vendor)


def test_the_vendors_balance_and_payout_schedule_read_the_same_in_this_shape(
    paid_order, commission_vendor
):
    order = paid_order((sellable(vendor=commission_vendor, price=30000), 1))
    vendor_order = complete(order.vendor_orders.get())
    vendor_part = settlement.shares(vendor_order)[0]

    holding = get_vendor_balances(vendor=commission_vendor)
    upcoming = list(list_upcoming_payouts(vendor=commission_vendor))
    settle()
    settled = get_vendor_balances(vendor=commission_vendor)

    assert (holding["pending"], holding["available"]) == (vendor_part, 0)
    assert [row.vendor_amount for row in upcoming] == [vendor_part]
    assert (settled["pending"], settled["available"]) == (0, vendor_part)
    assert list(list_upcoming_payouts(vendor=commission_vendor)) == []


def test_a_refund_after_a_netted_settlement_takes_no_more_than_was_unfrozen(
    paid_order, commission_vendor
):
    # given a vendor that owes a refunded order it had withdrawn, a later order
    # whose settlement netted that debt, and more available from another order
    first = paid_order((sellable(vendor=commission_vendor, price=30000), 1))
    first = complete(first.vendor_orders.get())
    settle()
    control.complete_onboarding(
        VendorPayee.objects.get(vendor=commission_vendor).account_ref
    )
    withdrawals.request_withdrawal(
        vendor=commission_vendor,
        actor=owner(commission_vendor),
        amount=vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE),
    )
    deliver("vendor.withdrawal_payout")
    refund(first, first.total, key="first")
    run_refunds()
    owed = vendor_balance(commission_vendor, Kind.VENDOR_RECEIVABLE)
    later = paid_order((sellable(vendor=commission_vendor, price=40000), 1))
    later = complete(later.vendor_orders.get())
    other = paid_order((sellable(vendor=commission_vendor, price=50000), 1))
    complete(other.vendor_orders.get())
    settle()
    row = VendorOrderSettlement.objects.get(vendor_order=later)
    assert row.netted_amount == owed
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) > (
        row.transfer_amount
    )

    # when the later order is refunded in full
    refund(later, later.total, key="later")
    run_refunds()

    # then the refund went through, and the vendor owes its part of it again
    assert set(Refund.objects.values_list("status", flat=True)) == {"succeeded"}
    clawback = JournalEntry.objects.get(
        kind="vendor_order_rebooked", metadata__vendor_order=later.pk
    )
    assert clawback.metadata["from_unfrozen"] == row.transfer_amount
    assert escrow_balance(later.order) == 0
    assert_ledger_mirrors_provider(commission_vendor)
