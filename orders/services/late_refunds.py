"""Refunds of a completed vendor order, decided by an operator (arbitration).

Before settlement the refund comes out of the vendor's payable and the platform's
revenue, in their proportions; after settlement out of the vendor's available
balance (reversed at the provider) and, for what the vendor has already withdrawn,
its receivable, netted against its next earnings (``settlement.rebook_vendor_order``
books it, ``create_refund`` calls it).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.common.errors import Conflict, ValidationFailed
from orders.models import Refund, VendorOrder
from orders.services.refunds import create_refund, split_over_lines
from orders.services.transitions import lock_vendor_order


@transaction.atomic
def refund_completed_vendor_order(
    *, operator, vendor_order_id: int, amount: int, reason: str, key: str
) -> Refund:
    """Refund ``amount`` of a completed vendor order; ``key`` names the decision.

    Locks the order row first, then the vendor order (the lock order of every
    service), so concurrent refunds are judged one after the other against what is
    left: never more than was captured. The same ``key`` returns the same refund.
    """
    errors = {}
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = [_("Say why the order is refunded.")]
    if not isinstance(key, str) or not 0 < len(key) <= 60:
        errors["key"] = [_("Use 1 to 60 characters.")]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        errors["amount"] = [_("Enter a positive amount in minor units.")]
    if errors:
        raise ValidationFailed(errors=errors)
    vendor_order = lock_vendor_order(vendor_order_id=vendor_order_id)
    full_key = f"vendor_order:{vendor_order.pk}:arbitration:{key}"
    existing = Refund.objects.filter(idempotency_key=full_key).first()
    if existing is not None:
        return existing
    if vendor_order.status != VendorOrder.Status.COMPLETED:
        raise Conflict(
            _("Only a completed order is refunded this way."), code="not_completed"
        )
    if amount > vendor_order.refundable:
        raise Conflict(
            _("The amount is more than what is left to refund (%(left)s).")
            % {"left": vendor_order.refundable},
            code="refund_exceeds_captured",
        )
    return create_refund(
        order=vendor_order.order,
        vendor_order=vendor_order,
        kind=Refund.Kind.AFTER_SALES,
        amount=amount,
        key=full_key,
        allocations=split_over_lines(vendor_order, amount),
        reason=reason.strip()[:2000],
    )
