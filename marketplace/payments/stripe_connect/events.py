"""Stripe's webhooks: verified with the SDK, mapped onto ``ProviderEvent``.

One endpoint (``/payments/webhooks/stripe_connect/``) receives both the platform's
own events (Checkout, refunds, transfers) and its connected accounts' events
(``account.updated``, payouts), which Stripe sends from two endpoints with their
own signing secrets: ``STRIPE_WEBHOOK_SECRET`` (the Connect endpoint) and
``STRIPE_ACCOUNT_WEBHOOK_SECRET`` (the platform endpoint, optional when one
destination is set up for both). A body verifies if either secret signs it.
"""

from __future__ import annotations

import time

import stripe
from django.conf import settings

from marketplace.payments import port
from marketplace.payments.port import EventType
from marketplace.payments.stripe_connect.payments import when

SIGNATURE_HEADER = "Stripe-Signature"
SESSION_EVENTS = {
    "checkout.session.async_payment_succeeded": EventType.PAYMENT_SUCCEEDED,
    "checkout.session.async_payment_failed": EventType.PAYMENT_FAILED,
    "checkout.session.expired": EventType.PAYMENT_CANCELED,
}
INTENT_EVENTS = {
    "payment_intent.succeeded": EventType.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": EventType.PAYMENT_FAILED,
    "payment_intent.requires_action": EventType.PAYMENT_REQUIRES_ACTION,
    "payment_intent.canceled": EventType.PAYMENT_CANCELED,
}
OTHER_EVENTS = {
    "refund.failed": EventType.REFUND_FAILED,
    "transfer.created": EventType.TRANSFER_CREATED,
    "transfer.reversed": EventType.TRANSFER_REVERSED,
    "payout.paid": EventType.PAYOUT_PAID,
    "payout.failed": EventType.PAYOUT_FAILED,
    "account.updated": EventType.ACCOUNT_UPDATED,
}


def account_info(account: dict) -> port.VendorAccountInfo:
    """The port's view of a connected account: it can be paid (transfers) and paid
    out only when both the capability and payouts are enabled."""
    transfers = (account.get("capabilities") or {}).get("transfers")
    return port.VendorAccountInfo(
        account_id=account["id"],
        display_name=(account.get("business_profile") or {}).get("name")
        or (account.get("metadata") or {}).get("display_name", ""),
        currency=(account.get("default_currency") or "").upper(),
        details_submitted=bool(account.get("details_submitted")),
        payouts_enabled=bool(account.get("payouts_enabled")) and transfers == "active",
    )


def _header(headers, name: str) -> str:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value or ""


def _verified(provider, body: bytes, header: str) -> dict:
    tolerance = settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS
    secrets = [
        s
        for s in (
            settings.STRIPE_WEBHOOK_SECRET,
            settings.STRIPE_ACCOUNT_WEBHOOK_SECRET,
        )
        if s
    ]
    if not secrets:
        raise port.InvalidWebhook("No Stripe webhook secret is configured.")
    try:
        payload = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise port.InvalidWebhook("The body is not UTF-8.") from error
    for secret in secrets:
        try:
            event = provider.client.construct_event(payload, header, secret, tolerance)
        except stripe.SignatureVerificationError:
            continue
        except ValueError as error:
            raise port.InvalidWebhook("The body is not JSON.") from error
        break
    else:
        raise port.InvalidWebhook("The Stripe-Signature does not verify.")
    # The SDK refuses old timestamps only; the port refuses future ones as well.
    stamps = [p[2:] for p in header.split(",") if p.startswith("t=")]
    if (
        not stamps
        or not stamps[0].isdigit()
        or int(stamps[0]) > time.time() + tolerance
    ):
        raise port.InvalidWebhook("The signature timestamp is outside the tolerance.")
    return event.to_dict()


def _kind(event_type: str, obj: dict) -> EventType | None:
    if event_type == "checkout.session.completed":
        paid = obj.get("payment_status") in ("paid", "no_payment_required")
        return EventType.PAYMENT_SUCCEEDED if paid else None
    if event_type in ("refund.created", "refund.updated"):
        return {
            "succeeded": EventType.REFUND_SUCCEEDED,
            "failed": EventType.REFUND_FAILED,
        }.get(obj.get("status"))
    return (
        SESSION_EVENTS.get(event_type)
        or INTENT_EVENTS.get(event_type)
        or OTHER_EVENTS.get(event_type)
    )


def _payment_fields(obj: dict) -> tuple[str, str]:
    """Return ``(payment_id, merchant_reference)`` for the event's object."""
    kind = obj.get("object")
    if kind == "checkout.session":
        return obj["id"], obj.get("client_reference_id") or ""
    metadata = obj.get("metadata") or {}
    if kind == "payment_intent":
        return obj["id"], metadata.get("merchant_reference", "")
    if kind == "refund":
        return obj.get("payment_intent") or "", ""
    if kind == "transfer":
        return "", obj.get("transfer_group") or ""
    return "", ""


def parse_webhook(provider, body, headers) -> port.ProviderEvent:
    if not isinstance(body, bytes):
        raise port.InvalidWebhook("The body must be the raw bytes received.")
    event = _verified(provider, body, _header(headers, SIGNATURE_HEADER))
    try:
        obj = event["data"]["object"]
        payment_id, reference = _payment_fields(obj)
        data = dict(obj)
        if obj.get("object") == "refund":
            data["failure_code"] = obj.get("failure_reason") or ""
        if event.get("account"):
            data["connected_account"] = event["account"]
        currency = obj.get("currency") or ""
        return port.ProviderEvent(
            provider=provider.name,
            event_id=event["id"],
            type=event["type"],
            kind=_kind(event["type"], obj),
            created_at=when(int(event["created"])),
            object_id=str(obj["id"]),
            payment_id=payment_id,
            merchant_reference=reference,
            status=str(obj.get("status") or ""),
            amount=obj.get("amount_total", obj.get("amount")),
            currency=currency.upper(),
            data=data,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise port.InvalidWebhook("The body is not a Stripe event.") from error
