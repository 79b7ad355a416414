"""The webhook inbox, and (imported from ``sandbox.models``) the sandbox's tables."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.payments.sandbox.models import (  # noqa: F401 (registers them)
    SandboxAccount,
    SandboxBalanceTransaction,
    SandboxEvent,
    SandboxFault,
    SandboxIdempotencyKey,
    SandboxPayment,
    SandboxPayout,
    SandboxRefund,
    SandboxSplit,
    SandboxTransfer,
)


class WebhookEvent(models.Model):
    """A verified provider event, stored once per ``(provider, event_id)``.

    ``payload`` is the normalised ``port.ProviderEvent`` (``as_payload``), raw provider
    data included under ``data``. The endpoint stores and answers; a task applies it
    and calls ``mark_webhook_processed``.
    """

    provider = models.CharField(_("provider"), max_length=32)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("type"), max_length=100)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("webhook event")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payments_webhook_event_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="payments_webhook_unprocessed",
                condition=models.Q(processed_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.provider} {self.type} {self.event_id}"
