"""The WeChat Pay adapter at the port, against the stateful fake."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.payments.port import (
    Allocation,
    EventType,
    FundsFlow,
    OperationStatus,
    Outcome,
    PaymentStatus,
    PayoutRequest,
    ProviderIdempotencyError,
    ProviderObjectNotFound,
    RefundRequest,
    SettlementRequest,
    TransactionType,
)
from marketplace.payments.providers import get_provider
from tests.payments.wechatpay.conftest import payment_request

pytestmark = pytest.mark.django_db


def settle(provider, payment_id, payee, amount, commission, key="settle-1"):
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


def refund(provider, payment_id, allocations, key="refund-1"):
    return provider.refund(
        RefundRequest(
            payment_id=payment_id,
            amount=sum(amount for _, amount in allocations),
            currency="CNY",
            allocations=tuple(Allocation(p, a) for p, a in allocations),
        ),
        idempotency_key=key,
    )


def balance(wechat, payee):
    merchant = wechat.merchants[wechat.applyments[payee]["sub_mchid"]]
    return merchant["available"], merchant["frozen"]


def test_get_provider_names_the_frozen_funds_shape(provider):
    assert provider.name == "wechatpay"
    assert provider.capabilities.funds_flow is FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT
    assert provider.capabilities.test_mode is False


def test_create_payment_is_one_combined_order_with_a_profit_sharing_sub_order_per_split(
    provider, wechat, payees
):
    result = provider.create_payment(payment_request(payees), idempotency_key="pay-1")

    assert result.outcome is Outcome.SUCCEEDED
    assert result.status is PaymentStatus.REQUIRES_PAYMENT
    assert result.next_action.kind == "qr_code"
    assert result.next_action.data["code_url"].startswith("weixin://wxpay/")
    sent = wechat.combines[result.payment_id]["params"]
    assert sent["combine_mchid"] == wechat.sp_mchid
    assert [
        (s["sub_mchid"], s["out_trade_no"], s["amount"]["total_amount"])
        for s in sent["sub_orders"]
    ] == [
        (wechat.applyments[payees[0]]["sub_mchid"], "ORD-1-0", 20_000),
        (wechat.applyments[payees[1]]["sub_mchid"], "ORD-1-1", 10_250),
    ]
    assert all(s["settle_info"]["profit_sharing"] for s in sent["sub_orders"])


def test_create_payment_twice_with_one_key_creates_one_order(provider, wechat, payees):
    first = provider.create_payment(payment_request(payees), idempotency_key="pay-1")
    again = provider.create_payment(payment_request(payees), idempotency_key="pay-1")

    assert again.payment_id == first.payment_id
    assert again.next_action == first.next_action
    assert list(wechat.combines) == [first.payment_id]


def test_create_payment_with_a_used_key_and_other_amounts_is_refused(provider, payees):
    provider.create_payment(payment_request(payees), idempotency_key="pay-1")

    with pytest.raises(ProviderIdempotencyError):
        provider.create_payment(
            payment_request(payees, amounts=(1, 2)), idempotency_key="pay-1"
        )


def test_a_long_key_becomes_a_stable_32_character_order_number(provider, payees):
    key = "checkout-" + "x" * 55

    first = provider.create_payment(payment_request(payees), idempotency_key=key)
    again = provider.create_payment(payment_request(payees), idempotency_key=key)

    assert len(first.payment_id) == 32
    assert again.payment_id == first.payment_id


def test_create_payment_for_a_payee_still_in_review_fails_without_calling(
    provider, wechat, payees
):
    from marketplace.payments.port import VendorAccountRequest

    pending = provider.create_vendor_account(
        VendorAccountRequest(display_name="silk", country="CN", currency="CNY"),
        idempotency_key="acct-silk",
    ).account_id

    result = provider.create_payment(
        payment_request((payees[0], pending)), idempotency_key="pay-1"
    )

    assert (result.outcome, result.failure_code) == (
        Outcome.FAILED,
        "payee_not_ready",
    )
    assert wechat.combines == {}


def test_get_payment_reports_the_paid_combined_order(provider, paid_payment, payees):
    info = provider.get_payment(paid_payment)

    assert info.status is PaymentStatus.SUCCEEDED
    assert (info.merchant_reference, info.amount, info.amount_captured) == (
        "ORD-1",
        30_250,
        30_250,
    )
    assert [(s.payee_ref, s.sub_reference, s.amount) for s in info.splits] == [
        (payees[0], "ORD-1-0", 20_000),
        (payees[1], "ORD-1-1", 10_250),
    ]


def test_get_payment_of_an_unknown_number_raises_not_found(provider):
    with pytest.raises(ProviderObjectNotFound):
        provider.get_payment("no-such-payment")


def test_cancel_closes_an_unpaid_combined_order(provider, payees):
    created = provider.create_payment(payment_request(payees), idempotency_key="pay-1")

    result = provider.cancel(created.payment_id, idempotency_key="cancel-1")

    assert result.status is PaymentStatus.CANCELED
    assert provider.get_payment(created.payment_id).status is PaymentStatus.CANCELED


def test_cancel_of_a_paid_order_is_refused(provider, paid_payment):
    result = provider.cancel(paid_payment, idempotency_key="cancel-1")

    assert (result.outcome, result.failure_code) == (Outcome.FAILED, "already_paid")


def test_paying_freezes_each_part_in_its_sub_merchant(provider, paid_payment, payees):
    assert provider.get_vendor_balance(payees[0]).pending == 20_000
    assert provider.get_vendor_balance(payees[0]).available == 0
    assert provider.get_vendor_balance(payees[1]).pending == 10_250


def test_refund_before_settlement_comes_out_of_the_frozen_part(
    provider, wechat, paid_payment, payees
):
    result = refund(provider, paid_payment, [(payees[0], 5_000)])
    again = refund(provider, paid_payment, [(payees[0], 5_000)])

    assert (result.outcome, result.status) == (
        Outcome.SUCCEEDED,
        OperationStatus.SUCCEEDED,
    )
    assert result.refund_id == again.refund_id == "refund-1"
    assert balance(wechat, payees[0]) == (0, 15_000)
    assert len(wechat.refunds) == 1


def test_refund_of_two_parts_is_one_refund_per_sub_order(
    provider, wechat, paid_payment, payees
):
    result = refund(provider, paid_payment, [(payees[0], 100), (payees[1], 250)])

    assert result.status is OperationStatus.SUCCEEDED
    assert sorted(wechat.refunds) == ["refund-1__0", "refund-1__1"]
    assert balance(wechat, payees[1]) == (0, 10_000)


def test_refund_with_a_used_key_and_another_amount_is_refused(
    provider, paid_payment, payees
):
    refund(provider, paid_payment, [(payees[0], 100)])

    with pytest.raises(ProviderIdempotencyError):
        refund(provider, paid_payment, [(payees[0], 200)])


def test_settle_shares_the_commission_and_unfreezes_the_rest(
    provider, wechat, paid_payment, payees
):
    result = settle(provider, paid_payment, payees[0], 18_000, 2_000)
    again = settle(provider, paid_payment, payees[0], 18_000, 2_000)

    assert (result.outcome, result.status) == (
        Outcome.SUCCEEDED,
        OperationStatus.SUCCEEDED,
    )
    assert again.settlement_id == result.settlement_id
    assert balance(wechat, payees[0]) == (18_000, 0)
    assert wechat.platform_available == 2_000
    assert len(wechat.sharings) == 1
    order = next(iter(wechat.sharings.values()))["params"]
    assert order["finish"] is True
    assert order["receivers"] == [
        {
            "type": "MERCHANT_ID",
            "receiver_account": wechat.sp_mchid,
            "amount": 2_000,
            "description": "平台佣金",
        }
    ]


def test_settle_without_commission_only_finishes_the_order(
    provider, wechat, paid_payment, payees
):
    result = settle(provider, paid_payment, payees[1], 10_250, 0)

    assert result.status is OperationStatus.SUCCEEDED
    assert balance(wechat, payees[1]) == (10_250, 0)
    assert ("POST", "/v3/ecommerce/profitsharing/finish-order") in wechat.requests
    assert wechat.platform_available == 0


def test_settle_of_other_amounts_than_the_frozen_part_fails_without_acting(
    provider, wechat, paid_payment, payees
):
    result = settle(provider, paid_payment, payees[0], 15_000, 2_000)

    assert (result.outcome, result.failure_code) == (Outcome.FAILED, "amount_mismatch")
    assert wechat.sharings == {}


def test_settle_with_a_used_key_and_another_commission_is_refused(
    provider, paid_payment, payees
):
    settle(provider, paid_payment, payees[0], 18_000, 2_000)

    with pytest.raises(ProviderIdempotencyError):
        settle(provider, paid_payment, payees[0], 17_000, 3_000)


def test_refund_of_a_shared_part_needs_the_profit_sharing_return_first(
    provider, wechat, paid_payment, payees
):
    settled = settle(provider, paid_payment, payees[0], 18_000, 2_000)

    blocked = refund(provider, paid_payment, [(payees[0], 20_000)], key="refund-a")
    returned = provider.reverse_settlement(
        settled.settlement_id, amount=2_000, idempotency_key="return-1"
    )
    done = refund(provider, paid_payment, [(payees[0], 20_000)], key="refund-b")

    assert (blocked.outcome, blocked.failure_code) == (
        Outcome.FAILED,
        "settlement_not_returned",
    )
    assert (returned.outcome, returned.status) == (
        Outcome.SUCCEEDED,
        OperationStatus.REVERSED,
    )
    assert done.status is OperationStatus.SUCCEEDED
    assert balance(wechat, payees[0]) == (0, 0)
    assert wechat.platform_available == 0


def test_refund_after_settlement_of_what_the_vendor_withdrew_is_refused(
    provider, wechat, paid_payment, payees
):
    settle(provider, paid_payment, payees[1], 10_250, 0)
    wechat.withdraw_outside(wechat.applyments[payees[1]]["sub_mchid"])

    result = refund(provider, paid_payment, [(payees[1], 500)])

    assert (result.outcome, result.failure_code) == (
        Outcome.FAILED,
        "balance_insufficient",
    )
    assert wechat.refunds == {}


def advanced_refund(provider, payment_id, payee, amount, advance, key):
    return provider.refund(
        RefundRequest(
            payment_id=payment_id,
            amount=amount,
            currency="CNY",
            allocations=(Allocation(payee, amount, advance=advance),),
        ),
        idempotency_key=key,
    )


def test_an_advanced_refund_is_paid_from_the_platforms_balance(
    provider, wechat, paid_payment, payees
):
    # given the vendor withdrew what 完结分账 unfroze, and the commission returned
    settled = settle(provider, paid_payment, payees[0], 18_000, 2_000)
    wechat.withdraw_outside(wechat.applyments[payees[0]]["sub_mchid"])
    provider.reverse_settlement(
        settled.settlement_id, amount=2_000, idempotency_key="return-1"
    )
    wechat.top_up(30_000)

    # when the whole part is refunded with the vendor's 18,000 advanced (twice)
    for _ in range(2):
        result = advanced_refund(provider, paid_payment, payees[0], 20_000, 18_000, "r")

    # then one 垫付退款: the returned commission from the sub-merchant, the rest
    # from the platform's balance
    assert (result.outcome, result.status) == (
        Outcome.SUCCEEDED,
        OperationStatus.SUCCEEDED,
    )
    assert len(wechat.refunds) == 1
    stored = wechat.refunds["r"]
    assert stored["params"]["refund_account"] == "REFUND_SOURCE_PARTNER_ADVANCE"
    assert stored["advance"] == 18_000
    assert balance(wechat, payees[0]) == (0, 0)
    assert wechat.platform_available == 30_000 - 18_000


def test_an_advanced_refund_the_platforms_balance_cannot_pay_is_retryable(
    provider, wechat, paid_payment, payees
):
    settle(provider, paid_payment, payees[1], 10_250, 0)
    wechat.withdraw_outside(wechat.applyments[payees[1]]["sub_mchid"])

    short = advanced_refund(provider, paid_payment, payees[1], 500, 500, "r")
    wechat.top_up(500)
    done = advanced_refund(provider, paid_payment, payees[1], 500, 500, "r")

    assert (short.outcome, short.failure_code, short.retryable) == (
        Outcome.FAILED,
        "platform_balance_insufficient",
        True,
    )
    assert done.status is OperationStatus.SUCCEEDED
    assert wechat.platform_available == 0
    assert len(wechat.refunds) == 1


def test_reverse_settlement_refused_by_wechat_is_failed_balance_insufficient(
    provider, wechat, paid_payment, payees
):
    settled = settle(provider, paid_payment, payees[0], 18_000, 2_000)
    wechat.refuse_returns = 1

    result = provider.reverse_settlement(
        settled.settlement_id, amount=2_000, idempotency_key="return-1"
    )

    assert (result.outcome, result.failure_code) == (
        Outcome.FAILED,
        "balance_insufficient",
    )
    assert wechat.returns == {}


def test_reverse_settlement_twice_with_one_key_returns_once(
    provider, wechat, paid_payment, payees
):
    settled = settle(provider, paid_payment, payees[0], 18_000, 2_000)

    for _ in range(2):
        result = provider.reverse_settlement(
            settled.settlement_id, amount=500, idempotency_key="return-1"
        )

    assert result.status is OperationStatus.REVERSED
    assert len(wechat.returns) == 1
    assert wechat.platform_available == 1_500


def test_payout_withdraws_the_available_balance(provider, wechat, paid_payment, payees):
    settle(provider, paid_payment, payees[1], 10_250, 0)

    result = provider.payout(
        PayoutRequest(payee_ref=payees[1], amount=10_000, currency="CNY"),
        idempotency_key="withdrawal-1",
    )
    again = provider.payout(
        PayoutRequest(payee_ref=payees[1], amount=10_000, currency="CNY"),
        idempotency_key="withdrawal-1",
    )

    assert (result.outcome, result.status) == (
        Outcome.SUCCEEDED,
        OperationStatus.SUCCEEDED,
    )
    assert again.payout_id == result.payout_id
    assert provider.get_vendor_balance(payees[1]).available == 250


def test_payout_of_more_than_available_fails(provider, paid_payment, payees):
    result = provider.payout(
        PayoutRequest(payee_ref=payees[0], amount=1, currency="CNY"),
        idempotency_key="withdrawal-1",
    )

    assert (result.outcome, result.failure_code) == (
        Outcome.FAILED,
        "balance_insufficient",
    )


def test_vendor_account_is_an_applyment_until_it_is_finished(provider, wechat):
    from marketplace.payments.port import VendorAccountRequest

    created = provider.create_vendor_account(
        VendorAccountRequest(display_name="silk", country="CN", currency="CNY"),
        idempotency_key="acct-silk",
    )
    before = provider.get_vendor_account(created.account_id)
    link = provider.onboarding_link(
        created.account_id, return_url="https://a/", refresh_url="https://b/"
    )
    wechat.finish_applyment(created.account_id)
    after = provider.get_vendor_account(created.account_id)

    assert before.payouts_enabled is False
    assert link.url.startswith("https://pay.weixin.qq.com/")
    assert after.payouts_enabled is True
    assert len(wechat.applyments) == 1


def test_a_wrongly_signed_request_is_refused_by_wechat(settings, provider, payees):
    settings.WECHATPAY_CERT_SERIAL_NO = "0000000000000000000000000000000000000000"

    result = get_provider("wechatpay").create_payment(
        payment_request(payees), idempotency_key="pay-1"
    )

    assert (result.outcome, result.failure_code) == (Outcome.FAILED, "sign_error")


def test_an_answer_not_signed_by_the_platform_key_is_not_trusted(
    settings, tmp_path, provider, paid_payment
):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from marketplace.payments.port import ProviderUnavailable
    from tests.fakes.wechatpay import crypto

    other = tmp_path / "other.pem"
    other.write_text(crypto.public_pem(rsa.generate_private_key(65537, 2048)))
    settings.WECHATPAY_PUBLIC_KEY_PATH = str(other)

    with pytest.raises(ProviderUnavailable):
        get_provider("wechatpay").get_payment(paid_payment)


def test_list_transactions_reads_the_bills_of_the_day(
    provider, wechat, paid_payment, payees
):
    settled = settle(provider, paid_payment, payees[0], 18_000, 2_000)
    provider.reverse_settlement(
        settled.settlement_id, amount=2_000, idempotency_key="return-1"
    )
    refund(provider, paid_payment, [(payees[0], 20_000)])
    now = timezone.now()

    platform = provider.list_transactions(
        since=now - timedelta(hours=1), until=now + timedelta(seconds=1)
    )
    payee = provider.list_transactions(
        since=now - timedelta(hours=1),
        until=now + timedelta(seconds=1),
        payee_ref=payees[0],
    )

    assert sorted((t.type, t.amount, t.source_id) for t in platform) == sorted(
        [
            (TransactionType.PAYMENT, 30_250, paid_payment),
            (TransactionType.SETTLEMENT, -18_000, settled.settlement_id),
            (TransactionType.SETTLEMENT_REVERSAL, -2_000, settled.settlement_id),
            (TransactionType.REFUND, -20_000, "refund-1"),
        ]
    )
    assert {t.reference for t in platform if t.type != "settlement"} >= {"ORD-1"}
    assert sorted((t.type, t.amount) for t in payee) == sorted(
        [
            (TransactionType.PAYMENT, 20_000),
            (TransactionType.SETTLEMENT, -2_000),
            (TransactionType.SETTLEMENT_REVERSAL, 2_000),
            (TransactionType.REFUND, -20_000),
        ]
    )


def test_list_transactions_of_a_day_without_bills_is_empty(provider):
    since = timezone.now() - timedelta(days=3)

    assert (
        provider.list_transactions(since=since, until=since + timedelta(days=1)) == []
    )


def test_paid_callback_is_verified_decrypted_and_normalised(provider, wechat, payees):
    from tests.fakes.wechatpay import crypto

    created = provider.create_payment(payment_request(payees), idempotency_key="pay-1")
    wechat.pay(created.payment_id)
    body = wechat.callbacks[0]

    event = provider.parse_webhook(body.encode(), crypto.platform_headers(body))

    assert event.kind is EventType.PAYMENT_SUCCEEDED
    assert (event.payment_id, event.merchant_reference, event.amount) == (
        created.payment_id,
        "ORD-1",
        30_250,
    )
    assert event.type == "TRANSACTION.SUCCESS"


def test_refund_callback_names_the_ports_refund_id(
    provider, wechat, paid_payment, payees
):
    from tests.fakes.wechatpay import crypto

    refund(provider, paid_payment, [(payees[0], 100), (payees[1], 100)])

    events = [
        provider.parse_webhook(body.encode(), crypto.platform_headers(body))
        for body in wechat.callbacks
    ]

    assert {(e.kind, e.object_id) for e in events} == {
        (EventType.REFUND_SUCCEEDED, "refund-1")
    }
