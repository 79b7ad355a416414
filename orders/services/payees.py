"""Vendors' payee accounts at the provider: opened at onboarding, kept current.

A vendor opens its account from the dashboard (``get_onboarding_link``): the
provider's account is made then, with the key ``vendor-{id}-payee`` that the first
sale would use too (``payment.payee_refs``), so both paths share one account.
``account.updated`` (or a status query) records whether the payee can be paid
(``VendorPayee.payouts_enabled``). A settlement transfer waits, retried by the
outbox and never flagged as stuck, while the payee is known not to be payable
(``payee_can_be_paid``: no transfer is even tried) or while the provider refuses it
with ``payee_not_ready`` (not onboarded yet); it resumes as soon as the provider
reports the payee can be paid (``apply_vendor_account``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplace.common.models import OutboxMessage
from marketplace.payments.port import (
    OnboardingLink,
    PaymentProvider,
    PaymentProviderError,
    VendorAccountInfo,
)
from marketplace.payments.providers import get_provider
from orders.models import VendorOrderSettlement, VendorPayee
from orders.services.payment import payee_refs
from orders.services.settlement import SETTLE_TOPIC

DELIVER_MANY_TASK = "marketplace.outbox.deliver_outbox_messages_task"
# The settlement refusal a payee's onboarding will lift (the adapters' code for it).
PAYEE_NOT_READY = "payee_not_ready"


def get_onboarding_link(*, vendor) -> OnboardingLink:
    """Return the provider's hosted onboarding link for ``vendor``'s payee account,
    opening the account first if it has none.

    Call outside a transaction: both are network calls. The vendor comes back to
    the dashboard either way (a used or expired link is simply asked for again).
    """
    provider = get_provider()
    ref = payee_refs(vendors=[vendor], provider=provider)[vendor.pk]
    back = f"{settings.SITE_URL.rstrip('/')}/dashboard/"
    return provider.onboarding_link(ref, return_url=back, refresh_url=back)


def get_payee(*, vendor, provider_name: str | None = None) -> VendorPayee | None:
    return VendorPayee.objects.filter(
        vendor=vendor, provider=provider_name or settings.PAYMENT_PROVIDER
    ).first()


def payee_can_be_paid(*, vendor, provider: PaymentProvider) -> bool:
    """Return False while the provider has said ``vendor``'s payee cannot be paid.

    Unknown (the provider never said) counts as yes: the provider's own answer to
    the transfer decides. A payee last reported unable is asked again (a status
    query, so a lost ``account.updated`` only delays the settlement).
    """
    payee = get_payee(vendor=vendor, provider_name=provider.name)
    if payee is None or payee.payouts_enabled is not False:
        return True
    try:
        info = provider.get_vendor_account(payee.account_ref)
    except PaymentProviderError:
        return False
    apply_vendor_account(provider_name=provider.name, info=info)
    return info.payouts_enabled


@transaction.atomic
def apply_vendor_account(*, provider_name: str, info: VendorAccountInfo) -> str:
    """Record what the provider reports of a payee account (``account.updated`` or
    a status query); when it can be paid again, make its waiting settlement
    transfers due now. Return what changed."""
    payee = (
        VendorPayee.objects.select_for_update()
        .filter(provider=provider_name, account_ref=info.account_id)
        .first()
    )
    if payee is None:
        return "unknown_payee"
    if payee.payouts_enabled == info.payouts_enabled:
        return "unchanged"
    payee.payouts_enabled = info.payouts_enabled
    payee.save(update_fields=["payouts_enabled"])
    if info.payouts_enabled:
        resume_waiting_settlements(vendor_id=payee.vendor_id)
        return "payouts_enabled"
    return "payouts_disabled"


def resume_waiting_settlements(*, vendor_id: int) -> int:
    """Make the vendor's undelivered settlement transfers due now, with their
    attempts reset, and send them to the worker after commit; return how many."""
    waiting = VendorOrderSettlement.objects.filter(
        vendor_id=vendor_id, provider_settlement_id=""
    ).values_list("pk", flat=True)
    messages = OutboxMessage.objects.filter(
        topic=SETTLE_TOPIC,
        delivered_at__isnull=True,
        payload__settlement_id__in=list(waiting),
    )
    ids = list(messages.values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=ids).update(
        available_at=timezone.now(), attempts=0
    )
    if ids:

        def send():
            from celery import current_app

            current_app.send_task(DELIVER_MANY_TASK, args=[ids])

        transaction.on_commit(send)
    return len(ids)
