"""The ledger's own invariants, checked with set-based SQL (one pass per check).

What a voided entry means here: its postings stay (append-only) and count in no
balance total. So an account's stored ``*_pending`` totals equal the sums of its
postings in pending entries, its ``*_posted`` totals those in posted entries, and
postings in voided entries appear in neither.
"""

from __future__ import annotations

from django.db import connection

LIMIT = 50

_UNBALANCED = """
    SELECT GROUPING(entry_id) = 1 AS overall, entry_id, currency, SUM(amount)
      FROM ledger_posting
     GROUP BY GROUPING SETS ((entry_id, currency), (currency))
    HAVING SUM(amount) <> 0
     ORDER BY overall DESC, entry_id, currency
     LIMIT %s
"""

_ACCOUNTS = """
    WITH sums AS (
        SELECT p.account_id,
               SUM(p.amount) FILTER (WHERE p.amount > 0 AND e.status = 'pending')
                   AS debits_pending,
               -SUM(p.amount) FILTER (WHERE p.amount < 0 AND e.status = 'pending')
                   AS credits_pending,
               SUM(p.amount) FILTER (WHERE p.amount > 0 AND e.status = 'posted')
                   AS debits_posted,
               -SUM(p.amount) FILTER (WHERE p.amount < 0 AND e.status = 'posted')
                   AS credits_posted,
               COUNT(*) FILTER (WHERE p.currency <> a.currency) AS wrong_currency
          FROM ledger_posting p
          JOIN ledger_journalentry e ON e.id = p.entry_id
          JOIN ledger_account a ON a.id = p.account_id
         GROUP BY p.account_id
    ), compared AS (
        SELECT a.id, a.owner_type, a.owner_id, a.kind, a.currency, a.guard,
               a.normal_side,
               a.debits_pending, COALESCE(s.debits_pending, 0) AS want_dpe,
               a.credits_pending, COALESCE(s.credits_pending, 0) AS want_cpe,
               a.debits_posted, COALESCE(s.debits_posted, 0) AS want_dpo,
               a.credits_posted, COALESCE(s.credits_posted, 0) AS want_cpo,
               COALESCE(s.wrong_currency, 0) AS wrong_currency,
               CASE WHEN a.normal_side = 'credit'
                    THEN a.credits_posted - a.debits_posted - a.debits_pending
                    ELSE a.debits_posted - a.credits_posted - a.credits_pending
               END AS available
          FROM ledger_account a
          LEFT JOIN sums s ON s.account_id = a.id
    )
    SELECT * FROM compared
     WHERE debits_pending <> want_dpe OR credits_pending <> want_cpe
        OR debits_posted <> want_dpo OR credits_posted <> want_cpo
        OR wrong_currency > 0 OR (guard AND available < 0)
        OR LEAST(debits_pending, credits_pending, debits_posted, credits_posted) < 0
     ORDER BY id
     LIMIT %s
"""

_EMPTY_ENTRIES = """
    SELECT e.id FROM ledger_journalentry e
     WHERE NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.entry_id = e.id)
     ORDER BY e.id
     LIMIT %s
"""

_TOTALS = (
    ("debits_pending", "want_dpe", "pending debits"),
    ("credits_pending", "want_cpe", "pending credits"),
    ("debits_posted", "want_dpo", "posted debits"),
    ("credits_posted", "want_cpo", "posted credits"),
)


def check_ledger() -> list[str]:
    """Return the ledger's problems as readable sentences; empty when all is well.

    Checks that every entry balances per currency, that all postings sum to 0 per
    currency, that every account's stored totals equal its postings (split by entry
    status), that postings share their account's currency, that no guarded account is
    below 0, and that no entry is empty. At most ``LIMIT`` problems per check.
    """
    with connection.cursor() as cursor:
        return [
            *_unbalanced(cursor),
            *_accounts(cursor),
            *_empty_entries(cursor),
        ]


def _unbalanced(cursor) -> list[str]:
    cursor.execute(_UNBALANCED, [LIMIT])
    problems = []
    rows = cursor.fetchall()
    for overall, entry_id, currency, total in rows:
        if overall:
            problems.append(f"all postings in {currency} sum to {int(total):+d}, not 0")
        else:
            problems.append(
                f"entry #{entry_id} does not balance in {currency}: "
                f"its postings sum to {int(total):+d}"
            )
    return _capped(problems, len(rows), "unbalanced sums")


def _accounts(cursor) -> list[str]:
    cursor.execute(_ACCOUNTS, [LIMIT])
    names = [column.name for column in cursor.description]
    problems = []
    rows = cursor.fetchall()
    for values in rows:
        row = dict(zip(names, values, strict=True))
        account = (
            f"account #{row['id']} ({row['owner_type']}:{row['owner_id']} "
            f"{row['kind']} {row['currency']})"
        )
        for stored, wanted, label in _TOTALS:
            if row[stored] != row[wanted]:
                problems.append(
                    f"{account}: stored {label} {row[stored]} differ from "
                    f"{row[wanted]} in its postings"
                )
        if row["wrong_currency"]:
            problems.append(
                f"{account}: {row['wrong_currency']} postings are in another currency"
            )
        if row["guard"] and row["available"] < 0:
            problems.append(
                f"{account}: guarded but below 0 (available {row['available']})"
            )
        if min(row[stored] for stored, _, _ in _TOTALS) < 0:
            problems.append(f"{account}: a stored total is negative")
    return _capped(problems, len(rows), "accounts")


def _empty_entries(cursor) -> list[str]:
    cursor.execute(_EMPTY_ENTRIES, [LIMIT])
    rows = cursor.fetchall()
    problems = [f"entry #{entry_id} has no postings" for (entry_id,) in rows]
    return _capped(problems, len(rows), "empty entries")


def _capped(problems: list[str], rows: int, what: str) -> list[str]:
    if rows >= LIMIT:
        problems.append(f"(only the first {LIMIT} {what} are listed)")
    return problems
