"""Apply what the payment provider reports: verified webhooks and status queries.

Events may arrive twice and in any order. Each is applied against the provider's
current state (a status query), and every change it can make is one-way (unpaid →
paid, pending refund → done), so a repeat or a late event changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from marketplace.payments.models import WebhookEvent
from marketplace.payments.port import EventType, PaymentStatus, ProviderEvent
from marketplace.payments.providers import get_provider
from marketplace.payments.services import mark_webhook_processed
from orders.services.deposits import apply_deposit_payment
from orders.services.payees import apply_vendor_account
from orders.services.payment import apply_payment_info, record_payment_failure
from orders.services.refunds import complete_refund
from vendors.models import DepositPayment

# Payment events are hints: the payment's state comes from a status query.
PAYMENT_EVENTS = frozenset(
    {EventType.PAYMENT_SUCCEEDED, EventType.PAYMENT_FAILED, EventType.PAYMENT_CANCELED}
)


def _apply(event: ProviderEvent, payment_info, account_info=None) -> str:
    if account_info is not None:
        return apply_vendor_account(provider_name=event.provider, info=account_info)
    if payment_info is not None:
        source = f"{event.provider} {event.event_id}"
        deposit = DepositPayment.objects.filter(
            payment_reference=payment_info.payment_id
        ).first()
        if deposit is not None:
            paid = apply_deposit_payment(deposit_id=deposit.pk)
            return "deposit_paid" if paid else "deposit_not_paid"
        if payment_info.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
            return record_payment_failure(info=payment_info, source=source)
        return apply_payment_info(info=payment_info, source=source)
    if event.kind in (EventType.REFUND_SUCCEEDED, EventType.REFUND_FAILED):
        done = complete_refund(
            provider_reference=event.object_id,
            succeeded=event.kind == EventType.REFUND_SUCCEEDED,
            reason=str(event.data.get("failure_code", "")) if event.data else "",
        )
        return "refund_updated" if done else "ignored"
    return "ignored"


def process_webhook_event(*, event_row_id: int) -> str:
    """Apply one stored webhook event once; return what happened.

    A payment event is checked against the provider (a status query, outside the
    transaction), so the order's state comes from the provider, never from the
    event body alone: a stale ``payment.failed`` of a payment that succeeded since
    pays the order, and a failure never moves a paid order back. Then the effects
    and the inbox row's ``processed_at`` commit together, so a crash or a duplicate
    applies nothing twice. ``account.updated`` is checked the same way: the payee's
    state comes from ``get_vendor_account``.
    """
    row = WebhookEvent.objects.filter(pk=event_row_id).first()
    if row is None or row.processed_at is not None:
        return "already_processed"
    event = ProviderEvent.from_payload(row.payload)
    payment_info = account_info = None
    if event.kind in PAYMENT_EVENTS and event.payment_id:
        payment_info = get_provider(event.provider).get_payment(event.payment_id)
    if event.kind == EventType.ACCOUNT_UPDATED:
        account_info = get_provider(event.provider).get_vendor_account(event.object_id)
    with transaction.atomic():
        if not mark_webhook_processed(inbox_id=row.pk):
            return "already_processed"
        return _apply(event, payment_info, account_info)
