"""The one way a vendor order or an order changes status.

Each change: lock the row, check the model's ``TRANSITIONS``, stamp and save, append an
``OrderEvent`` (who, when, from, to, why) and write an outbox row in the same
transaction; the outbox delivers emails (and later webhooks) after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from marketplace.common.errors import InvalidTransition, NotFound
from marketplace.common.services import enqueue_outbox
from orders.models import Order, OrderEvent, VendorOrder

VENDOR_ORDER_TOPIC = "order.vendor_order_status_changed"
ORDER_TOPIC = "order.status_changed"


def lock_vendor_order(
    *, vendor_order_id: int, vendor=None, shopper=None, order_number: str | None = None
) -> VendorOrder:
    """Return the vendor order and its order, both locked FOR UPDATE.

    Scope it to ``vendor`` or ``shopper`` (and ``order_number``); raise ``NotFound``
    when it does not exist or lies outside that scope. Lock the order first, then
    the vendor order: the order every service follows, so none waits in a cycle.
    """
    queryset = VendorOrder.objects.all()
    if vendor is not None:
        queryset = queryset.filter(vendor=vendor)
    if shopper is not None:
        queryset = queryset.filter(order__shopper=shopper)
    if order_number is not None:
        queryset = queryset.filter(order__number=order_number)
    order_id = queryset.filter(pk=vendor_order_id).values_list("order_id", flat=True)
    order = Order.objects.select_for_update().filter(pk__in=order_id).first()
    if order is None:
        raise NotFound()
    vendor_order = VendorOrder.objects.select_for_update().get(pk=vendor_order_id)
    vendor_order.order = order
    return vendor_order


def check_transition(obj, target: str, *, kind: str) -> None:
    """Raise ``InvalidTransition`` (409) unless ``obj`` may move to ``target``."""
    if target not in obj.TRANSITIONS[obj.Status(obj.status)]:
        raise InvalidTransition(kind=kind, current=obj.status, target=target)


@transaction.atomic
def move_vendor_order(
    vendor_order: VendorOrder,
    target: str,
    *,
    actor=None,
    reason: str = "",
    extra_fields: tuple[str, ...] = (),
) -> OrderEvent:
    """Move a LOCKED vendor order to ``target``, record the event and the outbox row.

    Call with the row locked (``lock_vendor_order``); set any other changed fields on
    the instance first and name them in ``extra_fields``.
    """
    check_transition(vendor_order, target, kind="vendor order")
    now = timezone.now()
    source = vendor_order.status
    vendor_order.status = target
    stamp = VendorOrder.STAMPS.get(target)
    fields = ["status", *extra_fields]
    if stamp:
        setattr(vendor_order, stamp, now)
        fields.append(stamp)
    vendor_order.save(update_fields=fields)
    event = OrderEvent.objects.create(
        order_id=vendor_order.order_id,
        vendor_order=vendor_order,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=source,
        to_status=target,
        reason=reason,
        created_at=now,
    )
    enqueue_outbox(
        topic=VENDOR_ORDER_TOPIC,
        key=f"vendor_order:{vendor_order.pk}:event:{event.pk}",
        payload={
            "vendor_order_id": vendor_order.pk,
            "order_id": vendor_order.order_id,
            "from_status": source,
            "to_status": target,
            "reason": reason,
        },
    )
    return event


@transaction.atomic
def move_order(
    order: Order, target: str, *, actor=None, reason: str = ""
) -> OrderEvent:
    """Move a LOCKED order to ``target``, record the event and the outbox row."""
    check_transition(order, target, kind="order")
    now = timezone.now()
    source = order.status
    order.status = target
    fields = ["status"]
    stamp = {Order.Status.PAID: "paid_at", Order.Status.CANCELLED: "cancelled_at"}
    if target in stamp:
        setattr(order, stamp[target], now)
        fields.append(stamp[target])
    order.save(update_fields=fields)
    event = OrderEvent.objects.create(
        order=order,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=source,
        to_status=target,
        reason=reason,
        created_at=now,
    )
    enqueue_outbox(
        topic=ORDER_TOPIC,
        key=f"order:{order.pk}:event:{event.pk}",
        payload={
            "order_id": order.pk,
            "from_status": source,
            "to_status": target,
            "reason": reason,
        },
    )
    return event


def settle_order_status(order: Order, *, actor=None) -> None:
    """Close a LOCKED paid order once every vendor order is final.

    ``completed`` when one vendor order completed, else ``refunded`` (all were
    cancelled or refused).
    """
    if order.status != Order.Status.PAID:
        return
    statuses = set(order.vendor_orders.values_list("status", flat=True))
    if not statuses <= VendorOrder.FINAL:
        return
    target = (
        Order.Status.COMPLETED
        if VendorOrder.Status.COMPLETED in statuses
        else Order.Status.REFUNDED
    )
    move_order(order, target, actor=actor)
