"""Per-order invariants of the books, checked with one set-based SQL query.

The ledger checks itself (``marketplace.ledger.checks``); these checks hold the
ledger against the orders: what each order's escrow account received and gave out,
against the order's status, totals and ``Refund`` rows. An order's escrow moves by:

- a capture (``payment_captured``): the payment comes in;
- a refund the provider confirmed (``refund``): it goes back to the shopper;
- completion (issue 4, ``orders.services.settlement``): a completed vendor order's
  part goes to the vendor's payable and the platform's revenue
  (``vendor_order_completed``), and comes back for a later refund
  (``vendor_order_rebooked``).

The provider's fee (``provider_fee``) is a platform expense paid from provider cash
and never touches escrow. So, for every order:

1. a paid order (``paid``, ``completed``, ``refunded``, or ``cancelled`` and then
   paid late) has exactly one capture entry, of its ``grand_total`` (of the late
   payment, for a late one), and an unpaid order has none;
2. the escrow's refunds equal the order's succeeded ``Refund`` rows, one entry each,
   and ``refunded_total`` equals its pending and succeeded refunds (a late payment's
   refund aside);
3. every fee entry of the order debits only the platform fee expense account;
4. captured = refunds + escrow + shared out (vendor shares and platform revenue),
   and no other kind of entry moves the escrow;
5. nothing is shared out before a vendor order of the order completed;
6. a final order (``completed``, ``refunded``, ``cancelled``) whose refunds all
   succeeded holds 0 in escrow.
"""

from __future__ import annotations

from django.db import connection

from marketplace.common.db import whole_table_scan
from marketplace.ledger.checks import LIMIT

# The entry kinds that may move an order's escrow, and the sign they move it by.
# Completion (issue 4) moves a vendor order's part to its payable and revenue, and
# refunds after completion move it back (``orders.services.settlement``).
SHARE_ENTRY_KINDS = ("vendor_order_completed", "vendor_order_rebooked")
ESCROW_ENTRY_KINDS = ("payment_captured", "refund", *SHARE_ENTRY_KINDS)
FEE_EXPENSE = "platform_fee_expense"

_ORDERS = """
    WITH escrow AS (
        SELECT a.owner_id AS order_key, a.id AS account_id, a.currency,
               a.credits_posted - a.debits_posted AS balance
          FROM ledger_account a
         WHERE a.owner_type = 'order' AND a.kind = 'order_escrow'
    ), moves AS (
        SELECT x.order_key,
               COUNT(DISTINCT e.id) FILTER (WHERE e.kind = 'payment_captured')
                   AS captures,
               COALESCE(-SUM(p.amount) FILTER (WHERE e.kind = 'payment_captured'), 0)
                   AS captured,
               COUNT(DISTINCT e.id) FILTER (WHERE e.kind = 'refund') AS refund_entries,
               COALESCE(SUM(p.amount) FILTER (WHERE e.kind = 'refund'), 0)
                   AS refunds_booked,
               COALESCE(SUM(p.amount) FILTER (WHERE e.kind = ANY(%(share_kinds)s)), 0)
                   AS shared_out,
               COUNT(DISTINCT e.id) FILTER (WHERE e.kind = ANY(%(share_kinds)s))
                   AS share_entries,
               ARRAY_AGG(DISTINCT e.kind)
                   FILTER (WHERE e.kind <> ALL(%(escrow_kinds)s)) AS other_kinds
          FROM escrow x
          JOIN ledger_posting p ON p.account_id = x.account_id
          JOIN ledger_journalentry e ON e.id = p.entry_id AND e.status = 'posted'
         GROUP BY x.order_key
    ), fees AS (
        SELECT e.reference_id AS order_key,
               COUNT(DISTINCT e.id) AS fee_entries,
               COALESCE(SUM(p.amount) FILTER (WHERE p.amount > 0), 0) AS fee_debits,
               COALESCE(
                   SUM(p.amount) FILTER (WHERE p.amount > 0 AND a.kind = %(fee)s), 0
               ) AS fee_expensed
          FROM ledger_journalentry e
          JOIN ledger_posting p ON p.entry_id = e.id
          JOIN ledger_account a ON a.id = p.account_id
         WHERE e.reference_type = 'order' AND e.kind = 'provider_fee'
           AND e.status = 'posted'
         GROUP BY e.reference_id
    ), refunds AS (
        SELECT order_id,
               COALESCE(SUM(amount) FILTER (WHERE status = 'succeeded'), 0)
                   AS succeeded,
               COUNT(*) FILTER (WHERE status = 'succeeded') AS succeeded_count,
               COUNT(*) FILTER (WHERE status <> 'succeeded') AS unsettled,
               COALESCE(SUM(amount) FILTER (WHERE kind = 'late_payment'), 0) AS late,
               COALESCE(SUM(amount) FILTER (
                   WHERE kind <> 'late_payment' AND status <> 'failed'
               ), 0) AS owed
          FROM orders_refund
         GROUP BY order_id
    ), vendor_orders AS (
        SELECT order_id, BOOL_OR(status = 'completed') AS any_completed
          FROM orders_vendororder
         GROUP BY order_id
    ), facts AS (
        SELECT o.id, o.number, o.status, o.currency, o.grand_total, o.refunded_total,
               x.account_id IS NOT NULL AS has_escrow,
               x.currency AS escrow_currency,
               COALESCE(x.balance, 0) AS escrow,
               COALESCE(m.captures, 0) AS captures,
               COALESCE(m.captured, 0) AS captured,
               COALESCE(m.refund_entries, 0) AS refund_entries,
               COALESCE(m.refunds_booked, 0) AS refunds_booked,
               COALESCE(m.shared_out, 0) AS shared_out,
               COALESCE(m.share_entries, 0) AS share_entries,
               m.other_kinds,
               COALESCE(f.fee_entries, 0) AS fee_entries,
               COALESCE(f.fee_debits, 0) AS fee_debits,
               COALESCE(f.fee_expensed, 0) AS fee_expensed,
               COALESCE(r.succeeded, 0) AS refunds_succeeded,
               COALESCE(r.succeeded_count, 0) AS refunds_succeeded_count,
               COALESCE(r.unsettled, 0) AS refunds_unsettled,
               COALESCE(r.late, 0) AS late_payment,
               COALESCE(r.owed, 0) AS refunds_owed,
               COALESCE(v.any_completed, FALSE) AS any_completed,
               o.status IN ('paid', 'completed', 'refunded')
                   OR (o.status = 'cancelled' AND COALESCE(r.late, 0) > 0) AS paid
          FROM orders_order o
          LEFT JOIN escrow x ON x.order_key = o.id::text
          LEFT JOIN moves m ON m.order_key = o.id::text
          LEFT JOIN fees f ON f.order_key = o.id::text
          LEFT JOIN refunds r ON r.order_id = o.id
          LEFT JOIN vendor_orders v ON v.order_id = o.id
    ), judged AS (
        SELECT facts.*,
               captures = CASE WHEN paid THEN 1 ELSE 0 END AS captures_ok,
               NOT paid OR captured = CASE WHEN status = 'cancelled'
                                           THEN late_payment ELSE grand_total END
                   AS captured_ok,
               NOT has_escrow OR escrow_currency = currency AS currency_ok,
               refunds_booked = refunds_succeeded
                   AND refund_entries = refunds_succeeded_count AS refunds_ok,
               refunded_total = refunds_owed AS refunded_total_ok,
               fee_debits = fee_expensed AND fee_entries <= captures AS fees_ok,
               other_kinds IS NULL AS kinds_ok,
               escrow = captured - refunds_booked - shared_out AS escrow_ok,
               any_completed OR share_entries = 0 AS shared_ok,
               refunds_unsettled > 0 OR CASE
                   WHEN status IN ('refunded', 'cancelled', 'completed')
                       THEN escrow = 0
                   ELSE TRUE END AS final_ok
          FROM facts
    )
    SELECT * FROM judged
     WHERE NOT (captures_ok AND captured_ok AND currency_ok AND refunds_ok
                AND refunded_total_ok AND fees_ok AND kinds_ok AND escrow_ok
                AND shared_ok AND final_ok)
     ORDER BY id
     LIMIT %(limit)s
"""


