"""The port's contract, run against the sandbox adapter."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from marketplace.payments.port import (
    Allocation,
    FundsFlow,
    OperationStatus,
    Outcome,
    PaymentStatus,
    PayoutRequest,
    ProviderObjectNotFound,
    RefundRequest,
    SettlementRequest,
    SplitInfo,
    TransactionType,
)
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxEvent, SandboxRefund
from tests.payments.conftest import open_payee, payment_request

pytestmark = pytest.mark.django_db


def settle(provider, payment_id, payee, amount, commission, key):
    return provider.settle(
        SettlementRequest(
            payment_id=payment_id,
            payee_ref=payee,
            amount=amount,
            commission=commission,
            currency="CNY",
        ),
        idempotency_key=key,
    )


def refund(provider, payment_id, allocations, key):
    return provider.refund(
        RefundRequest(
            payment_id=payment_id,
            amount=sum(amount for _, amount in allocations),
            currency="CNY",
            allocations=tuple(Allocation(p, a) for p, a in allocations),
        ),
        idempotency_key=key,
    )


def test_get_provider_returns_the_sandbox_by_default(settings):
    settings.PAYMENT_PROVIDER = "sandbox"

    provider = get_provider()

    assert provider.name == "sandbox"
    assert provider.capabilities.funds_flow is (
        FundsFlow.CHARGES_ON_PLATFORM_THEN_TRANSFERS
    )
    assert provider.capabilities.has_capture_step is False
    assert provider.capabilities.test_mode is True


def test_get_provider_refuses_a_name_it_does_not_know():
    with pytest.raises(ImproperlyConfigured):
        get_provider("paypal")


def test_create_payment_returns_the_hosted_page_and_waits_for_the_shopper(
    provider, payees
):
    result = provider.create_payment(payment_request(payees), idempotency_key="k1")

    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is PaymentStatus.REQUIRES_PAYMENT
    assert result.payment_id.startswith("pay_")
    assert result.next_action.kind == "redirect"
    assert result.next_action.url == f"/sandbox/pay/{result.payment_id}/"
    assert provider.get_payment(result.payment_id).outcome is Outcome.PENDING


def test_paid_payment_is_succeeded_with_the_fee_rounded_half_up(
    provider, payees, paid_payment
):
    info = provider.get_payment(paid_payment)

    assert info.status is PaymentStatus.SUCCEEDED
    assert info.outcome is Outcome.SUCCEEDED
    assert info.merchant_reference == "ORD-1"
    assert (info.amount, info.amount_captured, info.amount_refunded) == (
        30250,
        30250,
        0,
    )
    assert info.fee == 182  # 0.6 % of 302.50 is 1.815
    assert info.splits == (
        SplitInfo(payees[0], "ORD-1-0", 20000, refunded=0, settled=0),
        SplitInfo(payees[1], "ORD-1-1", 10250, refunded=0, settled=0),
    )


def test_declined_payment_is_failed(provider, payees):
    result = provider.create_payment(payment_request(payees), idempotency_key="k1")

    control.decline(result.payment_id)

    info = provider.get_payment(result.payment_id)
    assert info.status is PaymentStatus.FAILED
    assert info.outcome is Outcome.FAILED
    assert info.amount_captured == 0


@pytest.mark.parametrize(
    ("challenge", "final"),
    [
        (control.complete_3ds, PaymentStatus.SUCCEEDED),
        (control.fail_3ds, PaymentStatus.FAILED),
    ],
)
def test_3ds_payment_requires_action_then_ends_as_the_challenge_ends(
    provider, payees, challenge, final
):
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id

    control.start_3ds(payment_id)
    waiting = provider.get_payment(payment_id)
    challenge(payment_id)

    assert waiting.status is PaymentStatus.REQUIRES_ACTION
    assert waiting.outcome is Outcome.PENDING
    assert provider.get_payment(payment_id).status is final


def test_each_payment_state_change_writes_one_event(provider, payees):
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id

    control.start_3ds(payment_id)
    control.complete_3ds(payment_id)
    control.complete_3ds(payment_id)  # the shopper clicks twice

    events = SandboxEvent.objects.filter(type__startswith="payment.").order_by("id")
    assert list(events.values_list("type", flat=True)) == [
        "payment.requires_action",
        "payment.succeeded",
    ]


def test_capture_is_a_no_op_success_without_a_capture_step(provider, paid_payment):
    result = provider.capture(paid_payment, idempotency_key="cap-1")

    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is PaymentStatus.SUCCEEDED


def test_cancel_ends_an_unpaid_payment(provider, payees):
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id

    result = provider.cancel(payment_id, idempotency_key="cancel-1")

    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is PaymentStatus.CANCELED
    assert provider.get_payment(payment_id).outcome is Outcome.FAILED


def test_cancel_of_a_paid_payment_fails_and_changes_nothing(provider, paid_payment):
    result = provider.cancel(paid_payment, idempotency_key="cancel-1")

    assert result.outcome is Outcome.FAILED
    assert result.failure_code == "payment_unexpected_state"
    assert provider.get_payment(paid_payment).status is PaymentStatus.SUCCEEDED


def test_get_payment_of_an_unknown_id_raises_not_found(provider, db):
    with pytest.raises(ProviderObjectNotFound):
        provider.get_payment("pay_nope")


def test_refund_takes_each_allocation_from_its_payee(provider, payees, paid_payment):
    result = refund(provider, paid_payment, [(payees[0], 5000), (payees[1], 250)], "r1")

    info = provider.get_payment(paid_payment)
    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is OperationStatus.SUCCEEDED
    assert result.refund_id.startswith("re_")
    assert info.amount_refunded == 5250
    assert [(s.refunded, s.settled) for s in info.splits] == [(5000, 0), (250, 0)]
    assert info.fee == 182  # the fee is not returned


def test_refund_above_a_payees_part_fails_and_changes_nothing(
    provider, payees, paid_payment
):
    result = refund(provider, paid_payment, [(payees[1], 10251)], "r1")

    assert result.outcome is Outcome.FAILED
    assert result.failure_code == "amount_too_large"
    assert provider.get_payment(paid_payment).amount_refunded == 0
    assert SandboxRefund.objects.count() == 0


def test_refund_of_a_payee_not_in_the_payment_fails(provider, payees, paid_payment):
    stranger = open_payee(provider, "stranger")

    result = refund(provider, paid_payment, [(stranger, 100)], "r1")

    assert result.outcome is Outcome.FAILED
    assert result.failure_code == "payee_not_in_payment"


def test_settle_transfers_the_payees_share_and_keeps_the_commission(
    provider, payees, paid_payment
):
    result = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")

    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is OperationStatus.SUCCEEDED
    assert result.settlement_id.startswith("tr_")
    assert provider.get_vendor_balance(payees[0]).available == 18000
    assert provider.get_payment(paid_payment).splits[0].settled == 20000


def test_settle_more_than_is_left_after_a_refund_fails(provider, payees, paid_payment):
    refund(provider, paid_payment, [(payees[0], 1000)], "r1")

    result = settle(provider, paid_payment, payees[0], 18000, 1001, "s1")

    assert result.outcome is Outcome.FAILED
    assert result.failure_code == "amount_too_large"
    assert provider.get_vendor_balance(payees[0]).available == 0


def test_settle_before_the_payment_succeeded_fails(provider, payees):
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id

    result = settle(provider, payment_id, payees[0], 100, 0, "s1")

    assert result.outcome is Outcome.FAILED
    assert result.failure_code == "payment_unexpected_state"


def test_reverse_settlement_pulls_the_share_back(provider, payees, paid_payment):
    settlement = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")

    result = provider.reverse_settlement(
        settlement.settlement_id, amount=18000, idempotency_key="rev-1"
    )

    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is OperationStatus.REVERSED
    assert provider.get_vendor_balance(payees[0]).available == 0
    assert provider.get_payment(paid_payment).splits[0].settled == 2000


def test_reverse_settlement_after_a_payout_fails_for_want_of_balance(
    provider, payees, paid_payment
):
    settlement = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")
    provider.payout(PayoutRequest(payees[0], 18000, "CNY"), idempotency_key="po-1")

    result = provider.reverse_settlement(
        settlement.settlement_id, amount=5000, idempotency_key="rev-1"
    )

    assert result.outcome is Outcome.FAILED
    assert result.failure_code == "balance_insufficient"


def test_payout_pays_the_available_balance(provider, payees, paid_payment):
    settle(provider, paid_payment, payees[0], 18000, 2000, "s1")

    result = provider.payout(
        PayoutRequest(payees[0], 15000, "CNY"), idempotency_key="po-1"
    )

    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is OperationStatus.SUCCEEDED
    assert provider.get_vendor_balance(payees[0]).available == 3000


def test_payout_that_the_bank_rejects_fails_and_returns_the_money(
    provider, payees, paid_payment
):
    settle(provider, paid_payment, payees[0], 18000, 2000, "s1")
    control.inject_fault("fail_payout")

    result = provider.payout(
        PayoutRequest(payees[0], 15000, "CNY"), idempotency_key="po-1"
    )

    assert result.outcome is Outcome.FAILED
    assert result.status is OperationStatus.FAILED
    assert result.failure_code == "account_closed"
    assert provider.get_vendor_balance(payees[0]).available == 18000


def test_payout_before_onboarding_fails(provider, db):
    payee = open_payee(provider, "newcomer", onboard=False)

    result = provider.payout(PayoutRequest(payee, 100, "CNY"), idempotency_key="po-1")

    assert provider.get_vendor_account(payee).payouts_enabled is False
    assert result.outcome is Outcome.FAILED
    assert result.failure_code == "payouts_not_enabled"


def test_list_transactions_shows_every_movement_on_the_platform(
    provider, payees, paid_payment
):
    since = timezone.now() - timedelta(minutes=1)
    refund(provider, paid_payment, [(payees[1], 250)], "r1")
    settlement = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")
    provider.reverse_settlement(
        settlement.settlement_id, amount=500, idempotency_key="rev-1"
    )

    rows = provider.list_transactions(
        since=since, until=timezone.now() + timedelta(minutes=1)
    )

    assert [(t.type, t.amount, t.fee, t.net, t.reference) for t in rows] == [
        (TransactionType.PAYMENT, 30250, 182, 30068, "ORD-1"),
        (TransactionType.REFUND, -250, 0, -250, "ORD-1"),
        (TransactionType.SETTLEMENT, -18000, 0, -18000, "ORD-1"),
        (TransactionType.SETTLEMENT_REVERSAL, 500, 0, 500, "ORD-1"),
    ]
    assert rows[0].source_id == paid_payment
    assert rows[2].source_id == settlement.settlement_id


def test_list_transactions_of_a_payee_shows_its_own_movements(
    provider, payees, paid_payment
):
    since = timezone.now() - timedelta(minutes=1)
    settle(provider, paid_payment, payees[0], 18000, 2000, "s1")
    provider.payout(PayoutRequest(payees[0], 18000, "CNY"), idempotency_key="po-1")

    rows = provider.list_transactions(
        since=since, until=timezone.now() + timedelta(minutes=1), payee_ref=payees[0]
    )

    assert [(t.type, t.amount) for t in rows] == [
        (TransactionType.SETTLEMENT, 18000),
        (TransactionType.PAYOUT, -18000),
    ]


def test_a_dropped_transaction_is_missing_from_the_listing(
    provider, payees, paid_payment
):
    since, until = timezone.now() - timedelta(minutes=1), timezone.now()
    refund(provider, paid_payment, [(payees[1], 250)], "r1")
    window = {"since": since, "until": until + timedelta(minutes=1)}
    dropped = provider.list_transactions(**window)[1]

    control.drop_transaction(dropped.transaction_id)

    assert [t.type for t in provider.list_transactions(**window)] == [
        TransactionType.PAYMENT
    ]
