"""The port's contract through the marketplace, the same on every adapter.

Each scenario runs once per registered harness (sandbox, stripe_connect, and
wechatpay when its harness exists): the shopper pays at the provider, its signed
webhooks reach our endpoint, the order is fulfilled, settled, refunded after
settlement and paid out, with the same ledger outcome everywhere, one effect at the
provider per action, and the ledger's invariants holding (``ledger_check``).
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketplace.common.models import OutboxMessage
from marketplace.common.money import allocate
from marketplace.payments.port import FundsFlow
from marketplace.payments.providers import get_provider
from orders.models import Order, ReconciliationItem, Refund, VendorOrderSettlement
from orders.services import settlement
from orders.services.checkout import place_order
from orders.services.late_refunds import refund_completed_vendor_order
from orders.services.payees import get_payee
from orders.services.payment import start_payment
from orders.services.reconciliation import day_bounds, reconcile_day
from orders.services.reconciliation_expected import expected_at_provider
from tests import factories
from tests.money.conftest import (
    Kind,
    complete,
    deliver,
    escrow_balance,
    owner,
    settle,
    vendor_balance,
)
from tests.orders.conftest import lines, sellable
from tests.payments.contract.conftest import process_webhooks
from tests.payments.contract.harness import Effects, Fault
from vendors.models import Withdrawal
from vendors.services.withdrawals import request_withdrawal

pytestmark = [pytest.mark.django_db, pytest.mark.money]
PRICE, QUANTITY, REFUND = 12900, 2, 5000


def place(vendor) -> Order:
    shopper = factories.UserFactory()
    return place_order(
        shopper=shopper,
        address_id=factories.AddressFactory(user=shopper).pk,
        lines=lines((sellable(vendor=vendor, price=PRICE), QUANTITY)),
    )


def pay(harness, placed, **delivery) -> Order:
    """The shopper pays at the provider; its webhooks arrive and are applied."""
    harness.complete_payment(placed.payment_reference)
    assert set(harness.deliver_webhooks(**delivery)) == {200}
    process_webhooks()
    placed.refresh_from_db()
    return placed


def refund_after_settlement(vendor_order, amount=REFUND) -> Refund:
    return refund_completed_vendor_order(
        operator=factories.OperatorFactory(),
        vendor_order_id=vendor_order.pk,
        amount=amount,
        reason="arbitration",
        key="contract",
    )


def expected_types() -> set[str]:
    """Return the types of what the ledger says moved at the provider today."""
    since, until = day_bounds(timezone.localdate())
    found = expected_at_provider(provider=get_provider(), since=since, until=until)
    return {str(e.type) for e in found}


def redeliver(topic: str) -> None:
    """Deliver ``topic`` again now, as the outbox sweep would after its backoff."""
    OutboxMessage.objects.filter(topic=topic, delivered_at__isnull=True).update(
        available_at=timezone.now()
    )
    deliver(topic)


def test_the_full_lifecycle_books_the_same_on_every_adapter(harness, onboarded_vendor):
    vendor = onboarded_vendor
    # given an order paid at the provider (webhook), shipped and completed
    order = pay(harness, place(vendor))
    assert order.status == Order.Status.PAID
    vendor_order = complete(order.vendor_orders.get())
    vendor_part, platform_part = settlement.shares(vendor_order)

    # when it is settled, refunded after settlement, and the vendor withdraws
    assert settle() == 1
    refund_after_settlement(vendor_order)
    deliver("order.refund_created")
    deliver("order.settlement_reversal")  # once the refund has succeeded
    harness.deliver_webhooks()
    process_webhooks()
    available = vendor_balance(vendor, Kind.VENDOR_AVAILABLE)
    withdrawal = request_withdrawal(
        vendor=vendor, actor=owner(vendor), amount=available
    )
    deliver("vendor.withdrawal_payout")

    # then one effect per action at the provider, and the same books everywhere
    refund_vendor, _refund_platform = allocate(REFUND, [vendor_part, platform_part])
    withdrawal.refresh_from_db()
    assert harness.effects() == Effects(
        captures=1, transfers=1, reversals=1, refunds=1, payouts=1
    )
    assert available == vendor_part - refund_vendor
    assert withdrawal.status == Withdrawal.Status.PAID
    assert vendor_balance(vendor, Kind.VENDOR_AVAILABLE) == 0
    assert vendor_balance(vendor, Kind.VENDOR_RECEIVABLE) == 0
    assert escrow_balance(order) == 0
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    call_command("ledger_check")
    # and the day reconciles, each movement found where the adapter lists it,
    # then shows exactly the transaction the provider dropped
    assert reconcile_day(day=timezone.localdate()) == 0
    assert expected_types() == {
        "refund",
        "settlement",
        "settlement_reversal",
        *(["payout"] if get_provider().capabilities.lists_payouts else []),
    }
    harness.drop_transaction(source_id=order.payment_reference)
    assert reconcile_day(day=timezone.localdate()) == 1
    item = ReconciliationItem.objects.get()
    assert (item.kind, item.source_id) == (
        "missing_at_provider",
        order.payment_reference,
    )


def a_day_with_a_refund_and_a_settlement(harness, vendor):
    """Pay, complete, refund part of the completed vendor order, then settle it."""
    order = pay(harness, place(vendor))
    vendor_order = complete(order.vendor_orders.get())
    refund_after_settlement(vendor_order, amount=1000)
    deliver("order.refund_created")
    assert settle() == 1
    harness.deliver_webhooks()
    process_webhooks()
    return Refund.objects.get(), VendorOrderSettlement.objects.get()


def test_a_day_with_a_refund_and_a_settlement_reconciles(harness, onboarded_vendor):
    refund, row = a_day_with_a_refund_and_a_settlement(harness, onboarded_vendor)

    assert reconcile_day(day=timezone.localdate()) == 0

    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.provider_reference
    assert row.provider_settlement_id
    assert row.transfer_amount > 0


@pytest.mark.parametrize("dropped", ["refund", "settlement"])
def test_the_reconciliation_finds_what_the_provider_lacks(
    harness, onboarded_vendor, dropped
):
    # given a day with a refund and a settlement, one of whose transactions the
    # provider dropped
    refund, row = a_day_with_a_refund_and_a_settlement(harness, onboarded_vendor)
    source_id, amount = {
        "refund": (refund.provider_reference, refund.amount),
        "settlement": (row.provider_settlement_id, row.transfer_amount),
    }[dropped]
    harness.drop_transaction(source_id=source_id)

    # when the day is reconciled twice
    found = reconcile_day(day=timezone.localdate())
    again = reconcile_day(day=timezone.localdate())

    # then exactly that object is missing at the provider, recorded once
    assert (found, again) == (1, 0)
    item = ReconciliationItem.objects.get()
    assert (
        item.kind,
        item.transaction_type,
        item.source_id,
        item.provider_amount,
        item.ledger_amount,
    ) == ("missing_at_provider", dropped, source_id, 0, amount)


@pytest.mark.parametrize("order_as", ["as-sent", "reversed"])
def test_duplicate_and_reordered_webhooks_pay_the_order_once(
    harness, onboarded_vendor, order_as
):
    order = place(onboarded_vendor)

    paid = pay(harness, order, order=order_as, duplicates=2)
    harness.deliver_webhooks(duplicates=1)  # nothing left to send
    process_webhooks()

    assert paid.status == Order.Status.PAID
    assert paid.events.filter(to_status="paid", vendor_order=None).count() == 1
    assert harness.effects().captures == 1
    call_command("ledger_check")


def test_a_declined_payment_leaves_the_order_waiting(harness, onboarded_vendor):
    order = place(onboarded_vendor)

    harness.complete_payment(order.payment_reference, outcome="failed")
    harness.deliver_webhooks()
    process_webhooks()

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert harness.effects().captures == 0


def test_a_refund_after_the_vendor_was_paid_out_becomes_its_receivable(
    harness, onboarded_vendor
):
    vendor = onboarded_vendor
    order = pay(harness, place(vendor))
    vendor_order = complete(order.vendor_orders.get())
    vendor_part, platform_part = settlement.shares(vendor_order)
    settle()
    harness.exhaust_payee_balance(get_payee(vendor=vendor).account_ref)

    refund_after_settlement(vendor_order)
    deliver("order.refund_created")
    deliver("order.settlement_reversal")

    # the vendor keeps what it was paid and owes its part of the refund; the
    # shopper is refused nothing. Where the vendor's part was frozen in its own
    # account (WeChat Pay), the platform first returns its commission (分账回退)
    # and pays the vendor's part itself (垫付退款): one reversal more, same books.
    refund_vendor, _ = allocate(REFUND, [vendor_part, platform_part])
    frozen = (
        get_provider().capabilities.funds_flow
        == FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT
    )
    assert harness.effects() == Effects(
        captures=1, transfers=1, reversals=int(frozen), refunds=1
    )
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert vendor_balance(vendor, Kind.VENDOR_RECEIVABLE) == refund_vendor
    assert vendor_balance(vendor, Kind.VENDOR_AVAILABLE) == vendor_part
    call_command("ledger_check")
    assert reconcile_day(day=timezone.localdate()) == 0


def test_a_settlement_netted_in_full_reconciles(harness, onboarded_vendor):
    # given a vendor that owes a refund it had already been paid out, and a small
    # order whose whole vendor part repays it (nothing to transfer to the vendor)
    vendor = onboarded_vendor
    vendor_order = complete(pay(harness, place(vendor)).vendor_orders.get())
    settle()
    harness.exhaust_payee_balance(get_payee(vendor=vendor).account_ref)
    refund_after_settlement(vendor_order)
    deliver("order.refund_created")
    deliver("order.settlement_reversal")
    small = place_order(
        shopper=(shopper := factories.UserFactory()),
        address_id=factories.AddressFactory(user=shopper).pk,
        lines=lines((sellable(vendor=vendor, price=1000), 1)),
    )
    complete(pay(harness, small).vendor_orders.get())

    settle()

    row = VendorOrderSettlement.objects.get(vendor_order__order=small)
    assert (row.transfer_amount, row.netted_amount > 0) == (0, True)
    harness.deliver_webhooks()
    process_webhooks()
    call_command("ledger_check")
    assert reconcile_day(day=timezone.localdate()) == 0


# --- Faults: every case ends with exactly one effect at the provider -----------------
def skip_if_the_fault_rolls_back(harness) -> None:
    """A fault met in an outbox handler is undone with the handler's transaction
    when the fake lives in our database (the sandbox): the retry meets it again."""
    if getattr(harness, "shares_our_transaction", False):
        pytest.skip("the fake shares the outbox handler's transaction")


@pytest.mark.parametrize(
    "fault", [Fault.TIMEOUT_AFTER_COMMIT, Fault.SERVER_ERROR, Fault.RATE_LIMITED]
)
def test_a_settlement_transfer_meeting_a_fault_is_made_once(
    harness, onboarded_vendor, fault
):
    skip_if_the_fault_rolls_back(harness)
    order = pay(harness, place(onboarded_vendor))
    complete(order.vendor_orders.get())
    harness.inject_fault(fault, operation="settle")

    settle()
    first = VendorOrderSettlement.objects.get().provider_settlement_id
    redeliver("order.settlement_due")

    row = VendorOrderSettlement.objects.get()
    assert first == ""
    assert row.provider_settlement_id
    assert harness.effects().transfers == 1
    call_command("ledger_check")


@pytest.mark.parametrize(
    "fault", [Fault.TIMEOUT_AFTER_COMMIT, Fault.SERVER_ERROR, Fault.RATE_LIMITED]
)
def test_a_refund_meeting_a_fault_is_made_once(harness, onboarded_vendor, fault):
    skip_if_the_fault_rolls_back(harness)
    order = pay(harness, place(onboarded_vendor))
    vendor_order = complete(order.vendor_orders.get())
    harness.inject_fault(fault, operation="refund")

    refund_after_settlement(vendor_order, amount=1000)
    deliver("order.refund_created")
    redeliver("order.refund_created")

    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert harness.effects().refunds == 1
    call_command("ledger_check")


@pytest.mark.parametrize(
    "fault", [Fault.TIMEOUT_AFTER_COMMIT, Fault.SERVER_ERROR, Fault.RATE_LIMITED]
)
def test_a_payment_created_through_a_fault_is_captured_once(
    harness, onboarded_vendor, fault
):
    harness.inject_fault(fault, operation="create_payment")

    order = place(onboarded_vendor)
    assert order.payment_reference == ""
    order = start_payment(order=Order.objects.get(pk=order.pk))
    paid = pay(harness, order)

    assert paid.status == Order.Status.PAID
    assert harness.effects().captures == 1
    call_command("ledger_check")


def test_a_payout_whose_answer_is_lost_pays_out_once(harness, onboarded_vendor):
    skip_if_the_fault_rolls_back(harness)
    vendor = onboarded_vendor
    order = pay(harness, place(vendor))
    complete(order.vendor_orders.get())
    settle(now=timezone.now() + timedelta(days=400))
    harness.inject_fault(Fault.TIMEOUT_AFTER_COMMIT, operation="payout")
    available = vendor_balance(vendor, Kind.VENDOR_AVAILABLE)

    withdrawal = request_withdrawal(
        vendor=vendor, actor=owner(vendor), amount=available
    )
    deliver("vendor.withdrawal_payout")
    redeliver("vendor.withdrawal_payout")

    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PAID
    assert harness.effects().payouts == 1
    call_command("ledger_check")
