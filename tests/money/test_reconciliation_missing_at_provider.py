"""The reconciliation's ledger-to-provider direction on the sandbox, in both money
shapes: refunds, settlements, settlement reversals and payouts the marketplace
recorded as done must be in the provider's transactions."""

import pytest
from django.utils import timezone

from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxBalanceTransaction
from orders.models import (
    ReconciliationItem,
    Refund,
    VendorOrderSettlement,
    VendorPayee,
)
from orders.services.reconciliation import day_bounds, reconcile_day
from orders.services.reconciliation_expected import (
    expected_at_provider,
    missing_at_provider,
)
from tests.money.conftest import (
    Kind,
    complete,
    deliver,
    owner,
    run_refunds,
    settle,
    vendor_balance,
)
from tests.money.test_refunds_after_completion import refund
from tests.orders.conftest import sellable
from vendors.models import Withdrawal
from vendors.services.withdrawals import request_withdrawal

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


def withdraw_all(vendor) -> Withdrawal:
    control.complete_onboarding(VendorPayee.objects.get(vendor=vendor).account_ref)
    withdrawal = request_withdrawal(
        vendor=vendor,
        actor=owner(vendor),
        amount=vendor_balance(vendor, Kind.VENDOR_AVAILABLE),
    )
    deliver("vendor.withdrawal_payout")
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PAID
    return withdrawal


@pytest.fixture
def day(paid_order, commission_vendor):
    """A day of the vendor's: a refund before settlement (first order), two
    settlements, a refund after settlement that pulls part of the second one back
    (a transfer reversal, or the commission returned), and a payout."""
    vendor = commission_vendor
    first = complete(
        paid_order((sellable(vendor=vendor, price=30000), 1)).vendor_orders.get()
    )
    second = complete(
        paid_order((sellable(vendor=vendor, price=40000), 1)).vendor_orders.get()
    )
    refund(first, 1000, key="before")
    run_refunds()
    assert settle() == 2
    refund(second, 2000, key="after")
    run_refunds()
    deliver("order.settlement_reversal")
    withdrawal = withdraw_all(vendor)
    refunds = {r.vendor_order_id: r for r in Refund.objects.all()}
    assert {r.status for r in refunds.values()} == {Refund.Status.SUCCEEDED}
    settlements = {s.vendor_order_id: s for s in VendorOrderSettlement.objects.all()}
    return {
        "refund": refunds[first.pk],
        "settlement": settlements[first.pk],
        "settlement_reversal": settlements[second.pk],
        "payout": withdrawal,
    }


def expected_types() -> set[str]:
    since, until = day_bounds(timezone.localdate())
    found = expected_at_provider(provider=get_provider(), since=since, until=until)
    return {str(e.type) for e in found}


def a_normal_day_reconciles() -> None:
    """Reconcile the day: nothing differs, in either shape."""
    assert reconcile_day(day=timezone.localdate()) == 0
    assert not ReconciliationItem.objects.exists()


def test_a_day_of_refunds_settlements_reversals_and_payouts_reconciles(
    day, django_assert_max_num_queries
):
    since, until = day_bounds(timezone.localdate())
    provider = get_provider()
    listed = provider.list_transactions(since=since, until=until)

    with django_assert_max_num_queries(25):
        missing = missing_at_provider(
            provider=provider, since=since, until=until, platform=listed
        )

    assert missing == []
    assert expected_types() == {"refund", "settlement", "settlement_reversal", "payout"}
    a_normal_day_reconciles()


def test_a_refund_the_platform_advanced_after_a_payout_reconciles(
    paid_order, commission_vendor
):
    # given a vendor paid out in full, then a full refund of its order (the frozen
    # shape: the platform advances the vendor's part; the other: the reversal is
    # refused and the vendor owes it)
    order = paid_order((sellable(vendor=commission_vendor, price=30000), 1))
    vendor_order = complete(order.vendor_orders.get())
    settle()
    withdraw_all(commission_vendor)
    refund(vendor_order, vendor_order.total)
    run_refunds()
    deliver("order.settlement_reversal")

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    a_normal_day_reconciles()
    assert vendor_balance(commission_vendor, Kind.VENDOR_RECEIVABLE) > 0


def drop(source_id: str, type_: str) -> None:
    """The provider loses every movement of that object and type (on the
    platform's balance and on the payee's)."""
    for txn in SandboxBalanceTransaction.objects.filter(
        source_id=source_id, type=type_
    ):
        control.drop_transaction(txn.transaction_id)


@pytest.mark.parametrize(
    "dropped", ["refund", "settlement", "settlement_reversal", "payout"]
)
def test_each_object_missing_at_the_provider_becomes_one_item(day, dropped):
    obj = day[dropped]
    source_id = {
        "refund": lambda: obj.provider_reference,
        "settlement": lambda: obj.provider_settlement_id,
        "settlement_reversal": lambda: obj.provider_settlement_id,
        "payout": lambda: obj.provider_payout_id,
    }[dropped]()
    a_normal_day_reconciles()
    drop(source_id, dropped)

    found = reconcile_day(day=timezone.localdate())
    again = reconcile_day(day=timezone.localdate())

    assert (found, again) == (1, 0)
    item = ReconciliationItem.objects.get()
    assert (item.kind, item.transaction_type, item.source_id, item.provider_amount) == (
        "missing_at_provider",
        dropped,
        source_id,
        0,
    )
    assert item.ledger_amount > 0
