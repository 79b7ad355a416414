"""Settlement at scale (issue 8, item 6): N completed vendor orders past their holding
period, settled by the settlement task in its own worker process; then the delivery of
the provider calls (outbox rows) to the sandbox, timed separately on a sample.

The fixture is generated set-based (``INSERT ... SELECT generate_series``) in the bench
database, in batches, with the ledger's triggers on:

- one paid order per vendor order (1,000 CNY .. 9,999 CNY cents), ``completed``;
  vendors are the bench data set's approved vendors, round robin (each has its payee
  account at the sandbox already);
- the vendor order, ``completed`` 20 days ago, vendor's part 90% of the total;
- its ``VendorOrderSettlement`` row as ``book_completion`` writes it (``holding``,
  ``available_at`` 13 days ago, so every row is due);
- the order's escrow account and its capture entry (``book_payment_captured``'s
  key and postings, no provider fee): Dr provider cash, Cr escrow the order's total;
- the completion entry under ``book_completion``'s key
  ``vendor-order:{id}:completed``: Dr escrow v+p, Cr vendor payable v, Cr platform
  revenue p. The accounts' stored totals are then set from the postings as
  ``ledger_check`` defines them (so its order and payable checks hold too);
- a succeeded sandbox payment per order with one split for the vendor, so the
  provider's ``settle`` finds what a captured payment would leave.

Settlement runs ``orders.tasks.settle_due_vendor_orders_task`` (``settle_batch``,
5,000 per transaction) in a separate ``python`` process with the bench settings;
that process reports its own wall time, and ``/usr/bin/time -v`` its peak RSS. The
Celery messages that ``settle_batch`` sends on commit go to the bench Redis and are
removed afterwards (no worker runs during this benchmark). Delivery then runs
``marketplace.outbox.deliver_outbox_messages_task`` (the task ``settle_batch``
queues, 200 messages per call) on the first ``sample`` outbox rows in another
process; the figure for all N is extrapolated from it and labelled so.
Finally ``manage.py ledger_check`` runs over the result.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from bench.env import ROOT, VENV_BIN, django_env, redis_url
from bench.ledger import _RSS

FULL, QUICK = 100_000, 10_000
SAMPLE_FULL, SAMPLE_QUICK = 5_000, 1_000
GEN_BATCH = 20_000
SETTLE_BATCH = 5_000
TIME = "/usr/bin/time"
TAG = "BS"  # order numbers of the fixture: BS0000001 ...

_ORDERS = """
INSERT INTO orders_order (recipient, phone, country_code, province_code, city_code,
    district_code, detail, postal_code, number, status, currency, items_total,
    shipping_total, discount_total, grand_total, refunded_total, payment_provider,
    payment_reference, payment_url, created_at, expires_at, paid_at, shopper_id)
SELECT 'Bench', '13800000000', 'CN', '11', '1101', '110101', 'bench', '100000',
       %(tag)s || lpad(g::text, 7, '0'), 'completed', 'CNY',
       100000 + (g * 7919) %% 900000, 0, 0, 100000 + (g * 7919) %% 900000, 0,
       'sandbox', 'pay_bench_' || g, '', now() - interval '30 days',
       now() - interval '29 days', now() - interval '30 days', %(shopper)s
  FROM generate_series(%(first)s, %(last)s) g
"""

_VENDOR_ORDERS = """
WITH vendor AS (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM vendors_vendor
     WHERE status = 'approved'
), o AS (
    SELECT id, grand_total FROM orders_order WHERE number BETWEEN %(lo)s AND %(hi)s
)
INSERT INTO orders_vendororder (status, currency, items_total, shipping_fee,
    discount_total, total, vendor_share_total, refunded_total, created_at, paid_at,
    accepted_at, shipped_at, delivered_at, completed_at, cancelled_at,
    auto_complete_at, completion_paused, completion_paused_at, order_id, vendor_id)
SELECT 'completed', 'CNY', o.grand_total, 0, 0, o.grand_total,
       o.grand_total * 9 / 10, 0, now() - interval '30 days',
       now() - interval '30 days', now() - interval '29 days',
       now() - interval '28 days', now() - interval '25 days',
       now() - interval '20 days', NULL, NULL, false, NULL, o.id, v.id
  FROM o JOIN vendor v ON v.n = o.id %% %(vendors)s
"""

_BATCH_VO = """
SELECT vo.id FROM orders_vendororder vo JOIN orders_order o ON o.id = vo.order_id
 WHERE o.number BETWEEN %(lo)s AND %(hi)s
"""

_SETTLEMENTS = """
INSERT INTO orders_vendorordersettlement (vendor_order_id, order_id, vendor_id,
    currency, status, vendor_amount, platform_amount, settled_amount, netted_amount,
    completed_at, available_at, settled_at, provider_settlement_id, transfer_amount,
    transfer_commission)
