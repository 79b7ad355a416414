"""The sandbox provider's webhook delivery: its own outbox, sent by Celery."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from marketplace.payments.sandbox.models import SandboxEvent
from marketplace.payments.sandbox.webhooks import WebhookDeliveryFailed, deliver_event

MAX_RETRIES = 10


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_sandbox_webhook_task(self, event_id: str) -> bool:
    """Deliver one sandbox event; retry with exponential backoff on failure."""
    try:
        return deliver_event(event_id=event_id)
    except WebhookDeliveryFailed as error:
        countdown = min(3600, 5 * 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task
def send_pending_sandbox_webhooks_task() -> int:
    """Re-enqueue events whose first task was lost (the broker was down at commit)."""
    event_ids = list(
        SandboxEvent.objects.filter(
            delivered_at__isnull=True,
            held=False,
            attempts=0,
            created_at__lt=timezone.now() - timedelta(minutes=1),
        ).values_list("event_id", flat=True)[:500]
    )
    for event_id in event_ids:
        send_sandbox_webhook_task.delay(event_id)
    return len(event_ids)
