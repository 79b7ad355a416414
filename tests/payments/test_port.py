"""The port's requests refuse what no provider would accept, before any call."""

import pytest

from marketplace.payments.port import (
    Allocation,
    PayeeSplit,
    PaymentRequest,
    RefundRequest,
    SettlementRequest,
)


def request(**overrides):
    values = {
        "merchant_reference": "ORD-1",
        "amount": 300,
        "currency": "CNY",
        "splits": [
            PayeeSplit("acct_a", "ORD-1-a", 200),
            PayeeSplit("acct_b", "b", 100),
        ],
        "return_url": "https://shop.example/back/",
    }
    return PaymentRequest(**{**values, **overrides})


def test_a_valid_payment_request_keeps_its_splits_as_a_tuple():
    assert request().splits == (
        PayeeSplit("acct_a", "ORD-1-a", 200),
        PayeeSplit("acct_b", "b", 100),
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"merchant_reference": "ORD 1"}, "merchant_reference"),
        ({"merchant_reference": "x" * 33}, "merchant_reference"),
        ({"amount": 301}, "add up"),
        ({"amount": 0, "splits": []}, "amount must be between"),
        ({"currency": "cny"}, "currency"),
        ({"splits": []}, "at least one split"),
        ({"return_url": "//evil.example/"}, "return_url"),
        ({"return_url": "javascript:alert(1)"}, "return_url"),
    ],
)
def test_an_invalid_payment_request_is_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        request(**overrides)


@pytest.mark.parametrize("amount", [1.5, "100", True, None])
def test_an_amount_that_is_not_an_int_is_refused(amount):
    with pytest.raises(TypeError):
        PayeeSplit("acct_a", "a", amount)


def test_a_payee_may_not_appear_in_two_splits():
    with pytest.raises(ValueError, match="only one split"):
        request(splits=[PayeeSplit("acct_a", "a", 200), PayeeSplit("acct_a", "b", 100)])


def test_refund_allocations_must_add_up_to_the_refund():
    with pytest.raises(ValueError, match="add up"):
        RefundRequest("pay_1", 300, "CNY", (Allocation("acct_a", 200),))


def test_a_settlement_must_move_some_money():
    with pytest.raises(ValueError, match="move some money"):
        SettlementRequest("pay_1", "acct_a", 0, 0, "CNY")