SELECT vo.id, vo.order_id, vo.vendor_id, vo.currency, 'holding',
       vo.vendor_share_total, vo.total - vo.vendor_share_total, 0, 0,
       vo.completed_at, vo.completed_at + interval '7 days', NULL, '', 0, 0
  FROM orders_vendororder vo WHERE vo.id = ANY(%(ids)s)
"""

_ESCROWS = """
INSERT INTO ledger_account (owner_type, owner_id, kind, currency, normal_side, guard,
    debits_pending, credits_pending, debits_posted, credits_posted, created_at)
SELECT 'order', o.id::text, 'order_escrow', 'CNY', 'credit', true, 0, 0, 0, 0, now()
  FROM orders_order o WHERE o.number BETWEEN %(lo)s AND %(hi)s
RETURNING owner_id::bigint, id
"""

# The joins go through the ids RETURNING gave (unnest), not through ledger_account's
# owner columns: the planner has no statistics yet for the rows just inserted.
_CAPTURES = """
WITH escrow AS (
    SELECT * FROM unnest(%(orders)s::bigint[], %(escrows)s::bigint[]) AS x(o, id)
), e AS (
    INSERT INTO ledger_journalentry (idempotency_key, kind, description, status,
        two_phase, reference_type, reference_id, reverses_id, metadata, created_at,
        posted_at, voided_at)
    SELECT 'payment:' || o.payment_reference || ':captured', 'payment_captured', '',
           'posted', false, 'order', o.id::text, NULL, '{}'::jsonb, o.paid_at,
           o.paid_at, NULL
      FROM orders_order o WHERE o.number BETWEEN %(lo)s AND %(hi)s
    RETURNING id, reference_id
)
INSERT INTO ledger_posting (entry_id, account_id, amount, currency, created_at)
SELECT e.id, m.account_id, m.amount, 'CNY', now()
  FROM e
  JOIN orders_order o ON o.id = e.reference_id::bigint
  JOIN escrow ON escrow.o = o.id
 CROSS JOIN LATERAL (VALUES
       (%(cash)s::bigint, o.grand_total), (escrow.id, -o.grand_total)
 ) AS m(account_id, amount)
"""

_ENTRIES = """
INSERT INTO ledger_journalentry (idempotency_key, kind, description, status, two_phase,
    reference_type, reference_id, reverses_id, metadata, created_at, posted_at,
    voided_at)
SELECT 'vendor-order:' || vo.id || ':completed', 'vendor_order_completed', '',
       'posted', false, 'order', vo.order_id::text, NULL,
       jsonb_build_object('vendor_order', vo.id, 'vendor', vo.vendor_id,
                          'sales', vo.items_total, 'shipping', 0,
                          'platform', vo.total - vo.vendor_share_total,
                          'refunded', 0, 'bench', true),
       vo.completed_at, vo.completed_at, NULL
  FROM orders_vendororder vo WHERE vo.id = ANY(%(ids)s)
RETURNING id, (metadata->>'vendor_order')::bigint, reference_id::bigint,
          (metadata->>'vendor')::bigint
"""

_POSTINGS = """
WITH e AS (
    SELECT * FROM unnest(%(entries)s::bigint[], %(vos)s::bigint[],
                         %(escrows)s::bigint[], %(payables)s::bigint[])
           AS e(id, vo, escrow, payable)
)
INSERT INTO ledger_posting (entry_id, account_id, amount, currency, created_at)
SELECT e.id, m.account_id, m.amount, 'CNY', now()
  FROM e
  JOIN orders_vendororder vo ON vo.id = e.vo
 CROSS JOIN LATERAL (VALUES
       (e.escrow, vo.total),
       (e.payable, -vo.vendor_share_total),
       (%(revenue)s::bigint, -(vo.total - vo.vendor_share_total))
 ) AS m(account_id, amount)
 WHERE m.amount <> 0
"""

_SANDBOX_PAYMENTS = """
INSERT INTO payments_sandboxpayment (payment_id, merchant_reference, amount, currency,
    status, amount_captured, amount_refunded, fee, failure_code, return_url,
    description, created_at, updated_at)
SELECT o.payment_reference, o.number, o.grand_total, 'CNY', 'succeeded',
       o.grand_total, 0, 0, '', '', 'bench', now(), now()
  FROM orders_order o WHERE o.number LIKE %(like)s
"""

_SANDBOX_SPLITS = """
INSERT INTO payments_sandboxsplit (sub_reference, amount, refunded, settled,
    account_id, payment_id)
