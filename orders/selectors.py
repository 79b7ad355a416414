"""Reads of the orders domain, each scoped by a required keyword."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet, Sum

from marketplace.common.errors import NotFound
from orders.models import (
    Address,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    RefundRequest,
    VendorOrder,
)


def list_addresses(*, user) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def get_address(*, user, address_id: int) -> Address:
    address = Address.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise NotFound()
    return address


def get_cart(*, user=None, session_key: str | None = None) -> Cart | None:
    """Return the user's cart, else the session's (by its token), else None."""
    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    if session_key:
        return Cart.objects.filter(session_key=session_key).first()
    return None


def count_cart_items(*, user=None, session_key: str | None = None) -> int:
    """Return the units in the user's cart, else the session's; one query at most."""
    if user is not None and user.is_authenticated:
        lines = CartLine.objects.filter(cart__user=user)
    elif session_key:
        lines = CartLine.objects.filter(cart__session_key=session_key)
    else:
        return 0
    return lines.aggregate(n=Sum("quantity"))["n"] or 0


def get_cart_lines(*, cart: Cart | None) -> list[CartLine]:
    if cart is None:
        return []
    return list(cart.lines.select_related("variant__product__vendor").order_by("id"))


def summarize_cart(*, cart: Cart | None) -> dict:
    """Return the cart grouped by vendor, each group with its items and shipping fee.

    Prices are today's catalog prices; checkout recomputes everything anyway.
    """
    groups: dict[int, dict] = {}
    for line in get_cart_lines(cart=cart):
        variant = line.variant
        vendor = variant.product.vendor
        group = groups.setdefault(
            vendor.pk,
            {
                "vendor": vendor,
                "lines": [],
                "items_total": 0,
                "currency": vendor.currency,
            },
        )
        unit_price = variant.retail_price or 0
        group["lines"].append(
            {
                "line": line,
                "unit_price": unit_price,
                "line_total": unit_price * line.quantity,
            }
        )
        group["items_total"] += unit_price * line.quantity
    for group in groups.values():
        vendor, threshold = group["vendor"], group["vendor"].free_shipping_threshold
        free = threshold is not None and group["items_total"] >= threshold
        group["shipping_fee"] = 0 if free else vendor.shipping_fee
        group["total"] = group["items_total"] + group["shipping_fee"]
    vendors = list(groups.values())
    return {
        "vendors": vendors,
        "items_total": sum(g["items_total"] for g in vendors),
        "shipping_total": sum(g["shipping_fee"] for g in vendors),
        "grand_total": sum(g["total"] for g in vendors),
    }


def _order_detail_queryset() -> QuerySet[Order]:
    return Order.objects.prefetch_related(
        Prefetch(
            "vendor_orders",
            queryset=VendorOrder.objects.select_related("vendor")
            .prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
                "shipments",
            )
            .order_by("id"),
        )
    )


def list_shopper_orders(*, shopper) -> QuerySet[Order]:
    return _order_detail_queryset().filter(shopper=shopper)


def get_shopper_order(*, shopper, number: str) -> Order:
    order = _order_detail_queryset().filter(shopper=shopper, number=number).first()
    if order is None:
        raise NotFound()
    return order


def get_shopper_order_detail(*, shopper, number: str) -> Order:
    """Return the shopper's order with each vendor part's timeline and after-sales.

    Each vendor order also carries ``events`` (oldest first) and
    ``refund_requests`` (newest first, with their lines).
    """
    vendor_orders = (
        VendorOrder.objects.select_related("vendor")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            "shipments",
            Prefetch("events", queryset=OrderEvent.objects.order_by("id")),
            Prefetch(
                "refund_requests",
                queryset=RefundRequest.objects.prefetch_related(
                    "lines__order_line"
                ).order_by("-id"),
            ),
        )
        .order_by("id")
    )
    order = (
        Order.objects.prefetch_related(
            Prefetch("vendor_orders", queryset=vendor_orders)
        )
        .filter(shopper=shopper, number=number)
        .first()
    )
    if order is None:
        raise NotFound()
    return order


def get_shopper_order_status(*, shopper, number: str) -> Order:
    """Return the shopper's order alone (no parts), for polling its payment."""
    order = Order.objects.filter(shopper=shopper, number=number).first()
    if order is None:
        raise NotFound()
    return order


def payment_failed(*, order: Order) -> bool:
    """Return whether the provider reported the order's current payment failed.

    ``payment.record_payment_failure`` leaves that as an event of the order, which
    stays awaiting payment until its time runs out.
    """
    if not order.payment_reference:
        return False
    prefix = f"payment {order.payment_reference} "
    return OrderEvent.objects.filter(
        Q(reason__startswith=prefix + "failed")
        | Q(reason__startswith=prefix + "canceled"),
        order=order,
    ).exists()


def list_vendor_orders(*, vendor, status: str | None = None) -> QuerySet[VendorOrder]:
    queryset = (
        VendorOrder.objects.filter(vendor=vendor)
        .select_related("order")
        .prefetch_related("lines", "shipments")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def get_vendor_order(*, vendor, vendor_order_id: int) -> VendorOrder:
    vendor_order = list_vendor_orders(vendor=vendor).filter(pk=vendor_order_id).first()
    if vendor_order is None:
        raise NotFound()
    return vendor_order


def list_vendor_refund_requests(
    *, vendor, status: str | None = None
) -> QuerySet[RefundRequest]:
    queryset = RefundRequest.objects.filter(
        vendor_order__vendor=vendor
    ).prefetch_related("lines")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def list_all_orders(*, search: str | None = None) -> QuerySet[Order]:
    """For operators: every order, newest first, optionally by number prefix."""
    queryset = _order_detail_queryset()
    if search:
        queryset = queryset.filter(number__istartswith=search.strip())
    return queryset


def get_order_for_operator(*, number: str) -> Order:
    order = (
        _order_detail_queryset()
        .prefetch_related(
            Prefetch("events", queryset=OrderEvent.objects.order_by("id")),
            "refunds",
        )
        .filter(number=number)
        .first()
    )
    if order is None:
        raise NotFound()
    return order


def list_vendor_orders_to_pack(*, vendor, vendor_order_ids) -> list[VendorOrder]:
    """Return the vendor's paid orders among ``vendor_order_ids``, for packing slips.

    Raise ``NotFound`` unless every id is one of the vendor's orders that has been
    paid (only then is the shipping address the vendor's to see).
    """
    ids = {int(pk) for pk in vendor_order_ids}
    found = list(
        VendorOrder.objects.filter(vendor=vendor, pk__in=ids, paid_at__isnull=False)
        .select_related("order", "vendor")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("id")
    )
    if not ids or len(found) != len(ids):
        raise NotFound()
    return found
