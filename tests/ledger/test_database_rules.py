"""PostgreSQL itself enforces the ledger's rules: these tests go around the services."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from marketplace.ledger import services
from marketplace.ledger.models import Account, JournalEntry, Posting

Kind = Account.Kind


def _raw_entry(cursor, key: str) -> int:
    cursor.execute(
        "INSERT INTO ledger_journalentry (idempotency_key, kind, description, status,"
        " two_phase, reference_type, reference_id, metadata, created_at, posted_at)"
        " VALUES (%s, 'raw', '', 'posted', false, '', '', '{}', %s, %s) RETURNING id",
        [key, timezone.now(), timezone.now()],
    )
    return cursor.fetchone()[0]


def _raw_posting(cursor, entry_id: int, account: Account, amount: int, currency=None):
    cursor.execute(
        "INSERT INTO ledger_posting (entry_id, account_id, amount, currency,"
        " created_at) VALUES (%s, %s, %s, %s, %s)",
        [entry_id, account.pk, amount, currency or account.currency, timezone.now()],
    )


@pytest.mark.django_db(transaction=True)
def test_database_refuses_an_unbalanced_entry_when_the_transaction_commits(
    cash, available
):
    def book_unbalanced():
        with transaction.atomic(), connection.cursor() as cursor:
            entry_id = _raw_entry(cursor, "raw-unbalanced")
            _raw_posting(cursor, entry_id, cash, 100)
            _raw_posting(cursor, entry_id, available, -99)

    with pytest.raises(IntegrityError, match=r"does not balance in CNY: .* sum to 1"):
        book_unbalanced()

    assert (JournalEntry.objects.count(), Posting.objects.count()) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_database_accepts_a_balanced_entry_when_the_transaction_commits(
    cash, available
):
    with transaction.atomic(), connection.cursor() as cursor:
        entry_id = _raw_entry(cursor, "raw-balanced")
        _raw_posting(cursor, entry_id, cash, 100)
        _raw_posting(cursor, entry_id, available, -100)

    assert Posting.objects.filter(entry_id=entry_id).count() == 2


@pytest.mark.parametrize(
    ("sql", "operation"),
    [
        ("UPDATE ledger_posting SET amount = amount * 2", "UPDATE"),
        ("UPDATE ledger_posting SET created_at = now()", "UPDATE"),
        ("DELETE FROM ledger_posting", "DELETE"),
    ],
)
def test_database_refuses_to_change_or_remove_a_posting(funded, sql, operation):
    with (
        pytest.raises(IntegrityError, match=f"append-only; {operation}"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    assert sorted(Posting.objects.values_list("amount", flat=True)) == [-100_00, 100_00]


def test_database_refuses_a_posting_in_another_currency_than_its_account(
    cash, available
):
    def book_in_usd():
        with transaction.atomic(), connection.cursor() as cursor:
            entry_id = _raw_entry(cursor, "raw-usd")
            _raw_posting(cursor, entry_id, cash, 100, currency="USD")
            _raw_posting(cursor, entry_id, available, -100, currency="USD")

    with pytest.raises(IntegrityError, match="currency_is_account_currency"):
        book_in_usd()

    assert Posting.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_database_refuses_to_truncate_the_postings_alone(funded):
    with (
        pytest.raises(IntegrityError, match="append-only; TRUNCATE is refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE ledger_posting")

    assert Posting.objects.count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_account SET debits_posted = credits_posted + 1 WHERE id = %s",
        "UPDATE ledger_account SET debits_pending = 100000000 WHERE id = %s",
    ],
)
def test_database_refuses_a_guarded_account_below_zero_even_in_raw_sql(funded, sql):
    with (
        pytest.raises(IntegrityError, match="ledger_account_guard_credit_normal"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [funded.pk])

    funded.refresh_from_db()
    assert (funded.debits_posted, funded.debits_pending) == (0, 0)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM ledger_journalentry", "cannot be deleted"),
        ("UPDATE ledger_journalentry SET kind = 'other'", "cannot change"),
        (
            "UPDATE ledger_journalentry SET status = 'voided', posted_at = NULL,"
            " voided_at = now(), two_phase = true",
            "cannot change from posted to voided",
        ),
    ],
)
def test_database_refuses_to_delete_or_rewrite_a_journal_entry(funded, sql, message):
    with (
        pytest.raises(IntegrityError, match=message),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    entry = JournalEntry.objects.get()
    assert (entry.kind, entry.status) == ("test_funding", "posted")


def test_database_lets_a_pending_entry_move_to_posted_once(funded, in_transit):
    entry = services.record_entry(
        idempotency_key="hold",
        kind="withdrawal",
        postings=[(funded, 10_00), (in_transit, -10_00)],
        pending=True,
    )
    services.post_entry(entry=entry)

    with (
        pytest.raises(IntegrityError, match="cannot change from posted to pending"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE ledger_journalentry SET status = 'pending', posted_at = NULL"
            " WHERE id = %s",
            [entry.pk],
        )

    assert JournalEntry.objects.get(pk=entry.pk).status == "posted"
