"""Flash sale: 1,000 concurrent buyers over HTTP for 100 units of one variant.

Each buyer is its own token-authenticated shopper on its own connection, sending one
``store-checkout`` of one unit with an ``Idempotency-Key``, all at once. A fresh
variant is used for every repeat (100 on hand, none reserved). Sold is read back from
the database: the order lines for the variant added during the run, and its
reservations (reset to 0 before, so they must end at exactly 100).
"""

from __future__ import annotations

import uuid

import psycopg

from bench import data, load, servers
from bench.env import database
from bench.stats import median

BUYERS = 1000
UNITS = 100


def _prepare(variant_id: int) -> None:
    with psycopg.connect(database().url) as conn:
        conn.execute(
            "UPDATE catalog_variant SET stock_on_hand = %s, stock_reserved = 0 "
            "WHERE id = %s",
            [UNITS, variant_id],
        )


def _sold(variant_id: int) -> dict:
    with psycopg.connect(database().url) as conn:
        reserved, on_hand = conn.execute(
            "SELECT stock_reserved, stock_on_hand FROM catalog_variant WHERE id = %s",
            [variant_id],
        ).fetchone()
        lines, units = conn.execute(
            "SELECT count(*), coalesce(sum(quantity), 0) FROM orders_orderline "
            "WHERE variant_id = %s",
            [variant_id],
        ).fetchone()
    return {"reserved": reserved, "on_hand": on_hand, "lines": lines, "units": units}


def _one(base: str, buyers: list, variant_id: int) -> dict:
    _prepare(variant_id)
    before = _sold(variant_id)  # earlier benchmarks may have ordered it already
    requests = [
        (
            "POST",
            "/api/store/checkout/",
            {"Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex},
            {
                "address_id": address,
                "lines": [{"variant_id": variant_id, "quantity": 1}],
            },
        )
        for _user, token, address in buyers
    ]
    result = load.burst(base, requests)
    summary = result.summary({201}, {201, 409})
    after = _sold(variant_id)
    sold = {
        "units": after["units"] - before["units"],
        "lines": after["lines"] - before["lines"],
        "reserved": after["reserved"],
        "on_hand": after["on_hand"],
    }
    finished = sorted(result.finished)
    return {
        "variant_id": variant_id,
        "sold": sold["units"],
        "db": sold,
        "created_201": result.count({201}),
        "sold_out_409": result.count({409}),
        "server_errors_5xx": sum(
            n for status, n in result.statuses.items() if status >= 500
        ),
        "other_errors": summary["errors"]
        - sum(n for status, n in result.statuses.items() if status >= 500),
        "sell_out_s": finished[UNITS - 1] if len(finished) >= UNITS else None,
        "all_answered_s": result.seconds,
        "p50_ms": summary["p50_ms"],
        "p99_ms": summary["p99_ms"],
        "statuses": summary["statuses"],
    }


def run(ctx) -> dict:
    buyers = data.shoppers()[:BUYERS]
    if len(buyers) < BUYERS:
        raise RuntimeError(f"the flash sale needs {BUYERS} shoppers")
    variants = data.sellable_variant_ids()
    runs = []
    with servers.celery_worker(), servers.gunicorn() as base:
        for index in range(ctx.repeats):
            runs.append(_one(base, buyers, variants[len(variants) // 2 + index]))
            ctx.log(
                f"flash sale {index + 1}: sold {runs[-1]['sold']}, 5xx "
                f"{runs[-1]['server_errors_5xx']}, sell-out {runs[-1]['sell_out_s']}"
            )
    sell_outs = [r["sell_out_s"] for r in runs if r["sell_out_s"] is not None]
    return {
        "buyers": BUYERS,
        "units": UNITS,
        "gunicorn_workers": servers.gunicorn_workers(),
        "sold": [r["sold"] for r in runs],
        "exactly_100_every_time": all(
            r["sold"] == UNITS and r["db"]["reserved"] == UNITS for r in runs
        ),
        "sell_out_s": median(sell_outs) if sell_outs else None,
        "all_answered_s": median([r["all_answered_s"] for r in runs]),
        "p99_ms": median([r["p99_ms"] for r in runs]),
        "server_errors_5xx": sum(r["server_errors_5xx"] for r in runs),
        "other_errors": sum(r["other_errors"] for r in runs),
        "runs": runs,
    }
