"""Rows every app shares: the outbox and the audit trail.

They reference the user model only by its settings name, so ``common`` imports no app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class StatusEvent(models.Model):
    """One status change of a record: who, when, from, to and why. Append-only.

    Concrete event models add the foreign key to their record (and may narrow the
    status fields with choices). No personal data: the actor is a reference only.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["id"]


class OutboxMessage(models.Model):
    """A side effect to perform after commit: written in the business transaction.

    ``marketplace.outbox`` maps each topic to its handler; a task delivers the row and
    retries with the same ``key``, so a worker that dies mid-way repeats nothing twice
    at a provider that honours idempotency keys.
    """

    topic = models.CharField(max_length=100)
    key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_idx",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.topic} {self.key}"


class AuditEvent(models.Model):
    """Who did what to which record, with the old and new values.

    Holds no personal data beyond the actor reference, so erasing a person leaves the
    trail intact (the actor becomes null).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["-id"]

    def __str__(self):
        return f"{self.action} {self.object_type}#{self.object_id}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` for one kind of request, kept for 24 hours.

    Scoped to (user, scope, key). ``request_hash`` fingerprints the body; the stored
    response (status and body) is returned to a retry with the same body. Written in
    the same transaction as the work it guards, so a concurrent duplicate blocks on
    the unique index until the first commits (or rolls back) and then reads its result.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(max_length=50)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="idempotency_key_per_user_scope"
            )
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"
