import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from marketplace.common.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidTransition,
    ValidationFailed,
)
from marketplace.common.money import Money
from marketplace.ledger import services
from marketplace.ledger.models import Account, JournalEntry, Posting
from marketplace.ledger.selectors import get_balance
from marketplace.ledger.services import InsufficientFunds

Kind = Account.Kind
pytestmark = pytest.mark.money


def _balance(account):
    b = get_balance(account=account)
    return (
        b.posted.amount,
        b.pending_in.amount,
        b.pending_out.amount,
        b.available.amount,
    )


def _withdraw(available, in_transit, amount, *, key="withdraw", pending=False):
    return services.record_entry(
        idempotency_key=key,
        kind="withdrawal",
        postings=[(available, amount), (in_transit, -amount)],
        pending=pending,
    )


def test_get_or_create_account_takes_normal_side_and_guard_from_the_kind(db):
    escrow = services.get_or_create_account(
        owner_type="order", owner_id=7, kind=Kind.ORDER_ESCROW, currency="CNY"
    )
    fees = services.get_or_create_account(
        owner_type="platform",
        owner_id="platform",
        kind=Kind.PLATFORM_FEE_EXPENSE,
        currency="CNY",
    )

    assert (escrow.owner_id, escrow.normal_side, escrow.guard) == ("7", "credit", True)
    assert (fees.normal_side, fees.guard) == ("debit", False)


def test_get_or_create_account_returns_the_same_account_for_the_same_owner(db):
    first = services.get_or_create_account(
        owner_type="vendor", owner_id="12", kind=Kind.VENDOR_AVAILABLE, currency="CNY"
    )

    again = services.get_or_create_account(
        owner_type="vendor", owner_id=12, kind=Kind.VENDOR_AVAILABLE, currency="CNY"
    )
    other_currency = services.get_or_create_account(
        owner_type="vendor", owner_id=12, kind=Kind.VENDOR_AVAILABLE, currency="USD"
    )

    assert again.pk == first.pk
    assert other_currency.pk != first.pk
    assert Account.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner_type", "Vendor!"),
        ("owner_id", ""),
        ("kind", "vendor_wallet"),
        ("currency", "cny"),
    ],
)
def test_get_or_create_account_refuses_bad_input(db, field, value):
    given = {
        "owner_type": "vendor",
        "owner_id": "1",
        "kind": Kind.VENDOR_AVAILABLE,
        "currency": "CNY",
    }

    with pytest.raises(ValidationFailed) as refused:
        services.get_or_create_account(**{**given, field: value})

    assert list(refused.value.errors) == [field]
    assert Account.objects.count() == 0


def test_record_entry_books_a_balanced_entry_and_moves_both_balances(cash, available):
    entry = services.record_entry(
        idempotency_key="capture:1",
        kind="payment_captured",
        postings=[(cash, 150_00), (available, -150_00)],
        reference=("order", 1),
        metadata={"provider": "sandbox"},
    )

    assert entry.status == JournalEntry.Status.POSTED
    assert entry.posted_at == entry.created_at
    assert entry.reference == ("order", "1")
    assert list(entry.postings.order_by("id").values_list("amount", "currency")) == [
        (150_00, "CNY"),
        (-150_00, "CNY"),
    ]
    assert _balance(cash) == (150_00, 0, 0, 150_00)
    assert _balance(available) == (150_00, 0, 0, 150_00)


def test_an_entry_balances_in_each_currency_separately(make_account):
    cny_cash = make_account(Kind.PROVIDER_CASH, currency="CNY")
    cny_out = make_account(Kind.EXTERNAL, currency="CNY")
    usd_cash = make_account(Kind.PROVIDER_CASH, currency="USD")
    usd_out = make_account(Kind.EXTERNAL, currency="USD")

    entry = services.record_entry(
        idempotency_key="fx",
        kind="exchange",
        postings=[(cny_cash, 700), (cny_out, -700), (usd_cash, -100), (usd_out, 100)],
    )
    with pytest.raises(ValidationFailed, match=r"CNY \+700, USD -700"):
        services.record_entry(
            idempotency_key="fx-bad",
            kind="exchange",
            postings=[(cny_cash, 700), (usd_cash, -700)],
        )

    assert entry.postings.count() == 4
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("postings", "field"),
    [
        ("one", "postings"),
        ("unbalanced", "postings"),
        ("zero", "postings[0]"),
        ("float", "postings[0]"),
        ("bool", "postings[0]"),
        ("too_big", "postings[0]"),
        ("unsaved", "postings[1]"),
        ("not_a_pair", "postings[1]"),
    ],
)
def test_record_entry_refuses_bad_postings_and_writes_nothing(
    cash, available, postings, field
):
    given = {
        "one": [(cash, 100)],
        "unbalanced": [(cash, 100), (available, -99)],
        "zero": [(cash, 0), (available, 0)],
        "float": [(cash, 1.5), (available, -1.5)],
        "bool": [(cash, True), (available, -1)],
        "too_big": [(cash, 10**12 + 1), (available, -(10**12 + 1))],
        "unsaved": [(cash, 100), (Account(currency="CNY"), -100)],
        "not_a_pair": [(cash, 100), available],
    }[postings]

    with pytest.raises(ValidationFailed) as refused:
        services.record_entry(idempotency_key="k", kind="test", postings=given)

    assert list(refused.value.errors) == [field]
    assert (JournalEntry.objects.count(), Posting.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"kind": "Payment Captured"}, "kind"),
        ({"metadata": {"at": object()}}, "metadata"),
        ({"reference": ("order", "")}, "reference"),
    ],
)
def test_record_entry_refuses_bad_entry_fields(cash, available, given, field):
    fields = {"idempotency_key": "k", "kind": "test", **given}

    with pytest.raises(ValidationFailed) as refused:
        services.record_entry(**fields, postings=[(cash, 1), (available, -1)])

    assert list(refused.value.errors) == [field]
    assert JournalEntry.objects.count() == 0


