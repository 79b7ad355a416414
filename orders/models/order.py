"""An order (one payment) split into one vendor order per vendor, with their lines.

Statuses move only through ``orders.services`` along the ``TRANSITIONS`` tables, and
each move appends an ``OrderEvent``. Amounts are minor units of the order's currency.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import Variant
from marketplace.common.addresses import AddressFields
from marketplace.common.models import StatusEvent
from vendors.models import Vendor

order_number = RegexValidator(r"^[A-Za-z0-9_-]{1,32}$")


class Order(AddressFields):
    """What the shopper placed and pays once; the address fields are a copy.

    ``status`` follows the payment: unpaid orders are cancelled when the payment
    times out; a paid order ends ``completed`` once every vendor order is final with
    one completed, or ``refunded`` once every vendor order was cancelled or refused.
    """

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        COMPLETED = "completed", _("Completed")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PENDING_PAYMENT: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.COMPLETED, Status.REFUNDED},
        Status.COMPLETED: set(),
        Status.REFUNDED: set(),
        Status.CANCELLED: set(),
    }

    number = models.CharField(
        max_length=32, unique=True, validators=[order_number], editable=False
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING_PAYMENT,
        db_index=True,
    )
    currency = models.CharField(max_length=3)
    items_total = models.BigIntegerField(default=0)
    shipping_total = models.BigIntegerField(default=0)
    discount_total = models.BigIntegerField(default=0)
    grand_total = models.BigIntegerField(default=0)
    refunded_total = models.BigIntegerField(default=0)
    payment_provider = models.CharField(max_length=30, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True, db_index=True)
    payment_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="order_unpaid_expiry_idx",
                condition=models.Q(status="pending_payment"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(items_total__gte=0)
                & models.Q(shipping_total__gte=0)
                & models.Q(discount_total__gte=0)
                & models.Q(refunded_total__gte=0)
                & models.Q(
                    grand_total=models.F("items_total")
                    + models.F("shipping_total")
                    - models.F("discount_total")
                )
                & models.Q(refunded_total__lte=models.F("grand_total")),
                name="order_totals_valid",
            )
        ]

    def __str__(self):
        return self.number


class VendorOrder(models.Model):
    """One vendor's part of an order: what that vendor sees, fulfils and settles."""

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        ACCEPTED = "accepted", _("Accepted")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PENDING_PAYMENT: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.ACCEPTED, Status.REFUSED, Status.CANCELLED},
        Status.ACCEPTED: {Status.SHIPPED, Status.CANCELLED},
        Status.SHIPPED: {Status.DELIVERED, Status.COMPLETED},
        Status.DELIVERED: {Status.COMPLETED},
        Status.COMPLETED: set(),
        Status.REFUSED: set(),
        Status.CANCELLED: set(),
    }
    FINAL = frozenset({Status.COMPLETED, Status.REFUSED, Status.CANCELLED})
    # The timestamp set when a vendor order reaches a status.
    STAMPS = {
        Status.PAID: "paid_at",
        Status.ACCEPTED: "accepted_at",
        Status.SHIPPED: "shipped_at",
        Status.DELIVERED: "delivered_at",
        Status.COMPLETED: "completed_at",
        Status.REFUSED: "cancelled_at",
        Status.CANCELLED: "cancelled_at",
    }

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="vendor_orders"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="vendor_orders"
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING_PAYMENT,
        db_index=True,
    )
    currency = models.CharField(max_length=3)
    items_total = models.BigIntegerField(default=0)
    shipping_fee = models.BigIntegerField(default=0)
    discount_total = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    vendor_share_total = models.BigIntegerField(default=0)
    refunded_total = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    auto_complete_at = models.DateTimeField(null=True, blank=True)
    completion_paused = models.BooleanField(
        default=False, help_text=_("An open after-sales request pauses completion.")
    )
    completion_paused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("vendor order")
        verbose_name_plural = _("vendor orders")
        indexes = [
            models.Index(
                fields=["vendor", "status", "-id"], name="vendor_order_list_idx"
            ),
            models.Index(
                fields=["auto_complete_at"],
                name="vendor_order_autocomplete_idx",
                condition=models.Q(status__in=["shipped", "delivered"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "vendor"], name="one_vendor_order_per_vendor"
            ),
            models.CheckConstraint(
                condition=models.Q(items_total__gte=0)
                & models.Q(shipping_fee__gte=0)
                & models.Q(discount_total__gte=0)
                & models.Q(refunded_total__gte=0)
                & models.Q(
                    total=models.F("items_total")
                    + models.F("shipping_fee")
                    - models.F("discount_total")
                )
                & models.Q(refunded_total__lte=models.F("total")),
                name="vendor_order_totals_valid",
            ),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.vendor_id}"

    @property
    def refundable(self) -> int:
        return self.total - self.refunded_total


class OrderLine(models.Model):
    """A line with everything it sold at, so later catalog edits change nothing.

    The settlement snapshot comes from ``catalog.pricing``: the vendor's pricing
    model, the supply price or commission rate, and the vendor's share of the line.
    """

    vendor_order = models.ForeignKey(
        VendorOrder, on_delete=models.PROTECT, related_name="lines"
    )
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    product_title_en = models.CharField(max_length=200, blank=True)
    product_title_zh = models.CharField(max_length=200, blank=True)
    sku = models.CharField(max_length=64)
    attributes = models.JSONField(default=dict, blank=True)
    unit_price = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    line_total = models.BigIntegerField()
    tax_rate_bps = models.PositiveIntegerField(default=0)
    pricing_model = models.CharField(max_length=20, choices=Vendor.PricingModel.choices)
    supply_price = models.BigIntegerField(null=True, blank=True)
    commission_bps = models.PositiveIntegerField(null=True, blank=True)
    vendor_share = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1)
                & models.Q(unit_price__gt=0)
                & models.Q(line_total=models.F("unit_price") * models.F("quantity"))
                & models.Q(vendor_share__gte=0)
                & models.Q(vendor_share__lte=models.F("line_total")),
                name="order_line_amounts_valid",
            )
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"

    @property
    def product_title(self) -> str:
        from marketplace.catalog.models import localized

        return localized(self, "product_title")


class Shipment(models.Model):
    """One parcel of a vendor order; a vendor order can ship in several."""

    vendor_order = models.ForeignKey(
        VendorOrder, on_delete=models.PROTECT, related_name="shipments"
    )
    carrier = models.CharField(_("carrier"), max_length=50)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor_order", "carrier", "tracking_number"],
                name="one_shipment_per_tracking_number",
            )
        ]

    def __str__(self):
        return f"{self.carrier} {self.tracking_number}"


class OrderEvent(StatusEvent):
    """One status change of an order or vendor order: who, when, from, to and why.

    Append-only, and free of personal data (the actor is a reference that becomes
    null when the person is erased).
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    vendor_order = models.ForeignKey(
        VendorOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )

    def __str__(self):
        return f"{self.order_id}: {self.from_status or '-'} → {self.to_status}"
