"""The WeChat Pay adapter against the stateful fake, two finished sub-merchants."""

import pytest

from marketplace.payments.port import PayeeSplit, PaymentRequest, VendorAccountRequest
from marketplace.payments.providers import get_provider
from tests.fakes.wechatpay.harness import installed


@pytest.fixture
def wechat(settings, db):
    with installed(settings) as fake:
        yield fake


@pytest.fixture
def provider(wechat):
    return get_provider("wechatpay")


def open_payee(provider, fake, name: str) -> str:
    result = provider.create_vendor_account(
        VendorAccountRequest(display_name=name, country="CN", currency="CNY"),
        idempotency_key=f"acct-{name}",
    )
    fake.finish_applyment(result.account_id)
    return result.account_id


@pytest.fixture
def payees(provider, wechat):
    return open_payee(provider, wechat, "tea-house"), open_payee(
        provider, wechat, "pottery"
    )


def payment_request(payees, amounts=(20_000, 10_250), reference="ORD-1"):
    return PaymentRequest(
        merchant_reference=reference,
        amount=sum(amounts),
        currency="CNY",
        splits=tuple(
            PayeeSplit(payee_ref=payee, sub_reference=f"{reference}-{i}", amount=amount)
            for i, (payee, amount) in enumerate(zip(payees, amounts, strict=True))
        ),
        return_url="https://shop.example/orders/ORD-1/",
    )


@pytest.fixture
def paid_payment(provider, wechat, payees):
    """A combined payment of ¥302.50 (¥200.00 + ¥102.50) the shopper has paid."""
    result = provider.create_payment(payment_request(payees), idempotency_key="pay-1")
    wechat.pay(result.payment_id)
    wechat.callbacks.clear()
    return result.payment_id


@pytest.fixture
def harness(settings, db):
    """The contract suite's harness for WeChat Pay, for journeys through the domain."""
    from tests.fakes.wechatpay.harness import make_harness

    with make_harness().activate(settings) as active:
        yield active


from tests.payments.contract.conftest import onboarded_vendor  # noqa: E402, F401