def test_replaying_a_key_returns_the_existing_entry_and_writes_nothing(cash, available):
    first = services.record_entry(
        idempotency_key="evt_1",
        kind="payment_captured",
        postings=[(cash, 100), (available, -100)],
        reference=("order", "9"),
    )

    with CaptureQueriesContext(transaction.get_connection()) as queries:
        again = services.record_entry(
            idempotency_key="evt_1",
            kind="payment_captured",
            postings=[(available, -100), (cash, 100)],
            reference=("order", 9),
            metadata={"delivery": 2},
        )

    assert again.pk == first.pk
    assert (JournalEntry.objects.count(), Posting.objects.count()) == (1, 2)
    assert _balance(available) == (100, 0, 0, 100)
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "DELETE"))]
    assert writes == []


@pytest.mark.parametrize(
    "change",
    [
        {"postings": "other_amount"},
        {"kind": "refund"},
        {"reference": ("order", "10")},
        {"pending": True},
    ],
)
def test_replaying_a_key_with_a_different_entry_raises_key_reused(
    cash, available, change
):
    services.record_entry(
        idempotency_key="evt_1",
        kind="payment_captured",
        postings=[(cash, 100), (available, -100)],
        reference=("order", "9"),
    )
    replay = {
        "idempotency_key": "evt_1",
        "kind": "payment_captured",
        "postings": [(cash, 100), (available, -100)],
        "reference": ("order", "9"),
        **change,
    }
    if replay["postings"] == "other_amount":
        replay["postings"] = [(cash, 101), (available, -101)]

    with pytest.raises(IdempotencyKeyReused, match="evt_1") as refused:
        services.record_entry(**replay)

    assert refused.value.status_code == 422
    assert (JournalEntry.objects.count(), Posting.objects.count()) == (1, 2)


def test_a_guarded_account_refuses_an_overdraft_with_insufficient_funds(
    funded, in_transit
):
    with pytest.raises(InsufficientFunds) as refused:
        _withdraw(funded, in_transit, 100_01)

    assert refused.value.status_code == 409
    assert refused.value.accounts == [funded]
    assert "vendor:1 vendor_available CNY" in refused.value.detail
    assert _balance(funded) == (100_00, 0, 0, 100_00)
    assert JournalEntry.objects.filter(kind="withdrawal").count() == 0


def test_insufficient_funds_leaves_the_callers_transaction_usable(funded, in_transit):
    with transaction.atomic():
        with pytest.raises(InsufficientFunds):
            _withdraw(funded, in_transit, 200_00, key="too-much")
        entry = _withdraw(funded, in_transit, 60_00, key="fits")

    assert entry.status == JournalEntry.Status.POSTED
    assert _balance(funded) == (40_00, 0, 0, 40_00)


def test_a_pending_debit_reduces_available_at_once_and_a_pending_credit_does_not(
    funded, in_transit
):
    _withdraw(funded, in_transit, 30_00, pending=True)

    assert _balance(funded) == (100_00, 0, 30_00, 70_00)
    assert _balance(in_transit) == (0, 30_00, 0, 0)
    with pytest.raises(InsufficientFunds):
        _withdraw(funded, in_transit, 70_01, key="second")


def test_posting_a_pending_entry_moves_its_amounts_into_the_posted_balances(
    funded, in_transit
):
    entry = _withdraw(funded, in_transit, 30_00, pending=True)

    posted = services.post_entry(entry=entry)

    assert posted.status == JournalEntry.Status.POSTED
    assert posted.posted_at is not None
    assert _balance(funded) == (70_00, 0, 0, 70_00)
    assert _balance(in_transit) == (30_00, 0, 0, 30_00)


