"""The sandbox's hosted pages through Django's test client, and webhook delivery."""

import pytest
from django.test import Client
from django.urls import reverse

from marketplace.payments.models import WebhookEvent
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxAccount, SandboxEvent
from marketplace.payments.sandbox.webhooks import WebhookDeliveryFailed
from marketplace.payments.tasks import send_sandbox_webhook_task
from tests.payments.conftest import RETURN_URL, open_payee, payment_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("webhooks_to_test_endpoint"),
]


@pytest.fixture
def payment_id(provider, payees):
    return provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id


def back(payment_id, status):
    return f"{RETURN_URL}?payment_id={payment_id}&redirect_status={status}"


def csrf_client(url) -> Client:
    """A browser-like client: CSRF enforced, token taken from the page."""
    client = Client(enforce_csrf_checks=True)
    client.get(url)
    return client


def post(client, url, action):
    token = client.cookies["csrftoken"].value
    return client.post(url, {"action": action, "csrfmiddlewaretoken": token})


def test_the_payment_page_shows_test_mode_and_the_amount(payment_id):
    response = Client().get(f"/sandbox/pay/{payment_id}/")

    assert response.status_code == 200
    assert response.context["step"] == "pay"
    assert "TEST MODE" in response.content.decode()
    assert "¥302.50" in response.content.decode()


def test_a_post_without_the_csrf_token_is_forbidden(provider, payment_id):
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/sandbox/pay/{payment_id}/", {"action": "pay"})

    assert response.status_code == 403
    assert provider.get_payment(payment_id).status == "requires_payment"


def test_pay_redirects_to_the_return_url_and_enqueues_the_webhook(
    provider, payment_id, django_capture_on_commit_callbacks
):
    url = f"/sandbox/pay/{payment_id}/"
    client = csrf_client(url)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, url, "pay")

    event = SandboxEvent.objects.get(type="payment.succeeded")
    assert response.status_code == 302
    assert response["Location"] == back(payment_id, "succeeded")
    assert provider.get_payment(payment_id).status == "succeeded"
    assert len(callbacks) == 1
    assert callbacks[0].func == send_sandbox_webhook_task.delay
    assert callbacks[0].args == (event.event_id,)


def test_decline_redirects_with_the_failure(provider, payment_id):
    url = f"/sandbox/pay/{payment_id}/"

    response = post(csrf_client(url), url, "decline")

    assert response["Location"] == back(payment_id, "failed")
    assert provider.get_payment(payment_id).status == "failed"


@pytest.mark.parametrize(
    ("action", "final"), [("complete", "succeeded"), ("fail", "failed")]
)
def test_3ds_leads_to_a_challenge_that_decides_the_payment(
    provider, payment_id, action, final
):
    url = f"/sandbox/pay/{payment_id}/"
    client = csrf_client(url)

    to_challenge = post(client, url, "3ds")
    challenge = client.get(to_challenge["Location"])
    response = post(client, to_challenge["Location"], action)

    assert to_challenge["Location"] == f"/sandbox/pay/{payment_id}/3ds/"
    assert challenge.context["step"] == "challenge"
    assert "TEST MODE" in challenge.content.decode()
    assert response["Location"] == back(payment_id, final)
    assert provider.get_payment(payment_id).status == final


def test_a_paid_payment_page_offers_no_buttons(payment_id):
    control.pay(payment_id)

    response = Client().get(f"/sandbox/pay/{payment_id}/")

    assert response.context["step"] == "done"
    assert 'value="pay"' not in response.content.decode()


def test_paying_from_a_stale_tab_after_a_decline_changes_nothing(provider, payment_id):
    url = f"/sandbox/pay/{payment_id}/"
    stale_tab = csrf_client(url)
    control.decline(payment_id)

    response = post(stale_tab, url, "pay")

    assert response["Location"] == back(payment_id, "failed")
    assert provider.get_payment(payment_id).status == "failed"


def test_an_unknown_payment_page_is_not_found(db):
    assert Client().get("/sandbox/pay/pay_nope/").status_code == 404


