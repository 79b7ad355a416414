"""Settlement terms for many variants at once, with a fixed number of queries.

``catalog.pricing.settlement_terms`` reads the platform rules and the category tree
for each call. Here the rules and every category's ancestors are read once, and each
call gets a category whose commission rate is already resolved and (for the
supply-price model) a variant whose default retail price is already computed, so
the catalog's own function decides every figure without querying again.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from django.db import connection

from marketplace.catalog.models import Category
from marketplace.catalog.pricing import (
    SettlementTerms,
    category_ids_upwards,
    default_retail_price,
    settlement_terms,
)
from marketplace.rules.selectors import get_rules


def _effective_rates(categories: Iterable, default_bps: int) -> dict[int, int]:
    chains = {c.pk: category_ids_upwards(c) for c in categories}
    wanted = {pk for chain in chains.values() for pk in chain}
    if not wanted:
        return {}
    table = Category._meta.db_table
    with connection.cursor() as cursor:  # on checkout's path: SQL written once
        cursor.execute(
            f'SELECT "id", "commission_bps" FROM "{table}"'  # noqa: S608
            ' WHERE "commission_bps" IS NOT NULL AND "id" = ANY(%s::bigint[])',
            [sorted(wanted)],
        )
        rates = dict(cursor.fetchall())
    return {
        pk: next((rates[a] for a in chain if a in rates), default_bps)
        for pk, chain in chains.items()
    }


def terms_for_variants(variants: list, *, rules=None) -> dict[int, SettlementTerms]:
    """Return ``{variant id: SettlementTerms}`` for variants with product, vendor and
    category loaded.

    Raises what ``settlement_terms`` raises (``ValidationFailed``) for a variant
    missing the price its vendor's model needs.
    """
    if not variants:
        return {}
    rules = rules or get_rules()
    categories = {v.product.category_id: v.product.category for v in variants}
    needs_tree = [c for c in categories.values() if c.commission_bps is None]
    rates = _effective_rates(needs_tree, rules.default_commission_bps)
    result = {}
    for variant in variants:
        category = variant.product.category
        if category.commission_bps is None:
            category = copy.copy(category)
            category.commission_bps = rates[category.pk]
        priced = variant
        if variant.retail_price is None and variant.supply_price is not None:
            priced = copy.copy(variant)
            priced.retail_price = default_retail_price(
                variant.supply_price, margin_bps=rules.default_supply_margin_bps
            )
        result[variant.pk] = settlement_terms(
            priced, vendor=variant.product.vendor, category=category
        )
    return result