def test_voiding_a_pending_entry_restores_available_and_keeps_its_postings(
    funded, in_transit
):
    entry = _withdraw(funded, in_transit, 30_00, pending=True)

    voided = services.void_entry(entry=entry)

    assert voided.status == JournalEntry.Status.VOIDED
    assert voided.voided_at is not None
    assert voided.postings.count() == 2
    assert _balance(funded) == (100_00, 0, 0, 100_00)
    assert _balance(in_transit) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("first", "second", "allowed"),
    [
        ("post_entry", "post_entry", True),
        ("void_entry", "void_entry", True),
        ("post_entry", "void_entry", False),
        ("void_entry", "post_entry", False),
    ],
)
def test_post_and_void_each_happen_at_most_once(
    funded, in_transit, first, second, allowed
):
    entry = _withdraw(funded, in_transit, 30_00, pending=True)
    done = getattr(services, first)(entry=entry)
    before = (_balance(funded), _balance(in_transit))

    if allowed:
        again = getattr(services, second)(entry=entry)
        assert (again.pk, again.status) == (done.pk, done.status)
    else:
        with pytest.raises(InvalidTransition) as refused:
            getattr(services, second)(entry=entry)
        assert refused.value.status_code == 409

    assert (_balance(funded), _balance(in_transit)) == before
    assert JournalEntry.objects.get(pk=entry.pk).status == done.status


def test_a_directly_posted_entry_cannot_be_voided(funded, in_transit):
    entry = _withdraw(funded, in_transit, 30_00)

    with pytest.raises(InvalidTransition):
        services.void_entry(entry=entry)

    assert services.post_entry(entry=entry).status == JournalEntry.Status.POSTED
    assert _balance(funded) == (70_00, 0, 0, 70_00)


def test_reverse_entry_books_the_negated_postings_and_leaves_the_original(
    funded, in_transit
):
    entry = _withdraw(funded, in_transit, 30_00)

    reversal = services.reverse_entry(entry=entry, idempotency_key="undo")

    assert reversal.kind == "reversal"
    assert reversal.reverses_id == entry.pk
    assert reversal.metadata == {"reverses": entry.pk}
    assert sorted(reversal.postings.values_list("account_id", "amount")) == sorted(
        [(funded.pk, -30_00), (in_transit.pk, 30_00)]
    )
    assert sorted(entry.postings.values_list("account_id", "amount")) == sorted(
        [(funded.pk, 30_00), (in_transit.pk, -30_00)]
    )
    assert _balance(funded) == (100_00, 0, 0, 100_00)
    assert _balance(in_transit) == (0, 0, 0, 0)


def test_reverse_entry_happens_once_and_replays_by_key(funded, in_transit):
    entry = _withdraw(funded, in_transit, 30_00)
    reversal = services.reverse_entry(entry=entry, idempotency_key="undo")

    again = services.reverse_entry(entry=entry, idempotency_key="undo")
    with pytest.raises(Conflict, match="already reversed"):
        services.reverse_entry(entry=entry, idempotency_key="undo-2")

    assert again.pk == reversal.pk
    assert JournalEntry.objects.filter(reverses=entry).count() == 1


@pytest.mark.parametrize("then", [None, "void_entry"])
def test_only_a_posted_entry_can_be_reversed(funded, in_transit, then):
    entry = _withdraw(funded, in_transit, 30_00, pending=True)
    if then:
        entry = getattr(services, then)(entry=entry)

    with pytest.raises(InvalidTransition):
        services.reverse_entry(entry=entry, idempotency_key="undo")

    assert JournalEntry.objects.count() == 2


def test_a_reversal_that_would_overdraw_a_guarded_account_is_refused(
    cash, available, in_transit
):
    earned = services.record_entry(
        idempotency_key="earn",
        kind="test_funding",
        postings=[(cash, 50_00), (available, -50_00)],
    )
    _withdraw(available, in_transit, 50_00)

    with pytest.raises(InsufficientFunds):
        services.reverse_entry(entry=earned, idempotency_key="claw-back")

    assert _balance(available) == (0, 0, 0, 0)


@pytest.mark.parametrize("pending", [False, True])
def test_record_entry_runs_the_same_queries_for_2_and_20_postings(
    make_account, cash, pending
):
    vendors = [
        make_account(Kind.VENDOR_PAYABLE, owner=("vendor", str(n))) for n in range(19)
    ]

    def book(key, accounts):
        lines = [(account, -100) for account in accounts]
        with CaptureQueriesContext(transaction.get_connection()) as queries:
            services.record_entry(
                idempotency_key=key,
                kind="split",
                postings=[(cash, 100 * len(accounts)), *lines],
                pending=pending,
            )
        return len(queries)

    two, twenty = book("two", vendors[:1]), book("twenty", vendors)

    # SAVEPOINT, insert entry, lock accounts, insert postings, update totals, RELEASE
    assert two == twenty == 6
    assert Posting.objects.count() == 22


def test_get_balance_reads_in_the_accounts_normal_terms(cash, funded, in_transit):
    _withdraw(funded, in_transit, 25_00, pending=True)

    assert get_balance(account=cash).posted == Money(100_00, "CNY")
    assert get_balance(account=funded).available == Money(75_00, "CNY")
