"""A completed vendor order's money: its holding period and its settlement.

One row per completed vendor order, written in the completion transaction. The
amounts mirror what the ledger booked for it (``orders.services.settlement``), so
"when and how much will I be paid" and the batch settlement read this table, not
the postings.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models.order import Order, VendorOrder
from vendors.models import Vendor


class VendorOrderSettlement(models.Model):
    """The vendor's and the platform's part of one completed vendor order.

    ``holding``: the vendor's part sits in its payable until ``available_at``;
    ``settled``: it moved to the vendor's available balance (less ``netted``, which
    repaid the vendor's receivable) and an outbox row transfers it through the
    provider, which answers with ``provider_settlement_id``. ``vendor_amount`` and
    ``platform_amount`` are what is booked now: refunds after completion lower them.
    """

    class Status(models.TextChoices):
        HOLDING = "holding", _("In the holding period")
        SETTLED = "settled", _("Settled")

    vendor_order = models.OneToOneField(
        VendorOrder, on_delete=models.PROTECT, related_name="settlement"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.HOLDING
    )
    vendor_amount = models.BigIntegerField(_("vendor's part"))
    platform_amount = models.BigIntegerField(_("platform's part"))
    settled_amount = models.BigIntegerField(_("moved to available"), default=0)
    netted_amount = models.BigIntegerField(_("netted against receivable"), default=0)
    completed_at = models.DateTimeField()
    available_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    provider_settlement_id = models.CharField(max_length=100, blank=True)
    transfer_amount = models.BigIntegerField(_("to transfer to the vendor"), default=0)
    transfer_commission = models.BigIntegerField(
        _("kept by the platform at transfer"), default=0
    )

    class Meta:
        ordering = ["available_at", "id"]
        verbose_name = _("vendor order settlement")
        verbose_name_plural = _("vendor order settlements")
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                name="settlement_due_idx",
                condition=models.Q(status="holding"),
            ),
            models.Index(
                fields=["vendor", "status", "available_at"],
                name="settlement_vendor_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vendor_amount__gte=0)
                & models.Q(settled_amount__gte=0)
                & models.Q(netted_amount__gte=0)
                & models.Q(netted_amount__lte=models.F("settled_amount"))
                & models.Q(transfer_amount__gte=0)
                & models.Q(transfer_commission__gte=0),
                name="settlement_amounts_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="holding", settled_at=None)
                | models.Q(status="settled", settled_at__isnull=False),
                name="settlement_status_time",
            ),
        ]

    def __str__(self):
        return f"settlement of vendor order {self.vendor_order_id}"
