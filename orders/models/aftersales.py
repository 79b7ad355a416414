"""After-sales: the shopper's refund requests, and the refunds that move money."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models.order import Order, OrderLine, VendorOrder


class RefundRequest(models.Model):
    """A shopper's request to refund a vendor order or some of its lines.

    While it is open (``requested``) the vendor order's completion clock is paused.
    The vendor decides, or an operator instead; an accepted request makes a
    ``Refund`` that the provider carries out.
    """

    class Type(models.TextChoices):
        REFUND_ONLY = "refund_only", _("Refund only")
        RETURN_AND_REFUND = "return_and_refund", _("Return and refund")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        REFUNDED = "refunded", _("Refunded")
        FAILED = "failed", _("Refund failed")

    TRANSITIONS = {
        Status.REQUESTED: {Status.ACCEPTED, Status.REFUSED},
        Status.ACCEPTED: {Status.REFUNDED, Status.FAILED},
        Status.REFUSED: set(),
        Status.REFUNDED: set(),
        Status.FAILED: set(),
    }

    vendor_order = models.ForeignKey(
        VendorOrder, on_delete=models.PROTECT, related_name="refund_requests"
    )
    type = models.CharField(max_length=20, choices=Type.choices)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.TextField(_("reason"), max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by_operator = models.BooleanField(default=False)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor_order"],
                condition=models.Q(status="requested"),
                name="one_open_refund_request_per_vendor_order",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="refund_request_amount_positive"
            ),
        ]

    def __str__(self):
        return f"refund request {self.pk}"


class RefundRequestLine(models.Model):
    request = models.ForeignKey(
        RefundRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "order_line"], name="one_request_line_per_line"
            )
        ]

    def __str__(self):
        return f"{self.quantity} × line {self.order_line_id}"


class Refund(models.Model):
    """Money going back to the shopper through the provider, booked in the ledger.

    Made by a cancellation, a refusal, an accepted after-sales request, or a payment
    that arrived after its order was cancelled. ``allocations`` splits the amount over
    the vendor order's lines and shipping (``{"lines": {id: amount}, "shipping": n}``).
    """

    class Kind(models.TextChoices):
        CANCELLATION = "cancellation", _("Cancelled by the shopper")
        REFUSAL = "refusal", _("Refused by the vendor")
        AFTER_SALES = "after_sales", _("After-sales request")
        LATE_PAYMENT = "late_payment", _("Paid after the order was cancelled")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    vendor_order = models.ForeignKey(
        VendorOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    request = models.OneToOneField(
        RefundRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refund",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    allocations = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="refund_amount_positive"
            )
        ]

    def __str__(self):
        return f"refund {self.pk} of {self.amount} {self.currency}"
