"""A difference between the provider's transactions and the ledger, for finance."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReconciliationItem(models.Model):
    """One provider transaction the ledger does not match, or the reverse.

    Found by the daily reconciliation (``orders.services.reconciliation``) and
    resolved by a new correcting journal entry, never by changing an old one.
    """

    class Kind(models.TextChoices):
        MISSING_IN_LEDGER = "missing_in_ledger", _("Not in the ledger")
        MISSING_AT_PROVIDER = "missing_at_provider", _("Not at the provider")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    day = models.DateField(_("business day"))
    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default="open")
    transaction_type = models.CharField(max_length=30, blank=True)
    provider_transaction_id = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=100)
    reference = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3)
    provider_amount = models.BigIntegerField(default=0)
    ledger_amount = models.BigIntegerField(default=0)
    resolution_entry = models.ForeignKey(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "transaction_type", "source_id"],
                name="one_reconciliation_item_per_difference",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.source_id}"
