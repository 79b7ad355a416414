"""Periodic and background work of orders: each task calls one service."""

from __future__ import annotations

from celery import shared_task

from marketplace.common.idempotency import purge_expired_keys
from marketplace.payments.selectors import list_unprocessed_webhook_events
from marketplace.payments.services import record_webhook_failure
from orders.services.fulfilment import complete_due_vendor_orders
from orders.services.payment import expire_unpaid_orders
from orders.services.provider_events import process_webhook_event
from orders.services.reconciliation import reconcile_yesterday
from orders.services.settlement import settle_due_vendor_orders

# Money tasks are acknowledged after they return and requeued if their worker dies
# (the global CELERY_TASK_ACKS_LATE / _REJECT_ON_WORKER_LOST, repeated here so the
# guarantee does not hang on a setting): each one is safe to run twice.
MONEY_TASK = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="orders.tasks.expire_unpaid_orders_task")
def expire_unpaid_orders_task() -> int:
    """Cancel unpaid orders past their payment time and release their stock."""
    return expire_unpaid_orders()


@shared_task(name="orders.tasks.complete_due_vendor_orders_task")
def complete_due_vendor_orders_task() -> int:
    """Complete vendor orders N days after shipment, skipping paused ones."""
    return complete_due_vendor_orders()


@shared_task(name="orders.tasks.purge_expired_idempotency_keys_task")
def purge_expired_idempotency_keys_task() -> int:
    return purge_expired_keys()


@shared_task(
    name="orders.tasks.process_webhook_event_task",
    bind=True,
    max_retries=8,
)
def process_webhook_event_task(self, event_row_id: int) -> str:
    """Apply one stored provider event; retry with backoff if the provider is down."""
    try:
        return process_webhook_event(event_row_id=event_row_id)
    except Exception as error:
        record_webhook_failure(inbox_id=event_row_id, error=repr(error))
        raise self.retry(
            exc=error, countdown=min(3600, 5 * 2**self.request.retries)
        ) from error


@shared_task(name="orders.tasks.process_pending_webhook_events_task")
def process_pending_webhook_events_task() -> int:
    """Apply stored events whose task was lost (the broker was down at commit)."""
    return sum(
        process_webhook_event(event_row_id=row.pk) != "already_processed"
        for row in list_unprocessed_webhook_events()
    )


@shared_task(name="orders.tasks.settle_due_vendor_orders_task", **MONEY_TASK)
def settle_due_vendor_orders_task() -> int:
    """Settle the vendor orders whose holding period is over, in batches."""
    return settle_due_vendor_orders()


@shared_task(name="orders.tasks.reconcile_yesterday_task", **MONEY_TASK)
def reconcile_yesterday_task() -> int:
    """Compare the previous full business day's provider transactions with the
    ledger; beat runs it daily at ``RECONCILIATION_TIME`` (business time zone)."""
    return reconcile_yesterday()
