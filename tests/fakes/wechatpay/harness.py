"""The contract-suite harness for the WeChat Pay adapter (``tests/payments/contract``).

``activate`` writes the fake merchant key and platform public key to files, points the
adapter's settings at them and plugs a fresh ``FakeWeChatPay`` into ``requests``
with ``responses``: the SDK signs, sends and verifies exactly as it would against
``api.mch.weixin.qq.com``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import responses

from marketplace.payments.wechatpay.provider import forget_payees
from marketplace.payments.wechatpay.refunds import refund_id_of
from tests.fakes.wechatpay import crypto
from tests.fakes.wechatpay.state import FakeWeChatPay

NOTIFY_URL = "https://shop.example/payments/webhooks/wechatpay/"
# the platform's own money at WeChat Pay, from which it advances refunds (垫付退款)
PLATFORM_FUNDS = 1_000_000


def key_files() -> tuple[Path, Path]:
    """Write the fake's merchant private key and platform public key once per run."""
    folder = Path(tempfile.gettempdir()) / f"wechatpay-fake-keys-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    private, public = folder / "apiclient_key.pem", folder / "pub_key.pem"
    for path, text in (
        (private, crypto.private_pem(crypto.merchant_key())),
        (public, crypto.public_pem(crypto.platform_key())),
    ):
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return private, public


def configure(settings, fake: FakeWeChatPay) -> None:
    private, public = key_files()
    settings.PAYMENT_PROVIDER = "wechatpay"
    settings.PAYMENT_WEBHOOK_URL = NOTIFY_URL
    settings.WECHATPAY_MCH_ID = fake.sp_mchid
    settings.WECHATPAY_APP_ID = fake.sp_appid
    settings.WECHATPAY_CERT_SERIAL_NO = crypto.MERCHANT_SERIAL
    settings.WECHATPAY_PRIVATE_KEY_PATH = str(private)
    settings.WECHATPAY_APIV3_KEY = crypto.APIV3_KEY
    settings.WECHATPAY_PUBLIC_KEY_PATH = str(public)
    settings.WECHATPAY_PUBLIC_KEY_ID = crypto.PLATFORM_KEY_ID
    settings.WECHATPAY_CERT_DIR = ""
    settings.WECHATPAY_TIMEOUT_SECONDS = 10.0


@contextmanager
def installed(settings) -> Iterator[FakeWeChatPay]:
    """Put a fresh fake behind ``requests``; point the adapter's settings at it."""
    fake = FakeWeChatPay()
    configure(settings, fake)
    forget_payees()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.install(mock)
        try:
            yield fake
        finally:
            forget_payees()


class WeChatPayHarness:
    name = "wechatpay"

    def __init__(self):
        self.fake: FakeWeChatPay | None = None

    @contextmanager
    def activate(self, settings) -> Iterator[WeChatPayHarness]:
        with installed(settings) as fake:
            fake.top_up(PLATFORM_FUNDS)
            self.fake = fake
            try:
                yield self
            finally:
                self.fake = None

    def sub_mchid(self, payee_ref: str) -> str:
        return self.fake.applyments[payee_ref]["sub_mchid"]

    def onboard_payee(self, payee_ref):
        self.fake.finish_applyment(payee_ref)

    def complete_payment(self, payment_id, *, outcome="succeeded"):
        self.fake.pay(payment_id, outcome=outcome)

    def deliver_webhooks(self, client=None, *, order="as-sent", duplicates=0):
        return self.fake.deliver_callbacks(client, order=order, duplicates=duplicates)

    def effects(self):
        from tests.payments.contract.harness import Effects  # it imports this module

        return Effects(**self.fake.effects())

    def inject_fault(self, fault, *, operation, times=1):
        self.fake.arm(str(fault), operation=operation, times=times)

    def drop_transaction(self, *, source_id):
        wanted = {source_id, source_id.rpartition("@")[0] or source_id}
        for movement in self.fake.movements:
            if refund_id_of(movement["source"]) in wanted:
                self.fake.drop(movement["source"])

    def exhaust_payee_balance(self, payee_ref):
        self.fake.withdraw_outside(self.sub_mchid(payee_ref))


def make_harness() -> WeChatPayHarness:
    return WeChatPayHarness()
