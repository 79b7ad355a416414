"""Ledger fixtures. ``ledger_checked`` is written to move to tests/conftest.py as is."""

import pytest

from marketplace.ledger import services
from marketplace.ledger.models import Account
from tests.ledger.checking import fail_on_ledger_problems

Kind = Account.Kind


@pytest.fixture
def ledger_checked(db):
    """Run ``check_ledger()`` after the test; fail it with the report on a problem."""
    yield
    fail_on_ledger_problems()


@pytest.fixture
def make_account(db):
    """Return a factory of ledger accounts: ``make_account(kind, owner=..., ...)``."""

    def make(kind, *, owner=("vendor", "1"), currency="CNY") -> Account:
        return services.get_or_create_account(
            owner_type=owner[0], owner_id=owner[1], kind=kind, currency=currency
        )

    return make


@pytest.fixture
def cash(make_account):
    return make_account(Kind.PROVIDER_CASH, owner=("platform", "platform"))


@pytest.fixture
def available(make_account):
    return make_account(Kind.VENDOR_AVAILABLE)


@pytest.fixture
def in_transit(make_account):
    return make_account(Kind.VENDOR_PAYOUT_IN_TRANSIT)


@pytest.fixture
def funded(cash, available):
    """The vendor's available balance holds 100.00 CNY (posted)."""
    services.record_entry(
        idempotency_key="fund",
        kind="test_funding",
        postings=[(cash, 100_00), (available, -100_00)],
    )
    return available
