"""Catalog reads over HTTP beside Django's bare "hello" JSON view.

The product list, searches in Chinese (茶, 手机) and English (tea), and a product page
(a random live product per request) are requested by N concurrent anonymous clients
from the same gunicorn as ``/bench/hello/`` (the bench URLconf adds only that view).
Each repeat runs every endpoint in turn, the hello view first, so the ratios compare
figures taken minutes apart at most.
"""

from __future__ import annotations

import random

from bench import data, load, servers
from bench.stats import median

CLIENTS = 16
PATHS = {
    "hello": "/bench/hello/",
    "list": "/api/store/products/",
    "search 茶": "/api/store/products/?q=茶",
    "search 手机": "/api/store/products/?q=手机",
    "search tea": "/api/store/products/?q=tea",
    "product page": None,
}


def run(ctx) -> dict:
    rng = random.Random(6)
    products = data.live_product_ids()
    seconds = ctx.seconds(5)
    runs: dict[str, list[dict]] = {name: [] for name in PATHS}
    with servers.gunicorn() as base:
        for _ in range(ctx.repeats):
            for name, path in PATHS.items():

                def next_request(_i, path=path):
                    target = path or f"/api/store/products/{rng.choice(products)}/"
                    return ("GET", target, {}, None)

                result = load.closed_loop(
                    base, clients=CLIENTS, seconds=seconds, next_request=next_request
                )
                runs[name].append(result.summary({200}, {200}))
    hello = median([r["rate"] for r in runs["hello"]])
    rows = []
    for name, results in runs.items():
        rate = median([r["rate"] for r in results])
        rows.append(
            {
                "endpoint": name,
                "path": PATHS[name] or "/api/store/products/<random live id>/",
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
        "rows": rows,
    }
