"""Callbacks: signature, decryption and the timestamp the SDK does not check."""

import json
import time

import pytest

from marketplace.payments.models import WebhookEvent
from marketplace.payments.port import InvalidWebhook
from tests.fakes.wechatpay import crypto
from tests.payments.wechatpay.conftest import payment_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def callback(provider, wechat, payees):
    created = provider.create_payment(payment_request(payees), idempotency_key="pay-1")
    wechat.pay(created.payment_id)
    return wechat.callbacks[0]


def test_a_fresh_signed_callback_is_accepted(provider, callback):
    event = provider.parse_webhook(callback.encode(), crypto.platform_headers(callback))

    assert event.payment_id == "pay-1"


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_callback_signed_more_than_five_minutes_off_is_refused(
    provider, callback, offset
):
    headers = crypto.platform_headers(callback, timestamp=int(time.time()) + offset)

    with pytest.raises(InvalidWebhook):
        provider.parse_webhook(callback.encode(), headers)


def test_a_changed_byte_is_refused(provider, callback):
    headers = crypto.platform_headers(callback)
    tampered = callback.replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESs")

    with pytest.raises(InvalidWebhook):
        provider.parse_webhook(tampered.encode(), headers)


@pytest.mark.parametrize(
    "header",
    [
        "Wechatpay-Signature",
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Serial",
    ],
)
def test_a_callback_without_a_signature_header_is_refused(provider, callback, header):
    headers = crypto.platform_headers(callback)
    del headers[header]

    with pytest.raises(InvalidWebhook):
        provider.parse_webhook(callback.encode(), headers)


def test_a_callback_naming_another_key_is_refused(provider, callback):
    headers = {**crypto.platform_headers(callback), "Wechatpay-Serial": "PUB_KEY_ID_X"}

    with pytest.raises(InvalidWebhook):
        provider.parse_webhook(callback.encode(), headers)


def test_a_resource_not_encrypted_with_our_apiv3_key_is_refused(provider, callback):
    body = json.loads(callback)
    body["resource"]["ciphertext"] = body["resource"]["ciphertext"][:-4] + "AAA="
    text = json.dumps(body)

    with pytest.raises(InvalidWebhook):
        provider.parse_webhook(text.encode(), crypto.platform_headers(text))


def test_the_endpoint_stores_a_duplicated_callback_once(wechat, callback, client):
    statuses = wechat.deliver_callbacks(client, duplicates=2)

    assert statuses == [200, 200, 200]
    assert WebhookEvent.objects.filter(provider="wechatpay").count() == 1


def test_the_endpoint_answers_a_stale_callback_with_400(wechat, callback, client):
    statuses = wechat.deliver_callbacks(client, timestamp=int(time.time()) - 3600)

    assert statuses == [400]
    assert not WebhookEvent.objects.exists()
