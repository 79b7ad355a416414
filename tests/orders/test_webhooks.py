"""The provider webhook endpoint: verified on the raw body, stored and applied once."""

import time

import pytest
from django.urls import reverse

from marketplace.payments.models import WebhookEvent
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxEvent
from marketplace.payments.sandbox.webhooks import (
    SIGNATURE_HEADER,
    body_of,
    sign,
    webhook_secret,
)
from orders.models import Order, OrderEvent
from orders.services.provider_events import process_webhook_event
from tests.orders.conftest import sellable

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]
URL = reverse("payments-webhook", kwargs={"provider": "sandbox"})


@pytest.fixture
def paid_at_provider(place):
    order = place((sellable(), 1))
    control.pay(order.payment_reference)
    event = SandboxEvent.objects.get(type="payment.succeeded")
    return order, body_of(event)


def deliver(client, body, *, timestamp=None, secret=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = sign(body, timestamp=timestamp, secret=secret or webhook_secret())
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature},
    )


def test_a_verified_webhook_marks_the_order_paid_once_however_often_it_comes(
    client, paid_at_provider
):
    order, body = paid_at_provider

    responses = [deliver(client, body) for _ in range(3)]
    outcomes = [
        process_webhook_event(event_row_id=r.pk) for r in WebhookEvent.objects.all()
    ]
    outcomes += [
        process_webhook_event(event_row_id=r.pk) for r in WebhookEvent.objects.all()
    ]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert WebhookEvent.objects.count() == 1
    assert outcomes == ["paid", "already_processed"]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert (
        OrderEvent.objects.filter(
            order=order, vendor_order=None, to_status="paid"
        ).count()
        == 1
    )


@pytest.mark.parametrize("tamper", ["bad-secret", "one-byte", "stale"])
def test_a_bad_webhook_is_a_400_and_changes_nothing(client, paid_at_provider, tamper):
    order, body = paid_at_provider
    kwargs = {}
    if tamper == "bad-secret":
        kwargs["secret"] = "not-the-secret"
    elif tamper == "stale":
        kwargs["timestamp"] = int(time.time()) - 301
    sent = body
    if tamper == "one-byte":
        signature = sign(body, timestamp=int(time.time()), secret=webhook_secret())
        sent = body.replace(b'"amount":12900', b'"amount":12901', 1)
        assert sent != body
        response = client.post(
            URL,
            data=sent,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature},
        )
    else:
        response = deliver(client, body, **kwargs)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
