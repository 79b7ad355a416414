"""Order placement: over HTTP beside the pgbench ceiling, and in-process.

HTTP: gunicorn (production settings, ``2 x cores + 1`` workers), PostgreSQL, Redis and
a real Celery worker. Token-authenticated shoppers, each with an address, post
``store-checkout`` with random carts of 1-5 lines (quantity 1-3) across all vendors
and products, each with a fresh ``Idempotency-Key``. At every concurrency the HTTP
run and a pgbench run of the ceiling script at the same client count alternate,
``repeats`` times, and the medians are compared.

In-process: ``place_order`` called in a loop with the same carts, beside pgbench at
one client; and the SQL statements per order, counted with ``CaptureQueriesContext``
and split into the order's transaction, the payment start, and the sandbox provider.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import time
import uuid

import psutil

from bench import ceiling, data, load, servers
from bench.stats import median

CLIENTS = (1, 4, 16, 64)
OK, ALLOWED = {201}, {201, 409}


class Carts:
    """Random checkouts: a shopper, 1-5 distinct variants, quantities 1-3."""

    def __init__(self, seed: int = 8):
        self.rng = random.Random(seed)
        self.variants = data.sellable_variant_ids()
        self.shoppers = data.shoppers()

    def lines(self) -> list[dict]:
        chosen = self.rng.sample(self.variants, self.rng.randint(1, 5))
        return [{"variant_id": v, "quantity": self.rng.randint(1, 3)} for v in chosen]

    def request(self, _index: int = 0) -> load.Request:
        _user, token, address = self.rng.choice(self.shoppers)
        headers = {
            "Authorization": f"Token {token}",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        body = {"address_id": address, "lines": self.lines()}
        return ("POST", "/api/store/checkout/", headers, body)


PARTS = ("gunicorn", "celery", "postgres", "load generator")


def _cpu_seconds() -> dict[int, tuple[str, float]]:
    """``{pid: (part, CPU seconds so far)}`` of each process of the running system.

    gunicorn and Celery are found by their command lines, PostgreSQL by its process
    name (every backend on the machine: run on an otherwise quiet one), the load
    generator is this process.
    """
    spent = {}
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            command = " ".join(process.info["cmdline"] or [])
            times = process.cpu_times()
        except psutil.Error:
            continue
        if process.pid == os.getpid():
            part = "load generator"
        elif "gunicorn" in command:
            part = "gunicorn"
        elif "celery" in command:
            part = "celery"
        elif (process.info["name"] or "").startswith("postgres"):
            part = "postgres"
        else:
            continue
        spent[process.pid] = (part, times.user + times.system)
    return spent


def _cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """CPU ms per request by part, over the processes alive at the end (a process
    that started during the run counts from zero; one that ended is lost)."""
    used = dict.fromkeys(PARTS, 0.0)
    for pid, (part, seconds) in after.items():
        earlier = before.get(pid)
        used[part] += seconds - (earlier[1] if earlier and earlier[0] == part else 0)
    return {part: round(1000 * used[part] / max(requests, 1), 2) for part in PARTS}


def _http_rows(ctx, base: str, carts: Carts, variables: dict) -> list[dict]:
    seconds = ctx.seconds(8)
    rows = []
    for clients in ctx.clients(CLIENTS):
        http_runs, pg_runs = [], []
        for _ in range(ctx.repeats):
            before = _cpu_seconds()
            result = load.closed_loop(
                base, clients=clients, seconds=seconds, next_request=carts.request
            )
            summary = result.summary(OK, ALLOWED)
            summary["cpu_ms_per_request"] = _cpu_per_request(
                before, _cpu_seconds(), summary["requests"]
            )
            http_runs.append(summary)
            pg_runs.append(ceiling.pgbench(clients, seconds, variables)["tps"])
        row = {
            "clients": clients,
            "orders_per_s": median([r["rate"] for r in http_runs]),
            "p50_ms": median([r["p50_ms"] for r in http_runs]),
            "p95_ms": median([r["p95_ms"] for r in http_runs]),
            "p99_ms": median([r["p99_ms"] for r in http_runs]),
            "errors": sum(r["errors"] for r in http_runs),
            "sold_out_409": sum(r["statuses"].get("409", 0) for r in http_runs),
            "ceiling_tps": median(pg_runs),
            "cpu_ms_per_request": {
                part: median([r["cpu_ms_per_request"][part] for r in http_runs])
                for part in PARTS
            },
            "runs": http_runs,
            "ceiling_runs": pg_runs,
        }
        row["ratio"] = row["orders_per_s"] / row["ceiling_tps"]
        rows.append(row)
        ctx.log(
            f"checkout c={clients}: {row['orders_per_s']:.1f} orders/s, "
            f"p99 {row['p99_ms']:.0f} ms, errors {row['errors']}, ceiling "
            f"{row['ceiling_tps']:.0f} -> {row['ratio']:.0%}"
        )
    return rows


def run_http(ctx) -> dict:
    carts = Carts()
    variables = ceiling.script_variables()
    with servers.celery_worker(), servers.gunicorn() as base:
        # Not measured: every worker's first request imports the URLconf and opens
        # its database connection (about 15% of a short run's CPU in py-spy).
        load.closed_loop(base, clients=16, seconds=3, next_request=carts.request)
        rows = _http_rows(ctx, base, carts, variables)
    return {
        "gunicorn_workers": servers.gunicorn_workers(),
        "seconds_per_run": ctx.seconds(8),
        "cart": "1-5 lines (uniform), quantity 1-3, any sellable variant",
        "rows": rows,
    }


# --- In-process ---------------------------------------------------------------------
_SANDBOX = ("payments_sandbox",)


def _classify(statements: list[str]) -> dict[str, int]:
    """Count statements: the order's transaction, then what follows its COMMIT."""
    order_tx, payment, sandbox, control = 0, 0, 0, 0
    committed = False
    for sql in statements:
        kind = ceiling.shape(sql)
        if kind in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT"}:
            control += 1
            if kind == "COMMIT":
                committed = True
            continue
        if any(table in kind for table in _SANDBOX):
            sandbox += 1
        elif committed:
            payment += 1
        else:
            order_tx += 1
    return {
        "order_transaction": order_tx,
        "payment_start": payment,
        "sandbox_provider": sandbox,
        "transaction_control": control,
        "total": len(statements),
    }


