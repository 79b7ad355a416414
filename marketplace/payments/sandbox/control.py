"""Driving the sandbox without a browser: for tests, the contract suite and demos.

The shopper's choices on the hosted page (``pay``, ``decline``, the 3-D Secure
steps), the payee's hosted onboarding, and fault injection: network faults on the
adapter's next calls, webhooks held back and released duplicated or reordered, a
transaction dropped from ``list_transactions``. The contract suite for the Stripe and
WeChat fakes (issue 5) runs the same scenarios through their own control modules.
"""

import random

from django.db.models import F
from django.utils import timezone

from marketplace.payments.sandbox import accounts, engine
from marketplace.payments.sandbox.models import (
    SandboxBalanceTransaction,
    SandboxEvent,
    SandboxFault,
)
from marketplace.payments.sandbox.webhooks import send_event

Fault = SandboxFault.Kind


# --- The shopper and the payee ----------------------------------------------------
def pay(payment_id: str) -> dict:
    return engine.shopper_action(payment_id, "pay")


def decline(payment_id: str) -> dict:
    return engine.shopper_action(payment_id, "decline")


def start_3ds(payment_id: str) -> dict:
    """The card needs 3-D Secure: the payment waits in ``requires_action``."""
    return engine.shopper_action(payment_id, "start_3ds")


def complete_3ds(payment_id: str) -> dict:
    return engine.shopper_action(payment_id, "complete_3ds")


def fail_3ds(payment_id: str) -> dict:
    return engine.shopper_action(payment_id, "fail_3ds")


def complete_onboarding(account_id: str) -> dict:
    return accounts.complete_onboarding(account_id)


# --- Faults -----------------------------------------------------------------------
def inject_fault(kind: str, *, operation: str = "", times: int = 1) -> SandboxFault:
    """Make the next ``times`` calls of ``operation`` (any, if blank) fail as ``kind``.

    ``timeout_after_commit``: the sandbox acts, the answer is lost (UNKNOWN).
    ``server_error``: a 5xx before acting (UNKNOWN). ``rate_limited``: a 429 before
    acting (FAILED, retryable). ``fail_payout``: the next payouts bounce.
    ``hold_webhooks``: the next ``times`` events wait for ``release_webhooks``.
    """
    return SandboxFault.objects.create(
        kind=Fault(kind), operation=operation, remaining=times
    )


def clear_faults() -> None:
    SandboxFault.objects.all().delete()


def hold_webhooks(times: int = 1_000_000) -> SandboxFault:
    return inject_fault(Fault.HOLD_WEBHOOKS, times=times)


def release_webhooks(
    *, order: str = "created", copies: int = 1, seed: int | None = None
) -> list[str]:
    """Send the held events now, synchronously, ``copies`` times each, in ``order``
    ("created", "reversed" or "shuffled" with ``seed``); return the ids as sent.

    Each copy is signed and posted anew, as a provider's retry would be; the events
    are then marked delivered.
    """
    SandboxFault.objects.filter(kind=Fault.HOLD_WEBHOOKS).delete()
    events = list(SandboxEvent.objects.filter(held=True).order_by("created_at", "id"))
    if order == "reversed":
        events.reverse()
    elif order == "shuffled":
        random.Random(seed).shuffle(events)
    sent = []
    for event in events:
        for _ in range(copies):
            send_event(event)
            sent.append(event.event_id)
    SandboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        held=False, delivered_at=timezone.now(), attempts=F("attempts") + copies
    )
    return sent


def resend_event(event_id: str) -> int:
    """Send an event once more, delivered or not (a duplicate); return the status."""
    return send_event(SandboxEvent.objects.get(event_id=event_id))


def drop_transaction(transaction_id: str) -> None:
    """Leave one balance transaction out of ``list_transactions`` from now on."""
    SandboxBalanceTransaction.objects.filter(transaction_id=transaction_id).update(
        hidden=True
    )


def pending_event_ids() -> list[str]:
    """Return the events not delivered yet, oldest first."""
    return list(
        SandboxEvent.objects.filter(delivered_at__isnull=True)
        .order_by("created_at", "id")
        .values_list("event_id", flat=True)
    )
