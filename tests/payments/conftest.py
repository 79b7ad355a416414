"""The sandbox behind the port, two onboarded payees, and a way to pay."""

import pytest

from marketplace.payments.port import PayeeSplit, PaymentRequest, VendorAccountRequest
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control

RETURN_URL = "https://shop.example/orders/ORD-1/paid/"


@pytest.fixture
def provider():
    return get_provider("sandbox")


@pytest.fixture
def webhooks_to_test_endpoint(settings):
    """Send the sandbox's webhooks in-process to ``tests.payments.urls``."""
    settings.ROOT_URLCONF = "tests.payments.urls"
    settings.SANDBOX_WEBHOOK_TRANSPORT = "django_test_client"
    settings.PAYMENT_WEBHOOK_URL = "http://testserver/payments/webhooks/sandbox/"


def open_payee(provider, name: str, *, onboard: bool = True) -> str:
    result = provider.create_vendor_account(
        VendorAccountRequest(display_name=name, country="CN", currency="CNY"),
        idempotency_key=f"acct-{name}",
    )
    if onboard:
        control.complete_onboarding(result.account_id)
    return result.account_id


@pytest.fixture
def payees(provider, db):
    return open_payee(provider, "tea-house"), open_payee(provider, "pottery")


def payment_request(payees, amounts=(20_000, 10_250), reference="ORD-1"):
    return PaymentRequest(
        merchant_reference=reference,
        amount=sum(amounts),
        currency="CNY",
        splits=tuple(
            PayeeSplit(payee_ref=payee, sub_reference=f"{reference}-{i}", amount=amount)
            for i, (payee, amount) in enumerate(zip(payees, amounts, strict=True))
        ),
        return_url=RETURN_URL,
    )


@pytest.fixture
def paid_payment(provider, payees):
    """A payment of ¥302.50 (¥200.00 + ¥102.50) the shopper has paid."""
    result = provider.create_payment(payment_request(payees), idempotency_key="pay-1")
    control.pay(result.payment_id)
    return result.payment_id