def check_orders() -> list[str]:
    """Return each order whose books break an invariant above, as sentences.

    One query over all orders, their escrow accounts, postings and refunds (hash
    joins and aggregates, no per-order round trip). At most ``LIMIT`` orders.
    """
    with whole_table_scan(), connection.cursor() as cursor:
        cursor.execute(
            _ORDERS,
            {
                "escrow_kinds": list(ESCROW_ENTRY_KINDS),
                "share_kinds": list(SHARE_ENTRY_KINDS),
                "fee": FEE_EXPENSE,
                "limit": LIMIT,
            },
        )
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    problems = [problem for row in rows for problem in _describe(row)]
    if len(rows) >= LIMIT:
        problems.append(f"(only the first {LIMIT} orders with problems are listed)")
    return problems


def _describe(row: dict) -> list[str]:
    order = f"order {row['number']} (#{row['id']}, {row['status']})"
    currency = row["currency"]
    problems = []
    if not row["captures_ok"]:
        wanted = "exactly one" if row["paid"] else "none"
        problems.append(
            f"{order}: {row['captures']} capture entries, expected {wanted}"
        )
    if not row["captured_ok"]:
        wanted = (
            row["late_payment"] if row["status"] == "cancelled" else row["grand_total"]
        )
        problems.append(
            f"{order}: captured {row['captured']} {currency} into escrow, "
            f"expected {wanted}"
        )
    if not row["currency_ok"]:
        problems.append(
            f"{order}: its escrow is in {row['escrow_currency']}, not {currency}"
        )
    if not row["refunds_ok"]:
        problems.append(
            f"{order}: escrow refunded {row['refunds_booked']} {currency} in "
            f"{row['refund_entries']} entries, but its succeeded refunds are "
            f"{row['refunds_succeeded']} in {row['refunds_succeeded_count']}"
        )
    if not row["refunded_total_ok"]:
        problems.append(
            f"{order}: refunded_total is {row['refunded_total']} {currency}, but "
            f"its pending and succeeded refunds come to {row['refunds_owed']}"
        )
    if not row["fees_ok"]:
        problems.append(
            f"{order}: {row['fee_entries']} fee entries debit {row['fee_debits']} "
            f"{currency}, of which only {row['fee_expensed']} to the platform fee "
            "expense"
        )
    if not row["kinds_ok"]:
        kinds = ", ".join(sorted(row["other_kinds"]))
        problems.append(f"{order}: its escrow is moved by entries of kind {kinds}")
    if not row["escrow_ok"]:
        shared = row["shared_out"]
        problems.append(
            f"{order}: escrow holds {row['escrow']} {currency}, but captured "
            f"{row['captured']} − refunded {row['refunds_booked']} "
            + (f"− shared out {shared} " if shared else "")
            + f"= {row['captured'] - row['refunds_booked'] - shared}"
        )
    if not row["shared_ok"]:
        problems.append(
            f"{order}: {row['shared_out']} {currency} of its escrow was shared out, "
            "yet none of its vendor orders completed"
        )
    if not row["final_ok"]:
        problems.append(
            f"{order}: final, yet escrow holds {row['escrow']} {currency}, expected 0"
        )
    return problems
