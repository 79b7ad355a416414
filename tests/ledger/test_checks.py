import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from marketplace.ledger import services
from marketplace.ledger.checks import check_ledger
from marketplace.ledger.models import Account
from tests.ledger.checking import fail_on_ledger_problems


@pytest.fixture
def busy_ledger(funded, in_transit):
    """A ledger with posted, pending, voided and reversing entries."""
    posted = services.record_entry(
        idempotency_key="w1",
        kind="withdrawal",
        postings=[(funded, 10_00), (in_transit, -10_00)],
    )
    services.reverse_entry(entry=posted, idempotency_key="w1-undo")
    services.record_entry(
        idempotency_key="w2",
        kind="withdrawal",
        postings=[(funded, 20_00), (in_transit, -20_00)],
        pending=True,
    )
    voided = services.record_entry(
        idempotency_key="w3",
        kind="withdrawal",
        postings=[(funded, 30_00), (in_transit, -30_00)],
        pending=True,
    )
    services.void_entry(entry=voided)
    return funded


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_check_ledger_finds_no_problem_in_a_healthy_ledger(busy_ledger):
    assert check_ledger() == []


def test_check_ledger_reports_a_corrupted_stored_balance(busy_ledger):
    _sql(
        "UPDATE ledger_account SET credits_posted = credits_posted + 5 WHERE id = %s",
        [busy_ledger.pk],
    )

    assert check_ledger() == [
        f"account #{busy_ledger.pk} (vendor:1 vendor_available CNY): stored posted "
        "credits 11005 differ from 11000 in its postings"
    ]


def test_check_ledger_reports_an_unbalanced_entry_and_currency_total(cash, available):
    # The deferred balance trigger fires at commit (or at Django's constraint check
    # after the test): rolling the savepoint back discards it with the rows.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (idempotency_key, kind, description,"
            " status, two_phase, reference_type, reference_id, metadata, created_at,"
            " posted_at) VALUES ('raw', 'raw', '', 'posted', false, '', '', '{}', %s,"
            " %s) RETURNING id",
            [timezone.now(), timezone.now()],
        )
        entry_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, currency,"
            " created_at) VALUES (%s, %s, 700, 'CNY', now())",
            [entry_id, cash.pk],
        )
        cursor.execute(
            "INSERT INTO ledger_journalentry (idempotency_key, kind, description,"
            " status, two_phase, reference_type, reference_id, metadata, created_at,"
            " posted_at) VALUES ('empty', 'raw', '', 'posted', false, '', '', '{}',"
            " now(), now()) RETURNING id"
        )
        empty_id = cursor.fetchone()[0]

        assert check_ledger() == [
            "all postings in CNY sum to +700, not 0",
            f"entry #{entry_id} does not balance in CNY: its postings sum to +700",
            f"account #{cash.pk} (platform:platform provider_cash CNY): stored posted "
            "debits 0 differ from 700 in its postings",
            f"entry #{empty_id} has no postings",
        ]
        transaction.set_rollback(True)


def test_check_ledger_reports_a_guarded_account_below_zero(busy_ledger):
    # Only with the database's own guard removed (inside this test's transaction).
    _sql(
        "ALTER TABLE ledger_account DROP CONSTRAINT ledger_account_guard_credit_normal"
    )
    _sql(
        "UPDATE ledger_account SET debits_pending = 20000 WHERE id = %s",
        [busy_ledger.pk],
    )

    problems = check_ledger()

    assert problems == [
        f"account #{busy_ledger.pk} (vendor:1 vendor_available CNY): stored pending "
        "debits 20000 differ from 2000 in its postings",
        f"account #{busy_ledger.pk} (vendor:1 vendor_available CNY): guarded but "
        "below 0 (available -10000)",
    ]


def test_ledger_check_command_prints_ok_with_the_counts(busy_ledger):
    out = io.StringIO()

    call_command("ledger_check", stdout=out)

    assert out.getvalue() == "ledger OK: 5 entries, 10 postings\n"


def test_ledger_check_command_exits_non_zero_with_a_readable_report(busy_ledger):
    _sql(
        "UPDATE ledger_account SET debits_posted = debits_posted + 1 WHERE id = %s",
        [busy_ledger.pk],
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 problem") as failed:
        call_command("ledger_check", stderr=err)

    assert "stored posted debits 1001 differ from 1000" in str(failed.value)
    assert err.getvalue().splitlines() == [
        "ledger check FAILED: 1 problem(s)",
        f"  - [check_ledger] account #{busy_ledger.pk} (vendor:1 vendor_available "
        "CNY): stored posted debits 1001 differ from 1000 in its postings",
    ]


def test_the_ledger_fixture_fails_a_test_that_leaves_the_ledger_broken(busy_ledger):
    _sql(
        "UPDATE ledger_account SET credits_pending = 1 WHERE id = %s", [busy_ledger.pk]
    )

    with pytest.raises(pytest.fail.Exception, match="ledger_check found 1 problem"):
        fail_on_ledger_problems()


@pytest.mark.money
def test_the_money_marker_checks_the_ledger_after_the_test(request, busy_ledger):
    assert "_ledger_checked_after_money_tests" in request.fixturenames
    assert Account.objects.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.money
def test_the_money_marker_works_with_committed_transactions(busy_ledger):
    with transaction.atomic():
        services.record_entry(
            idempotency_key="w4",
            kind="withdrawal",
            postings=[
                (busy_ledger, 1_00),
                (
                    Account.objects.exclude(pk=busy_ledger.pk).get(
                        kind="vendor_payout_in_transit"
                    ),
                    -1_00,
                ),
            ],
        )

    assert check_ledger() == []


def test_ledger_checked_fixture_runs_after_the_test(ledger_checked, busy_ledger):
    assert busy_ledger.guard is True
