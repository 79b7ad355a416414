"""Deposits frozen in the vendor's own account, where the provider can hold them.

The sandbox with ``SANDBOX_HOLD_DEPOSITS`` has ``Capabilities.can_hold_deposits``:
the paid deposit is frozen in the vendor's account (not the platform's money), a
use has the provider give that part to the platform, and the release unfreezes the
rest for the vendor. Ledger, provider, reconciliation and statement agree.
"""

import pytest
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.ledger.models import JournalEntry
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxAccount
from orders.models import VendorPayee
from orders.services import deposits
from orders.services.reconciliation import reconcile_day
from tests import factories
from tests.money.conftest import Kind, deliver, platform_balance, vendor_balance
from vendors.models import DepositPayment, Vendor
from vendors.selectors_statements import get_vendor_statement

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]
DEPOSIT = 1000_00


@pytest.fixture(autouse=True)
def _holding_provider(settings):
    settings.SANDBOX_HOLD_DEPOSITS = True


@pytest.fixture
def finance(db):
    return factories.UserFactory(operator_role=User.OperatorRole.FINANCE)


def payee(vendor) -> SandboxAccount:
    ref = VendorPayee.objects.get(vendor=vendor).account_ref
    return SandboxAccount.objects.get(account_id=ref)


def platform_at_provider() -> int:
    return SandboxAccount.objects.get(is_platform=True).available


@pytest.fixture
def deposited(commission_vendor):
    commission_vendor.deposit_required = DEPOSIT
    commission_vendor.save()
    payment = deposits.start_deposit_payment(vendor=commission_vendor)
    control.pay(payment.payment_reference)
    assert deposits.apply_deposit_payment(deposit_id=payment.pk) is True
    assert deposits.apply_deposit_payment(deposit_id=payment.pk) is True
    return commission_vendor


def use(vendor, operator, amount, purpose, key):
    deposits.use_deposit(
        vendor=vendor,
        operator=operator,
        amount=amount,
        purpose=purpose,
        reason="late shipments",
        key=key,
    )


def test_the_capability_is_the_sandbox_setting(settings):
    assert get_provider().capabilities.can_hold_deposits is True
    settings.SANDBOX_HOLD_DEPOSITS = False
    assert get_provider().capabilities.can_hold_deposits is False


def test_a_paid_deposit_is_frozen_in_the_vendors_own_account(deposited, funds_flow):
    payment = DepositPayment.objects.get()
    entry = JournalEntry.objects.get(kind="deposit_paid")
    ref = VendorPayee.objects.get(vendor=deposited).account_ref
    since = timezone.now() - timezone.timedelta(days=1)
    until = timezone.now() + timezone.timedelta(days=1)
    listed = get_provider().list_transactions(since=since, until=until, payee_ref=ref)

    # the provider froze it in the vendor's account; the platform kept only the fee
    assert (payee(deposited).pending, payee(deposited).available) == (DEPOSIT, 0)
    assert platform_at_provider() == -payment_fee()
    # (in the frozen shape the payment froze it there already: the hold moves
    # nothing)
    frozen = funds_flow == "funds_frozen_in_payee_account"
    assert [(t.type, t.amount) for t in listed] == [
        ("payment", DEPOSIT) if frozen else ("deposit_hold", DEPOSIT)
    ]
    # the ledger: the deposit owed back, held in the vendor's account, not as cash
    assert (payment.hold_reference, payment.held_amount) == (
        entry.metadata["hold"],
        DEPOSIT,
    )
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT) == DEPOSIT
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT_FROZEN) == DEPOSIT
    assert platform_balance(Kind.PROVIDER_CASH) == -payment_fee()
    assert reconcile_day(day=timezone.localdate()) == 0


def payment_fee() -> int:
    return (
        JournalEntry.objects.get(kind="provider_fee").postings.get(amount__gt=0).amount
    )


