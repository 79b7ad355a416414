"""A vendor order's life after payment: accept, refuse, ship, deliver, complete, cancel.

Every change goes through ``transitions.move_vendor_order`` with the order and vendor
order rows locked (order first), so it is checked against the table, recorded as an
event and announced through the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.common.errors import Conflict, ValidationFailed
from marketplace.rules.selectors import get_rules
from orders.models import OrderLine, Refund, Shipment, VendorOrder
from orders.services import stock
from orders.services.refunds import refund_vendor_order
from orders.services.settlement import book_completion
from orders.services.transitions import (
    check_transition,
    lock_vendor_order,
    move_vendor_order,
    settle_order_status,
)

Status = VendorOrder.Status


def _quantities(vendor_orders) -> dict[int, int]:
    rows = (
        OrderLine.objects.filter(vendor_order__in=vendor_orders)
        .values("variant_id")
        .annotate(q=Sum("quantity"))
    )
    return {row["variant_id"]: row["q"] for row in rows}


@transaction.atomic
def accept_vendor_order(*, vendor, vendor_order_id: int, actor) -> VendorOrder:
    """Accept a paid vendor order of ``vendor``; 404 outside its scope, else 409
    unless it is paid."""
    vendor_order = lock_vendor_order(vendor_order_id=vendor_order_id, vendor=vendor)
    move_vendor_order(vendor_order, Status.ACCEPTED, actor=actor)
    return vendor_order


@transaction.atomic
def refuse_vendor_order(
    *, vendor, vendor_order_id: int, actor, reason: str
) -> VendorOrder:
    """Refuse a paid vendor order: put its units back on hand and refund it in full."""
    if not reason or not reason.strip():
        raise ValidationFailed(errors={"reason": [_("Say why you refuse the order.")]})
    vendor_order = lock_vendor_order(vendor_order_id=vendor_order_id, vendor=vendor)
    move_vendor_order(vendor_order, Status.REFUSED, actor=actor, reason=reason)
    stock.restock(_quantities([vendor_order]))
    refund_vendor_order(
        vendor_order=vendor_order, kind=Refund.Kind.REFUSAL, reason=reason
    )
    settle_order_status(vendor_order.order, actor=actor)
    return vendor_order


@transaction.atomic
def ship_vendor_order(
    *, vendor, vendor_order_id: int, actor, carrier: str, tracking_number: str
) -> Shipment:
    """Ship an accepted vendor order in one parcel, or add a parcel to a shipped one.

    The first parcel moves it to ``shipped`` and starts the completion clock
    (``rules.auto_complete_days``).
    """
    errors = {}
    if not carrier or not carrier.strip():
        errors["carrier"] = [_("Name the carrier.")]
    if not tracking_number or not tracking_number.strip():
        errors["tracking_number"] = [_("Enter the tracking number.")]
    if errors:
        raise ValidationFailed(errors=errors)
    vendor_order = lock_vendor_order(vendor_order_id=vendor_order_id, vendor=vendor)
    if vendor_order.status != Status.SHIPPED:
        check_transition(vendor_order, Status.SHIPPED, kind="vendor order")
        vendor_order.auto_complete_at = timezone.now() + timedelta(
            days=get_rules().auto_complete_days
        )
        move_vendor_order(
            vendor_order,
            Status.SHIPPED,
            actor=actor,
            extra_fields=("auto_complete_at",),
        )
    shipment, created = Shipment.objects.get_or_create(
        vendor_order=vendor_order,
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
    )
    if not created:
        raise Conflict(_("This parcel is already recorded."), code="duplicate_parcel")
    return shipment


@transaction.atomic
def mark_delivered(*, vendor_order_id: int, actor, vendor=None) -> VendorOrder:
    """Record that the carrier delivered a shipped vendor order."""
    vendor_order = lock_vendor_order(vendor_order_id=vendor_order_id, vendor=vendor)
    move_vendor_order(vendor_order, Status.DELIVERED, actor=actor)
    return vendor_order


def _complete(vendor_order: VendorOrder, *, actor, reason: str) -> None:
    move_vendor_order(vendor_order, Status.COMPLETED, actor=actor, reason=reason)
    book_completion(vendor_order=vendor_order)
    settle_order_status(vendor_order.order, actor=actor)


@transaction.atomic
def confirm_receipt(
    *, shopper, vendor_order_id: int, order_number: str | None = None
) -> VendorOrder:
    """The shopper confirms receipt: the vendor order completes.

    Refused with 409 while an after-sales request is open.
    """
    vendor_order = lock_vendor_order(
        vendor_order_id=vendor_order_id, shopper=shopper, order_number=order_number
    )
    if vendor_order.completion_paused:
        raise Conflict(
            _("An after-sales request is open for this order."),
            code="after_sales_open",
        )
    _complete(vendor_order, actor=shopper, reason="")
    return vendor_order


@transaction.atomic
def cancel_vendor_order(
    *,
    shopper,
    vendor_order_id: int,
    reason: str = "",
    order_number: str | None = None,
) -> VendorOrder:
    """Cancel the shopper's vendor order before it ships.

    Unpaid: the payment covers the whole order, so the whole order is cancelled and
    every reservation released. Paid or accepted: the units go back on hand and the
    vendor order is refunded in full.
    """
    vendor_order = lock_vendor_order(
        vendor_order_id=vendor_order_id, shopper=shopper, order_number=order_number
    )
    if vendor_order.status == Status.PENDING_PAYMENT:
        from orders.services.payment import cancel_unpaid_order

        cancel_unpaid_order(
            order=vendor_order.order, actor=shopper, reason=reason or "shopper"
        )
        vendor_order.refresh_from_db()
        return vendor_order
    move_vendor_order(vendor_order, Status.CANCELLED, actor=shopper, reason=reason)
    stock.restock(_quantities([vendor_order]))
    refund_vendor_order(
        vendor_order=vendor_order, kind=Refund.Kind.CANCELLATION, reason=reason
    )
    settle_order_status(vendor_order.order, actor=shopper)
    return vendor_order


def list_due_for_completion(*, now=None, limit: int = 500) -> list[int]:
    """Return ids of shipped or delivered vendor orders due and not paused."""
    return list(
        VendorOrder.objects.filter(
            status__in=[Status.SHIPPED, Status.DELIVERED],
            auto_complete_at__lte=now or timezone.now(),
            completion_paused=False,
        )
        .order_by("auto_complete_at", "id")
        .values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def complete_vendor_order_if_due(*, vendor_order_id: int, now=None) -> bool:
    """Complete one vendor order if it is still due and not paused; return whether."""
    now = now or timezone.now()
    vendor_order = lock_vendor_order(vendor_order_id=vendor_order_id)
    due = (
        vendor_order.status in (Status.SHIPPED, Status.DELIVERED)
        and not vendor_order.completion_paused
        and vendor_order.auto_complete_at is not None
        and vendor_order.auto_complete_at <= now
    )
    if due:
        _complete(vendor_order, actor=None, reason="auto-complete")
    return due


def complete_due_vendor_orders(*, now=None, limit: int = 500) -> int:
    """Complete the vendor orders whose completion time passed; return how many.

    Each runs in its own transaction, so one failure does not undo the others.
    Vendor orders with an open after-sales request are skipped: the request pauses
    the clock.
    """
    return sum(
        complete_vendor_order_if_due(vendor_order_id=pk, now=now)
        for pk in list_due_for_completion(now=now, limit=limit)
    )
