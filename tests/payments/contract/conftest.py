"""The contract suite's fixtures: one run per registered harness (adapter)."""

import pytest

from marketplace.payments.models import WebhookEvent
from orders.services.provider_events import process_webhook_event
from tests import factories
from tests.payments.contract.harness import HARNESSES


@pytest.fixture(params=sorted(HARNESSES))
def harness(request, settings, db):
    """The adapter's fake provider, installed, with its settings."""
    with HARNESSES[request.param]().activate(settings) as active:
        yield active


def process_webhooks() -> list[str]:
    """Apply the stored, unprocessed webhook events (what the worker's task does)."""
    return [
        process_webhook_event(event_row_id=pk)
        for pk in WebhookEvent.objects.filter(processed_at__isnull=True)
        .order_by("id")
        .values_list("pk", flat=True)
    ]


@pytest.fixture
def onboarded_vendor(harness):
    """An approved vendor (commission model) whose payee account is open and
    onboarded at the provider, as the vendor dashboard does it."""
    from orders.services.payees import get_onboarding_link, get_payee

    vendor = factories.VendorFactory()
    get_onboarding_link(vendor=vendor)
    harness.onboard_payee(get_payee(vendor=vendor).account_ref)
    harness.deliver_webhooks()
    process_webhooks()
    return vendor
