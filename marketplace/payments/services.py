"""The webhook inbox: verify a provider's webhook and store each event once."""

from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from marketplace.common.errors import NotFound
from marketplace.payments.models import WebhookEvent
from marketplace.payments.port import ProviderEvent
from marketplace.payments.providers import get_provider


def record_webhook(*, provider: str, event: ProviderEvent) -> tuple[WebhookEvent, bool]:
    """Store ``event`` unless it is already stored; return ``(row, created)``.

    Safe under concurrent deliveries of the same event: the unique constraint on
    ``(provider, event_id)`` decides, and the losers read the winner's row.
    """
    return WebhookEvent.objects.get_or_create(
        provider=provider,
        event_id=event.event_id,
        defaults={"type": event.type, "payload": event.as_payload()},
    )


def verify_and_store(
    *, provider_name: str, body: bytes, headers: Mapping[str, str]
) -> tuple[WebhookEvent, bool]:
    """Verify a webhook's raw ``body`` with the named provider and store its event.

    For the provider webhook endpoint: only the configured provider is accepted
    (``NotFound`` otherwise). Raise ``InvalidWebhook`` (400) for a bad signature, a
    changed body or a stale timestamp; nothing is stored then.
    """
    if provider_name != settings.PAYMENT_PROVIDER:
        raise NotFound(f"No payment provider {provider_name!r} here.")
    event = get_provider(provider_name).parse_webhook(body, headers)
    return record_webhook(provider=provider_name, event=event)


@transaction.atomic
def mark_webhook_processed(*, inbox_id: int) -> bool:
    """Mark an inbox row processed; return False if it already was.

    Call from the task that applied the event, in the same transaction as its
    effects, so an event is applied and marked together or not at all.
    """
    row = WebhookEvent.objects.select_for_update().get(pk=inbox_id)
    if row.processed_at is not None:
        return False
    row.processed_at = timezone.now()
    row.attempts += 1
    row.save(update_fields=["processed_at", "attempts"])
    return True


def record_webhook_failure(*, inbox_id: int, error: str) -> None:
    """Count a failed processing attempt of an inbox row and keep its error."""
    WebhookEvent.objects.filter(pk=inbox_id).update(
        attempts=F("attempts") + 1, last_error=error[:2000]
    )
