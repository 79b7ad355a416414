"""The Stripe Connect adapter on the fake Stripe, two onboarded connected accounts,
and a way to pay."""

import pytest

from marketplace.payments.port import PayeeSplit, PaymentRequest, VendorAccountRequest
from marketplace.payments.providers import get_provider
from tests.fakes.stripe.harness import StripeHarness


@pytest.fixture
def stripe_fake(settings, db):
    """The harness with the fake installed; ``stripe_fake.server`` is the fake."""
    with StripeHarness().activate(settings) as harness:
        yield harness


@pytest.fixture
def provider(stripe_fake):
    return get_provider("stripe_connect")


def open_account(provider, harness, name: str, *, onboard: bool = True) -> str:
    result = provider.create_vendor_account(
        VendorAccountRequest(display_name=name, country="CN", currency="CNY"),
        idempotency_key=f"acct-{name}",
    )
    if onboard:
        harness.onboard_payee(result.account_id)
    return result.account_id


@pytest.fixture
def payees(provider, stripe_fake):
    return (
        open_account(provider, stripe_fake, "tea-house"),
        open_account(provider, stripe_fake, "pottery"),
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
        return_url="/orders/ORD-1/",
    )


@pytest.fixture
def paid_payment(provider, payees, stripe_fake):
    """A payment of 302.50 (200.00 + 102.50) the shopper has paid on Checkout."""
    result = provider.create_payment(payment_request(payees), idempotency_key="pay-1")
    stripe_fake.complete_payment(result.payment_id)
    return result.payment_id