def _place(carts: Carts, users: dict, index: int) -> None:
    from orders.services.checkout import place_order

    user_id, _token, address = carts.rng.choice(carts.shoppers)
    lines = carts.lines()
    place_order(
        shopper=users[user_id],
        address_id=address,
        lines=lines,
        idempotency_key=f"inproc-{uuid.uuid4().hex}",
        request_body={"address_id": address, "lines": lines},
    )


def _count_queries(carts: Carts, users: dict, *, lines: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.services.checkout import place_order

    user_id, _token, address = carts.shoppers[1]
    # distinct vendors: spread the variants over the id range
    step = len(carts.variants) // lines
    body_lines = [
        {"variant_id": carts.variants[i * step + 7], "quantity": 1}
        for i in range(lines)
    ]
    with CaptureQueriesContext(connection) as captured:
        place_order(
            shopper=users[user_id],
            address_id=address,
            lines=body_lines,
            idempotency_key=f"count-{uuid.uuid4().hex}",
            request_body={"address_id": address, "lines": body_lines},
        )
    return {"lines": lines, **_classify([q["sql"] for q in captured])}


def _count_request_queries(carts: Carts) -> dict:
    """Count the statements of one whole ``store-checkout`` request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _method, path, headers, body = carts.request()
    client = Client(HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            path,
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=headers["Authorization"],
            HTTP_IDEMPOTENCY_KEY=headers["Idempotency-Key"],
        )
    return {
        "status": response.status_code,
        "lines": len(body["lines"]),
        **_classify([q["sql"] for q in captured]),
    }


def _loop(carts, users, seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        _place(carts, users, count)
        count += 1
    return count / (time.perf_counter() - start)


def _profile(carts, users, orders: int = 150) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(orders):
        _place(carts, users, index)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


def run_inprocess(ctx) -> dict:
    from django.db import connection

    from marketplace.accounts.models import User

    carts = Carts(seed=4)
    users = User.objects.in_bulk([s[0] for s in carts.shoppers])
    variables = ceiling.script_variables()
    seconds = ctx.seconds(6)
    rates, pg = [], []
    for _ in range(ctx.repeats):
        rates.append(_loop(carts, users, seconds))
        connection.close()
        pg.append(ceiling.pgbench(1, seconds, variables)["tps"])
    queries = [_count_queries(carts, users, lines=n) for n in (1, 3, 5)]
    request = _count_request_queries(carts)
    result = {
        "orders_per_s": median(rates),
        "runs": rates,
        "ceiling_tps_1_client": median(pg),
        "ceiling_runs": pg,
        "ratio": median(rates) / median(pg),
        "queries": queries,
        "request_queries": request,
        "profile_top_tottime": _profile(carts, users),
    }
    ctx.log(
        f"in-process: {result['orders_per_s']:.1f} orders/s "
        f"(ceiling@1 {result['ceiling_tps_1_client']:.0f}); queries {queries}"
    )
    return result
