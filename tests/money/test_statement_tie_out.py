"""A statement's closing balance equals the ledger balance at that date, for every
vendor in the demo data (``seed_demo``, with its money history: sales, a refund
before and one after settlement, settlement, a withdrawal paid out, a deposit).

For several months and date ranges: opening + lines = closing, and opening and
closing equal the vendor's balance computed straight from the postings (an oracle
independent of the statement's code); the deposit ties the same way.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.backoffice.demo import load_demo
from marketplace.ledger.models import JournalEntry
from orders.services.reconciliation import reconcile_day
from vendors.models import Vendor
from vendors.selectors_statements import get_vendor_statement, month_bounds

pytestmark = [pytest.mark.django_db, pytest.mark.money]
BALANCE_KINDS = (
    "vendor_payable",
    "vendor_available",
    "vendor_payout_in_transit",
    "vendor_receivable",
)


def ledger_balance(vendor: Vendor, day: date, kinds=BALANCE_KINDS) -> int:
    """What the platform owed the vendor at the start of ``day`` (business time):
    minus the sum of the postings (debits positive) on its balance accounts."""
    at = timezone.make_aware(datetime.combine(day, time.min))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COALESCE(-SUM(p.amount), 0)
              FROM ledger_posting p
              JOIN ledger_account a ON a.id = p.account_id
              JOIN ledger_journalentry e ON e.id = p.entry_id
             WHERE a.owner_type = 'vendor' AND a.owner_id = %s
               AND a.kind = ANY(%s) AND e.status = 'posted' AND e.posted_at < %s
            """,
            [str(vendor.pk), list(kinds), at],
        )
        return cursor.fetchone()[0]


def periods(today: date) -> list[tuple[date, date]]:
    def shift(year: int, month: int, by: int) -> tuple[int, int]:
        index = year * 12 + month - 1 + by
        return index // 12, index % 12 + 1

    months = [
        month_bounds(*shift(today.year, today.month, by)) for by in (-2, -1, 0, 1)
    ]
    tomorrow = today + timedelta(days=1)
    ranges = [
        (today, tomorrow),
        (today - timedelta(days=30), tomorrow),
        (today - timedelta(days=7), today),
        (today.replace(day=1), tomorrow),
        (tomorrow, tomorrow + timedelta(days=7)),
        (date(2020, 1, 1), date(2040, 1, 1)),
    ]
    return months + ranges


@pytest.fixture
def demo():
    assert load_demo().loaded
    return {vendor.slug: vendor for vendor in Vendor.objects.all()}


def test_every_demo_vendors_statements_tie_to_the_ledger(demo):
    today = timezone.localdate()
    checked = 0
    for vendor in demo.values():
        for start, end in periods(today):
            statement = get_vendor_statement(vendor=vendor, start=start, end=end)
            where = f"{vendor.slug} [{start}, {end})"

            assert statement.ties, where
            assert statement.deposit_ties, where
            assert statement.opening == ledger_balance(vendor, start), where
            assert statement.closing == ledger_balance(vendor, end), where
            deposit = ("vendor_deposit",)
            assert statement.deposit_closing == ledger_balance(vendor, end, deposit)
            checked += 1

    assert checked == len(demo) * 10 == 40
    assert_not_trivial(demo, today)
    # and the provider's day agrees with the ledger's
    assert reconcile_day(day=today) == 0


def assert_not_trivial(demo: dict, today: date) -> None:
    month = {
        slug: get_vendor_statement(vendor=vendor, start=start, end=end)
        for slug, vendor in demo.items()
        for start, end in [month_bounds(today.year, today.month)]
    }
    kinds = set(JournalEntry.objects.values_list("kind", flat=True))

    # every approved vendor sold, paid commission or margin, and has a balance
    for slug in ("tea", "digital", "home"):
        assert month[slug].lines["sales"] > 0, slug
        assert month[slug].lines["commission"] < 0, slug
        assert month[slug].closing > 0, slug
    assert month["tea"].lines["refunds"] < 0  # after settlement
    assert month["home"].lines["refunds"] < 0  # before settlement
    assert month["digital"].lines["payouts"] < 0  # a withdrawal paid out
    assert month["tea"].deposit_lines["paid"] == 2000_00
    assert month["silk"].closing == 0  # still waiting for review
    assert {
        "vendor_order_completed",
        "vendor_order_rebooked",
        "vendor_order_settled",
        "refund",
        "withdrawal",
        "payout_paid",
        "deposit_paid",
    } <= kinds
