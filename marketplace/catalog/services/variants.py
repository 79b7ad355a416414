"""Variants: prices and stock. Both apply at once, even when listings need review."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import Product, Variant
from marketplace.catalog.pricing import default_retail_price
from marketplace.catalog.services._checks import (
    MAX_WEIGHT_GRAMS,
    UNSET,
    check_attributes,
    check_int,
    check_price,
    check_sku,
    check_stock,
    given,
    raise_if,
)
from marketplace.common import cache
from marketplace.common.errors import Conflict
from marketplace.common.services import record_audit
from vendors.models import Vendor

SUPPLY = Vendor.PricingModel.SUPPLY_PRICE
MAX_VARIANTS = 200
VARIANT_KEYS = {
    "sku",
    "attributes",
    "retail_price",
    "supply_price",
    "stock_on_hand",
    "weight_grams",
    "is_active",
}


def _price_model_errors(errors: dict, prefix: str, *, vendor, data: dict) -> None:
    """Refuse the price the vendor's model leaves to the other side."""
    if vendor.pricing_model == SUPPLY:
        if data.get("retail_price") is not None:
            errors.setdefault(f"{prefix}retail_price", []).append(
                _("On the supply-price model the platform sets the retail price.")
            )
        check_price(errors, f"{prefix}supply_price", data.get("supply_price"))
    else:
        if data.get("supply_price") is not None:
            errors.setdefault(f"{prefix}supply_price", []).append(
                _("On the commission model there is no supply price.")
            )
        check_price(errors, f"{prefix}retail_price", data.get("retail_price"))


def variant_errors(data: dict, *, vendor, prefix: str = "") -> dict[str, list[str]]:
    """Return the messages for a new variant's fields (``sku`` and the rest)."""
    errors: dict[str, list[str]] = {}
    for key in sorted(set(data) - VARIANT_KEYS):
        errors.setdefault(f"{prefix}{key}", []).append(_("Unknown field."))
    check_sku(errors, f"{prefix}sku", data.get("sku"))
    check_attributes(errors, f"{prefix}attributes", data.get("attributes", {}))
    check_stock(errors, f"{prefix}stock_on_hand", data.get("stock_on_hand", 0))
    check_int(
        errors,
        f"{prefix}weight_grams",
        data.get("weight_grams", 0),
        low=0,
        high=MAX_WEIGHT_GRAMS,
        required=True,
    )
    _price_model_errors(errors, prefix, vendor=vendor, data=data)
    return errors


def build_variant(
    data: dict, *, product: Product, position: int, margin_bps: int | None = None
) -> Variant:
    """Return an unsaved variant of checked ``data``, with its default retail price.

    ``margin_bps`` is the platform's default margin when the caller has read it
    already (an import building thousands); else it is read from the rules.
    """
    supply_price = data.get("supply_price")
    retail_price = data.get("retail_price")
    if product.vendor.pricing_model == SUPPLY:
        retail_price = (
            default_retail_price(supply_price, margin_bps=margin_bps)
            if supply_price
            else None
        )
    return Variant(
        product=product,
        sku=data["sku"],
        attributes=data.get("attributes", {}),
        currency=product.vendor.currency,
        retail_price=retail_price,
        supply_price=supply_price,
        stock_on_hand=data.get("stock_on_hand", 0),
        weight_grams=data.get("weight_grams", 0),
        is_active=data.get("is_active", True),
        position=position,
    )


def _refuse_archived(product: Product) -> None:
    if product.status == Product.Status.ARCHIVED:
        raise Conflict(_("This product is archived."), code="product_archived")


@transaction.atomic
def add_variant(*, product: Product, actor, **data) -> Variant:
    """Add a variant to ``product``; ``data`` holds sku, attributes, prices, stock.

    The vendor's pricing model decides which price it may send.
    """
    cache.bump(cache.CATALOG)
    product = (
        Product.objects.select_for_update().select_related("vendor").get(pk=product.pk)
    )
    _refuse_archived(product)
    errors = variant_errors(data, vendor=product.vendor)
    if product.variants.filter(sku=data.get("sku")).exists():
        errors.setdefault("sku", []).append(_("This product already has this SKU."))
    if product.variants.count() >= MAX_VARIANTS:
        errors.setdefault("sku", []).append(
            _("A product has at most %(limit)s variants.") % {"limit": MAX_VARIANTS}
        )
    raise_if(errors)
    variant = build_variant(data, product=product, position=product.variants.count())
    variant.save()
    Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())
    return variant


def _lock(variant: Variant) -> Variant:
    return (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product__vendor")
        .get(pk=variant.pk)
    )


