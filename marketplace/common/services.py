"""Writing the shared rows: outbox messages and audit events."""

from __future__ import annotations

from django.db import models, transaction

from marketplace.common.models import AuditEvent, OutboxMessage

DELIVER_TASK = "marketplace.outbox.deliver_outbox_message_task"


def enqueue_outbox(*, topic: str, key: str, payload: dict) -> OutboxMessage:
    """Write an outbox row in the caller's transaction; deliver it after commit.

    ``key`` is the idempotency key of the side effect: enqueuing the same key twice
    returns the first row, so a replayed business operation sends nothing twice.
    """
    message, created = OutboxMessage.objects.get_or_create(
        key=key, defaults={"topic": topic, "payload": payload}
    )
    if created:
        from celery import current_app

        transaction.on_commit(
            lambda: current_app.send_task(DELIVER_TASK, args=[message.pk])
        )
    return message


def record_audit(
    *,
    actor,
    action: str,
    target: models.Model,
    old: dict | None = None,
    new: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Record an operator's (or system's, ``actor=None``) action on ``target``."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        old=old or {},
        new=new or {},
        reason=reason,
    )


def deliver_outbox_message(*, message_id: int, handlers: dict) -> bool:
    """Run the handler of one undelivered message; return whether it was delivered.

    The row is locked with SKIP LOCKED for the handler's duration, so two workers never
    deliver it at once; a delivered row is never delivered again. A handler error is
    recorded with a backoff and left for the periodic sweep to retry.
    """
    from datetime import timedelta

    from django.utils import timezone

    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, delivered_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        try:
            with transaction.atomic():
                handlers[message.topic](message)
        except Exception as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.available_at = timezone.now() + timedelta(
                seconds=min(3600, 5 * 2 ** min(message.attempts, 10))
            )
            message.save(update_fields=["attempts", "last_error", "available_at"])
            return False
        message.attempts += 1
        message.delivered_at = timezone.now()
        message.save(update_fields=["attempts", "delivered_at"])
        return True


def list_due_outbox_ids(*, limit: int = 500) -> list[int]:
    from django.utils import timezone

    return list(
        OutboxMessage.objects.filter(
            delivered_at__isnull=True, available_at__lte=timezone.now()
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
