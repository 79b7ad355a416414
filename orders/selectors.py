"""Reads of the orders domain, each scoped by a required keyword."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

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
