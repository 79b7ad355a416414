"""Ceiling: the orders/s this machine's PostgreSQL commits for our placement's SQL.

``bench/pgbench/place_order.sql`` holds the statements of one real ``place_order``
(captured with ``CaptureQueriesContext``), with pgbench variables for the ids. pgbench
runs it in simple protocol mode (as Django sends) at 1, 2, 4, 8 and 16 clients. Each
run first captures a real placement again and compares its statements (verb and
table) with the script's, so a change in the product that the script misses shows up
as ``drift`` in the result.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter

import psycopg

from bench.env import PGBENCH_DIR, database, find_pgbench
from bench.stats import median

SCRIPT = PGBENCH_DIR / "place_order.sql"
CLIENTS = (1, 2, 4, 8, 16)
_TPS = re.compile(r"^tps = ([0-9.]+)", re.MULTILINE)
_FAILED = re.compile(r"number of failed transactions: (\d+)")
_VERB = re.compile(
    r"^\s*(?:WITH\b.*?\)\s*)?(SELECT|INSERT INTO|UPDATE|DELETE FROM|BEGIN|COMMIT|"
    r"SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK)\b\s*\"?(\w*)",
    re.IGNORECASE | re.DOTALL,
)


def shape(statement: str) -> str:
    """Return ``VERB table`` of a statement (``BEGIN``, ``SELECT catalog_variant``)."""
    match = _VERB.match(statement)
    if not match:
        return statement.split()[0].upper()
    verb, table = match.group(1).upper(), match.group(2)
    if verb in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK"}:
        return verb
    if verb == "SELECT":
        found = re.search(r'\bFROM\s+"?(\w+)', statement, re.IGNORECASE)
        table = found.group(1) if found else table
    return f"{verb} {table}".strip()


def script_statements() -> list[str]:
    """The SQL statements of the pgbench script, without meta-commands or comments."""
    statements, current = [], []
    for line in SCRIPT.read_text().splitlines():
        if line.startswith(("--", "\\")) or not line.strip():
            continue
        current.append(line)
        if line.rstrip().endswith(";") or re.search(r"\\[ga]set", line):
            statements.append(" ".join(current))
            current = []
    return statements


def script_variables() -> dict[str, int]:
    """The ``-D`` values the script needs, read from the bench database."""
    with psycopg.connect(database().url) as conn:
        vlo, vhi = conn.execute(
            "SELECT min(id), max(id) FROM catalog_variant"
        ).fetchone()
        ulo, uhi, aoff_lo, aoff_hi = conn.execute(
            "SELECT min(u.id), max(u.id), min(u.id - a.id), max(u.id - a.id) "
            "FROM accounts_user u JOIN orders_address a ON a.user_id = u.id "
            "WHERE u.email LIKE '%@bench.local'"
        ).fetchone()
        dlo, dhi = conn.execute(
            "SELECT min(id), max(id) FROM vendors_vendor WHERE status = 'approved'"
        ).fetchone()
        alo, ahi = conn.execute(
            "SELECT min(id), max(id) FROM payments_sandboxaccount WHERE NOT is_platform"
        ).fetchone()
    if aoff_lo != aoff_hi:
        raise RuntimeError("bench shoppers' address ids are not user id - constant")
    return {
        "vlo": vlo,
        "vhi": vhi,
        "ulo": ulo,
        "uhi": uhi,
        "aoff": aoff_lo,
        "dlo": dlo,
        "dhi": dhi,
        "alo": alo,
        "ahi": ahi,
    }


def pgbench(clients: int, seconds: float, variables: dict[str, int]) -> dict:
    """Run the script once; return tps and failures."""
    command = [
        find_pgbench(),
        "-n",
        "-M",
        "simple",
        "-f",
        str(SCRIPT),
        "-c",
        str(clients),
        "-j",
        str(clients),
        "-T",
        str(max(1, round(seconds))),
    ]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    env = {**os.environ, **database().libpq_env()}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    tps = _TPS.search(done.stdout)
    if done.returncode != 0 or not tps:
        raise RuntimeError(f"pgbench failed:\n{done.stdout}\n{done.stderr}")
    failed = _FAILED.search(done.stdout)
    return {
        "clients": clients,
        "tps": float(tps.group(1)),
        "failed": int(failed.group(1)) if failed else 0,
    }


def capture_placement() -> dict:
    """Place one real order (2 lines, 2 vendors, idempotency key); return its SQL shape.

    Call with Django set up.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import data
    from marketplace.accounts.models import User
    from marketplace.rules.selectors import get_rules
    from orders.services.checkout import place_order

    get_rules()  # as in a running server, the rules in force are already cached
    user_id, _token, address_id = data.shoppers()[0]
    variants = data.sellable_variant_ids()
    lines = [
        {"variant_id": variants[0], "quantity": 1},
        {"variant_id": variants[-1], "quantity": 2},
    ]
    shopper = User.objects.get(pk=user_id)
    with CaptureQueriesContext(connection) as captured:
        place_order(
            shopper=shopper,
            address_id=address_id,
            lines=lines,
            idempotency_key=f"capture-{os.getpid()}",
            request_body={"address_id": address_id, "lines": lines},
        )
    return {"statements": [shape(q["sql"]) for q in captured.captured_queries]}


def drift(captured: list[str]) -> dict:
    """Compare the captured placement's statements with the script's, with counts.

    The capture has 2 lines from 2 vendors, the script 3 from 3; placement runs the
    same statements for any cart (every per-line and per-vendor write is one bulk
    statement), so the counts must match too.
    """
    scripted = [shape(s) for s in script_statements()]
    missing = sorted(set(captured) - set(scripted))
    extra = sorted(set(scripted) - set(captured))
    counts_captured, counts_scripted = Counter(captured), Counter(scripted)
    changed = sorted(
        name
        for name in set(counts_captured) | set(counts_scripted)
        if counts_captured[name] != counts_scripted[name]
    )
    return {
        "missing_from_script": missing,
        "not_in_code": extra,
        "count_differs": changed,
    }


def run(ctx) -> dict:
    """Run pgbench at each client count, ``ctx.repeats`` times; report the medians."""
    captured = capture_placement()
    variables = script_variables()
    seconds = ctx.seconds(10)
    rows = []
    for clients in CLIENTS:
        runs = [pgbench(clients, seconds, variables) for _ in range(ctx.repeats)]
        rows.append(
            {
                "clients": clients,
                "tps": median([r["tps"] for r in runs]),
                "runs": [r["tps"] for r in runs],
                "failed": sum(r["failed"] for r in runs),
            }
        )
        ctx.log(f"ceiling c={clients}: {rows[-1]['tps']:.0f} orders/s")
    return {
        "seconds_per_run": seconds,
        "script": str(SCRIPT.relative_to(SCRIPT.parent.parent.parent)),
        "script_statements": len(script_statements()),
        "captured_statements": len(captured["statements"]),
        "drift": drift(captured["statements"]),
        "rows": rows,
    }
