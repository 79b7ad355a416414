"""Faults at the port: each ends with exactly one effect at the fake WeChat Pay.

A timeout after WeChat Pay committed (the answer is lost), a 5xx and a 429 strike
the acting request of each mutating call; the caller repeats with the same key, as
the outbox does, and the fake counts what it did.
"""

import pytest

from marketplace.payments.port import (
    Allocation,
    OperationStatus,
    Outcome,
    PayoutRequest,
    RefundRequest,
    SettlementRequest,
)
from tests.payments.contract.harness import Fault
from tests.payments.wechatpay.conftest import payment_request

pytestmark = pytest.mark.django_db


def _create_payment(provider, wechat, payees):
    return (
        lambda: provider.create_payment(payment_request(payees), idempotency_key="p1"),
        lambda: len(wechat.combines),
    )


def _paid(provider, wechat, payees):
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="pay-1"
    ).payment_id
    wechat.pay(payment_id)
    return payment_id


def _settlement(provider, payment_id, payee, key="settle-1"):
    return provider.settle(
        SettlementRequest(
            payment_id=payment_id,
            payee_ref=payee,
            amount=18_000,
            commission=2_000,
            currency="CNY",
        ),
        idempotency_key=key,
    )


def _refund(provider, wechat, payees):
    payment_id = _paid(provider, wechat, payees)
    request = RefundRequest(
        payment_id=payment_id,
        amount=500,
        currency="CNY",
        allocations=(Allocation(payees[0], 500),),
    )
    return (
        lambda: provider.refund(request, idempotency_key="refund-1"),
        lambda: len(wechat.refunds),
    )


def _settle(provider, wechat, payees):
    payment_id = _paid(provider, wechat, payees)
    return (
        lambda: _settlement(provider, payment_id, payees[0]),
        lambda: len(wechat.sharings),
    )


def _reverse(provider, wechat, payees):
    payment_id = _paid(provider, wechat, payees)
    settlement_id = _settlement(provider, payment_id, payees[0]).settlement_id
    return (
        lambda: provider.reverse_settlement(
            settlement_id, amount=2_000, idempotency_key="return-1"
        ),
        lambda: len(wechat.returns),
    )


def _payout(provider, wechat, payees):
    _settlement(provider, _paid(provider, wechat, payees), payees[0])
    request = PayoutRequest(payee_ref=payees[0], amount=18_000, currency="CNY")
    return (
        lambda: provider.payout(request, idempotency_key="withdrawal-1"),
        lambda: len(wechat.withdrawals),
    )


OPERATIONS = {
    "create_payment": _create_payment,
    "refund": _refund,
    "settle": _settle,
    "reverse_settlement": _reverse,
    "payout": _payout,
}
FIRST_ANSWER = {
    Fault.TIMEOUT_AFTER_COMMIT: (Outcome.UNKNOWN, "timeout", 1),
    Fault.SERVER_ERROR: (Outcome.UNKNOWN, "server_error", 0),
    Fault.RATE_LIMITED: (Outcome.FAILED, "rate_limited", 0),
}


@pytest.mark.parametrize("fault", list(FIRST_ANSWER))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_call_meeting_a_fault_acts_once_when_repeated_with_its_key(
    provider, wechat, payees, operation, fault
):
    call, effects = OPERATIONS[operation](provider, wechat, payees)
    wechat.arm(fault, operation=operation)

    first = call()
    done_after_first = effects()
    second = call()
    third = call()

    outcome, code, acted = FIRST_ANSWER[fault]
    assert (first.outcome, first.failure_code, first.retryable) == (outcome, code, True)
    assert done_after_first == acted
    assert second.outcome is Outcome.SUCCEEDED
    assert third == second
    assert effects() == 1


def test_profit_sharing_held_in_processing_is_pending_then_resolved_by_a_query(
    provider, wechat, payees
):
    payment_id = _paid(provider, wechat, payees)
    wechat.hold_sharing = True

    pending = _settlement(provider, payment_id, payees[0])
    wechat.release_sharing()
    done = _settlement(provider, payment_id, payees[0])

    assert (pending.outcome, pending.status) == (
        Outcome.PENDING,
        OperationStatus.PENDING,
    )
    assert (done.outcome, done.status) == (Outcome.SUCCEEDED, OperationStatus.SUCCEEDED)
    assert done.settlement_id == pending.settlement_id
    assert wechat.requests.count(("POST", "/v3/ecommerce/profitsharing/orders")) == 1
    assert len(wechat.sharings) == 1
    assert wechat.platform_available == 2_000


def test_a_refused_return_moves_nothing_and_the_same_key_works_later(
    provider, wechat, payees
):
    payment_id = _paid(provider, wechat, payees)
    settlement_id = _settlement(provider, payment_id, payees[0]).settlement_id
    wechat.refuse_returns = 1

    refused = provider.reverse_settlement(
        settlement_id, amount=2_000, idempotency_key="return-1"
    )
    later = provider.reverse_settlement(
        settlement_id, amount=2_000, idempotency_key="return-1"
    )

    assert (refused.outcome, refused.failure_code, refused.retryable) == (
        Outcome.FAILED,
        "balance_insufficient",
        False,
    )
    assert later.status is OperationStatus.REVERSED
    assert len(wechat.returns) == 1


def test_a_query_meeting_a_5xx_raises_unavailable(provider, wechat, payees):
    from marketplace.payments.port import ProviderUnavailable

    payment_id = _paid(provider, wechat, payees)
    wechat.arm(Fault.SERVER_ERROR, operation="get_payment")

    with pytest.raises(ProviderUnavailable):
        provider.get_payment(payment_id)
    assert provider.get_payment(payment_id).amount_captured == 30_250