SELECT o.number || '-' || vo.vendor_id, vo.total, 0, 0, a.id, p.id
  FROM orders_order o
  JOIN orders_vendororder vo ON vo.order_id = o.id
  JOIN payments_sandboxpayment p ON p.payment_id = o.payment_reference
  JOIN {payee} vp ON vp.vendor_id = vo.vendor_id AND vp.provider = 'sandbox'
  JOIN payments_sandboxaccount a ON a.account_id = vp.account_ref
 WHERE o.number LIKE %(like)s
"""


_TABLES = (
    "orders_order",
    "orders_vendororder",
    "orders_vendorordersettlement",
    "ledger_journalentry",
    "ledger_posting",
    "ledger_account",
    "payments_sandboxpayment",
    "payments_sandboxsplit",
    "common_outboxmessage",
)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"ANALYZE {table}")


def generate(count: int, log) -> dict:
    """Add ``count`` completed, due vendor orders with their books; return timings."""
    from django.db import connection, transaction

    from bench import data
    from bench.ledger import _TOTALS
    from marketplace.ledger.models import Account
    from marketplace.ledger.services import get_or_create_accounts
    from orders.models import VendorPayee
    from vendors.models import Vendor

    Kind = Account.Kind
    started = time.monotonic()
    vendors = list(
        Vendor.objects.filter(status=Vendor.Status.APPROVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    accounts = get_or_create_accounts(
        [("vendor", v, k, "CNY") for v in vendors for k in (Kind.VENDOR_PAYABLE,)]
        + [
            ("platform", "platform", Kind.PROVIDER_CASH, "CNY"),
            ("platform", "platform", Kind.PLATFORM_REVENUE, "CNY"),
        ]
    )
    payables = {
        v: accounts[("vendor", str(v), Kind.VENDOR_PAYABLE, "CNY")].pk for v in vendors
    }
    cash = accounts[("platform", "platform", Kind.PROVIDER_CASH, "CNY")].pk
    revenue = accounts[("platform", "platform", Kind.PLATFORM_REVENUE, "CNY")].pk
    shopper = data.shoppers()[0][0]
    like = f"{TAG}%"
    for first in range(1, count + 1, GEN_BATCH):
        last = min(count, first + GEN_BATCH - 1)
        params = {"first": first, "last": last, "like": like, "tag": TAG}
        params |= {"shopper": shopper, "vendors": len(vendors)}
        params |= {"lo": f"{TAG}{first:07d}", "hi": f"{TAG}{last:07d}"}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_ORDERS, params)
            cursor.execute(_VENDOR_ORDERS, params)
            cursor.execute(_ESCROWS, params)
            escrows = dict(cursor.fetchall())
            params |= {"cash": cash, "orders": list(escrows)}
            cursor.execute(_CAPTURES, params | {"escrows": list(escrows.values())})
            cursor.execute(_BATCH_VO, params)
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(_SETTLEMENTS, {"ids": ids})
            cursor.execute(_ENTRIES, {"ids": ids})
            made = cursor.fetchall()
            cursor.execute(
                _POSTINGS,
                {
                    "entries": [row[0] for row in made],
                    "vos": [row[1] for row in made],
                    "escrows": [escrows[row[2]] for row in made],
                    "payables": [payables[row[3]] for row in made],
                    "revenue": revenue,
                },
            )
        log(f"settlement: generated {last:,} of {count:,}")
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS)
        cursor.execute(_SANDBOX_PAYMENTS, {"like": like})
        cursor.execute(
            _SANDBOX_SPLITS.format(payee=VendorPayee._meta.db_table), {"like": like}
        )
    _analyze()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM orders_vendorordersettlement "
            "WHERE status = 'holding' AND available_at <= now()"
        )
        due = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM ledger_posting")
        postings = cursor.fetchone()[0]
    return {
        "vendor_orders_due": due,
        "vendors": len(vendors),
        "postings_before": postings,
        "seconds": round(time.monotonic() - started, 1),
    }


_SETTLE = """
import json, resource, time
import django
django.setup()
from orders.tasks import settle_due_vendor_orders_task
started = time.perf_counter()
settled = settle_due_vendor_orders_task()
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"settled": settled, "seconds": seconds, "peak_rss_mb": peak}))
"""

_DELIVER = """
import json, resource, sys, time
import django
django.setup()
from marketplace.common.models import OutboxMessage
from marketplace.outbox import deliver_outbox_messages_task
from orders.services.settlement_batch import TASK_CHUNK
ids = list(
    OutboxMessage.objects.filter(topic="order.settlement_due")
    .order_by("pk").values_list("pk", flat=True)[: int(sys.argv[1])]
)
started = time.perf_counter()
delivered = 0
for start in range(0, len(ids), TASK_CHUNK):
    delivered += deliver_outbox_messages_task(ids[start : start + TASK_CHUNK])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"messages": len(ids), "delivered": delivered, "seconds": seconds,
                  "peak_rss_mb": peak}))
