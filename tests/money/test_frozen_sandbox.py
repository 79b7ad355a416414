"""The sandbox in the frozen funds flow (WeChat Pay 平台收付通-like), through the port.

Each payee's part is frozen in its own account; a settlement shares the commission
to the platform and unfreezes the rest; a refund of a shared part needs the
profit-sharing return first; payouts pay the payee's available balance.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.payments.port import (
    Allocation,
    FundsFlow,
    Outcome,
    PayoutRequest,
    RefundRequest,
    SettlementRequest,
    TransactionType,
)
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.engine import platform_account
from tests.payments.conftest import open_payee, payment_request

pytestmark = [pytest.mark.django_db, pytest.mark.money]
PLATFORM = "acct_platform_cny"


@pytest.fixture
def provider(settings):
    settings.SANDBOX_FUNDS_FLOW = FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT.value
    return get_provider("sandbox")


@pytest.fixture
def payees(provider):
    return open_payee(provider, "tea-house"), open_payee(provider, "pottery")


@pytest.fixture
def paid(provider, payees):
    """A payment of ¥302.50: ¥200.00 frozen for the first payee, ¥102.50 for the
    second."""
    result = provider.create_payment(payment_request(payees), idempotency_key="pay-1")
    control.pay(result.payment_id)
    return result.payment_id


def balance(provider, payee) -> tuple[int, int]:
    """Return the payee's (frozen, available)."""
    found = provider.get_vendor_balance(payee)
    return found.pending, found.available


def settle(provider, payment_id, payee, amount, commission, key="settle-1"):
    return provider.settle(
        SettlementRequest(payment_id, payee, amount, commission, "CNY"),
        idempotency_key=key,
    )


def refund(provider, payment_id, payee, amount, key="refund-1"):
    return provider.refund(
        RefundRequest(payment_id, amount, "CNY", (Allocation(payee, amount),)),
        idempotency_key=key,
    )


def test_the_capability_follows_the_setting(provider, settings):
    assert provider.capabilities.funds_flow is FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT
    settings.SANDBOX_FUNDS_FLOW = "charges_on_platform_then_transfers"
    default = get_provider("sandbox").capabilities.funds_flow
    assert default is FundsFlow.CHARGES_ON_PLATFORM_THEN_TRANSFERS


def test_a_paid_payment_freezes_each_part_in_its_payees_account(provider, payees, paid):
    assert balance(provider, payees[0]) == (20000, 0)
    assert balance(provider, payees[1]) == (10250, 0)
    info = provider.get_payment(paid)
    assert info.fee == 182


def test_settle_shares_the_commission_and_unfreezes_the_rest(provider, payees, paid):
    result = settle(provider, paid, payees[0], 18000, 2000)

    assert result.outcome is Outcome.SUCCEEDED
    assert balance(provider, payees[0]) == (0, 18000)
    assert provider.get_payment(paid).splits[0].settled == 20000


def test_a_refund_before_settlement_comes_out_of_the_frozen_part(
    provider, payees, paid
):
    result = refund(provider, paid, payees[1], 10250)

    assert result.outcome is Outcome.SUCCEEDED
    assert balance(provider, payees[1]) == (0, 0)


def test_a_refund_of_a_shared_part_needs_the_return_first(provider, payees, paid):
    settlement = settle(provider, paid, payees[0], 18000, 2000)

    refused = refund(provider, paid, payees[0], 20000, key="too-early")
    returned = provider.reverse_settlement(
        settlement.settlement_id, amount=2000, idempotency_key="return-1"
    )
    done = refund(provider, paid, payees[0], 20000, key="after-return")

    assert refused.outcome is Outcome.FAILED
    assert refused.failure_code == "settlement_not_returned"
    assert returned.outcome is Outcome.SUCCEEDED
    assert done.outcome is Outcome.SUCCEEDED
    assert balance(provider, payees[0]) == (0, 0)
    split = provider.get_payment(paid).splits[0]
    assert (split.refunded, split.settled) == (20000, 0)


def test_a_refund_of_an_unfrozen_part_the_payee_paid_out_fails(provider, payees, paid):
    settle(provider, paid, payees[0], 18000, 2000)
    control.complete_onboarding(payees[0])
    provider.payout(PayoutRequest(payees[0], 18000, "CNY"), idempotency_key="po-1")

    refused = refund(provider, paid, payees[0], 9000)

    assert refused.outcome is Outcome.FAILED
    assert refused.failure_code == "balance_insufficient"


