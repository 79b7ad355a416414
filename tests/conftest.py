"""Fixtures every test shares: API clients signed in as each kind of user."""

import shutil

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests import factories


def pytest_sessionfinish(session):
    """Remove the test data directory once, from the process that started the run.

    xdist workers inherit its ``DATA_DIR`` and share it, so a worker that finishes
    first must not delete the media the others are still writing.
    """
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(settings.DATA_DIR, ignore_errors=True)


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def client_for():
    """Return a factory of API clients signed in as a given user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def operator(db):
    return factories.OperatorFactory()


@pytest.fixture
def vendor(db):
    return factories.VendorFactory()


@pytest.fixture
def vendor_owner(vendor):
    return vendor.members.get().user


# --- Both money shapes of the sandbox (marketplace/payments/sandbox/frozen.py) -------
# ``pytest.mark.usefixtures("funds_flow")`` runs a test once per shape: the payment on
# the platform then transfers (default), and each vendor's part frozen in its own
# account (WeChat Pay 平台收付通).
FUNDS_FLOWS = ["charges_on_platform_then_transfers", "funds_frozen_in_payee_account"]


@pytest.fixture(params=FUNDS_FLOWS, ids=["charges", "frozen"])
def funds_flow(request, settings):
    settings.SANDBOX_FUNDS_FLOW = request.param
    return request.param


# --- Money tests end with a green ledger (marketplace.ledger) -----------------------
# A test marked ``@pytest.mark.money`` fails when ``check_ledger()`` finds a problem
# once it has run; tests/ledger/conftest.py offers the same as ``ledger_checked``.


@pytest.fixture(autouse=True)
def _ledger_checked_after_money_tests(request):
    if request.node.get_closest_marker("money") is None:
        yield
        return
    from tests.ledger.checking import fail_on_ledger_problems

    request.getfixturevalue("db")
    yield
    fail_on_ledger_problems()
