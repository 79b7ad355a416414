"""Checkout: one order, one vendor order per vendor, lines, stock reserved at once.

Everything the client could send about money or state (prices, vendor ids, discounts,
statuses) is ignored: only variant ids, quantities and an address id are read, and
every figure is computed here from the catalog under a row lock.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import Category, Product, Variant
from marketplace.catalog.pricing import vendor_share
from marketplace.common.db import (
    from_joined_row,
    insert_rows,
    select_instances,
    select_list,
    set_prefetched,
)
from marketplace.common.errors import Conflict, ValidationFailed
from marketplace.common.idempotency import run_idempotently
from marketplace.payments.providers import get_provider
from marketplace.rules.selectors import get_rules
from orders.models import (
    MAX_LINE_QUANTITY,
    Address,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    VendorOrder,
    VendorPayee,
)
from orders.models.cart import MAX_CART_LINES
from orders.selectors import get_shopper_order
from orders.services.payment import start_payment
from orders.services.stock import reserve_stock
from orders.services.terms import terms_for_variants
from vendors.models import Vendor

IDEMPOTENCY_SCOPE = "checkout"


def new_order_number(now=None) -> str:
    """Return a public order number: the local date and 16 random base32 letters."""
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d")
    return stamp + base64.b32encode(secrets.token_bytes(10)).decode()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_lines(lines: Any) -> list[tuple[int, int]]:
    """Return ``[(variant_id, quantity), ...]`` or raise ``ValidationFailed``.

    Each line is a mapping with an int ``variant_id`` and an int ``quantity`` from 1
    to ``MAX_LINE_QUANTITY``; any other key (a price, a vendor id) is ignored.
    """
    if not isinstance(lines, list | tuple) or not lines:
        raise ValidationFailed(errors={"lines": [_("Add at least one line.")]})
    if len(lines) > MAX_CART_LINES:
        raise ValidationFailed(
            errors={"lines": [_("At most %(n)s lines.") % {"n": MAX_CART_LINES}]}
        )
    errors: dict[str, list[str]] = {}
    cleaned, seen = [], set()
    for index, line in enumerate(lines):
        line = line if isinstance(line, dict) else {}
        variant_id, quantity = line.get("variant_id"), line.get("quantity")
        if not _is_int(variant_id) or variant_id < 1:
            errors[f"lines[{index}].variant_id"] = [_("Choose a product variant.")]
        elif variant_id in seen:
            errors[f"lines[{index}].variant_id"] = [_("This variant is listed twice.")]
        if not _is_int(quantity) or not 1 <= quantity <= MAX_LINE_QUANTITY:
            errors[f"lines[{index}].quantity"] = [
                _("Enter a whole number from 1 to %(max)s.")
                % {"max": MAX_LINE_QUANTITY}
            ]
        seen.add(variant_id)
        cleaned.append((variant_id, quantity))
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def _address_for(shopper, address_id) -> Address:
    found = []
    if _is_int(address_id):
        found = select_instances(
            Address, '"id" = %s AND "user_id" = %s', [address_id, shopper.pk]
        )
    if not found:
        raise ValidationFailed(
            errors={"address_id": [_("Choose an address from your address book.")]}
        )
    return found[0]


def _lines_from_cart(shopper) -> tuple[list[tuple[int, int]], list[int]]:
    rows = list(
        CartLine.objects.filter(cart__user=shopper)
        .order_by("id")
        .values_list("id", "variant_id", "quantity")
    )
    if not rows:
        raise ValidationFailed(errors={"lines": [_("Your cart is empty.")]})
    return [(v, q) for _, v, q in rows], [pk for pk, _, _ in rows]


@cache
def _locked_variants_sql() -> str:
    payee = VendorPayee._meta.db_table
    return (
        f"SELECT {select_list(Variant, Product, Vendor, Category)},"  # noqa: S608
        f' "{payee}"."account_ref"'
        ' FROM "catalog_variant"'
        ' INNER JOIN "catalog_product"'
        ' ON ("catalog_variant"."product_id" = "catalog_product"."id")'
        ' INNER JOIN "vendors_vendor"'
        ' ON ("catalog_product"."vendor_id" = "vendors_vendor"."id")'
        ' INNER JOIN "catalog_category"'
        ' ON ("catalog_product"."category_id" = "catalog_category"."id")'
        f' LEFT OUTER JOIN "{payee}" ON ("vendors_vendor"."id" = "{payee}"."vendor_id"'
        f' AND "{payee}"."provider" = %s)'
        ' WHERE "catalog_variant"."id" = ANY(%s::bigint[])'
        ' ORDER BY "catalog_variant"."id" FOR UPDATE OF "catalog_variant"'
    )


def _locked_variants(
    ids: list[int], provider: str
) -> tuple[dict[int, Variant], dict[int, str]]:
    """Lock the variants (in id order) and read each with its product, vendor and
    category: what ``select_related(...).select_for_update(of=("self",))`` reads,
    in SQL written once instead of compiled per checkout (most of the read's time).
    Return ``({variant id: variant}, {vendor id: payee ref})``, the refs being the
    vendors' payee accounts at ``provider`` that exist (read in the same statement,
    for ``start_payment``).
    """
    with connection.cursor() as cursor:
        cursor.execute(_locked_variants_sql(), [provider, ids])
        rows = cursor.fetchall()
    variants, payee_refs = {}, {}
    for row in rows:
        variant, product, vendor, category = from_joined_row(
            row, Variant, Product, Vendor, Category
        )
        Product.vendor.field.set_cached_value(product, vendor)
        Product.category.field.set_cached_value(product, category)
        Variant.product.field.set_cached_value(variant, product)
        variants[variant.pk] = variant
        if row[-1] is not None:
            payee_refs[vendor.pk] = row[-1]
    return variants, payee_refs


def _check_sellable(lines, variants: dict[int, Variant]) -> str:
    """Raise ``ValidationFailed`` per line that cannot be sold; return the currency."""
    errors, currencies = {}, set()
    for index, (variant_id, _quantity) in enumerate(lines):
        field = f"lines[{index}].variant_id"
        variant = variants.get(variant_id)
        if variant is None or not variant.is_active:
            errors[field] = [_("This product variant is not for sale.")]
        elif variant.product.status != Product.Status.LIVE:
            errors[field] = [_("This product is not on sale now.")]
        elif variant.product.vendor.status != Vendor.Status.APPROVED:
            errors[field] = [_("This shop is not selling now.")]
        else:
            currencies |= {variant.currency, variant.product.vendor.currency}
    if not errors and len(currencies) > 1:
        errors["lines"] = [_("Pay for items in different currencies separately.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return currencies.pop()


def _terms(lines, variants, rules):
    try:
        return terms_for_variants(list(variants.values()), rules=rules)
    except ValidationFailed:
        for index, (variant_id, _quantity) in enumerate(lines):
            try:
                terms_for_variants([variants[variant_id]], rules=rules)
            except ValidationFailed:
                raise ValidationFailed(
                    errors={
                        f"lines[{index}].variant_id": [
                            _("This product variant has no price yet.")
                        ]
                    }
                ) from None
        raise


def _reserve(lines, variants) -> None:
    short = reserve_stock(dict(lines))
    if not short:
        return
    errors = {
        f"lines[{index}].quantity": [
            _("Sold out: %(sku)s (%(left)s left).")
            % {"sku": variants[v].sku, "left": max(variants[v].stock_available, 0)}
        ]
        for index, (v, _q) in enumerate(lines)
        if v in short
    }
    skus = ", ".join(sorted(variants[v].sku for v in short))
    raise Conflict(
        _("Sold out: %(skus)s.") % {"skus": skus}, errors=errors, code="sold_out"
    )


def _build(
    *, shopper, address, lines, variants, terms, currency, rules
) -> tuple[Order, list[VendorOrder]]:
    now = timezone.now()
    by_vendor: dict[int, list[tuple[Variant, int]]] = {}
    for variant_id, quantity in lines:
        variant = variants[variant_id]
        by_vendor.setdefault(variant.product.vendor_id, []).append((variant, quantity))
    order = Order(
        number=new_order_number(now),
        shopper=shopper,
        currency=currency,
        created_at=now,
        expires_at=now + timedelta(minutes=rules.payment_timeout_minutes),
        **address.address_dict(),
    )
    parts: list[tuple[VendorOrder, list[OrderLine]]] = []
    for group in by_vendor.values():
        vendor = group[0][0].product.vendor
        vendor_order = VendorOrder(vendor=vendor, currency=currency, created_at=now)
        vendor_lines = []
        for variant, quantity in group:
            term = terms[variant.pk]
            line = OrderLine(
                variant=variant,
                product_title_en=variant.product.title_en,
                product_title_zh=variant.product.title_zh,
                sku=variant.sku,
                attributes=variant.attributes,
                unit_price=term.unit_price,
                quantity=quantity,
                line_total=term.unit_price * quantity,
                pricing_model=term.pricing_model,
                supply_price=term.supply_price,
                commission_bps=term.commission_bps,
                vendor_share=vendor_share(term, quantity),
            )
            vendor_order.items_total += line.line_total
            vendor_order.vendor_share_total += line.vendor_share
            vendor_lines.append(line)
        threshold = vendor.free_shipping_threshold
        free = threshold is not None and vendor_order.items_total >= threshold
        vendor_order.shipping_fee = 0 if free else vendor.shipping_fee
        vendor_order.total = vendor_order.items_total + vendor_order.shipping_fee
        parts.append((vendor_order, vendor_lines))
    vendor_orders = [vendor_order for vendor_order, _lines in parts]
    order.items_total = sum(vo.items_total for vo in vendor_orders)
    order.shipping_total = sum(vo.shipping_fee for vo in vendor_orders)
    order.grand_total = order.items_total + order.shipping_total
    insert_rows([order])
    for vendor_order in vendor_orders:
        vendor_order.order = order
    insert_rows(vendor_orders)
    for vendor_order, vendor_lines in parts:
        for line in vendor_lines:
            line.vendor_order = vendor_order
    insert_rows([line for _vo, lines in parts for line in lines])
    for vendor_order, vendor_lines in parts:
        set_prefetched(vendor_order, "lines", vendor_lines)
        set_prefetched(vendor_order, "shipments", [])
    set_prefetched(order, "vendor_orders", vendor_orders)
    insert_rows(
        [OrderEvent(order=order, actor=shopper, to_status=order.status, created_at=now)]
        + [
            OrderEvent(
                order=order,
                vendor_order=vo,
                actor=shopper,
                to_status=vo.status,
                created_at=now,
            )
            for vo in vendor_orders
        ]
    )
    return order, vendor_orders


class Placed(NamedTuple):
    order: Order
    vendor_orders: list[VendorOrder] | None  # None: replayed, not placed now
    payee_refs: dict[int, str] | None  # read with the variants (start_payment)


def _place(*, shopper, address_id, lines, provider: str) -> Placed:
    address = _address_for(shopper, address_id)
    cart_line_ids: list[int] = []
    if lines is None:
        lines, cart_line_ids = _lines_from_cart(shopper)
    else:
        lines = clean_lines(lines)
    variants, payee_refs = _locked_variants([v for v, _q in lines], provider)
    currency = _check_sellable(lines, variants)
    rules = get_rules()
    terms = _terms(lines, variants, rules)
    _reserve(lines, variants)
    order, vendor_orders = _build(
        shopper=shopper,
        address=address,
        lines=lines,
        variants=variants,
        terms=terms,
        currency=currency,
        rules=rules,
    )
    if cart_line_ids:
        CartLine.objects.filter(pk__in=cart_line_ids).delete()
    return Placed(order, vendor_orders, payee_refs)


def place_order(
    *,
    shopper,
    address_id: int,
    lines: list[dict] | None = None,
    idempotency_key: str | None = None,
    request_body: Any = None,
) -> Order:
    """Place an order from ``lines`` (default: the shopper's cart) and reserve stock.

    ``lines`` are ``{"variant_id": int, "quantity": int}``; anything else in them is
    ignored. Every price, fee, stock level and the vendor's and listing's state are
    read here, under a lock on the variants taken in id order. Raise
    ``ValidationFailed`` (400, naming the field) for bad input or anything not for
    sale, and ``Conflict`` (409, ``sold_out``, naming the SKU) when stock is short;
    either way nothing is written. With ``idempotency_key``, a repeat with the same
    ``request_body`` (default: the address and lines) returns the same order, and a
    concurrent repeat waits for the first.

    The order commits first; then the provider payment is created outside the
    transaction (``payment.start_payment``), so no lock is held over the network.

    The order comes back with its vendor orders, their lines and shipments loaded
    as ``selectors.get_shopper_order`` loads them, ready to show: built in memory
    when placed now (no read back), read when an idempotent repeat replays it.
    """
    provider = get_provider()
    placed = _place_atomically(
        shopper=shopper,
        address_id=address_id,
        lines=lines,
        idempotency_key=idempotency_key,
        request_body=request_body,
        provider=provider.name,
    )
    return start_payment(
        order=placed.order,
        vendor_orders=placed.vendor_orders,
        known_refs=placed.payee_refs,
        provider=provider,
    )


@transaction.atomic
def _place_atomically(
    *, shopper, address_id, lines, idempotency_key, request_body, provider: str
) -> Placed:
    """Place the order, or find the one an idempotent repeat placed before."""
    place = {
        "shopper": shopper,
        "address_id": address_id,
        "lines": lines,
        "provider": provider,
    }
    if idempotency_key is None:
        return _place(**place)
    placed: list[Placed] = []

    def operation():
        placed.append(_place(**place))
        order = placed[0].order
        return 201, {"order_id": order.pk, "number": order.number}

    body = request_body
    if body is None:
        body = {"address_id": address_id, "lines": lines}
    stored = run_idempotently(
        user_id=shopper.pk,
        scope=IDEMPOTENCY_SCOPE,
        key=idempotency_key,
        body=body,
        operation=operation,
    )
    if placed:
        return placed[0]
    order = get_shopper_order(shopper=shopper, number=stored.body["number"])
    return Placed(order, None, None)
