"""``manage.py ledger_check`` over 1,000,000 postings: time and peak memory.

The book is generated set-based (``INSERT ... SELECT generate_series``) with the
ledger's triggers left on: every posting's deferred balance trigger runs at commit
(in batches), and the accounts' four stored totals are then set from the postings
exactly as ``checks.check_ledger`` defines them, so the check must pass. The mix:
posted one-phase transfers from the provider's cash to vendor balances, plus
two-phase entries of which some stay pending and some are voided.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import psycopg

from bench.env import ROOT, VENV_BIN, database, django_env
from bench.stats import median

POSTINGS = 1_000_000
VENDOR_ACCOUNTS = 2000
BATCH_ENTRIES = 100_000
_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")

_ACCOUNTS = """
INSERT INTO ledger_account (owner_type, owner_id, kind, currency, normal_side, guard,
    debits_pending, credits_pending, debits_posted, credits_posted, created_at)
SELECT 'platform', 'platform', 'provider_cash', 'CNY', 'debit', false, 0, 0, 0, 0, now()
UNION ALL
SELECT 'vendor', 'bench-' || g, 'vendor_available', 'CNY', 'credit', true, 0, 0, 0, 0,
       now()
  FROM generate_series(1, %(vendors)s) g
ON CONFLICT DO NOTHING
"""

# Every 10th entry is two-phase: of those, every 3rd is voided, the rest pending.
_ENTRIES = """
INSERT INTO ledger_journalentry (idempotency_key, kind, description, status, two_phase,
    reference_type, reference_id, reverses_id, metadata, created_at, posted_at,
    voided_at)
SELECT 'bench:' || g, 'bench_transfer', '',
       CASE WHEN g %% 10 <> 0 THEN 'posted'
            WHEN g %% 30 = 0 THEN 'voided' ELSE 'pending' END,
       g %% 10 = 0, 'order', g::text, NULL, '{}'::jsonb, now(),
       CASE WHEN g %% 10 <> 0 THEN now() END,
       CASE WHEN g %% 30 = 0 THEN now() END
  FROM generate_series(%(first)s, %(last)s) g
"""

_POSTINGS = """
WITH vendor AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n
      FROM ledger_account
     WHERE owner_type = 'vendor' AND kind = 'vendor_available'
       AND owner_id LIKE 'bench-%%'
), entry AS (
    SELECT id, reference_id::bigint AS g
      FROM ledger_journalentry
     WHERE id BETWEEN %(first_id)s AND %(last_id)s
)
INSERT INTO ledger_posting (entry_id, account_id, amount, currency, created_at)
SELECT e.id, CASE WHEN s.side = 1 THEN %(cash)s ELSE v.id END,
       s.side * (100 + e.g %% 9900), 'CNY', now()
  FROM entry e
  JOIN vendor v ON v.n = 1 + e.g %% %(vendors)s
 CROSS JOIN (VALUES (1), (-1)) s(side)
"""

_TOTALS = """
WITH sums AS (
    SELECT p.account_id,
           COALESCE(SUM(p.amount) FILTER (WHERE p.amount > 0 AND e.status = 'pending'),
                    0) AS dpe,
           COALESCE(-SUM(p.amount) FILTER (WHERE p.amount < 0
                                             AND e.status = 'pending'), 0) AS cpe,
           COALESCE(SUM(p.amount) FILTER (WHERE p.amount > 0 AND e.status = 'posted'),
                    0) AS dpo,
           COALESCE(-SUM(p.amount) FILTER (WHERE p.amount < 0
                                             AND e.status = 'posted'), 0) AS cpo
      FROM ledger_posting p JOIN ledger_journalentry e ON e.id = p.entry_id
     GROUP BY p.account_id
)
UPDATE ledger_account a
   SET debits_pending = s.dpe, credits_pending = s.cpe,
       debits_posted = s.dpo, credits_posted = s.cpo
  FROM sums s WHERE s.account_id = a.id
"""


def generate(postings: int = POSTINGS) -> dict:
    """Add ``postings`` balanced postings to the bench database; return the timing."""
    entries = postings // 2
    started = time.monotonic()
    with psycopg.connect(database().url, autocommit=True) as conn:
        conn.execute(_ACCOUNTS, {"vendors": VENDOR_ACCOUNTS})
        cash = conn.execute(
            "SELECT id FROM ledger_account WHERE owner_type = 'platform' "
            "AND kind = 'provider_cash' AND currency = 'CNY'"
        ).fetchone()[0]
        for first in range(1, entries + 1, BATCH_ENTRIES):
            last = min(entries, first + BATCH_ENTRIES - 1)
            params = {"first": first, "last": last, "cash": cash}
            params["vendors"] = VENDOR_ACCOUNTS
            with conn.transaction():  # the deferred balance triggers run at commit
                ids = conn.execute(_ENTRIES + " RETURNING id", params).fetchall()
                params["first_id"] = min(row[0] for row in ids)
                params["last_id"] = max(row[0] for row in ids)
                conn.execute(_POSTINGS, params)
        conn.execute(_TOTALS)
        conn.execute("VACUUM ANALYZE ledger_posting")
        conn.execute("VACUUM ANALYZE ledger_journalentry")
        conn.execute("VACUUM ANALYZE ledger_account")
        count = conn.execute("SELECT count(*) FROM ledger_posting").fetchone()[0]
    return {"postings": count, "seconds": round(time.monotonic() - started, 1)}


def _time_v() -> str | None:
    return "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def check_once() -> dict:
    """Run ``manage.py ledger_check`` in its own process; return time and peak RSS."""
    command = [str(VENV_BIN / "python"), "manage.py", "ledger_check"]
    timer = _time_v()
    if timer:
        command = [timer, "-v", *command]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **django_env()},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"ledger_check failed:\n{done.stdout}\n{done.stderr[-3000:]}"
        )
    rss = _RSS.search(done.stderr)
    if rss:
        peak_mb = int(rss.group(1)) / 1024
    else:  # no /usr/bin/time: the largest child so far (this run's, as it is the only)
        import resource

        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": peak_mb, "output": done.stdout.strip()}


def explain() -> str:
    """EXPLAIN ANALYZE of the check's heaviest query (per-account totals)."""
    from marketplace.ledger import checks

    with psycopg.connect(database().url) as conn:
        rows = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS) " + checks._ACCOUNTS.replace("%s", "50")
        ).fetchall()
    return "\n".join(row[0] for row in rows)


def run(ctx) -> dict:
    postings = POSTINGS if not ctx.quick else 200_000
    generated = generate(postings)
    ctx.log(f"ledger: {generated['postings']} postings in {generated['seconds']} s")
    runs = [check_once() for _ in range(ctx.repeats)]
    result = {
        "postings": generated["postings"],
        "generate_seconds": generated["seconds"],
        "seconds": median([r["seconds"] for r in runs]),
        "peak_rss_mb": median([r["peak_rss_mb"] for r in runs]),
        "memory_by": "/usr/bin/time -v" if _time_v() else "getrusage(RUSAGE_CHILDREN)",
        "runs": runs,
        "explain_accounts_query": explain(),
    }
    ctx.log(f"ledger_check: {result['seconds']:.1f} s, {result['peak_rss_mb']:.0f} MB")
    return result
