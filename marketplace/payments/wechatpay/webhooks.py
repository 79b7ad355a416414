"""WeChat Pay callbacks (回调通知): verify, check the time, decrypt, normalise.

The SDK verifies the ``Wechatpay-Signature`` over ``timestamp\\nnonce\\nbody\\n`` and
decrypts the AES-256-GCM ``resource`` with the APIv3 key, but it never looks at the
timestamp: a captured callback could be replayed for ever. ``parse`` refuses one
whose ``Wechatpay-Timestamp`` is more than ``PAYMENT_WEBHOOK_TOLERANCE_SECONDS``
away from now, and one signed with a key other than the configured public key.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings

from marketplace.payments import port
from marketplace.payments.port import EventType
from marketplace.payments.wechatpay import client
from marketplace.payments.wechatpay.refunds import refund_id_of

HEADERS = (
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)
KINDS = {
    "TRANSACTION.SUCCESS": EventType.PAYMENT_SUCCEEDED,
    "REFUND.SUCCESS": EventType.REFUND_SUCCEEDED,
    "REFUND.ABNORMAL": EventType.REFUND_FAILED,
    "REFUND.CLOSED": EventType.REFUND_FAILED,
}


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered = {k.lower(): v for k, v in headers.items()}
    return {name: lowered.get(name.lower(), "") for name in HEADERS}


def _check_time(timestamp: str) -> None:
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        raise port.InvalidWebhook("The Wechatpay-Timestamp is not a number.") from None
    if age > settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS:
        raise port.InvalidWebhook("The callback's timestamp is too old or too new.")


def _decrypt(cfg, headers: dict[str, str], text: str) -> dict:
    if cfg.public_key_id and headers["Wechatpay-Serial"] != cfg.public_key_id:
        raise port.InvalidWebhook("The callback is signed with an unknown key.")
    try:
        data = client.core(cfg).callback(headers, text)
    except Exception as error:  # the SDK raises bare Exceptions on bad input
        raise port.InvalidWebhook("The callback cannot be verified.") from error
    if not data or not isinstance(data.get("resource"), dict):
        raise port.InvalidWebhook("The signature or the encrypted resource is bad.")
    return data


def _attach(resource: dict) -> dict:
    subs = resource.get("sub_orders") or [{}]
    return client.parse_attach(subs[0].get("attach"))


def parse(provider, body: bytes, headers: Mapping[str, str]) -> port.ProviderEvent:
    if not isinstance(body, bytes):
        raise port.InvalidWebhook("The body must be the raw bytes received.")
    wanted = _headers(headers)
    if not all(wanted[name] for name in HEADERS[:4]):
        raise port.InvalidWebhook("The Wechatpay-* signature headers are missing.")
    _check_time(wanted["Wechatpay-Timestamp"])
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise port.InvalidWebhook("The body is not UTF-8.") from None
    data = _decrypt(provider.cfg, wanted, text)
    resource, event_type = data["resource"], data.get("event_type", "")
    kind = KINDS.get(event_type)
    try:
        common = {
            "provider": provider.name,
            "event_id": str(data["id"]),
            "type": event_type,
            "kind": kind,
            "created_at": datetime.fromisoformat(data["create_time"]),
            "data": resource,
        }
        if event_type.startswith("TRANSACTION."):
            number = resource["combine_out_trade_no"]
            return port.ProviderEvent(
                **common,
                object_id=number,
                payment_id=number,
                merchant_reference=_attach(resource).get("r", ""),
                status=resource["sub_orders"][0]["trade_state"],
                amount=sum(s["amount"]["total_amount"] for s in resource["sub_orders"]),
                currency="CNY",
            )
        if event_type.startswith("REFUND."):
            return port.ProviderEvent(
                **{
                    **common,
                    "data": {
                        **resource,
                        "failure_code": ""
                        if kind is EventType.REFUND_SUCCEEDED
                        else resource.get("refund_status", "").lower(),
                    },
                },
                object_id=refund_id_of(resource["out_refund_no"]),
                status=resource.get("refund_status", ""),
                amount=resource["amount"]["refund"],
                currency="CNY",
            )
        return port.ProviderEvent(**common, object_id=str(data["id"]))
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise port.InvalidWebhook("The callback is not a WeChat Pay event.") from error
