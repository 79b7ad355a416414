"""The numbers a line settles at, computed in one place.

Two pricing models, chosen per vendor:

- **Supply price** (供货价): the vendor sets the supply price and is paid it per unit;
  the platform sets the retail price (never below the supply price) and keeps the
  difference. Until an operator sets one, the retail price is the supply price plus
  the platform's default margin.
- **Commission**: the vendor sets the retail price; the platform keeps a commission
  in basis points of the line total. The rate is the vendor's override, else the
  nearest category up the tree that has one, else the platform's default.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from marketplace.common.errors import ValidationFailed
from marketplace.common.money import MAX_AMOUNT, apply_bps
from marketplace.rules.selectors import get_rules
from vendors.models import Vendor

PricingModel = Vendor.PricingModel


@dataclass(frozen=True, slots=True)
class SettlementTerms:
    """What one unit of a variant sells and settles at, in minor units."""

    pricing_model: str
    unit_price: int
    supply_price: int | None
    commission_bps: int | None
    currency: str


def default_retail_price(supply_price: int, *, margin_bps: int | None = None) -> int:
    """Return the supply price plus the platform's default margin, rounded half up."""
    if margin_bps is None:
        margin_bps = get_rules().default_supply_margin_bps
    return min(supply_price + apply_bps(supply_price, margin_bps), MAX_AMOUNT)


def category_ids_upwards(category) -> list[int]:
    """Return the ids from ``category`` up to its root, nearest first."""
    ids = [int(part) for part in category.path.strip("/").split("/") if part]
    return list(reversed(ids)) or [category.pk]


def category_commission_bps(category) -> int | None:
    """Return the nearest commission set on ``category`` or an ancestor, else None."""
    if category.commission_bps is not None:
        return category.commission_bps
    from marketplace.catalog.models import Category

    ids = category_ids_upwards(category)
    rates = dict(
        Category.objects.filter(pk__in=ids, commission_bps__isnull=False).values_list(
            "pk", "commission_bps"
        )
    )
    return next((rates[pk] for pk in ids if pk in rates), None)


def commission_bps_for(*, vendor, category) -> int:
    """Return the commission rate: vendor override, category tree, platform rule."""
    if vendor.commission_bps_override is not None:
        return vendor.commission_bps_override
    rate = category_commission_bps(category)
    return rate if rate is not None else get_rules().default_commission_bps


def settlement_terms(variant, *, vendor, category) -> SettlementTerms:
    """Return the terms one unit of ``variant`` sells at, for ``vendor``'s model.

    Raise ``ValidationFailed`` when the variant lacks the price its model needs.
    """
    if vendor.pricing_model == PricingModel.SUPPLY_PRICE:
        if variant.supply_price is None:
            raise ValidationFailed(
                errors={"supply_price": [_("This variant has no supply price.")]}
            )
        unit_price = variant.retail_price or default_retail_price(variant.supply_price)
        if unit_price < variant.supply_price:
            raise ValidationFailed(
                errors={
                    "retail_price": [
                        _("The retail price must not be below the supply price.")
                    ]
                }
            )
        return SettlementTerms(
            pricing_model=PricingModel.SUPPLY_PRICE,
            unit_price=unit_price,
            supply_price=variant.supply_price,
            commission_bps=None,
            currency=variant.currency,
        )
    if variant.retail_price is None:
        raise ValidationFailed(
            errors={"retail_price": [_("This variant has no retail price.")]}
        )
    return SettlementTerms(
        pricing_model=PricingModel.COMMISSION,
        unit_price=variant.retail_price,
        supply_price=None,
        commission_bps=commission_bps_for(vendor=vendor, category=category),
        currency=variant.currency,
    )


def vendor_share(terms: SettlementTerms, quantity: int) -> int:
    """Return what the vendor is owed for ``quantity`` units on ``terms``.

    Supply model: supply price × quantity. Commission model: the line total less the
    commission on the line total (not per unit), rounded half up.
    """
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    if terms.pricing_model == PricingModel.SUPPLY_PRICE:
        return terms.supply_price * quantity
    line_total = terms.unit_price * quantity
    return line_total - apply_bps(line_total, terms.commission_bps)


def platform_share(terms: SettlementTerms, quantity: int) -> int:
    """Return what the platform keeps of the line: the total less the vendor share."""
    return terms.unit_price * quantity - vendor_share(terms, quantity)
