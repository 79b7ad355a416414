"""Stock moves for orders: each one guarded SQL statement over every variant.

Rows are locked in ascending id order first (``SELECT ... ORDER BY id FOR UPDATE`` in
a materialised CTE), so two transactions touching the same variants in any order
queue behind each other instead of deadlocking. The guard in ``WHERE`` is re-checked
on the newest row version after any wait, so no read-then-write race exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection

from marketplace.catalog.models import Variant
from marketplace.common import cache

_TABLE = Variant._meta.db_table

_SQL = f"""
WITH wanted AS (
    SELECT * FROM unnest(%s::bigint[], %s::integer[]) AS w(id, q)
), locked AS (
    SELECT v.id FROM {_TABLE} v
    WHERE v.id = ANY(%s::bigint[])
    ORDER BY v.id
    FOR UPDATE
)
UPDATE {_TABLE} v SET {{assign}}
FROM wanted w JOIN locked l ON l.id = w.id
WHERE v.id = w.id AND {{guard}}
RETURNING v.id, v.product_id
"""  # noqa: S608 (the table name is ours; values are parameters)

RESERVE = _SQL.format(
    assign="stock_reserved = v.stock_reserved + w.q",
    guard="v.stock_on_hand - v.stock_reserved >= w.q",
)
RELEASE = _SQL.format(
    assign="stock_reserved = v.stock_reserved - w.q",
    guard="v.stock_reserved >= w.q",
)
COMMIT = _SQL.format(
    assign="stock_on_hand = v.stock_on_hand - w.q, "
    "stock_reserved = v.stock_reserved - w.q",
    guard="v.stock_reserved >= w.q",
)
RESTOCK = _SQL.format(
    assign=f"stock_on_hand = LEAST(v.stock_on_hand + w.q, {10_000_000})",
    guard="TRUE",
)


def _run(sql: str, quantities: Mapping[int, int]) -> set[int]:
    """Apply ``sql`` to every variant in ``quantities``; return the ids it changed.

    Orders move stock without bumping the catalog cache's version: a flash sale would
    otherwise empty the cache on every sale, when reads peak. A move that changes
    the stock available marks the products' stock ``changed`` instead (one round
    trip to the cache after the commit), so their cached product pages show it at
    once; lists and searches show it within ``CATALOG_CACHE_SECONDS``. Checkout
    re-checks stock anyway. (A sale's commit moves on-hand and reserved units
    together: what is available is unchanged.)
    """
    if not quantities:
        return set()
    ids = sorted(quantities)
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, [quantities[i] for i in ids], ids])
        products = dict(cursor.fetchall())
    if sql is not COMMIT:
        cache.changed(cache.STOCK, set(products.values()))
    return set(products)


def reserve_stock(quantities: Mapping[int, int]) -> set[int]:
    """Reserve ``quantities`` (variant id → units); return the ids that had too few.

    Call inside a transaction and roll it back when any id is returned: the variants
    that had enough are reserved by then.
    """
    return set(quantities) - _run(RESERVE, quantities)


def release_stock(quantities: Mapping[int, int]) -> None:
    """Release reservations of an unpaid order that will never be paid."""
    _run(RELEASE, quantities)


def commit_stock(quantities: Mapping[int, int]) -> None:
    """Turn a paid order's reservations into sold stock: on hand and reserved drop."""
    _run(COMMIT, quantities)


def restock(quantities: Mapping[int, int]) -> None:
    """Put back the units of a paid vendor order that was cancelled before shipping."""
    _run(RESTOCK, quantities)
