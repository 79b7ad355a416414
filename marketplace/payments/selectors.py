"""Reading the webhook inbox."""

from marketplace.payments.models import WebhookEvent


def list_unprocessed_webhook_events(
    *, provider: str | None = None, limit: int = 100
) -> list[WebhookEvent]:
    """Return stored events not yet processed, oldest first."""
    events = WebhookEvent.objects.filter(processed_at__isnull=True)
    if provider is not None:
        events = events.filter(provider=provider)
    return list(events.order_by("received_at", "id")[:limit])


def lock_unprocessed_webhook_event(*, inbox_id: int) -> WebhookEvent | None:
    """Return the inbox row locked for processing, or None if it is processed or
    another worker holds it (SKIP LOCKED). Call inside ``transaction.atomic``."""
    return (
        WebhookEvent.objects.select_for_update(skip_locked=True)
        .filter(pk=inbox_id, processed_at__isnull=True)
        .first()
    )
