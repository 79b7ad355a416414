"""Settlement and withdrawal invariants of the books, one set-based query each.

1. For every order with a completed vendor order: what completion and later
   refunds booked to the vendors' accounts and to the platform's revenue equals the
   settlement rows' ``vendor_amount`` and ``platform_amount``, and captured =
   vendor shares + platform revenue + succeeded refunds + escrow (what pending
   refunds still hold).
2. Every vendor with settlement rows has a payable (holding period) equal to the
   sum of its rows still holding.
3. Every withdrawal's ledger entry agrees with its status (pending while open,
   posted when paid, voided when failed or rejected), and every vendor with
   withdrawals has a payout in transit equal to its open withdrawals less fees.
4. Where the provider froze each vendor's part in the vendor's own account (the
   order's capture debited ``vendor_frozen``; ``orders.services.books``), what the
   order's entries left in the vendors' frozen funds equals its escrow plus the
   shares of its vendor orders still in their holding period (settlement moves them
   out; a refund after settlement returns its part first, the refund takes it).
   An order captured on the platform moves no frozen funds at all.

(Vendors the order and withdrawal tables never mention, such as the ledger's own
tests' accounts, are left to ``ledger.checks``.)
"""

from __future__ import annotations

from django.db import connection

from marketplace.common.db import whole_table_scan
from marketplace.ledger.checks import LIMIT

_ORDERS = """
    WITH shares AS (
        SELECT order_id, SUM(vendor_amount) AS vendor, SUM(platform_amount) AS platform
          FROM orders_vendorordersettlement GROUP BY order_id
    ), booked AS (
        SELECT e.reference_id AS order_key,
               COALESCE(-SUM(p.amount) FILTER (WHERE a.kind IN
                   ('vendor_payable', 'vendor_available', 'vendor_receivable')), 0)
                   AS vendor,
               COALESCE(-SUM(p.amount) FILTER (WHERE a.kind = 'platform_revenue'), 0)
                   AS platform
          FROM ledger_journalentry e
          JOIN ledger_posting p ON p.entry_id = e.id
          JOIN ledger_account a ON a.id = p.account_id
         WHERE e.reference_type = 'order' AND e.status = 'posted'
           AND e.kind IN ('vendor_order_completed', 'vendor_order_rebooked')
         GROUP BY e.reference_id
    ), captured AS (
        SELECT e.reference_id AS order_key, -SUM(p.amount) AS amount
          FROM ledger_journalentry e
          JOIN ledger_posting p ON p.entry_id = e.id
          JOIN ledger_account a ON a.id = p.account_id AND a.kind = 'order_escrow'
         WHERE e.reference_type = 'order' AND e.kind = 'payment_captured'
         GROUP BY e.reference_id
    ), refunded AS (
        SELECT order_id, SUM(amount) AS amount FROM orders_refund
         WHERE status = 'succeeded' GROUP BY order_id
    ), escrow AS (
        SELECT owner_id AS order_key, credits_posted - debits_posted AS balance
          FROM ledger_account WHERE owner_type = 'order' AND kind = 'order_escrow'
    ), facts AS (
        SELECT o.id, o.number, o.currency,
               s.vendor AS vendor_shares, s.platform AS platform_shares,
               COALESCE(b.vendor, 0) AS vendor_booked,
               COALESCE(b.platform, 0) AS platform_booked,
               COALESCE(c.amount, 0) AS captured,
               COALESCE(r.amount, 0) AS refunded,
               COALESCE(x.balance, 0) AS escrow
          FROM shares s
          JOIN orders_order o ON o.id = s.order_id
          LEFT JOIN booked b ON b.order_key = o.id::text
          LEFT JOIN captured c ON c.order_key = o.id::text
          LEFT JOIN refunded r ON r.order_id = o.id
          LEFT JOIN escrow x ON x.order_key = o.id::text
    )
    SELECT * FROM facts
     WHERE vendor_shares <> vendor_booked OR platform_shares <> platform_booked
        OR captured <> vendor_shares + platform_shares + refunded + escrow
     ORDER BY id LIMIT %s
"""

_PAYABLES = """
    WITH holding AS (
        SELECT vendor_id::text AS owner_id, currency, SUM(vendor_amount) AS amount
          FROM orders_vendorordersettlement WHERE status = 'holding'
         GROUP BY vendor_id, currency
    ), payable AS (
        SELECT owner_id, currency,
               credits_posted - debits_posted - debits_pending AS amount
          FROM ledger_account
         WHERE owner_type = 'vendor' AND kind = 'vendor_payable'
           AND owner_id IN (
               SELECT vendor_id::text FROM orders_vendorordersettlement
           )
    )
    SELECT COALESCE(p.owner_id, h.owner_id), COALESCE(p.currency, h.currency),
           COALESCE(p.amount, 0), COALESCE(h.amount, 0)
      FROM payable p FULL OUTER JOIN holding h
        ON h.owner_id = p.owner_id AND h.currency = p.currency
     WHERE COALESCE(p.amount, 0) <> COALESCE(h.amount, 0)
     ORDER BY 1 LIMIT %s
"""

