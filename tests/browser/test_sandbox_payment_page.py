"""The shopper on the sandbox's hosted payment page, in a real Chromium.

Each journey places a real order through the store API (two vendors' lines), walks
the hosted page at the live server, and then lets the sandbox deliver its signed
webhook over HTTP to the app, which stores it and applies it in the orders task.
The redirect back to the shop proves nothing: the order is paid only after that.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from marketplace.payments.models import WebhookEvent
from marketplace.payments.sandbox import control
from marketplace.payments.tasks import send_sandbox_webhook_task
from orders.models import Order
from orders.tasks import process_pending_webhook_events_task
from tests import factories
from tests.orders.conftest import lines, sellable

pytestmark = pytest.mark.django_db(transaction=True)

# Tea: 2 × ¥129.00, free shipping; pottery: ¥45.50 + ¥10.00 shipping.
GRAND_TOTAL = "¥313.50"
PAID = ("paid", ["paid", "paid"])
UNPAID = ("pending_payment", ["pending_payment", "pending_payment"])


@pytest.fixture
def order(client_for) -> dict:
    """An order of two vendors' products placed through the store API."""
    tea, pottery = sellable(price=12900), sellable(price=4550)
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    response = client_for(shopper).post(
        reverse("store-checkout"),
        {"address_id": address.pk, "lines": lines((tea, 2), (pottery, 1))},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["grand_total"], body["currency"], body["status"]) == (
        31350,
        "CNY",
        "pending_payment",
    )
    return body


@pytest.fixture
def deliver_webhooks(settings, live_server):
    """Return a function that runs the sandbox's delivery task for each pending event.

    Each goes as the Celery worker would send it: signed, over HTTP, to the webhook
    endpoint at the live server, which verifies and stores it (applying it is the
    orders task's job). The function returns the ids it delivered.
    """
    settings.SANDBOX_WEBHOOK_TRANSPORT = "http"
    settings.PAYMENT_WEBHOOK_URL = f"{live_server.url}/payments/webhooks/sandbox/"

    def post() -> list[str]:
        event_ids = control.pending_event_ids()
        for event_id in event_ids:
            assert send_sandbox_webhook_task(event_id) is True
        return event_ids

    return post


def state(number: str) -> tuple[str, list[str]]:
    order = Order.objects.get(number=number)
    return order.status, sorted(order.vendor_orders.values_list("status", flat=True))


def payment_event_types() -> list[str]:
    return sorted(
        WebhookEvent.objects.filter(type__startswith="payment.").values_list(
            "type", flat=True
        )
    )


def return_url(live_server, order: dict, redirect_status: str) -> re.Pattern:
    payment_id = order["payment_url"].rstrip("/").rpartition("/")[2]
    return re.compile(
        re.escape(f"{live_server.url}/orders/{order['number']}/?")
        + f"payment_id={payment_id}&redirect_status={redirect_status}$"
    )


def choose(page, button: str, *, back_to: re.Pattern) -> None:
    """Click ``button``; assert the sandbox redirects the browser to ``back_to``.

    What the shop shows there (its own page, or its sign-in) is the shop's business.
    """
    with page.expect_request(back_to) as back:
        page.get_by_role("button", name=button, exact=True).click()
    assert "/sandbox/pay/" in back.value.redirected_from.url
    page.wait_for_load_state()


def open_hosted_page(page, order: dict):
    page.goto(order["payment_url"])
    expect(page.get_by_test_id("test-mode")).to_have_text("TEST MODE")
    expect(page.get_by_test_id("test-mode")).to_be_visible()
    expect(page.get_by_test_id("amount")).to_have_text(GRAND_TOTAL)
    expect(page.get_by_text(order["number"])).to_be_visible()


@pytest.mark.money
def test_paying_returns_to_the_shop_and_the_webhook_alone_marks_the_order_paid(
    page, order, live_server, deliver_webhooks, axe
):
    # given: the shopper on the hosted page of an order of two vendors
    open_hosted_page(page, order)
    assert axe(page) == []

    # when: the shopper pays, and the browser is sent back to the shop
    choose(page, "Pay", back_to=return_url(live_server, order, "succeeded"))

    # then the order is still unpaid
    assert state(order["number"]) == UNPAID

    # when: the sandbox's webhook arrives, the endpoint only stores it
    assert deliver_webhooks()
    assert payment_event_types() == ["payment.succeeded"]
    assert state(order["number"]) == UNPAID

    # then applying it marks the order and both vendor orders paid
    assert process_pending_webhook_events_task() >= 1
    assert state(order["number"]) == PAID


def test_a_declined_payment_shows_the_decline_and_leaves_the_order_unpaid(
    page, order, live_server, deliver_webhooks
):
    # given: the shopper on the hosted page
    open_hosted_page(page, order)

    # when: the card is declined, and the browser is sent back to the shop
    choose(page, "Decline", back_to=return_url(live_server, order, "failed"))

    # then the hosted page shows the decline
    page.goto(order["payment_url"])
    expect(page.get_by_test_id("status")).to_have_text("This payment is failed.")
    expect(page.get_by_role("button", name="Pay", exact=True)).to_have_count(0)

    # and the failure webhook, applied, leaves the order awaiting payment
    deliver_webhooks()
    process_pending_webhook_events_task()
    assert payment_event_types() == ["payment.failed"]
    assert state(order["number"]) == UNPAID


@pytest.mark.money
@pytest.mark.parametrize(
    ("answer", "outcome", "final"),
    [("Complete", "succeeded", PAID), ("Fail", "failed", UNPAID)],
)
def test_3d_secure_pays_only_when_the_challenge_is_completed(
    page, order, live_server, deliver_webhooks, axe, answer, outcome, final
):
    # given: the shopper chooses the card that needs 3-D Secure
    open_hosted_page(page, order)
    page.get_by_role("button", name="Pay with 3-D Secure").click()

    # then the bank's challenge, still in test mode, for the same amount
    expect(page).to_have_url(re.compile(r"/sandbox/pay/[^/]+/3ds/$"))
    expect(page.get_by_role("heading", name="3-D Secure challenge")).to_be_visible()
    expect(page.get_by_test_id("test-mode")).to_be_visible()
    expect(page.get_by_test_id("amount")).to_have_text(GRAND_TOTAL)
    assert axe(page) == []

    # when: the shopper answers it, and the browser is sent back to the shop
    choose(page, answer, back_to=return_url(live_server, order, outcome))

    # then the order is unpaid until the webhooks are applied
    assert state(order["number"]) == UNPAID
    deliver_webhooks()
    process_pending_webhook_events_task()
    assert payment_event_types() == sorted(
        ["payment.requires_action", f"payment.{outcome}"]
    )
    assert state(order["number"]) == final
