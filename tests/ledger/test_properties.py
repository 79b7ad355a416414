"""Random sequences of bookings keep the books balanced and the stored totals true."""

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.common.errors import Conflict
from marketplace.ledger import services
from marketplace.ledger.checks import check_ledger
from marketplace.ledger.models import Account, JournalEntry, Posting

Kind = Account.Kind
ACCOUNTS = [
    (Kind.EXTERNAL, ("world", "1")),  # unguarded: the balancing line goes here
    (Kind.PROVIDER_CASH, ("platform", "platform")),
    (Kind.VENDOR_AVAILABLE, ("vendor", "1")),
    (Kind.VENDOR_PAYOUT_IN_TRANSIT, ("vendor", "1")),
    (Kind.VENDOR_RECEIVABLE, ("vendor", "1")),
    (Kind.PLATFORM_REVENUE, ("platform", "platform")),
]
amounts = st.integers(min_value=-50_00, max_value=50_00).filter(bool)
lines = st.lists(
    st.tuples(st.integers(min_value=1, max_value=len(ACCOUNTS) - 1), amounts),
    min_size=1,
    max_size=4,
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("record"), lines, st.booleans()),
        st.tuples(st.sampled_from(["post", "void", "reverse"]), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=25,
)


def _apply(op, accounts, entries, serial):
    """Apply one operation; return the entry written, or None when it was refused."""
    name = op[0]
    try:
        if name == "record":
            postings = [(accounts[index], amount) for index, amount in op[1]]
            total = sum(amount for _, amount in postings)
            if total:
                postings.append((accounts[0], -total))
            return services.record_entry(
                idempotency_key=f"op{serial}",
                kind="random",
                postings=postings,
                pending=op[2],
            )
        if not entries:
            return None
        entry = entries[op[1] % len(entries)]
        if name == "reverse":
            return services.reverse_entry(entry=entry, idempotency_key=f"op{serial}")
        return getattr(services, f"{name}_entry")(entry=entry)
    except Conflict:  # InsufficientFunds, InvalidTransition, already reversed
        return None


def _expected_totals(accounts):
    """Compute each account's four totals from scratch, from entries and postings."""
    totals = {account.pk: [0, 0, 0, 0] for account in accounts}
    postings = Posting.objects.values_list("account_id", "amount", "entry__status")
    for account_id, amount, status in postings:
        if status == JournalEntry.Status.VOIDED:
            continue
        column = (0 if amount > 0 else 1) + (2 if status == "posted" else 0)
        totals[account_id][column] += abs(amount)
    return totals


@pytest.mark.money
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_random_bookings_keep_every_invariant(db, ops):
    with transaction.atomic():
        accounts = [
            services.get_or_create_account(
                owner_type=owner[0], owner_id=owner[1], kind=kind, currency="CNY"
            )
            for kind, owner in ACCOUNTS
        ]
        entries = []
        for serial, op in enumerate(ops):
            written = _apply(op, accounts, entries, serial)
            if written is not None and written not in entries:
                entries.append(written)

        connection.check_constraints()  # fire the deferred balance triggers now
        stored = {
            a.pk: [
                a.debits_pending,
                a.credits_pending,
                a.debits_posted,
                a.credits_posted,
            ]
            for a in Account.objects.all()
        }
        assert check_ledger() == []
        assert stored == _expected_totals(accounts)
        assert sum(Posting.objects.values_list("amount", flat=True)) == 0
        transaction.set_rollback(True)
