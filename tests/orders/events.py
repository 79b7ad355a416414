"""Sandbox webhook events for the orders tests: sign, deliver, process, forge."""

import copy
import json
import time

from django.test import Client
from django.urls import reverse

from marketplace.payments.models import WebhookEvent
from marketplace.payments.sandbox.models import SandboxEvent, new_id
from marketplace.payments.sandbox.webhooks import (
    SIGNATURE_HEADER,
    body_of,
    sign,
    webhook_secret,
)
from orders.tasks import process_webhook_event_task

URL = reverse("payments-webhook", kwargs={"provider": "sandbox"})


def deliver(body: bytes, *, client: Client | None = None) -> int:
    """POST ``body`` to the real webhook endpoint, freshly signed; return the status."""
    signature = sign(body, timestamp=int(time.time()), secret=webhook_secret())
    response = (client or Client()).post(
        URL,
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature},
    )
    return response.status_code


def process(event_id: str) -> str:
    """Run the real task on the stored event with this provider event id."""
    row = WebhookEvent.objects.get(event_id=event_id)
    return process_webhook_event_task.apply(args=[row.pk]).get()


def sandbox_event(type: str) -> SandboxEvent:
    return SandboxEvent.objects.filter(type=type).latest("id")


def forged(event: SandboxEvent, *, type: str | None = None, **changes) -> bytes:
    """Return the body of another event about ``event``'s object, as the sandbox
    would sign it: a new event id, another ``type``, changed object fields."""
    payload = copy.deepcopy(event.payload)
    payload["id"] = new_id("evt")
    payload["type"] = type or payload["type"]
    payload["data"]["object"].update(changes)
    return body_of(SandboxEvent(payload=payload))


def event_id_of(body: bytes) -> str:
    return json.loads(body)["id"]
