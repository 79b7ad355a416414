"""Which payee account at the payment provider receives a vendor's part."""

from django.db import models
from django.utils import timezone

from vendors.models import Vendor


class VendorPayee(models.Model):
    """A vendor's payee account at one provider (a connected account, a 二级商户).

    Made when the vendor starts the provider's onboarding (``orders.services.payees``)
    or, failing that, at its first sale, with one idempotency key per vendor, so both
    paths and concurrent callers share one account. ``payouts_enabled`` is what the
    provider last reported (``account.updated``, or a status query): None until it
    has said anything; while False, settlements to the payee wait.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=32)
    account_ref = models.CharField(max_length=100)
    payouts_enabled = models.BooleanField(null=True, default=None)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "provider"], name="one_payee_per_vendor_provider"
            )
        ]

    def __str__(self):
        return f"{self.vendor_id}@{self.provider}: {self.account_ref}"
