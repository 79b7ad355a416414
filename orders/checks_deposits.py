"""Deposit invariants of the books (``orders.services.deposits``), one query each.

1. Every vendor with deposit payments has a frozen deposit (``vendor_deposit_frozen``)
   equal to what its paid deposit payments still hold frozen at the provider
   (``held_amount``), and a deposit owed back (``vendor_deposit``) at least that.
2. Every paid deposit payment has its ``deposit:{id}:paid`` entry, crediting the
   vendor's deposit with its amount.
"""

from __future__ import annotations

from django.db import connection

from marketplace.common.db import whole_table_scan
from marketplace.ledger.checks import LIMIT

_FROZEN = """
    WITH held AS (
        SELECT vendor_id::text AS owner_id, currency, SUM(held_amount) AS held
          FROM vendors_depositpayment WHERE status = 'paid'
         GROUP BY vendor_id, currency
    ), books AS (
        SELECT owner_id, currency,
               COALESCE(SUM(debits_posted - credits_posted)
                   FILTER (WHERE kind = 'vendor_deposit_frozen'), 0) AS frozen,
               COALESCE(SUM(credits_posted - debits_posted)
                   FILTER (WHERE kind = 'vendor_deposit'), 0) AS deposit
          FROM ledger_account
         WHERE owner_type = 'vendor'
           AND kind IN ('vendor_deposit_frozen', 'vendor_deposit')
           AND owner_id IN (SELECT vendor_id::text FROM vendors_depositpayment)
         GROUP BY owner_id, currency
    )
    SELECT COALESCE(b.owner_id, h.owner_id), COALESCE(b.frozen, 0),
           COALESCE(b.deposit, 0), COALESCE(h.held, 0)
      FROM books b FULL OUTER JOIN held h
        ON h.owner_id = b.owner_id AND h.currency = b.currency
     WHERE COALESCE(b.frozen, 0) <> COALESCE(h.held, 0)
        OR COALESCE(b.deposit, 0) < COALESCE(b.frozen, 0)
     ORDER BY 1 LIMIT %s
"""

_PAID = """
    SELECT d.id, d.amount, COALESCE(-SUM(p.amount), 0)
      FROM vendors_depositpayment d
      LEFT JOIN ledger_journalentry e
        ON e.idempotency_key = 'deposit:' || d.id || ':paid' AND e.status = 'posted'
      LEFT JOIN ledger_posting p ON p.entry_id = e.id
       AND p.account_id IN (SELECT id FROM ledger_account WHERE kind = 'vendor_deposit')
     WHERE d.status = 'paid'
     GROUP BY d.id, d.amount
    HAVING COALESCE(-SUM(p.amount), 0) <> d.amount
     ORDER BY d.id LIMIT %s
"""


def check_deposits() -> list[str]:
    """Return each broken deposit invariant above as a sentence."""
    problems = []
    with whole_table_scan(), connection.cursor() as cursor:
        cursor.execute(_FROZEN, [LIMIT])
        for owner_id, frozen, deposit, held in cursor.fetchall():
            problems.append(
                f"vendor {owner_id}: deposit frozen {frozen} in the ledger, but its "
                f"deposit payments hold {held} at the provider (deposit {deposit})"
            )
        cursor.execute(_PAID, [LIMIT])
        for pk, amount, booked in cursor.fetchall():
            problems.append(
                f"deposit payment {pk} is paid ({amount}) but its entry credits the "
                f"deposit with {booked}"
            )
    return problems
