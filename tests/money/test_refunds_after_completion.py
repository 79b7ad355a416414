"""Refunds after completion: from payable, from a settlement, or to receivable."""

import pytest

from marketplace.common.errors import Conflict
from marketplace.common.money import allocate
from marketplace.ledger.models import JournalEntry
from marketplace.payments.port import PayoutRequest
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from orders.models import Refund, VendorOrderSettlement, VendorPayee
from orders.services import settlement
from orders.services.late_refunds import refund_completed_vendor_order
from tests import factories
from tests.money.conftest import (
    Kind,
    complete,
    deliver,
    escrow_balance,
    platform_balance,
    run_refunds,
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


@pytest.fixture
def completed(paid_order, commission_vendor):
    order = paid_order((sellable(vendor=commission_vendor, price=12900), 2))
    return complete(order.vendor_orders.get())


def refund(vendor_order, amount, key="1"):
    return refund_completed_vendor_order(
        operator=factories.OperatorFactory(),
        vendor_order_id=vendor_order.pk,
        amount=amount,
        reason="arbitration",
        key=key,
    )


def provider_available(vendor) -> int:
    ref = VendorPayee.objects.get(vendor=vendor).account_ref
    return get_provider().get_vendor_balance(ref).available


def withdraw_at_provider(vendor, amount) -> None:
    """The vendor's money leaves its provider account (a payout)."""
    ref = VendorPayee.objects.get(vendor=vendor).account_ref
    control.complete_onboarding(ref)
    result = get_provider().payout(
        PayoutRequest(payee_ref=ref, amount=amount, currency="CNY"),
        idempotency_key=f"test-payout-{vendor.pk}",
    )
    assert result.outcome == "succeeded"


def test_before_settlement_a_refund_comes_out_of_payable_and_revenue(completed):
    vendor = completed.vendor
    vendor_part, platform_part = settlement.shares(completed)

    refund(completed, 10001)
    run_refunds()

    to_vendor, to_platform = allocate(10001, [vendor_part, platform_part])
    assert vendor_balance(vendor, Kind.VENDOR_PAYABLE) == vendor_part - to_vendor
    assert platform_balance(Kind.PLATFORM_REVENUE) == platform_part - to_platform
    assert escrow_balance(completed.order) == 0
    assert Refund.objects.get().status == "succeeded"


def test_after_settlement_a_refund_is_reversed_at_the_provider(completed):
    vendor = completed.vendor
    settle()
    part = VendorOrderSettlement.objects.get().vendor_amount

    refund(completed, completed.total)
    run_refunds()
    deliver("order.settlement_reversal")

    assert vendor_balance(vendor, Kind.VENDOR_AVAILABLE) == 0
    assert vendor_balance(vendor, Kind.VENDOR_RECEIVABLE) == 0
    assert provider_available(vendor) == 0
    assert part > 0
    assert escrow_balance(completed.order) == 0


def test_a_refund_after_the_vendor_withdrew_goes_to_receivable_and_is_netted(
    completed, paid_order
):
    # given a settled vendor order whose money the vendor has withdrawn
    vendor = completed.vendor
    settle()
    part = VendorOrderSettlement.objects.get().vendor_amount
    withdraw_at_provider(vendor, part)

    # when it is refunded in full, the provider refuses the reversal
    refund(completed, completed.total)
    run_refunds()
    deliver("order.settlement_reversal")

    # then the vendor owes its part (flagged), and the next settlement nets it
    assert vendor_balance(vendor, Kind.VENDOR_RECEIVABLE) == part
    refused = JournalEntry.objects.get(kind="settlement_reversal_refused")
    assert refused.metadata["flagged"] is True
    assert escrow_balance(completed.order) == 0
    later = paid_order((sellable(vendor=vendor, price=12900), 2))
    later = complete(later.vendor_orders.get())
    settle()
    next_row = VendorOrderSettlement.objects.get(vendor_order=later)
    assert vendor_balance(vendor, Kind.VENDOR_RECEIVABLE) == 0
    assert next_row.netted_amount == part
    # the refused reversal left ``part`` in the ledger's available balance; the
    # vendor's new earnings repaid what it owed
    assert vendor_balance(vendor, Kind.VENDOR_AVAILABLE) == next_row.vendor_amount


def test_partial_refunds_never_add_up_past_what_was_captured(completed):
    refund(completed, completed.total - 100, key="a")

    with pytest.raises(Conflict) as refused:
        refund(completed, 101, key="b")
    refund(completed, 100, key="c")
    run_refunds()

    assert refused.value.code == "refund_exceeds_captured"
    completed.refresh_from_db()
    assert completed.refunded_total == completed.total
    assert escrow_balance(completed.order) == 0
    assert vendor_balance(completed.vendor, Kind.VENDOR_PAYABLE) == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_full_refunds_refund_once(completed):
    operator = factories.OperatorFactory()

    def job(key):
        return lambda: refund_completed_vendor_order(
            operator=operator,
            vendor_order_id=completed.pk,
            amount=completed.total,
            reason="arbitration",
            key=key,
        )

    results = run_concurrently([job(f"k{i}") for i in range(6)])

    refunds_made = [r for r in results if isinstance(r, Refund)]
    assert len(refunds_made) == 1
    assert {getattr(r, "code", "") for r in results if r not in refunds_made} == {
        "refund_exceeds_captured"
    }
    completed.refresh_from_db()
    assert completed.refunded_total == completed.total


def test_a_failed_refund_after_completion_gives_the_parts_back(completed):
    from orders.services.refunds import complete_refund

    vendor = completed.vendor
    vendor_part, platform_part = settlement.shares(completed)
    made = refund(completed, 5000)
    Refund.objects.filter(pk=made.pk).update(provider_reference="re_test_failed")

    complete_refund(provider_reference="re_test_failed", succeeded=False)

    completed.refresh_from_db()
    assert completed.refunded_total == 0
    assert vendor_balance(vendor, Kind.VENDOR_PAYABLE) == vendor_part
    assert platform_balance(Kind.PLATFORM_REVENUE) == platform_part
    assert escrow_balance(completed.order) == 0
    kinds = JournalEntry.objects.filter(kind="vendor_order_rebooked").count()
    assert kinds == 2
