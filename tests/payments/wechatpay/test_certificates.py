"""The older verification mode: platform certificates downloaded by the SDK."""

import pytest

from marketplace.payments.port import InvalidWebhook, PaymentStatus
from marketplace.payments.providers import get_provider
from tests.fakes.wechatpay import crypto
from tests.payments.wechatpay.conftest import payment_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate_mode(settings, tmp_path, wechat):
    """No public key configured: the SDK fetches /v3/certificates into a folder."""
    settings.WECHATPAY_PUBLIC_KEY_PATH = ""
    settings.WECHATPAY_PUBLIC_KEY_ID = ""
    settings.WECHATPAY_CERT_DIR = str(tmp_path / "certs")
    wechat.serial = crypto.certificate_serial()
    return get_provider("wechatpay")


def test_answers_and_callbacks_are_verified_with_the_downloaded_certificate(
    certificate_mode, wechat, payees, tmp_path
):
    provider = certificate_mode
    created = provider.create_payment(payment_request(payees), idempotency_key="p-1")
    wechat.pay(created.payment_id)
    body = wechat.callbacks[0]

    event = provider.parse_webhook(
        body.encode(), crypto.platform_headers(body, serial=wechat.serial)
    )

    assert provider.get_payment(created.payment_id).status is PaymentStatus.SUCCEEDED
    assert event.payment_id == created.payment_id
    assert ("GET", "/v3/certificates") in wechat.requests
    assert (tmp_path / "certs" / f"{wechat.serial}.pem").exists()


def test_a_callback_naming_an_unknown_certificate_is_refused(
    certificate_mode, wechat, payees
):
    provider = certificate_mode
    created = provider.create_payment(payment_request(payees), idempotency_key="p-1")
    wechat.pay(created.payment_id)
    body = wechat.callbacks[0]

    with pytest.raises(InvalidWebhook):
        provider.parse_webhook(
            body.encode(), crypto.platform_headers(body, serial="AB")
        )
