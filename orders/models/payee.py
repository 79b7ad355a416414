"""Which payee account at the payment provider receives a vendor's part."""

from django.db import models
from django.utils import timezone

from vendors.models import Vendor


class VendorPayee(models.Model):
    """A vendor's payee account at one provider (a connected account, a 二级商户).

    Made on the vendor's first sale with an idempotency key, so concurrent first
    checkouts share one account. When vendor onboarding with the provider arrives,
    it fills this in ahead of time.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=32)
    account_ref = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "provider"], name="one_payee_per_vendor_provider"
            )
        ]

    def __str__(self):
        return f"{self.vendor_id}@{self.provider}: {self.account_ref}"
