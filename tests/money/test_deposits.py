"""Security deposits: paid through the provider, held apart, used, released."""

import pytest

from marketplace.accounts.models import User
from marketplace.common.models import AuditEvent
from marketplace.ledger.models import JournalEntry
from marketplace.ledger.services import InsufficientFunds
from marketplace.payments.sandbox import control
from orders.models import VendorPayee
from orders.services import deposits
from tests import factories
from tests.money.conftest import Kind, deliver, platform_balance, vendor_balance
from tests.money.test_refunds_after_completion import provider_available
from vendors.models import DepositPayment, Vendor

pytestmark = [pytest.mark.django_db, pytest.mark.money]


@pytest.fixture
def finance(db):
    return factories.UserFactory(operator_role=User.OperatorRole.FINANCE)


@pytest.fixture
def deposited(commission_vendor):
    commission_vendor.deposit_required = 1000_00
    commission_vendor.save()
    payment = deposits.start_deposit_payment(vendor=commission_vendor)
    control.pay(payment.payment_reference)
    assert deposits.apply_deposit_payment(deposit_id=payment.pk) is True
    assert deposits.apply_deposit_payment(deposit_id=payment.pk) is True
    return commission_vendor


def test_a_paid_deposit_is_held_apart_from_order_money(deposited):
    entry = JournalEntry.objects.get(kind="deposit_paid")

    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT) == 1000_00
    assert entry.reference == ("vendor", str(deposited.pk))
    assert DepositPayment.objects.get().status == "paid"
    with pytest.raises(Exception, match="already paid"):
        deposits.start_deposit_payment(vendor=deposited)


def test_the_deposit_covers_a_receivable_and_a_penalty_with_reasons(deposited, finance):
    # given the vendor owes 300.00 (a refund after it had withdrawn)
    from marketplace.ledger.services import get_or_create_account, record_entry

    receivable = get_or_create_account(
        owner_type="vendor",
        owner_id=deposited.pk,
        kind=Kind.VENDOR_RECEIVABLE,
        currency="CNY",
    )
    revenue = get_or_create_account(
        owner_type="platform",
        owner_id="platform",
        kind=Kind.PLATFORM_REVENUE,
        currency="CNY",
    )
    record_entry(
        idempotency_key="owed",
        kind="test_receivable",
        postings=[(receivable, 300_00), (revenue, -300_00)],
    )
    revenue_before = platform_balance(Kind.PLATFORM_REVENUE)

    deposits.use_deposit(
        vendor=deposited,
        operator=finance,
        amount=300_00,
        purpose="receivable",
        reason="refund after payout",
        key="r1",
    )
    deposits.use_deposit(
        vendor=deposited,
        operator=finance,
        amount=100_00,
        purpose="penalty",
        reason="late shipping",
        key="p1",
    )
    with pytest.raises(InsufficientFunds):
        deposits.use_deposit(
            vendor=deposited,
            operator=finance,
            amount=1,
            purpose="receivable",
            reason="nothing owed",
            key="r2",
        )

    assert vendor_balance(deposited, Kind.VENDOR_RECEIVABLE) == 0
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT) == 600_00
    assert platform_balance(Kind.PLATFORM_REVENUE) == revenue_before + 100_00
    assert JournalEntry.objects.get(kind="deposit_penalty").metadata["reason"] == (
        "late shipping"
    )
    assert AuditEvent.objects.filter(action__startswith="deposit.").count() == 2


def test_support_cannot_use_the_deposit(deposited):
    support = factories.UserFactory(operator_role=User.OperatorRole.SUPPORT)

    with pytest.raises(Exception, match="operator role"):
        deposits.use_deposit(
            vendor=deposited,
            operator=support,
            amount=1,
            purpose="penalty",
            reason="x",
            key="s",
        )


def test_the_rest_is_released_when_the_vendor_closes(deposited, finance):
    deposits.use_deposit(
        vendor=deposited,
        operator=finance,
        amount=100_00,
        purpose="penalty",
        reason="late shipping",
        key="p1",
    )
    with pytest.raises(Exception, match="shop closes"):
        deposits.release_deposit(vendor=deposited, operator=finance)
    Vendor.objects.filter(pk=deposited.pk).update(status=Vendor.Status.CLOSED)

    released = deposits.release_deposit(vendor=deposited, operator=finance)
    deliver("vendor.deposit_release")

    assert released == 900_00
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT) == 0
    assert vendor_balance(deposited, Kind.VENDOR_AVAILABLE) == 900_00
    assert provider_available(deposited) == 900_00
    assert VendorPayee.objects.filter(vendor=deposited).exists()


def test_finance_uses_the_deposit_through_the_ops_api(client_for, deposited, finance):
    from django.urls import reverse

    url = reverse("ops-deposit-use", kwargs={"vendor_id": deposited.pk})
    body = {"amount": 50_00, "purpose": "penalty", "reason": "fake goods", "key": "a"}

    used = client_for(finance).post(url, body, format="json")
    missing = client_for(finance).post(
        reverse("ops-deposit-use", kwargs={"vendor_id": 999_999}), body, format="json"
    )

    assert used.json() == {"vendor_id": deposited.pk, "amount": 50_00}
    assert missing.status_code == 404
    assert vendor_balance(deposited, Kind.VENDOR_DEPOSIT) == 950_00
