"""Catalog reads over HTTP beside Django's bare "hello" JSON view.

The product list, searches in Chinese (茶, 手机) and English (tea), and a product page
(a random live product per request) are requested by N concurrent anonymous clients
from the same gunicorn as ``/bench/hello/`` (the bench URLconf adds only that view).
Each repeat runs every endpoint in turn, the hello view first, so the ratios compare
figures taken minutes apart at most.

The product page is measured twice. "product page" is a store that has been open a
while: before the measured runs the catalog version is bumped (nothing cached by an
earlier run or database is served) and every live product page is requested once, by
the same clients, not measured (the time is logged and kept in the result), so each
page's cached answer is there. "product page (cold)" bumps the version before each of
its runs, as any catalog service change does, so every first request to a product
builds its page; its runs come after all the other repeats, since a bump undoes the
warm-up.
"""

from __future__ import annotations

import random

from bench import data, load, servers
from bench.stats import median

CLIENTS = 16
PRODUCT = "/api/store/products/{}/"
PATHS = {
    "hello": "/bench/hello/",
    "list": "/api/store/products/",
    "search 茶": "/api/store/products/?q=茶",
    "search 手机": "/api/store/products/?q=手机",
    "search tea": "/api/store/products/?q=tea",
    "product page": None,
    "product page (cold)": None,
}
COLD = "product page (cold)"
DESCRIBED = {
    "product page": "/api/store/products/<random live id>/ (every page requested once "
    "before the runs)",
    COLD: "/api/store/products/<random live id>/ (catalog version bumped before each "
    "run)",
}


def _bump_catalog_version() -> None:
    """Make every cached catalog answer unreachable, as any catalog service does."""
    from marketplace.common import cache

    cache.bump(cache.CATALOG)  # outside a transaction: both increments run now


def _warm_up(ctx, base: str, products: list[int]) -> dict:
    """Cache every live product page, as in a store that has been open a while."""
    _bump_catalog_version()
    result = load.each_once(
        base,
        clients=CLIENTS,
        requests=[("GET", PRODUCT.format(p), {}, None) for p in products],
    )
    summary = {
        "pages": len(products),
        "seconds": round(result.seconds, 2),
        "errors": result.summary({200}, {200})["errors"],
    }
    ctx.log(
        f"catalog warm-up: {summary['pages']} product pages in "
        f"{summary['seconds']} s ({summary['errors']} errors)"
    )
    return summary


def run(ctx) -> dict:
    rng = random.Random(6)
    products = data.live_product_ids()
    seconds = ctx.seconds(5)
    runs: dict[str, list[dict]] = {name: [] for name in PATHS}

    def measure(base: str, name: str) -> None:
        def next_request(_i, path=PATHS[name]):
            target = path or PRODUCT.format(rng.choice(products))
            return ("GET", target, {}, None)

        result = load.closed_loop(
            base, clients=CLIENTS, seconds=seconds, next_request=next_request
        )
        runs[name].append(result.summary({200}, {200}))

    with servers.gunicorn() as base:
        warm_up = _warm_up(ctx, base, products)
        for _ in range(ctx.repeats):
            for name in PATHS:
                if name != COLD:
                    measure(base, name)
        for _ in range(ctx.repeats):
            _bump_catalog_version()
            measure(base, COLD)
    hello = median([r["rate"] for r in runs["hello"]])
    rows = []
    for name, results in runs.items():
        rate = median([r["rate"] for r in results])
        rows.append(
            {
                "endpoint": name,
                "path": PATHS[name] or DESCRIBED[name],
                "req_per_s": rate,
                "p50_ms": median([r["p50_ms"] for r in results]),
                "p99_ms": median([r["p99_ms"] for r in results]),
                "errors": sum(r["errors"] for r in results),
                "ratio_to_hello": rate / hello if hello else 0.0,
                "runs": [r["rate"] for r in results],
            }
        )
        ctx.log(f"catalog {name}: {rate:.0f} req/s ({rows[-1]['ratio_to_hello']:.0%})")
    return {
        "clients": CLIENTS,
        "seconds_per_run": seconds,
        "gunicorn_workers": servers.gunicorn_workers(),
        "warm_up": warm_up,
        "rows": rows,
    }