def test_the_webhook_task_delivers_a_signed_event_into_the_inbox(payment_id):
    control.pay(payment_id)
    event = SandboxEvent.objects.get(type="payment.succeeded")

    delivered = send_sandbox_webhook_task(event.event_id)

    event.refresh_from_db()
    row = WebhookEvent.objects.get()
    assert delivered is True
    assert (event.attempts, event.delivered_at is not None) == (1, True)
    assert (row.provider, row.event_id, row.type) == (
        "sandbox",
        event.event_id,
        "payment.succeeded",
    )
    assert row.payload["payment_id"] == payment_id
    assert send_sandbox_webhook_task(event.event_id) is False  # already delivered


def test_a_refused_delivery_is_recorded_and_raised_for_a_retry(payment_id, settings):
    settings.PAYMENT_WEBHOOK_URL = "http://testserver/payments/webhooks/paypal/"
    control.pay(payment_id)
    event = SandboxEvent.objects.get(type="payment.succeeded")

    with pytest.raises(WebhookDeliveryFailed):
        send_sandbox_webhook_task(event.event_id)

    event.refresh_from_db()
    assert (event.attempts, event.delivered_at, event.last_error) == (
        1,
        None,
        "HTTP 404",
    )
    assert WebhookEvent.objects.count() == 0


def test_held_webhooks_released_twice_in_reverse_store_each_event_once(
    provider, payees, payment_id
):
    control.hold_webhooks()
    control.pay(payment_id)
    provider.cancel(payment_id, idempotency_key="cancel-1")  # refused: no event
    from tests.payments.test_sandbox_contract import refund

    refund(provider, payment_id, [(payees[0], 100)], "r1")

    sent = control.release_webhooks(order="reversed", copies=2)

    held = SandboxEvent.objects.exclude(type="account.updated").order_by("-id")
    events = list(held.values_list("event_id", flat=True))
    assert sent == [events[0], events[0], events[1], events[1]]
    assert list(WebhookEvent.objects.order_by("id").values_list("type", flat=True)) == [
        "refund.succeeded",
        "payment.succeeded",
    ]
    assert SandboxEvent.objects.filter(held=True).count() == 0
    assert (
        SandboxEvent.objects.filter(delivered_at=None, type__startswith="re").count()
        == 0
    )


def test_onboarding_page_enables_payouts_and_returns(provider):
    account_id = open_payee(provider, "newcomer", onboard=False)
    link = provider.onboarding_link(
        account_id, return_url="https://shop.example/done/", refresh_url="/again/"
    )
    client = csrf_client(link.url)

    page = client.get(link.url)
    response = post(client, link.url, "complete")

    assert "TEST MODE" in page.content.decode()
    assert response["Location"] == "https://shop.example/done/"
    assert provider.get_vendor_account(account_id).payouts_enabled is True
    assert SandboxEvent.objects.filter(type="account.updated").count() == 1


def test_a_tampered_onboarding_link_is_gone(provider):
    account_id = open_payee(provider, "newcomer", onboard=False)
    link = provider.onboarding_link(account_id, return_url="/done/", refresh_url="/")

    response = Client().get(link.url[:-3] + "xx/")

    assert response.status_code == 410
    assert SandboxAccount.objects.get(account_id=account_id).payouts_enabled is False


def test_the_marketplace_url_map_serves_the_sandbox_pages(settings):
    settings.ROOT_URLCONF = "marketplace.urls"

    assert reverse("sandbox:pay", args=["pay_x"]) == "/sandbox/pay/pay_x/"


@pytest.mark.django_db(transaction=True)
def test_the_http_transport_posts_the_webhook_to_a_live_endpoint(
    provider, live_server, settings
):
    settings.SANDBOX_WEBHOOK_TRANSPORT = "http"
    settings.PAYMENT_WEBHOOK_URL = f"{live_server.url}/payments/webhooks/sandbox/"
    control.hold_webhooks()  # keep on-commit tasks out of the broker
    payees = open_payee(provider, "tea-house"), open_payee(provider, "pottery")
    payment_id = provider.create_payment(
        payment_request(payees), idempotency_key="k1"
    ).payment_id
    control.pay(payment_id)
    event = SandboxEvent.objects.get(type="payment.succeeded")
    SandboxEvent.objects.filter(pk=event.pk).update(held=False)

    delivered = send_sandbox_webhook_task(event.event_id)

    assert delivered is True
    assert WebhookEvent.objects.get().event_id == event.event_id
