""" "When and how much will I be paid": a vendor's completed orders and their dates."""

from __future__ import annotations

from django.db.models import QuerySet

from orders.models import VendorOrderSettlement


def list_upcoming_payouts(*, vendor) -> QuerySet[VendorOrderSettlement]:
    """Return the vendor's vendor orders still in their holding period, soonest
    first: each with its amount (``vendor_amount``, after refunds) and the moment it
    becomes available (``available_at``)."""
    return (
        VendorOrderSettlement.objects.filter(
            vendor=vendor, status=VendorOrderSettlement.Status.HOLDING
        )
        .select_related("order")
        .order_by("available_at", "id")
    )
