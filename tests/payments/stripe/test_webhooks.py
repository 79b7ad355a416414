"""Stripe's signed webhooks: verified with the SDK on the raw body, mapped once."""

import time

import pytest
from django.urls import reverse

from marketplace.payments.models import WebhookEvent
from marketplace.payments.port import EventType, InvalidWebhook
from tests.fakes.stripe.server import sign

pytestmark = pytest.mark.django_db
URL = reverse("payments-webhook", kwargs={"provider": "stripe_connect"})


def event_of(fake, type):
    return next(e for e in fake.server.queue if e["type"] == type)


def test_a_completed_checkout_session_is_a_payment_succeeded(
    provider, paid_payment, stripe_fake
):
    body, headers = stripe_fake.signed(
        event_of(stripe_fake, "checkout.session.completed")
    )

    event = provider.parse_webhook(body, headers)

    assert event.provider == "stripe_connect"
    assert event.event_id.startswith("evt_")
    assert event.kind is EventType.PAYMENT_SUCCEEDED
    assert (event.payment_id, event.object_id) == (paid_payment, paid_payment)
    assert (event.merchant_reference, event.amount, event.currency) == (
        "ORD-1",
        30250,
        "CNY",
    )


def test_a_connect_event_names_the_connected_account(provider, payees, stripe_fake):
    body, headers = stripe_fake.signed(event_of(stripe_fake, "account.updated"))

    event = provider.parse_webhook(body, {k.lower(): v for k, v in headers.items()})

    assert event.kind is EventType.ACCOUNT_UPDATED
    assert event.object_id == payees[0]
    assert event.data["connected_account"] == payees[0]


@pytest.mark.parametrize("tamper", ["other-secret", "one-byte", "stale", "future"])
def test_a_bad_webhook_is_refused_and_stored_nowhere(
    client, provider, paid_payment, stripe_fake, tamper
):
    event = event_of(stripe_fake, "checkout.session.completed")
    body, headers = stripe_fake.signed(event)
    payload = body.decode()
    if tamper == "other-secret":
        headers["Stripe-Signature"] = sign(payload, secret="whsec_not_ours")
    elif tamper == "one-byte":
        body = body.replace(b"30250", b"30251")
    else:
        age = 301 if tamper == "stale" else -301
        headers["Stripe-Signature"] = sign(
            payload, secret="whsec_test_fake_account", timestamp=int(time.time()) - age
        )

    response = client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": headers["Stripe-Signature"]},
    )

    with pytest.raises(InvalidWebhook):
        provider.parse_webhook(body, headers)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_each_event_is_stored_once_however_often_it_comes(
    client, paid_payment, stripe_fake
):
    statuses = stripe_fake.deliver_webhooks(client, duplicates=2)

    assert set(statuses) == {200}
    assert WebhookEvent.objects.count() == len(statuses) // 3
