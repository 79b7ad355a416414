"""The per-order invariants: green for real journeys, readable when the books break."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from marketplace.ledger.models import Account
from marketplace.ledger.services import get_or_create_account, record_entry
from marketplace.payments.sandbox import control
from orders.checks import check_orders
from orders.models import Refund, VendorOrder
from orders.services import fulfilment, payment, refunds
from tests.ledger.checking import fail_on_ledger_problems
from tests.orders.conftest import sellable

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("funds_flow")]
Kind = Account.Kind


def _owner(vendor_order):
    return vendor_order.vendor.members.get().user


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def closed_order(place):
    """An order of two vendors, paid on the sandbox (fee booked): one vendor refused
    and the refund went through; the other shipped and the shopper confirmed."""
    order = place((sellable(price=12900), 2), (sellable(price=4550), 1))
    control.pay(order.payment_reference)
    payment.sync_payment(payment_id=order.payment_reference, source="status query")
    refused, shipped = order.vendor_orders.order_by("id")
    fulfilment.refuse_vendor_order(
        vendor=refused.vendor,
        vendor_order_id=refused.pk,
        actor=_owner(refused),
        reason="Out of stock",
    )
    refunds.execute_refund(refund_id=Refund.objects.get().pk)
    vendor = {"vendor": shipped.vendor, "vendor_order_id": shipped.pk}
    fulfilment.accept_vendor_order(**vendor, actor=_owner(shipped))
    fulfilment.ship_vendor_order(
        **vendor, actor=_owner(shipped), carrier="SF", tracking_number="SF1"
    )
    fulfilment.confirm_receipt(shopper=order.shopper, vendor_order_id=shipped.pk)
    order.refresh_from_db()
    return order


def _escrow(order):
    return Account.objects.get(owner_type="order", owner_id=str(order.pk))


def test_a_real_journey_keeps_every_per_order_invariant(closed_order):
    refused, shipped = closed_order.vendor_orders.order_by("id")
    escrow = _escrow(closed_order)
    out = io.StringIO()

    call_command("ledger_check", stdout=out)

    assert (closed_order.status, refused.status, shipped.status) == (
        "completed",
        "refused",
        "completed",
    )
    assert closed_order.refunded_total == refused.total
    # completion moved the shipped vendor order's part to its payable and revenue
    assert escrow.credits_posted - escrow.debits_posted == 0
    assert check_orders() == []
    assert out.getvalue().startswith("ledger OK")


def _book(order, kind, *postings, key=None):
    record_entry(
        idempotency_key=key or f"test:{kind}:{order.pk}",
        kind=kind,
        postings=list(postings),
        reference=("order", order.pk),
    )


def _platform(kind):
    return get_or_create_account(
        owner_type="platform", owner_id="platform", kind=kind, currency="CNY"
    )


def test_a_second_capture_is_reported(closed_order):
    name = f"order {closed_order.number} (#{closed_order.pk}, completed)"
    _book(
        closed_order,
        "payment_captured",
        (_platform(Kind.PROVIDER_CASH), 100),
        (_escrow(closed_order), -100),
    )

    assert check_orders() == [
        f"{name}: 2 capture entries, expected exactly one",
        f"{name}: captured {closed_order.grand_total + 100} CNY into escrow, "
        f"expected {closed_order.grand_total}",
        f"{name}: final, yet escrow holds 100 CNY, expected 0",
    ]


def test_a_fee_booked_through_escrow_is_reported(closed_order):
    shipped = closed_order.vendor_orders.get(status="completed")
    name = f"order {closed_order.number} (#{closed_order.pk}, completed)"
    fee_entries = 2  # the provider's real fee, and this one
    _book(
        closed_order,
        "provider_fee",
        (_platform(Kind.PROVIDER_CASH), 50),
        (_escrow(closed_order), -50),
    )
    real_fee = _platform(Kind.PLATFORM_FEE_EXPENSE).debits_posted

    assert check_orders() == [
        f"{name}: {fee_entries} fee entries debit {real_fee + 50} CNY, of which only "
        f"{real_fee} to the platform fee expense",
        f"{name}: its escrow is moved by entries of kind provider_fee",
        f"{name}: escrow holds 50 CNY, but captured "
        f"{closed_order.grand_total} − refunded {closed_order.refunded_total} "
        f"− shared out {shipped.total} = 0",
        f"{name}: final, yet escrow holds 50 CNY, expected 0",
    ]


def test_money_moved_out_of_escrow_by_an_unknown_kind_is_reported(closed_order):
    shipped = closed_order.vendor_orders.get(status="completed")
    payable = get_or_create_account(
        owner_type="vendor",
        owner_id=str(shipped.vendor_id),
        kind=Kind.VENDOR_PAYABLE,
        currency="CNY",
    )
    _book(
        closed_order,
        "settlement",
        (payable, 100),
        (_escrow(closed_order), -100),
    )

    problems = check_orders()

    name = f"order {closed_order.number} (#{closed_order.pk}, completed)"
    assert problems[0] == f"{name}: its escrow is moved by entries of kind settlement"
    assert len(problems) == 3


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "UPDATE orders_order SET refunded_total = refunded_total - 1 "
            "WHERE id = %(id)s",
            [
                "{name}: refunded_total is {refunded_minus_1} CNY, but its pending "
                "and succeeded refunds come to {refunded}",
            ],
        ),
        (
            "UPDATE orders_refund SET status = 'failed' WHERE order_id = %(id)s",
            [
                "{name}: escrow refunded {refunded} CNY in 1 entries, but its "
                "succeeded refunds are 0 in 0",
                "{name}: refunded_total is {refunded} CNY, but its pending and "
                "succeeded refunds come to 0",
            ],
        ),
    ],
    ids=["refunded-total", "refund-status"],
)
def test_corrupted_order_rows_are_reported_and_fail_ledger_check(
    closed_order, sql, expected
):
    escrow = closed_order.vendor_orders.get(status="completed").total
    values = {
        "name": f"order {closed_order.number} (#{closed_order.pk}, completed)",
        "name_refunded": f"order {closed_order.number} (#{closed_order.pk}, refunded)",
        "refunded": closed_order.refunded_total,
        "refunded_minus_1": closed_order.refunded_total - 1,
        "escrow": escrow,
        "escrow_plus_1": escrow + 1,
    }
    _sql(sql, {"id": closed_order.pk})

    problems = check_orders()
    with pytest.raises(CommandError) as failure:
        call_command("ledger_check", stderr=io.StringIO())
    with pytest.raises(pytest.fail.Exception) as marker:
        fail_on_ledger_problems()

    assert problems == [line.format(**values) for line in expected]
    assert f"[check_orders] {problems[0]}" in str(failure.value)
    assert f"[check_orders] {problems[0]}" in str(marker.value)


def test_an_unpaid_order_with_a_capture_is_reported(place):
    order = place((sellable(), 1))
    escrow = get_or_create_account(
        owner_type="order",
        owner_id=str(order.pk),
        kind=Kind.ORDER_ESCROW,
        currency="CNY",
    )
    _book(order, "payment_captured", (_platform(Kind.PROVIDER_CASH), 5), (escrow, -5))

    assert check_orders() == [
        f"order {order.number} (#{order.pk}, pending_payment): 1 capture entries, "
        "expected none"
    ]


def test_a_late_payment_refunded_in_full_keeps_the_invariants(place):
    from datetime import timedelta

    order = place((sellable(), 1))
    payment.expire_unpaid_orders(now=order.expires_at + timedelta(seconds=1))
    control.pay(order.payment_reference)
    payment.sync_payment(payment_id=order.payment_reference, source="status query")
    late = Refund.objects.get(kind="late_payment")

    pending = check_orders()
    refunds.execute_refund(refund_id=late.pk)

    assert pending == []
    assert check_orders() == []
    assert _escrow(order).credits_posted == _escrow(order).debits_posted
    assert VendorOrder.objects.get(order=order).status == "cancelled"
