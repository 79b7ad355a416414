"""Concurrent bookings on PostgreSQL: one connection per thread, started at once."""

import threading

import pytest
from django.db import connection

from marketplace.ledger import services
from marketplace.ledger.models import Account, JournalEntry, Posting
from marketplace.ledger.selectors import get_balance
from marketplace.ledger.services import InsufficientFunds

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.money]

THREADS = 20


def _race(work, threads=THREADS) -> list:
    """Run ``work(i)`` in ``threads`` threads released at once; return each outcome.

    An outcome is the return value or the exception raised; every thread closes its
    own database connection.
    """
    barrier = threading.Barrier(threads)
    outcomes = [None] * threads

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def _kinds(outcomes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        name = type(outcome).__name__
        counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.mark.parametrize("pending", [False, True])
def test_twenty_concurrent_debits_of_the_whole_balance_let_exactly_one_through(
    funded, in_transit, pending
):
    outcomes = _race(
        lambda i: services.record_entry(
            idempotency_key=f"withdraw:{i}",
            kind="withdrawal",
            postings=[(funded, 100_00), (in_transit, -100_00)],
            pending=pending,
        )
    )

    assert _kinds(outcomes) == {"JournalEntry": 1, "InsufficientFunds": THREADS - 1}
    refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
    assert {o.status_code for o in refused} == {409}
    assert get_balance(account=funded).available.amount == 0
    assert JournalEntry.objects.filter(kind="withdrawal").count() == 1


def test_concurrent_replays_of_one_key_make_one_entry(cash, available):
    outcomes = _race(
        lambda i: services.record_entry(
            idempotency_key="capture:evt_1",
            kind="payment_captured",
            postings=[(cash, 88_00), (available, -88_00)],
        )
    )

    assert _kinds(outcomes) == {"JournalEntry": THREADS}
    assert len({entry.pk for entry in outcomes}) == 1
    assert (JournalEntry.objects.count(), Posting.objects.count()) == (1, 2)
    assert get_balance(account=available).posted.amount == 88_00


def test_concurrent_get_or_create_account_makes_one_account(db):
    outcomes = _race(
        lambda i: services.get_or_create_account(
            owner_type="vendor",
            owner_id="42",
            kind=Account.Kind.VENDOR_PAYABLE,
            currency="CNY",
        )
    )

    assert _kinds(outcomes) == {"Account": THREADS}
    assert len({account.pk for account in outcomes}) == 1


def test_crossing_transfers_between_two_accounts_never_deadlock(make_account):
    left = make_account(Account.Kind.EXTERNAL, owner=("test", "left"))
    right = make_account(Account.Kind.EXTERNAL, owner=("test", "right"))

    outcomes = _race(
        lambda i: services.record_entry(
            idempotency_key=f"cross:{i}",
            kind="transfer",
            postings=[(left, 1), (right, -1)] if i % 2 else [(right, 1), (left, -1)],
        )
    )

    assert _kinds(outcomes) == {"JournalEntry": THREADS}
    assert get_balance(account=left).posted.amount == 0