@transaction.atomic
def update_variant(
    *,
    variant: Variant,
    actor,
    retail_price: int = UNSET,
    supply_price: int = UNSET,
    stock_on_hand: int = UNSET,
    attributes: dict = UNSET,
    weight_grams: int = UNSET,
    is_active: bool = UNSET,
) -> Variant:
    """Change a vendor's variant at once, without review.

    Supply-price vendors send ``supply_price`` only (the retail price follows it while
    the platform has not set one; a supply price above the platform's retail price is
    refused); commission vendors send ``retail_price`` only. Stock never touches the
    reserved count and may not drop below it.
    """
    cache.bump(cache.CATALOG)
    variant = _lock(variant)
    vendor = variant.product.vendor
    _refuse_archived(variant.product)
    errors: dict[str, list[str]] = {}
    prices = {
        k: v
        for k, v in (("retail_price", retail_price), ("supply_price", supply_price))
        if given(v)
    }
    if prices:
        _price_model_errors(errors, "", vendor=vendor, data=prices)
        for name in prices:
            if prices[name] is None:
                errors.setdefault(name, []).append(_("This field is required."))
    if given(stock_on_hand):
        _stock_errors(errors, variant, stock_on_hand)
    if given(attributes):
        check_attributes(errors, "attributes", attributes)
    if given(weight_grams):
        check_int(
            errors,
            "weight_grams",
            weight_grams,
            low=0,
            high=MAX_WEIGHT_GRAMS,
            required=True,
        )
    if (
        given(supply_price)
        and not errors
        and vendor.pricing_model == SUPPLY
        and variant.retail_price_by_operator
        and supply_price > variant.retail_price
    ):
        errors["supply_price"] = [
            _(
                "The supply price may not exceed the retail price the platform "
                "set (%(retail)s)."
            )
            % {"retail": variant.retail_price}
        ]
    raise_if(errors)
    if given(retail_price):
        variant.retail_price = retail_price
    if given(supply_price):
        variant.supply_price = supply_price
        if not variant.retail_price_by_operator:
            variant.retail_price = default_retail_price(supply_price)
    if given(stock_on_hand):
        variant.stock_on_hand = stock_on_hand
    if given(attributes):
        variant.attributes = attributes
    if given(weight_grams):
        variant.weight_grams = weight_grams
    if given(is_active):
        variant.is_active = bool(is_active)
    variant.save()
    return variant


def _stock_errors(errors: dict, variant: Variant, on_hand) -> None:
    check_stock(errors, "stock_on_hand", on_hand)
    if "stock_on_hand" not in errors and on_hand < variant.stock_reserved:
        errors["stock_on_hand"] = [
            _("%(reserved)s units are reserved by orders; stock may not be lower.")
            % {"reserved": variant.stock_reserved}
        ]


@transaction.atomic
def set_stock(*, variant: Variant, actor, on_hand: int) -> Variant:
    """Set the on-hand stock; reservations stay as they are.

    Refuse a count below what orders have reserved. For feeds and the vendor alike.
    """
    cache.bump(cache.CATALOG)
    variant = _lock(variant)
    errors: dict[str, list[str]] = {}
    _stock_errors(errors, variant, on_hand)
    raise_if(errors)
    variant.stock_on_hand = on_hand
    variant.save(update_fields=["stock_on_hand"])
    return variant


@transaction.atomic
def set_retail_price(*, variant: Variant, actor, retail_price: int | None) -> Variant:
    """Set the platform's retail price of a supply-price variant; audit the change.

    ``None`` goes back to the default margin over the supply price. The retail price
    may not be below the supply price.
    """
    cache.bump(cache.CATALOG)
    variant = _lock(variant)
    if variant.product.vendor.pricing_model != SUPPLY:
        raise Conflict(
            _("On the commission model the vendor sets the retail price."),
            code="commission_model",
        )
    if variant.supply_price is None:
        raise Conflict(
            _("The vendor has not set a supply price yet."), code="no_supply_price"
        )
    errors: dict[str, list[str]] = {}
    if retail_price is not None:
        check_price(errors, "retail_price", retail_price)
        if not errors and retail_price < variant.supply_price:
            errors["retail_price"] = [
                _("The retail price may not be below the supply price (%(supply)s).")
                % {"supply": variant.supply_price}
            ]
    raise_if(errors)
    old = {
        "retail_price": variant.retail_price,
        "retail_price_by_operator": variant.retail_price_by_operator,
    }
    variant.retail_price_by_operator = retail_price is not None
    variant.retail_price = (
        retail_price
        if retail_price is not None
        else default_retail_price(variant.supply_price)
    )
    variant.save(update_fields=["retail_price", "retail_price_by_operator"])
    record_audit(
        actor=actor,
        action="catalog.variant.set_retail_price",
        target=variant,
        old=old,
        new={
            "retail_price": variant.retail_price,
            "retail_price_by_operator": variant.retail_price_by_operator,
        },
    )
    return variant
