"""The sandbox's signed webhooks: Stripe's signing scheme, delivered by a task.

Header ``Sandbox-Signature: t=<unix seconds>,v1=<hex>``, where ``v1`` is the
HMAC-SHA256, keyed with ``webhook_secret()``, of ``f"{t}."`` followed by the raw body
bytes. The signature is computed at each delivery attempt, so ``t`` is fresh.
"""

import hashlib
import hmac
import json
import time
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from marketplace.payments.port import InvalidWebhook
from marketplace.payments.sandbox.models import SandboxEvent, SandboxFault, new_id

SIGNATURE_HEADER = "Sandbox-Signature"


def webhook_secret() -> str:
    """Return ``SANDBOX_WEBHOOK_SECRET``, or one derived from ``SECRET_KEY``."""
    return settings.SANDBOX_WEBHOOK_SECRET or (
        salted_hmac("marketplace.payments.sandbox.webhook", "whsec").hexdigest()
    )


def sign(body: bytes, *, timestamp: int, secret: str) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(body: bytes, header: str, *, secret: str, tolerance: int) -> None:
    """Raise ``InvalidWebhook`` unless ``header`` signs ``body`` within tolerance."""
    timestamp, signatures = None, []
    for item in (header or "").split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidWebhook("The signature header is missing or malformed.")
    expected = sign(body, timestamp=timestamp, secret=secret).rpartition("v1=")[2]
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise InvalidWebhook("The signature does not match the body.")
    if abs(time.time() - timestamp) > tolerance:
        raise InvalidWebhook("The signature timestamp is outside the tolerance.")


def body_of(event: SandboxEvent) -> bytes:
    return json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()


def _hold_this_event() -> bool:
    fault = (
        SandboxFault.objects.select_for_update()
        .filter(kind=SandboxFault.Kind.HOLD_WEBHOOKS, remaining__gt=0)
        .first()
    )
    if fault is None:
        return False
    fault.remaining -= 1
    fault.save(update_fields=["remaining"])
    return True


def emit_event(type: str, obj: dict) -> SandboxEvent:
    """Write an event in the caller's transaction; send it from a task after commit."""
    from marketplace.payments.tasks import send_sandbox_webhook_task

    created_at = timezone.now()
    event_id = new_id("evt")
    event = SandboxEvent.objects.create(
        event_id=event_id,
        type=type,
        created_at=created_at,
        held=_hold_this_event(),
        payload={
            "id": event_id,
            "object": "event",
            "type": type,
            "created": int(created_at.timestamp()),
            "livemode": False,
            "data": {"object": obj},
        },
    )
    if not event.held:
        transaction.on_commit(
            partial(send_sandbox_webhook_task.delay, event_id), robust=True
        )
    return event


# --- Delivery ---------------------------------------------------------------------
def post_http(url: str, body: bytes, headers: dict) -> int:
    """POST with the standard library; return the HTTP status."""
    import urllib.error
    import urllib.request

    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def post_django_test_client(url: str, body: bytes, headers: dict) -> int:
    """POST to this project's own URL map in-process (tests, no network)."""
    from django.test import Client

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    response = Client().post(
        path, data=body, content_type=headers["Content-Type"], headers=extra
    )
    return response.status_code


TRANSPORTS = {"http": post_http, "django_test_client": post_django_test_client}


class WebhookDeliveryFailed(Exception):
    pass


def send_event(event: SandboxEvent) -> int:
    """Sign and POST one event to ``PAYMENT_WEBHOOK_URL``; return the status."""
    body = body_of(event)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(
            body, timestamp=int(time.time()), secret=webhook_secret()
        ),
    }
    deliver = TRANSPORTS[settings.SANDBOX_WEBHOOK_TRANSPORT]
    return deliver(settings.PAYMENT_WEBHOOK_URL, body, headers)


def deliver_event(*, event_id: str) -> bool:
    """Deliver an undelivered, unheld event; return whether it was delivered now.

    Raise ``WebhookDeliveryFailed`` on a non-2xx answer, so the task retries.
    """
    event = SandboxEvent.objects.filter(
        event_id=event_id, delivered_at__isnull=True, held=False
    ).first()
    if event is None:
        return False
    try:
        status = send_event(event)
    except Exception as error:
        status, detail = 0, f"{type(error).__name__}: {error}"
    else:
        detail = f"HTTP {status}"
    event.attempts += 1
    if 200 <= status < 300:
        event.delivered_at = timezone.now()
        event.save(update_fields=["attempts", "delivered_at"])
        return True
    event.last_error = detail[:2000]
    event.save(update_fields=["attempts", "last_error"])
    raise WebhookDeliveryFailed(f"{event.event_id}: {detail}")
