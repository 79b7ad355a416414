"""The sandbox provider's own tables: what a licensed provider keeps on its side.

Nothing in the marketplace reads these except the sandbox adapter and its hosted
pages; the marketplace's view of a payment is what the port returns. Ids look like a
provider's (``pay_…``, ``evt_…``) and every row is test mode.
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class SandboxAccount(models.Model):
    """The platform's account (one per currency) or a payee's connected account."""

    account_id = models.CharField(max_length=64, unique=True)
    is_platform = models.BooleanField(default=False)
    display_name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)
    country = models.CharField(max_length=2, blank=True)
    currency = models.CharField(max_length=3)
    details_submitted = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    available = models.BigIntegerField(default=0)
    pending = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.account_id


class SandboxPayment(models.Model):
    class Status(models.TextChoices):
        REQUIRES_PAYMENT = "requires_payment", _("waiting for the shopper")
        REQUIRES_ACTION = "requires_action", _("3-D Secure challenge")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        CANCELED = "canceled", _("canceled")

    TRANSITIONS = {
        Status.REQUIRES_PAYMENT: {
            Status.REQUIRES_ACTION,
            Status.SUCCEEDED,
            Status.FAILED,
            Status.CANCELED,
        },
        Status.REQUIRES_ACTION: {Status.SUCCEEDED, Status.FAILED, Status.CANCELED},
    }

    payment_id = models.CharField(max_length=64, unique=True)
    merchant_reference = models.CharField(max_length=32, db_index=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUIRES_PAYMENT
    )
    amount_captured = models.BigIntegerField(default=0)
    amount_refunded = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0)
    failure_code = models.CharField(max_length=50, blank=True)
    return_url = models.CharField(max_length=2000)
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.payment_id


class SandboxSplit(models.Model):
    """One payee's part of a payment, with what was refunded and settled from it.

    In the frozen funds flow, ``settled`` is what left the frozen part (unfrozen to
    the payee or shared to the platform) and was not returned, and ``unfrozen`` the
    payee's unfrozen part not refunded since; ``settled - unfrozen`` is the
    commission shared out, which a refund may use only once it is returned.
    """

    payment = models.ForeignKey(
        SandboxPayment, on_delete=models.PROTECT, related_name="splits"
    )
    account = models.ForeignKey(
        SandboxAccount, on_delete=models.PROTECT, related_name="+"
    )
    sub_reference = models.CharField(max_length=32)
    amount = models.BigIntegerField()
    refunded = models.BigIntegerField(default=0)
    settled = models.BigIntegerField(default=0)
    unfrozen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "account"], name="sandbox_split_one_per_payee"
            )
        ]

    def __str__(self):
        return f"{self.payment_id}/{self.sub_reference}"


class SandboxRefund(models.Model):
    refund_id = models.CharField(max_length=64, unique=True)
    payment = models.ForeignKey(
        SandboxPayment, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    allocations = models.JSONField(default=list)
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, default="succeeded")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.refund_id


class SandboxTransfer(models.Model):
    """A settlement: ``amount`` moved from the platform to the payee, ``commission``
    kept by the platform."""

    transfer_id = models.CharField(max_length=64, unique=True)
    payment = models.ForeignKey(
        SandboxPayment, on_delete=models.PROTECT, related_name="transfers"
    )
    split = models.ForeignKey(SandboxSplit, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    commission = models.BigIntegerField()
    amount_reversed = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, default="succeeded")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.transfer_id


class SandboxPayout(models.Model):
    payout_id = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(
        SandboxAccount, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    failure_code = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.payout_id


class SandboxBalanceTransaction(models.Model):
    """One movement on an account's balance; ``list_transactions`` reads these.

    ``hidden`` is fault injection: a dropped row is left out of the listing, so a
    reconciliation test can find exactly that difference.
    """

    transaction_id = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(
        SandboxAccount, on_delete=models.PROTECT, related_name="transactions"
    )
    type = models.CharField(max_length=30)
    amount = models.BigIntegerField()
    fee = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    source_id = models.CharField(max_length=64)
    reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    hidden = models.BooleanField(default=False)

    def __str__(self):
        return self.transaction_id


class SandboxEvent(models.Model):
    """A webhook event and its delivery state: the sandbox's own outbox.

    ``held`` events wait for ``control.release_webhooks`` (fault injection).
    """

    event_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=50)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    held = models.BooleanField(default=False)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return f"{self.type} {self.event_id}"


class SandboxIdempotencyKey(models.Model):
    """The first response to a key, replayed to every retry with the same params."""

    key = models.CharField(max_length=64, unique=True)
    operation = models.CharField(max_length=50)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key


class SandboxFault(models.Model):
    """A fault to inject into the next ``remaining`` matching calls (tests, demos)."""

    class Kind(models.TextChoices):
        TIMEOUT_AFTER_COMMIT = "timeout_after_commit", _("response lost after commit")
        SERVER_ERROR = "server_error", _("5xx before acting")
        RATE_LIMITED = "rate_limited", _("429 before acting")
        HOLD_WEBHOOKS = "hold_webhooks", _("hold webhooks until released")
        FAIL_PAYOUT = "fail_payout", _("the bank rejects the payout")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    operation = models.CharField(max_length=50, blank=True)
    remaining = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.kind} {self.operation or '*'} x{self.remaining}"