"""


def _worker(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh ``python``; return its JSON line, wall time and peak RSS.

    The peak RSS is ``/usr/bin/time -v``'s (as for ``ledger_check``): a process forked
    straight from this one would report this process's high-water mark as its own.
    """
    command = [str(VENV_BIN / "python"), "-c", code, *args]
    if Path(TIME).exists():
        command = [TIME, "-v", *command]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **django_env()},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"worker failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rss = _RSS.search(done.stderr)
    if rss:
        result["peak_rss_mb"] = int(rss.group(1)) / 1024
        result["memory_by"] = "/usr/bin/time -v"
    else:
        result["memory_by"] = "getrusage(RUSAGE_SELF) in the worker (upper bound)"
    return {**result, "process_seconds": round(wall, 2)}


def _clear_celery_queue() -> int:
    """Drop the delivery tasks ``settle_batch`` queued on the bench Redis."""
    import redis

    client = redis.Redis.from_url(redis_url())
    queued = client.llen("celery")
    client.delete("celery")
    return queued


def _counts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'settled'), "
            "count(*) FILTER (WHERE provider_settlement_id <> '') "
            "FROM orders_vendorordersettlement"
        )
        settled, transferred = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), (SELECT count(*) FROM ledger_posting p "
            "JOIN ledger_journalentry e ON e.id = p.entry_id "
            "WHERE e.kind = 'vendor_order_settled') "
            "FROM ledger_journalentry WHERE kind = 'vendor_order_settled'"
        )
        entries, postings = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM common_outboxmessage "
            "WHERE topic = 'order.settlement_due'"
        )
        outbox = cursor.fetchone()[0]
    return {
        "settled_rows": settled,
        "transferred_rows": transferred,
        "entries": entries,
        "postings": postings,
        "outbox_rows": outbox,
    }


def run(ctx) -> dict:
    from django.db import connection

    from bench.ledger import check_once

    count = QUICK if ctx.quick else FULL
    sample = SAMPLE_QUICK if ctx.quick else SAMPLE_FULL
    generated = generate(count, ctx.log)
    connection.close()
    ctx.log(f"settlement: fixture {generated}")
    _clear_celery_queue()  # what earlier benchmarks left on the bench Redis
    settle = _worker(_SETTLE)
    queued = _clear_celery_queue()
    after = _counts()
    ctx.log(f"settlement: {settle}, {after}")
    deliver = _worker(_DELIVER, str(sample))
    delivered = _counts()["transferred_rows"]
    ctx.log(f"settlement: delivery {deliver}")
    _analyze()  # as autovacuum would by then: settlement changed every fixture row
    check = check_once()
    per_message = deliver["seconds"] / max(1, deliver["messages"])
    result = {
        "runs_per_page": 1,  # one run: the harness's count of runs
        "vendor_orders": count,
        "vendors": generated["vendors"],
        "batch_size": SETTLE_BATCH,
        "generate_seconds": generated["seconds"],
        "fixture": generated,
        "settled": settle["settled"],
        "seconds": round(settle["seconds"], 2),
        "process_seconds": settle["process_seconds"],
        "entries": after["entries"],
        "postings": after["postings"],
        "outbox_rows": after["outbox_rows"],
        "entries_per_second": round(after["entries"] / settle["seconds"], 1),
        "peak_rss_mb": round(settle["peak_rss_mb"], 1),
        "memory_by": settle["memory_by"],
        "celery_messages_dropped": queued,
        "delivery": {
            "sample": deliver["messages"],
            "delivered": deliver["delivered"],
            "transferred_rows": delivered,
            "seconds": round(deliver["seconds"], 2),
            "per_second": round(deliver["messages"] / deliver["seconds"], 1),
            "peak_rss_mb": round(deliver["peak_rss_mb"], 1),
            "extrapolated_seconds_all": round(per_message * after["outbox_rows"], 0),
        },
        "ledger_check": {
            "passed": True,
            "seconds": round(check["seconds"], 2),
            "peak_rss_mb": round(check["peak_rss_mb"], 1),
            "output": check["output"],
        },
    }
    if result["settled"] != count or after["entries"] != count:
        raise RuntimeError(f"settlement: expected {count}, got {result}")
    ctx.log(
        f"settlement: {result['settled']:,} in {result['seconds']:.1f} s "
        f"({result['entries_per_second']:,.0f} entries/s), "
        f"{result['peak_rss_mb']:.0f} MB; delivery "
        f"{result['delivery']['per_second']:.0f}/s"
    )
    return result