def test_a_paid_out_part_is_advanced_by_the_platform_in_the_refund(
    provider, payees, paid
):
    settlement = settle(provider, paid, payees[0], 18000, 2000)
    provider.payout(PayoutRequest(payees[0], 18000, "CNY"), idempotency_key="po-1")
    cash = platform_account("CNY").available

    beyond = provider.reverse_settlement(
        settlement.settlement_id, amount=20000, idempotency_key="return-all"
    )
    provider.reverse_settlement(
        settlement.settlement_id, amount=2000, idempotency_key="return-commission"
    )
    done = provider.refund(
        RefundRequest(
            paid, 20000, "CNY", (Allocation(payees[0], 20000, advance=18000),)
        ),
        idempotency_key="refund-advanced",
    )

    assert beyond.outcome is Outcome.FAILED
    assert beyond.failure_code == "amount_too_large"
    assert done.outcome is Outcome.SUCCEEDED
    assert balance(provider, payees[0]) == (0, 0)
    assert platform_account("CNY").available == cash - 2000 - 18000
    assert provider.get_payment(paid).splits[0].settled == 0


def test_payouts_pay_only_the_available_balance(provider, payees, paid):
    frozen_only = provider.payout(
        PayoutRequest(payees[0], 1, "CNY"), idempotency_key="po-early"
    )
    settle(provider, paid, payees[0], 18000, 2000)
    paid_out = provider.payout(
        PayoutRequest(payees[0], 18000, "CNY"), idempotency_key="po-1"
    )

    assert frozen_only.outcome is Outcome.FAILED
    assert frozen_only.failure_code == "balance_insufficient"
    assert paid_out.outcome is Outcome.SUCCEEDED
    assert balance(provider, payees[0]) == (0, 0)


def test_list_transactions_shows_the_frozen_flow(provider, payees, paid):
    settlement = settle(provider, paid, payees[0], 18000, 2000)
    provider.reverse_settlement(
        settlement.settlement_id, amount=500, idempotency_key="return-1"
    )
    refund(provider, paid, payees[0], 500)
    since = timezone.now() - timedelta(hours=1)
    until = timezone.now() + timedelta(hours=1)

    platform = provider.list_transactions(since=since, until=until)
    payee = provider.list_transactions(since=since, until=until, payee_ref=payees[0])

    # the platform's view is the bill of its payments, as WeChat Pay's: the
    # payment at its full amount, what the settlement unfroze, the return
    assert [(t.type, t.amount, t.fee) for t in platform] == [
        (TransactionType.PAYMENT, 30250, 182),
        (TransactionType.SETTLEMENT, -18000, 0),
        (TransactionType.SETTLEMENT_REVERSAL, -500, 0),
        (TransactionType.REFUND, -500, 0),
    ]
    assert platform[1].source_id == settlement.settlement_id
    assert [(t.type, t.amount) for t in payee] == [
        (TransactionType.PAYMENT, 20000),
        (TransactionType.SETTLEMENT, -2000),
        (TransactionType.SETTLEMENT_REVERSAL, 500),
        (TransactionType.REFUND, -500),
    ]
    assert sum(t.net for t in payee) == sum(balance(provider, payees[0]))


def test_the_platform_lists_a_refund_once_at_its_full_amount(provider, payees, paid):
    # given the first payee paid out, then a refund of both parts: the platform
    # advances the first payee's part (垫付退款), the second comes from its frozen part
    cash = platform_account("CNY").available
    settle(provider, paid, payees[0], 18000, 2000)
    provider.payout(PayoutRequest(payees[0], 18000, "CNY"), idempotency_key="po-1")
    refunded = provider.refund(
        RefundRequest(
            paid,
            1250,
            "CNY",
            (Allocation(payees[0], 1000, advance=1000), Allocation(payees[1], 250)),
        ),
        idempotency_key="refund-2",
    )
    window = {
        "since": timezone.now() - timedelta(hours=1),
        "until": timezone.now() + timedelta(hours=1),
    }

    platform = provider.list_transactions(**window)
    second = provider.list_transactions(**window, payee_ref=payees[1])

    assert refunded.outcome is Outcome.SUCCEEDED
    assert [(t.type, t.amount, t.source_id) for t in platform] == [
        (TransactionType.PAYMENT, 30250, paid),
        (TransactionType.SETTLEMENT, -18000, platform[1].source_id),
        (TransactionType.REFUND, -1250, refunded.refund_id),
    ]
    assert [(t.type, t.amount) for t in second] == [
        (TransactionType.PAYMENT, 10250),
        (TransactionType.REFUND, -250),
    ]
    assert platform_account("CNY").available == cash + 2000 - 1000
