"""Completion moves a vendor order's part of escrow to its payable and revenue."""

from datetime import timedelta

import pytest

from marketplace.common.money import allocate, apply_bps
from marketplace.ledger.models import JournalEntry
from orders.models import VendorOrderSettlement
from orders.services import fulfilment, settlement
from tests.money.conftest import (
    Kind,
    complete,
    escrow_balance,
    owner,
    platform_balance,
    run_refunds,
    ship,
    vendor_balance,
)
from tests.orders.conftest import sellable

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


def test_commission_model_pays_the_line_total_less_commission_and_shipping(
    paid_order, commission_vendor
):
    # given two lines of 129.00 × 2 and 45.50 × 1 at the default 5 % commission
    order = paid_order(
        (sellable(vendor=commission_vendor, price=12900), 2),
        (sellable(vendor=commission_vendor, price=4550), 1),
    )
    vendor_order = order.vendor_orders.get()
    commission = apply_bps(25800, 500) + apply_bps(4550, 500)

    # when the shopper confirms receipt
    complete(vendor_order)

    # then the vendor's payable holds the lines less commission plus shipping
    vendor_part = 25800 + 4550 - commission + vendor_order.shipping_fee
    assert vendor_balance(commission_vendor, Kind.VENDOR_PAYABLE) == vendor_part
    assert platform_balance(Kind.PLATFORM_REVENUE) == commission
    assert escrow_balance(order) == 0
    row = VendorOrderSettlement.objects.get()
    assert (row.vendor_amount, row.platform_amount) == (vendor_part, commission)


def test_supply_price_model_pays_supply_price_times_quantity(paid_order, supply_vendor):
    variant = sellable(vendor=supply_vendor, price=15000, supply_price=11111)
    order = paid_order((variant, 3))
    vendor_order = order.vendor_orders.get()

    complete(vendor_order)

    shipping = vendor_order.shipping_fee
    assert vendor_balance(supply_vendor, Kind.VENDOR_PAYABLE) == 33333 + shipping
    assert platform_balance(Kind.PLATFORM_REVENUE) == 45000 - 33333
    assert escrow_balance(order) == 0


def test_the_provider_fee_stays_a_platform_expense(paid_order, commission_vendor):
    order = paid_order((sellable(vendor=commission_vendor, price=12900), 1))
    vendor_order = order.vendor_orders.get()

    complete(vendor_order)

    fee = platform_balance(Kind.PLATFORM_FEE_EXPENSE)
    vendor_part, platform_part = settlement.shares(vendor_order)
    assert vendor_balance(commission_vendor, Kind.VENDOR_PAYABLE) == vendor_part
    assert platform_balance(Kind.PLATFORM_REVENUE) == platform_part
    assert fee >= 0


def test_a_refund_before_completion_reduces_both_parts_in_proportion(
    paid_order, commission_vendor
):
    # given a vendor order of 258.00 (+ shipping) with 100.01 refunded before
    order = paid_order((sellable(vendor=commission_vendor, price=12900), 2))
    vendor_order = order.vendor_orders.get()
    ship(vendor_order)
    from orders.services import refunds

    request = refunds.request_refund(
        shopper=order.shopper,
        vendor_order_id=vendor_order.pk,
        type="refund_only",
        reason="scratched",
        amount=10001,
    )
    refunds.accept_refund(
        vendor=commission_vendor, request_id=request.pk, actor=owner(commission_vendor)
    )
    run_refunds()

    # when it completes
    fulfilment.confirm_receipt(shopper=order.shopper, vendor_order_id=vendor_order.pk)
    vendor_order.refresh_from_db()

    # then what moves is the total less the refund, split like the parts
    vendor_part, platform_part = settlement.shares(vendor_order)
    refund_vendor, refund_platform = allocate(10001, [vendor_part, platform_part])
    payable = vendor_balance(commission_vendor, Kind.VENDOR_PAYABLE)
    revenue = platform_balance(Kind.PLATFORM_REVENUE)
    assert (payable, revenue) == (
        vendor_part - refund_vendor,
        platform_part - refund_platform,
    )
    assert payable + revenue == vendor_order.total - 10001
    assert escrow_balance(order) == 0


def test_completion_replayed_books_once_and_sets_the_holding_date(
    paid_order, commission_vendor
):
    commission_vendor.holding_days_override = 2
    commission_vendor.save()
    order = paid_order((sellable(vendor=commission_vendor), 1))
    vendor_order = complete(order.vendor_orders.get())

    again = settlement.book_completion(vendor_order=vendor_order)

    assert JournalEntry.objects.filter(kind="vendor_order_completed").count() == 1
    assert again.available_at == vendor_order.completed_at + timedelta(days=2)


def test_platform_holding_days_apply_without_an_override(paid_order, commission_vendor):
    from marketplace.rules.selectors import get_rules

    order = paid_order((sellable(vendor=commission_vendor), 1))
    vendor_order = complete(order.vendor_orders.get())

    row = VendorOrderSettlement.objects.get(vendor_order=vendor_order)
    assert row.available_at - row.completed_at == timedelta(
        days=get_rules().holding_days
    )
