"""ledger_check's frozen-funds invariant (``orders.checks_money``, check 4)."""

import pytest

from marketplace.ledger.services import get_or_create_account, record_entry
from marketplace.payments.port import FundsFlow
from orders.checks_money import check_money
from tests.money.conftest import Kind, complete, settle
from tests.orders.conftest import sellable

pytestmark = pytest.mark.django_db


def account(owner_type, owner_id, kind):
    return get_or_create_account(
        owner_type=owner_type, owner_id=owner_id, kind=kind, currency="CNY"
    )


def leak(order, vendor, amount=100):
    """Move frozen money of the order's vendor to the platform with no reason."""
    record_entry(
        idempotency_key=f"test-leak-{order.pk}",
        kind="test_leak",
        postings=[
            (account("platform", "platform", Kind.PROVIDER_CASH), amount),
            (account("vendor", vendor.pk, Kind.VENDOR_FROZEN), -amount),
        ],
        reference=("order", order.pk),
    )


@pytest.mark.parametrize("settled", [False, True])
def test_frozen_funds_match_escrow_and_holding_shares(
    settings, paid_order, commission_vendor, settled
):
    settings.SANDBOX_FUNDS_FLOW = FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT.value
    order = paid_order((sellable(vendor=commission_vendor, price=12900), 2))
    complete(order.vendor_orders.get())
    if settled:
        settle()
    assert check_money() == []

    leak(order, commission_vendor, amount=-100 if settled else 100)

    left, holding = (
        (100, 0) if settled else (order.grand_total - 100, order.grand_total)
    )
    assert check_money() == [
        f"order {order.number} (#{order.pk}): its entries leave {left} in the "
        f"vendors' frozen funds, expected escrow 0 + holding shares {holding}"
    ]


def test_an_order_captured_on_the_platform_moves_no_frozen_funds(
    paid_order, commission_vendor
):
    order = paid_order((sellable(vendor=commission_vendor, price=12900), 2))

    leak(order, commission_vendor, amount=-100)

    assert check_money() == [
        f"order {order.number} (#{order.pk}): captured on the platform, yet its "
        "entries move 100 of the vendors' frozen funds"
    ]
