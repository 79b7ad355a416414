"""Parsing and storing the sandbox's signed webhooks: genuine, fresh, once."""

import threading
import time

import pytest
from django.db import connection

from marketplace.common.errors import NotFound
from marketplace.payments.models import WebhookEvent
from marketplace.payments.port import EventType, InvalidWebhook, ProviderEvent
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxEvent
from marketplace.payments.sandbox.webhooks import body_of, sign, webhook_secret
from marketplace.payments.selectors import list_unprocessed_webhook_events
from marketplace.payments.services import (
    mark_webhook_processed,
    record_webhook,
    verify_and_store,
)
from tests.payments.conftest import open_payee, payment_request


def signed(body: bytes, *, age: int = 0) -> dict:
    timestamp = int(time.time()) - age
    return {
        "Sandbox-Signature": sign(body, timestamp=timestamp, secret=webhook_secret())
    }


@pytest.fixture
def succeeded_body(paid_payment) -> bytes:
    return body_of(SandboxEvent.objects.get(type="payment.succeeded"))


@pytest.mark.django_db
def test_a_genuine_webhook_parses_into_a_provider_event(
    provider, paid_payment, succeeded_body
):
    event = provider.parse_webhook(succeeded_body, signed(succeeded_body))

    stored = SandboxEvent.objects.get(type="payment.succeeded")
    assert event.provider == "sandbox"
    assert event.event_id == stored.event_id
    assert event.event_id.startswith("evt_")
    assert event.kind is EventType.PAYMENT_SUCCEEDED
    assert (event.payment_id, event.object_id) == (paid_payment, paid_payment)
    assert (event.merchant_reference, event.status) == ("ORD-1", "succeeded")
    assert (event.amount, event.currency) == (30250, "CNY")
    assert event.data["livemode"] is False


@pytest.mark.django_db
def test_header_names_are_matched_without_regard_to_case(provider, succeeded_body):
    headers = {"sandbox-signature": signed(succeeded_body)["Sandbox-Signature"]}

    assert provider.parse_webhook(succeeded_body, headers).type == "payment.succeeded"


def _signed_with_another_secret(body: bytes) -> dict:
    return {"Sandbox-Signature": sign(body, timestamp=int(time.time()), secret="x")}


def _flip_one_byte(body: bytes) -> bytes:
    index = body.index(b"30250")
    return body[:index] + b"9" + body[index + 1 :]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("bad signature", lambda b: (b, {"Sandbox-Signature": "t=1,v1=00"})),
        ("no signature", lambda b: (b, {})),
        ("one byte changed", lambda b: (_flip_one_byte(b), signed(b))),
        ("older than 5 minutes", lambda b: (b, signed(b, age=301))),
        ("in the future", lambda b: (b, signed(b, age=-301))),
        ("wrong secret", lambda b: (b, _signed_with_another_secret(b))),
    ],
)
def test_an_invalid_webhook_is_refused_and_nothing_is_stored(
    succeeded_body, settings, case, make
):
    settings.PAYMENT_PROVIDER = "sandbox"
    body, headers = make(succeeded_body)

    with pytest.raises(InvalidWebhook) as raised:
        verify_and_store(provider_name="sandbox", body=body, headers=headers)

    assert raised.value.status_code == 400
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_webhook_just_inside_the_tolerance_is_accepted(succeeded_body):
    row, created = verify_and_store(
        provider_name="sandbox",
        body=succeeded_body,
        headers=signed(succeeded_body, age=290),
    )

    assert created is True
    assert row.type == "payment.succeeded"


@pytest.mark.django_db
def test_a_webhook_for_a_provider_not_configured_is_not_found(succeeded_body):
    with pytest.raises(NotFound):
        verify_and_store(
            provider_name="stripe_connect",
            body=succeeded_body,
            headers=signed(succeeded_body),
        )
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_stored_payload_reads_back_as_the_same_event(provider, succeeded_body):
    event = provider.parse_webhook(succeeded_body, signed(succeeded_body))

    row, _ = record_webhook(provider="sandbox", event=event)
    row.refresh_from_db()

    assert ProviderEvent.from_payload(row.payload) == event


@pytest.mark.django_db
def test_the_same_event_delivered_again_is_stored_once(succeeded_body):
    first = verify_and_store(
        provider_name="sandbox", body=succeeded_body, headers=signed(succeeded_body)
    )
    again = verify_and_store(
        provider_name="sandbox", body=succeeded_body, headers=signed(succeeded_body)
    )

    assert (first[1], again[1]) == (True, False)
    assert first[0].pk == again[0].pk
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_event_recorded_three_times_concurrently_is_one_row(provider):
    control.hold_webhooks()  # keep on-commit tasks out of the broker
    payees = open_payee(provider, "tea-house"), open_payee(provider, "pottery")
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id
    control.pay(payment_id)
    body = body_of(SandboxEvent.objects.get(type="payment.succeeded"))
    event = provider.parse_webhook(body, signed(body))
    barrier = threading.Barrier(3)
    created, errors = [], []

    def record():
        try:
            barrier.wait()
            created.append(record_webhook(provider="sandbox", event=event)[1])
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(created) == [False, False, True]
    assert WebhookEvent.objects.filter(event_id=event.event_id).count() == 1


@pytest.mark.django_db
def test_a_processed_event_leaves_the_unprocessed_list(provider, succeeded_body):
    row, _ = verify_and_store(
        provider_name="sandbox", body=succeeded_body, headers=signed(succeeded_body)
    )
    listed_before = list_unprocessed_webhook_events(provider="sandbox")

    first = mark_webhook_processed(inbox_id=row.pk)
    second = mark_webhook_processed(inbox_id=row.pk)

    assert listed_before == [row]
    assert (first, second) == (True, False)
    assert list_unprocessed_webhook_events(provider="sandbox") == []