_WITHDRAWALS = """
    SELECT w.id, w.status, e.status
      FROM vendors_withdrawal w
      JOIN ledger_journalentry e ON e.id = w.ledger_entry_id
     WHERE e.status <> CASE
               WHEN w.status IN ('pending_approval', 'on_hold', 'pending')
                   THEN 'pending'
               WHEN w.status = 'paid' THEN 'posted'
               ELSE 'voided' END
     ORDER BY w.id LIMIT %s
"""

_IN_TRANSIT = """
    WITH open AS (
        SELECT vendor_id::text AS owner_id, currency, SUM(amount - fee) AS amount
          FROM vendors_withdrawal
         WHERE status IN ('pending_approval', 'on_hold', 'pending')
         GROUP BY vendor_id, currency
    ), transit AS (
        SELECT owner_id, currency, credits_pending AS pending,
               credits_posted - debits_posted AS posted
          FROM ledger_account
         WHERE owner_type = 'vendor' AND kind = 'vendor_payout_in_transit'
           AND owner_id IN (SELECT vendor_id::text FROM vendors_withdrawal)
    )
    SELECT COALESCE(t.owner_id, o.owner_id), COALESCE(t.pending, 0),
           COALESCE(t.posted, 0), COALESCE(o.amount, 0)
      FROM transit t FULL OUTER JOIN open o
        ON o.owner_id = t.owner_id AND o.currency = t.currency
     WHERE COALESCE(t.pending, 0) <> COALESCE(o.amount, 0)
        OR COALESCE(t.posted, 0) <> 0
     ORDER BY 1 LIMIT %s
"""


_FROZEN = """
    WITH frozen AS (
        SELECT e.reference_id AS order_key, SUM(p.amount) AS amount,
               BOOL_OR(e.kind = 'payment_captured') AS captured_there
          FROM ledger_journalentry e
          JOIN ledger_posting p ON p.entry_id = e.id
          JOIN ledger_account a ON a.id = p.account_id AND a.kind = 'vendor_frozen'
         WHERE e.reference_type = 'order' AND e.status = 'posted'
         GROUP BY e.reference_id
    ), holding AS (
        SELECT order_id, SUM(vendor_amount + platform_amount) AS amount
          FROM orders_vendorordersettlement WHERE status = 'holding'
         GROUP BY order_id
    ), escrow AS (
        SELECT owner_id AS order_key, credits_posted - debits_posted AS balance
          FROM ledger_account WHERE owner_type = 'order' AND kind = 'order_escrow'
    )
    SELECT o.number, o.id, f.amount, f.captured_there, COALESCE(x.balance, 0),
           COALESCE(h.amount, 0)
      FROM frozen f
      JOIN orders_order o ON o.id::text = f.order_key
      LEFT JOIN escrow x ON x.order_key = f.order_key
      LEFT JOIN holding h ON h.order_id = o.id
     WHERE NOT f.captured_there
        OR f.amount <> COALESCE(x.balance, 0) + COALESCE(h.amount, 0)
     ORDER BY o.id LIMIT %s
"""


def check_money() -> list[str]:
    """Return each broken settlement or withdrawal invariant above as a sentence."""
    problems = []
    with whole_table_scan(), connection.cursor() as cursor:
        cursor.execute(_ORDERS, [LIMIT])
        names = [column.name for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            problems.append(
                f"order {row['number']} (#{row['id']}): settlement rows say vendors "
                f"{row['vendor_shares']} + platform {row['platform_shares']}, the "
                f"ledger booked {row['vendor_booked']} + {row['platform_booked']}; "
                f"captured {row['captured']} should equal shares + refunds "
                f"{row['refunded']} + escrow {row['escrow']}"
            )
        cursor.execute(_PAYABLES, [LIMIT])
        for owner_id, currency, booked, holding in cursor.fetchall():
            problems.append(
                f"vendor {owner_id}: payable {booked} {currency} in the ledger, but "
                f"its vendor orders in their holding period come to {holding}"
            )
        cursor.execute(_WITHDRAWALS, [LIMIT])
        for pk, status, entry_status in cursor.fetchall():
            problems.append(
                f"withdrawal {pk} is {status} but its ledger entry is {entry_status}"
            )
        cursor.execute(_IN_TRANSIT, [LIMIT])
        for owner_id, pending, posted, open_amount in cursor.fetchall():
            problems.append(
                f"vendor {owner_id}: payout in transit holds {pending} pending and "
                f"{posted} posted, but its open withdrawals come to {open_amount}"
            )
        cursor.execute(_FROZEN, [LIMIT])
        for number, pk, amount, captured_there, escrow, holding in cursor.fetchall():
            problems.append(
                f"order {number} (#{pk}): its entries leave {amount} in the vendors' "
                f"frozen funds, expected escrow {escrow} + holding shares {holding}"
                if captured_there
                else f"order {number} (#{pk}): captured on the platform, yet its "
                f"entries move {amount} of the vendors' frozen funds"
            )
    return problems
