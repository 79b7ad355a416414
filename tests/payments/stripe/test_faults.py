"""Stripe-specific faults through the marketplace, each ending with one effect.

Settlement waits (never fails, never flagged) while the connected account cannot
receive transfers and resumes on ``account.updated``; webhooks that arrive before
Stripe's answer; a status query turned away while a webhook is applied.
"""

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketplace.common.models import OutboxMessage
from marketplace.payments.models import WebhookEvent
from marketplace.payments.port import ProviderUnavailable
from orders.models import (
    Order,
    ReconciliationItem,
    Refund,
    VendorOrderSettlement,
    VendorPayee,
)
from orders.services.provider_events import process_webhook_event
from tests import factories
from tests.money.conftest import complete, deliver, settle
from tests.payments.contract.conftest import process_webhooks
from tests.payments.contract.harness import Effects, Fault
from tests.payments.contract.test_contract import (
    pay,
    place,
    redeliver,
    refund_after_settlement,
)

pytestmark = [pytest.mark.django_db, pytest.mark.money]
SETTLE = "order.settlement_due"


def transfer_posts(stripe_fake) -> int:
    return sum(
        1 for entry in stripe_fake.server.log if entry[:2] == ("POST", "/v1/transfers")
    )


def test_settlement_waits_for_onboarding_then_transfers_once(stripe_fake):
    # given a vendor whose connected account was opened at its first sale and is
    # not onboarded, with a completed order due for settlement
    vendor = factories.VendorFactory()
    order = pay(stripe_fake, place(vendor))
    complete(order.vendor_orders.get())
    payee = VendorPayee.objects.get(vendor=vendor)

    # when the transfer is tried more times than a stuck settlement is allowed
    settle()
    for _ in range(12):
        redeliver(SETTLE)
    waiting = OutboxMessage.objects.get(topic=SETTLE)

    # then it waits: nothing transferred, nothing flagged, the message still due
    assert waiting.delivered_at is None
    assert "payee_not_ready" in waiting.last_error
    assert ReconciliationItem.objects.count() == 0
    assert stripe_fake.effects().transfers == 0

    # when the vendor finishes onboarding and Stripe says so
    stripe_fake.onboard_payee(payee.account_ref)
    stripe_fake.deliver_webhooks()
    process_webhooks()
    resumed = OutboxMessage.objects.get(topic=SETTLE)
    deliver(SETTLE)

    # then the transfer goes out at once, and once
    payee.refresh_from_db()
    assert payee.payouts_enabled is True
    assert (resumed.attempts, resumed.available_at <= timezone.now()) == (0, True)
    assert VendorOrderSettlement.objects.get().provider_settlement_id
    assert stripe_fake.effects().transfers == 1
    call_command("ledger_check")


def test_a_restricted_account_is_not_asked_for_transfers_until_it_recovers(
    stripe_fake,
):
    vendor = factories.VendorFactory()
    order = pay(stripe_fake, place(vendor))
    complete(order.vendor_orders.get())
    payee = VendorPayee.objects.get(vendor=vendor)
    stripe_fake.onboard_payee(payee.account_ref)
    stripe_fake.restrict_payee(payee.account_ref)
    stripe_fake.deliver_webhooks(order="reversed")  # the older update comes last
    process_webhooks()

    settle()
    redeliver(SETTLE)
    asked_while_restricted = transfer_posts(stripe_fake)
    stripe_fake.onboard_payee(payee.account_ref)
    stripe_fake.deliver_webhooks()
    process_webhooks()
    deliver(SETTLE)

    assert asked_while_restricted == 0
    assert stripe_fake.effects().transfers == 1
    call_command("ledger_check")


def test_a_refund_webhook_before_stripes_answer_completes_the_refund_once(
    stripe_fake,
):
    # given a completed order, and Stripe's refund webhooks that reach us (and are
    # applied) before the refund call returns
    vendor = factories.VendorFactory()
    order = pay(stripe_fake, place(vendor))
    vendor_order = complete(order.vendor_orders.get())
    stripe_fake.transport.deliver_webhooks = lambda: (
        stripe_fake.deliver_webhooks(),
        process_webhooks(),
    )
    stripe_fake.inject_fault(Fault.WEBHOOK_BEFORE_RESPONSE, operation="refund")

    refund_after_settlement(vendor_order, amount=1000)
    deliver("order.refund_created")

    refund = Refund.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.provider_reference
    assert WebhookEvent.objects.filter(type="refund.created").count() == 1
    assert stripe_fake.effects() == Effects(captures=1, refunds=1)
    call_command("ledger_check")


def test_a_transfer_webhook_before_stripes_answer_changes_nothing(stripe_fake):
    vendor = factories.VendorFactory()
    order = pay(stripe_fake, place(vendor))
    complete(order.vendor_orders.get())
    stripe_fake.onboard_payee(VendorPayee.objects.get(vendor=vendor).account_ref)
    stripe_fake.inject_fault(Fault.WEBHOOK_BEFORE_RESPONSE, operation="settle")

    settle()
    process_webhooks()

    assert WebhookEvent.objects.filter(type="transfer.created").count() == 1
    assert VendorOrderSettlement.objects.get().provider_settlement_id
    assert stripe_fake.effects().transfers == 1
    call_command("ledger_check")


def test_a_status_query_turned_away_while_applying_a_webhook_is_applied_later(
    stripe_fake,
):
    order = place(factories.VendorFactory())
    stripe_fake.complete_payment(order.payment_reference)
    stripe_fake.deliver_webhooks()
    stripe_fake.inject_fault(Fault.RATE_LIMITED, operation="get_payment")
    first = WebhookEvent.objects.filter(type="payment_intent.succeeded").get()

    with pytest.raises(ProviderUnavailable):
        process_webhook_event(event_row_id=first.pk)
    process_webhooks()

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.events.filter(to_status="paid", vendor_order=None).count() == 1
    assert stripe_fake.effects().captures == 1
    call_command("ledger_check")
