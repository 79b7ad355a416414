"""Withdrawals: rules, two-phase booking, payout through the provider, races."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict, Forbidden, ValidationFailed
from marketplace.ledger.models import JournalEntry
from marketplace.ledger.services import (
    InsufficientFunds,
    get_or_create_account,
    record_entry,
)
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from marketplace.rules.services import change_rules
from orders.models import VendorPayee
from orders.services.payment import payee_refs
from tests import factories
from tests.money.conftest import (
    Kind,
    complete,
    deliver,
    owner,
    settle,
    vendor_balance,
)
from tests.money.test_refunds_after_completion import provider_available, refund
from tests.orders.conftest import sellable
from tests.orders.test_concurrency import run_concurrently
from vendors.models import VendorMember, Withdrawal
from vendors.services import withdrawals

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]
Status = Withdrawal.Status


def fund(vendor, amount: int) -> None:
    """Give the vendor ``amount`` available in the ledger (no provider money)."""

    def account(owner_type, owner_id, kind):
        return get_or_create_account(
            owner_type=owner_type, owner_id=owner_id, kind=kind, currency="CNY"
        )

    record_entry(
        idempotency_key=f"test-fund-{vendor.pk}-{amount}",
        kind="test_funding",
        postings=[
            (account("platform", "platform", Kind.PROVIDER_CASH), amount),
            (account("vendor", vendor.pk, Kind.VENDOR_AVAILABLE), -amount),
        ],
    )


@pytest.fixture
def earned(paid_order, commission_vendor):
    """A vendor with a settled order (money at the provider), payouts enabled."""
    order = paid_order((sellable(vendor=commission_vendor, price=30000), 1))
    complete(order.vendor_orders.get())
    settle()
    ref = VendorPayee.objects.get(vendor=commission_vendor).account_ref
    control.complete_onboarding(ref)
    return commission_vendor


def test_a_withdrawal_is_paid_out_and_posted(earned):
    available = vendor_balance(earned, Kind.VENDOR_AVAILABLE)

    withdrawal = withdrawals.request_withdrawal(
        vendor=earned, actor=owner(earned), amount=available
    )
    assert withdrawal.status == Status.PENDING
    assert withdrawal.ledger_entry.status == "pending"
    assert vendor_balance(earned, Kind.VENDOR_AVAILABLE) == 0
    deliver("vendor.withdrawal_payout")
    deliver("vendor.withdrawal_payout")

    withdrawal.refresh_from_db()
    assert withdrawal.status == Status.PAID
    assert withdrawal.provider_payout_id
    assert withdrawal.ledger_entry.status == "posted"
    assert vendor_balance(earned, Kind.VENDOR_PAYOUT_IN_TRANSIT) == 0
    assert provider_available(earned) == 0
    assert JournalEntry.objects.filter(kind="payout_paid").count() == 1


def test_a_failed_payout_voids_the_entry_and_restores_the_balance(earned):
    available = vendor_balance(earned, Kind.VENDOR_AVAILABLE)
    control.inject_fault("fail_payout")

    withdrawal = withdrawals.request_withdrawal(
        vendor=earned, actor=owner(earned), amount=available
    )
    deliver("vendor.withdrawal_payout")

    withdrawal.refresh_from_db()
    assert withdrawal.status == Status.FAILED
    assert withdrawal.ledger_entry.status == "voided"
    assert vendor_balance(earned, Kind.VENDOR_AVAILABLE) == available
    assert provider_available(earned) == available
    assert list(withdrawal.events.values_list("to_status", flat=True)) == [
        "pending",
        "failed",
    ]


def test_a_refund_after_withdrawal_goes_to_receivable_and_is_netted(earned, paid_order):
    from orders.models import VendorOrderSettlement

    settled = VendorOrderSettlement.objects.get()
    withdrawals.request_withdrawal(
        vendor=earned, actor=owner(earned), amount=settled.vendor_amount
    )
    deliver("vendor.withdrawal_payout")

    refund(settled.vendor_order, settled.vendor_order.total)

    assert vendor_balance(earned, Kind.VENDOR_RECEIVABLE) == settled.vendor_amount
    later = paid_order((sellable(vendor=earned, price=60000), 1))
    complete(later.vendor_orders.get())
    settle()
    assert vendor_balance(earned, Kind.VENDOR_RECEIVABLE) == 0
    assert vendor_balance(earned, Kind.VENDOR_AVAILABLE) == (
        VendorOrderSettlement.objects.get(vendor_order__order=later).vendor_amount
        - settled.vendor_amount
    )


def test_rules_minimum_daily_maximum_and_fee(commission_vendor):
    change_rules(
        actor=None,
        changes={
            "withdrawal_min_amount": 50_00,
            "withdrawal_max_per_day": 300_00,
            "withdrawal_fee": 2_00,
        },
    )
    fund(commission_vendor, 1000_00)
    actor = owner(commission_vendor)

    with pytest.raises(ValidationFailed):
        withdrawals.request_withdrawal(
            vendor=commission_vendor, actor=actor, amount=49_99
        )
    first = withdrawals.request_withdrawal(
        vendor=commission_vendor, actor=actor, amount=250_00
    )
    with pytest.raises(Conflict) as limit:
        withdrawals.request_withdrawal(
            vendor=commission_vendor, actor=actor, amount=50_01
        )
    Withdrawal.objects.filter(pk=first.pk).update(
        business_date=timezone.localdate() - timedelta(days=1)
    )
    withdrawals.request_withdrawal(vendor=commission_vendor, actor=actor, amount=50_01)

    assert limit.value.code == "daily_limit"
    assert (first.fee, first.payout_amount) == (2_00, 248_00)
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == 1000_00 - 300_01


def test_above_the_threshold_finance_approves_holds_or_rejects(commission_vendor):
    change_rules(actor=None, changes={"withdrawal_approval_threshold": 100_00})
    fund(commission_vendor, 500_00)
    actor = owner(commission_vendor)
    finance = factories.UserFactory(operator_role=User.OperatorRole.FINANCE)
    support = factories.UserFactory(operator_role=User.OperatorRole.SUPPORT)

    big = withdrawals.request_withdrawal(
        vendor=commission_vendor, actor=actor, amount=200_00
    )
    with pytest.raises(Forbidden) as forbidden:
        withdrawals.approve_withdrawal(withdrawal_id=big.pk, operator=support)
    withdrawals.hold_withdrawal(withdrawal_id=big.pk, operator=finance, reason="KYC")
    withdrawals.reject_withdrawal(withdrawal_id=big.pk, operator=finance, reason="KYC")
    other = withdrawals.request_withdrawal(
        vendor=commission_vendor, actor=actor, amount=150_00
    )
    withdrawals.approve_withdrawal(withdrawal_id=other.pk, operator=finance)

    big.refresh_from_db()
    other.refresh_from_db()
    assert forbidden.value.code == "operator_role"
    assert big.status == Status.REJECTED
    assert big.ledger_entry.status == "voided"
    assert other.status == Status.PENDING
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == 350_00


def test_staff_cannot_withdraw(commission_vendor):
    fund(commission_vendor, 500_00)
    staff = factories.VendorMemberFactory(
        vendor=commission_vendor, role=VendorMember.Role.STAFF
    ).user

    with pytest.raises(Forbidden) as forbidden:
        withdrawals.request_withdrawal(
            vendor=commission_vendor, actor=staff, amount=100_00
        )

    assert forbidden.value.code == "owner_only"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_withdrawals_of_the_whole_balance_pay_one(
    commission_vendor,
):
    # given 100.00 available
    fund(commission_vendor, 100_00)
    actor = owner(commission_vendor)

    # when 20 owners' requests of 100.00 arrive at once, one connection each
    results = run_concurrently(
        [
            lambda: withdrawals.request_withdrawal(
                vendor=commission_vendor, actor=actor, amount=100_00
            )
            for _ in range(20)
        ]
    )

    # then exactly one succeeds, and the balance is 0.00, not below
    made = [r for r in results if isinstance(r, Withdrawal)]
    refused = [r for r in results if not isinstance(r, Withdrawal)]
    assert len(made) == 1
    assert {type(r) for r in refused} == {InsufficientFunds}
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == 0
    assert Withdrawal.objects.count() == 1


def test_vendor_api_balance_schedule_and_withdrawals(
    client_for, paid_order, commission_vendor
):
    order = paid_order((sellable(vendor=commission_vendor, price=30000), 1))
    vendor_order = complete(order.vendor_orders.get())
    fund(commission_vendor, 200_00)
    api = client_for(owner(commission_vendor))

    balance = api.get(reverse("vendor-balance")).json()
    schedule = api.get(reverse("vendor-payouts-schedule")).json()
    created = api.post(
        reverse("vendor-withdrawals"), {"amount": 150_00, "key": "k1"}, format="json"
    )
    again = api.post(
        reverse("vendor-withdrawals"), {"amount": 150_00, "key": "k1"}, format="json"
    )
    listed = api.get(reverse("vendor-withdrawals")).json()
    detail = api.get(
        reverse("vendor-withdrawal", kwargs={"withdrawal_id": created.json()["id"]})
    )
    too_much = api.post(reverse("vendor-withdrawals"), {"amount": 100_00})

    assert balance["available"] == 200_00
    assert balance["pending"] == vendor_order.settlement.vendor_amount
    assert [row["vendor_order_id"] for row in schedule] == [vendor_order.pk]
    assert schedule[0]["amount"] == vendor_order.settlement.vendor_amount
    assert (created.status_code, again.json()["id"]) == (201, created.json()["id"])
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    assert detail.json()["events"][0]["to_status"] == "pending"
    assert too_much.status_code == 409
    assert api.get(reverse("vendor-balance")).json()["in_withdrawal"] == 150_00


def test_ops_withdrawal_queue_is_finance_only(client_for, commission_vendor):
    change_rules(actor=None, changes={"withdrawal_approval_threshold": 100_00})
    fund(commission_vendor, 500_00)
    big = withdrawals.request_withdrawal(
        vendor=commission_vendor, actor=owner(commission_vendor), amount=200_00
    )
    finance = client_for(factories.UserFactory(operator_role=User.OperatorRole.FINANCE))
    support = client_for(factories.UserFactory(operator_role=User.OperatorRole.SUPPORT))
    approve = reverse("ops-withdrawal-approve", kwargs={"withdrawal_id": big.pk})

    queue = finance.get(reverse("ops-withdrawals")).json()
    refused = support.post(approve, {}, format="json")
    no_reason = finance.post(
        reverse("ops-withdrawal-reject", kwargs={"withdrawal_id": big.pk}), {}
    )
    approved = finance.post(approve, {}, format="json")

    assert [row["id"] for row in queue] == [big.pk]
    assert refused.status_code == 403
    assert no_reason.status_code == 400
    assert approved.json()["status"] == "pending"


def test_payee_refs_helper_is_stable(earned):
    provider = get_provider()
    first = payee_refs(vendors=[earned], provider=provider)
    assert payee_refs(vendors=[earned], provider=provider) == first
