"""The Stripe Connect adapter against the fake Stripe API, call by call."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.payments.port import (
    Allocation,
    FundsFlow,
    OperationStatus,
    Outcome,
    PaymentStatus,
    PayoutRequest,
    ProviderIdempotencyError,
    ProviderObjectNotFound,
    ProviderUnavailable,
    RefundRequest,
    SettlementRequest,
    SplitInfo,
    TransactionType,
)
from tests.fakes.stripe.harness import API_KEY
from tests.payments.stripe.conftest import open_account, payment_request

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


def objects(fake, kind):
    return [o for o in fake.server.objects.values() if o["object"] == kind]


def posts(fake, path):
    return [entry for entry in fake.server.log if entry[:2] == ("POST", path)]


def test_the_adapter_is_separate_charges_and_transfers_in_test_mode(provider):
    assert provider.name == "stripe_connect"
    assert provider.capabilities.funds_flow is (
        FundsFlow.CHARGES_ON_PLATFORM_THEN_TRANSFERS
    )
    assert provider.capabilities.has_capture_step is False
    assert provider.capabilities.test_mode is True


def test_create_payment_opens_a_checkout_session_for_the_whole_order(
    provider, payees, stripe_fake
):
    result = provider.create_payment(payment_request(payees), idempotency_key="k1")

    session = stripe_fake.server.objects[result.payment_id]
    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is PaymentStatus.REQUIRES_PAYMENT
    assert result.payment_id.startswith("cs_test_")
    assert result.next_action.url == session["url"]
    assert result.next_action.url.startswith("https://checkout.stripe.com/")
    assert (session["amount_total"], session["currency"]) == (30250, "cny")
    assert session["client_reference_id"] == "ORD-1"
    assert session["success_url"] == "http://127.0.0.1:8000/orders/ORD-1/"
    assert stripe_fake.server.saved[("", "k1")][1] == 200  # sent as Idempotency-Key


def test_a_paid_session_is_one_payment_intent_in_the_orders_transfer_group(
    provider, payees, paid_payment, stripe_fake
):
    info = provider.get_payment(paid_payment)

    (intent,) = objects(stripe_fake, "payment_intent")
    assert intent["transfer_group"] == "ORD-1"
    assert info.status is PaymentStatus.SUCCEEDED
    assert (info.amount, info.amount_captured, info.currency) == (30250, 30250, "CNY")
    assert info.fee == 907  # the charge's balance transaction: 2.9 % + 30, half up
    assert info.splits == (
        SplitInfo(payees[0], "ORD-1-0", 20000, refunded=0, settled=0),
        SplitInfo(payees[1], "ORD-1-1", 10250, refunded=0, settled=0),
    )
    assert provider.get_payment(intent["id"]).payment_id == paid_payment


def test_same_key_replays_and_other_params_are_an_idempotency_error(
    provider, payees, stripe_fake
):
    first = provider.create_payment(payment_request(payees), idempotency_key="k1")

    again = provider.create_payment(payment_request(payees), idempotency_key="k1")
    with pytest.raises(ProviderIdempotencyError):
        provider.create_payment(
            payment_request(payees, amounts=(20_000, 10_251)), idempotency_key="k1"
        )

    assert again == first
    assert len(objects(stripe_fake, "checkout.session")) == 1


def test_a_declined_card_is_a_failed_payment_the_shopper_may_retry(
    provider, payees, stripe_fake
):
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id

    stripe_fake.complete_payment(payment_id, outcome="failed")
    failed = provider.get_payment(payment_id)
    stripe_fake.complete_payment(payment_id)

    assert failed.status is PaymentStatus.FAILED
    assert provider.get_payment(payment_id).status is PaymentStatus.SUCCEEDED


def test_cancel_expires_an_open_session(provider, payees):
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id

    result = provider.cancel(payment_id, idempotency_key="cancel-1")

    assert (result.outcome, result.status) == (Outcome.SUCCEEDED, "canceled")
    assert provider.get_payment(payment_id).outcome is Outcome.FAILED


def test_refund_records_each_payees_part(provider, payees, paid_payment, stripe_fake):
    result = refund(provider, paid_payment, [(payees[0], 5000), (payees[1], 250)], "r1")

    info = provider.get_payment(paid_payment)
    (stripe_refund,) = objects(stripe_fake, "refund")
    assert (result.outcome, result.status) == (Outcome.SUCCEEDED, "succeeded")
    assert result.refund_id == stripe_refund["id"]
    assert stripe_refund["amount"] == 5250
    assert info.amount_refunded == 5250
    assert [s.refunded for s in info.splits] == [5000, 250]


@pytest.mark.parametrize(
    ("allocation", "code"),
    [((1, 10251), "amount_too_large"), ((2, 100), "payee_not_in_payment")],
)
def test_a_refund_beyond_a_payees_part_is_refused_before_stripe(
    provider, payees, paid_payment, stripe_fake, allocation, code
):
    payee = {1: payees[1], 2: "acct_stranger"}[allocation[0]]

    result = refund(provider, paid_payment, [(payee, allocation[1])], "r1")

    assert (result.outcome, result.failure_code) == (Outcome.FAILED, code)
    assert posts(stripe_fake, "/v1/refunds") == []


def test_settle_transfers_from_the_charge_and_keeps_the_commission(
    provider, payees, paid_payment, stripe_fake
):
    result = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")

    (transfer,) = objects(stripe_fake, "transfer")
    (charge,) = objects(stripe_fake, "charge")
    assert (result.outcome, result.settlement_id) == (Outcome.SUCCEEDED, transfer["id"])
    assert transfer["source_transaction"] == charge["id"]
    assert (transfer["destination"], transfer["amount"]) == (payees[0], 18000)
    assert transfer["transfer_group"] == "ORD-1"
    assert provider.get_vendor_balance(payees[0]).available == 18000
    assert provider.get_payment(paid_payment).splits[0].settled == 20000


def test_settling_more_than_is_left_is_refused_before_stripe(
    provider, payees, paid_payment, stripe_fake
):
    refund(provider, paid_payment, [(payees[0], 1000)], "r1")

    result = settle(provider, paid_payment, payees[0], 18000, 1001, "s1")

    assert (result.outcome, result.failure_code) == (Outcome.FAILED, "amount_too_large")
    assert objects(stripe_fake, "transfer") == []


def test_a_transfer_to_an_account_not_onboarded_waits(provider, payees, stripe_fake):
    newcomer = open_account(provider, stripe_fake, "newcomer", onboard=False)
    request = payment_request((payees[0], newcomer))
    payment_id = provider.create_payment(request, idempotency_key="k1").payment_id
    stripe_fake.complete_payment(payment_id)

    result = settle(provider, payment_id, newcomer, 10000, 250, "s1")

    assert provider.get_vendor_account(newcomer).payouts_enabled is False
    assert (result.outcome, result.retryable) == (Outcome.FAILED, True)
    assert result.failure_code == "payee_not_ready"
    assert posts(stripe_fake, "/v1/transfers") == []  # the key is not spent


def test_reversal_pulls_the_transfer_back(provider, payees, paid_payment):
    settlement = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")

    partial = provider.reverse_settlement(
        settlement.settlement_id, amount=500, idempotency_key="rev-1"
    )
    full = provider.reverse_settlement(
        settlement.settlement_id, amount=17500, idempotency_key="rev-2"
    )

    assert partial.status is OperationStatus.SUCCEEDED
    assert full.status is OperationStatus.REVERSED
    assert provider.get_vendor_balance(payees[0]).available == 0
    assert provider.get_payment(paid_payment).splits[0].settled == 2000


def test_reversal_after_a_payout_is_refused_for_want_of_balance(
    provider, payees, paid_payment
):
    settlement = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")
    provider.payout(PayoutRequest(payees[0], 18000, "CNY"), idempotency_key="po-1")

    result = provider.reverse_settlement(
        settlement.settlement_id, amount=5000, idempotency_key="rev-1"
    )

    assert (result.outcome, result.retryable) == (Outcome.FAILED, False)
    assert result.failure_code == "balance_insufficient"


def test_a_payout_is_a_manual_payout_on_the_connected_account(
    provider, payees, paid_payment, stripe_fake
):
    settle(provider, paid_payment, payees[0], 18000, 2000, "s1")

    result = provider.payout(
        PayoutRequest(payees[0], 15000, "CNY"), idempotency_key="po-1"
    )

    assert (result.outcome, result.status) == (Outcome.SUCCEEDED, "pending")
    assert provider.get_vendor_balance(payees[0]).available == 3000
    assert stripe_fake.server.saved[(payees[0], "po-1")][1] == 200
    assert stripe_fake.queued_event_types()[-2:] == ["payout.created", "payout.paid"]


def test_a_payout_before_onboarding_is_refused(provider, stripe_fake):
    newcomer = open_account(provider, stripe_fake, "newcomer", onboard=False)

    result = provider.payout(PayoutRequest(newcomer, 100, "CNY"), idempotency_key="p")

    assert (result.outcome, result.failure_code) == (
        Outcome.FAILED,
        "payouts_not_allowed",
    )


def test_a_new_account_is_an_express_account_with_manual_payouts(provider, stripe_fake):
    account_id = open_account(provider, stripe_fake, "newcomer", onboard=False)

    account = stripe_fake.server.objects[account_id]
    link = provider.onboarding_link(
        account_id, return_url="/dashboard/", refresh_url="/dashboard/"
    )
    assert account["type"] == "express"
    assert account["settings"]["payouts"]["schedule"]["interval"] == "manual"
    assert account["capabilities"] == {"transfers": "inactive"}
    assert link.url.startswith(f"https://connect.stripe.com/setup/e/{account_id}/")
    assert link.expires_at > timezone.now()


def test_list_transactions_names_the_objects_the_marketplace_knows(
    provider, payees, paid_payment
):
    since = timezone.now() - timedelta(minutes=1)
    refunded = refund(provider, paid_payment, [(payees[1], 250)], "r1")
    settlement = settle(provider, paid_payment, payees[0], 18000, 2000, "s1")
    provider.reverse_settlement(
        settlement.settlement_id, amount=500, idempotency_key="rev-1"
    )

    rows = provider.list_transactions(
        since=since, until=timezone.now() + timedelta(minutes=1)
    )

    assert [(t.type, t.amount, t.fee, t.source_id, t.reference) for t in rows] == [
        (TransactionType.PAYMENT, 30250, 907, paid_payment, "ORD-1"),
        (TransactionType.REFUND, -250, 0, refunded.refund_id, "ORD-1"),
        (TransactionType.SETTLEMENT, -18000, 0, settlement.settlement_id, "ORD-1"),
        (
            TransactionType.SETTLEMENT_REVERSAL,
            500,
            0,
            settlement.settlement_id,
            "ORD-1",
        ),
    ]


def test_list_transactions_of_a_connected_account(provider, payees, paid_payment):
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
    provider, paid_payment, stripe_fake
):
    window = {
        "since": timezone.now() - timedelta(minutes=1),
        "until": timezone.now() + timedelta(minutes=1),
    }

    stripe_fake.drop_transaction(source_id=paid_payment)

    assert provider.list_transactions(**window) == []


def test_an_unknown_payment_is_not_found_and_an_unreachable_stripe_unavailable(
    provider, paid_payment, stripe_fake
):
    with pytest.raises(ProviderObjectNotFound):
        provider.get_payment("cs_test_nope")
    stripe_fake.inject_fault("server_error", operation="get_payment")
    with pytest.raises(ProviderUnavailable):
        provider.get_payment(paid_payment)
    assert provider.get_payment(paid_payment).status is PaymentStatus.SUCCEEDED


def test_a_wrong_key_is_a_retryable_failure_that_did_nothing(
    provider, payees, settings, stripe_fake
):
    settings.STRIPE_SECRET_KEY = API_KEY + "_wrong"
    from marketplace.payments.providers import get_provider

    result = get_provider("stripe_connect").create_payment(
        payment_request(payees), idempotency_key="k1"
    )

    assert (result.outcome, result.retryable) == (Outcome.FAILED, True)
    assert result.failure_code == "authentication_error"
    assert objects(stripe_fake, "checkout.session") == []


@pytest.mark.parametrize(
    ("fault", "outcome", "code"),
    [
        ("timeout_after_commit", Outcome.UNKNOWN, "timeout"),
        ("server_error", Outcome.UNKNOWN, "server_error"),
        ("rate_limited", Outcome.FAILED, "rate_limited"),
    ],
)
def test_a_fault_maps_to_the_ports_outcome_and_the_retry_acts_once(
    provider, payees, paid_payment, stripe_fake, fault, outcome, code
):
    stripe_fake.inject_fault(fault, operation="refund")
    request = [(payees[0], 700)]

    first = refund(provider, paid_payment, request, "r1")
    retried = refund(provider, paid_payment, request, "r1")

    assert (first.outcome, first.failure_code, first.retryable) == (
        outcome,
        code,
        True,
    )
    assert retried.outcome is Outcome.SUCCEEDED
    assert stripe_fake.effects().refunds == 1
    assert provider.get_payment(paid_payment).amount_refunded == 700


def test_twenty_concurrent_creates_with_one_key_make_one_session(
    provider, payees, stripe_fake
):
    barrier = threading.Barrier(20)
    results, errors = [], []

    def create():
        try:
            barrier.wait()
            results.append(
                provider.create_payment(payment_request(payees), idempotency_key="k1")
            )
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({r.payment_id for r in results}) == 1
    assert len(objects(stripe_fake, "checkout.session")) == 1