def test_uses_are_captured_by_the_provider_for_the_platform_once(deposited, finance):
    # when finance takes a penalty and a receivable, and repeats one of them
    from marketplace.ledger.services import get_or_create_account, record_entry

    receivable = get_or_create_account(
        owner_type="vendor",
        owner_id=deposited.pk,
        kind=Kind.VENDOR_RECEIVABLE,
        currency="CNY",
    )
    external = get_or_create_account(
        owner_type="platform", owner_id="platform", kind=Kind.EXTERNAL, currency="CNY"
    )
    record_entry(
        idempotency_key="test:owed",
        kind="test",
        postings=[(receivable, 300_00), (external, -300_00)],
    )
    use(deposited, finance, 100_00, "penalty", "p1")
    use(deposited, finance, 300_00, "receivable", "r1")
    use(deposited, finance, 100_00, "penalty", "p1")

    # then the provider moved 400.00 from the vendor's frozen part to the platform
    assert payee(deposited).pending == 600_00
    assert platform_at_provider() == 400_00 - payment_fee()
    assert DepositPayment.objects.get().held_amount == 600_00
    # and the ledger agrees, with each use's capture named for the reconciliation
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT) == 600_00
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT_FROZEN) == 600_00
    assert vendor_balance(deposited, Kind.VENDOR_RECEIVABLE) == 0
    assert platform_balance(Kind.PROVIDER_CASH) == 400_00 - payment_fee()
    uses = JournalEntry.objects.filter(
        kind__in=["deposit_penalty", "deposit_receivable"]
    )
    assert [len(e.metadata["provider_operations"]) for e in uses] == [1, 1]
    assert reconcile_day(day=timezone.localdate()) == 0


def test_the_release_unfreezes_the_rest_for_the_vendor(deposited, finance):
    use(deposited, finance, 100_00, "penalty", "p1")
    Vendor.objects.filter(pk=deposited.pk).update(status=Vendor.Status.CLOSED)

    released = deposits.release_deposit(vendor=deposited, operator=finance)
    deliver("vendor.deposit_release")
    deliver("vendor.deposit_release")

    assert released == 900_00
    assert (payee(deposited).pending, payee(deposited).available) == (0, 900_00)
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT) == 0
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT_FROZEN) == 0
    assert vendor_balance(deposited, Kind.VENDOR_AVAILABLE) == 900_00
    assert reconcile_day(day=timezone.localdate()) == 0


@pytest.mark.parametrize("hold", [True, False], ids=["frozen", "on_platform"])
def test_the_statement_shows_the_deposit_movements_on_both_paths(
    hold, settings, commission_vendor, finance
):
    settings.SANDBOX_HOLD_DEPOSITS = hold
    commission_vendor.deposit_required = DEPOSIT
    commission_vendor.save()
    payment = deposits.start_deposit_payment(vendor=commission_vendor)
    control.pay(payment.payment_reference)
    deposits.apply_deposit_payment(deposit_id=payment.pk)
    use(commission_vendor, finance, 100_00, "penalty", "p1")
    Vendor.objects.filter(pk=commission_vendor.pk).update(status=Vendor.Status.CLOSED)
    deposits.release_deposit(vendor=commission_vendor, operator=finance)
    deliver("vendor.deposit_release")
    today = timezone.localdate()

    statement = get_vendor_statement(
        vendor=commission_vendor, start=today, end=today + timezone.timedelta(days=1)
    )

    assert statement.deposit_lines == {
        "paid": DEPOSIT,
        "used": -100_00,
        "released": -900_00,
    }
    assert (statement.deposit_opening, statement.deposit_closing) == (0, 0)
    assert (statement.deposit_ties, statement.ties) == (True, True)
    assert statement.lines["deposit"] == 900_00
    assert (
        statement.closing
        == 900_00
        == vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE)
    )
    assert statement.deposit_frozen_closing == 0


def test_ledger_check_finds_a_frozen_deposit_the_provider_does_not_hold(deposited):
    from orders.checks_deposits import check_deposits

    DepositPayment.objects.update(held_amount=DEPOSIT - 1)
    found = check_deposits()
    DepositPayment.objects.update(held_amount=DEPOSIT)

    assert found == [
        f"vendor {deposited.pk}: deposit frozen {DEPOSIT} in the ledger, but its "
        f"deposit payments hold {DEPOSIT - 1} at the provider (deposit {DEPOSIT})"
    ]
    assert check_deposits() == []
