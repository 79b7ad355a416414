from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.common.money import Money
from marketplace.ledger import services
from marketplace.ledger.models import Account, JournalEntry
from marketplace.ledger.selectors import balance_at, get_balance, list_entries

Kind = Account.Kind
pytestmark = pytest.mark.money


@pytest.fixture
def orders(cash, make_account):
    """Two orders captured into escrow, one of them refunded in part."""
    escrow = {n: make_account(Kind.ORDER_ESCROW, owner=("order", n)) for n in (1, 2)}
    for n, amount in ((1, 80_00), (2, 20_00)):
        services.record_entry(
            idempotency_key=f"capture:{n}",
            kind="payment_captured",
            postings=[(cash, amount), (escrow[n], -amount)],
            reference=("order", n),
        )
    services.record_entry(
        idempotency_key="refund:1",
        kind="refund",
        postings=[(escrow[1], 30_00), (cash, -30_00)],
        reference=("order", 1),
    )
    return escrow


def test_list_entries_filters_by_reference_with_postings_prefetched(orders):
    with CaptureQueriesContext(connection) as queries:
        entries = list(list_entries(reference=("order", 1)))
        amounts = [[p.amount for p in entry.postings.all()] for entry in entries]
        owners = {p.account.owner_type for e in entries for p in e.postings.all()}

    assert [e.kind for e in entries] == ["payment_captured", "refund"]
    assert amounts == [[80_00, -80_00], [30_00, -30_00]]
    assert owners == {"platform", "order"}
    assert len(queries) == 2


def test_list_entries_filters_by_owner_and_time(orders):
    later = timezone.now() + timedelta(seconds=1)

    by_owner = list_entries(owner=("order", "2"))
    since_later = list_entries(since=later)
    until_later = list_entries(until=later)

    assert [e.idempotency_key for e in by_owner] == ["capture:2"]
    assert list(since_later) == []
    assert until_later.count() == 3


def test_balance_at_counts_only_entries_posted_before_the_moment(
    funded, in_transit, cash
):
    before_hold = timezone.now()
    hold = services.record_entry(
        idempotency_key="hold",
        kind="withdrawal",
        postings=[(funded, 40_00), (in_transit, -40_00)],
        pending=True,
    )
    while_pending = timezone.now()
    services.post_entry(entry=hold)
    after_post = timezone.now()

    assert balance_at(account=funded, at=before_hold) == Money(100_00, "CNY")
    assert balance_at(account=funded, at=while_pending) == Money(100_00, "CNY")
    assert balance_at(account=funded, at=after_post) == Money(60_00, "CNY")
    assert balance_at(account=cash, at=after_post) == Money(100_00, "CNY")
    assert (
        balance_at(account=funded, at=after_post) == get_balance(account=funded).posted
    )


def test_balance_at_ignores_voided_entries(funded, in_transit):
    hold = services.record_entry(
        idempotency_key="hold",
        kind="withdrawal",
        postings=[(funded, 40_00), (in_transit, -40_00)],
        pending=True,
    )
    services.void_entry(entry=hold)

    assert balance_at(account=funded, at=timezone.now()) == Money(100_00, "CNY")
    assert JournalEntry.objects.get(pk=hold.pk).status == "voided"
