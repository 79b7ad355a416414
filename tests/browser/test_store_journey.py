"""The shopper's store, page by page, in a real Chromium against the live server.

The main journey searches in Chinese, filters, buys from two shops, pays on the
sandbox's hosted page and waits on the order page for the real status: the order is
paid only when the sandbox's signed webhook has been delivered over HTTP and applied
by the orders task. The vendors ship through the vendor API; the shopper follows the
parcels and confirms receipt. Other tests cover a declined payment, cancelling and
a refund request from the order page, the language switch, the same journey on a
phone, and axe-core on each kind of page.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from marketplace.payments.sandbox import control
from marketplace.payments.tasks import send_sandbox_webhook_task
from orders.models import Order, OrderLine, Refund, RefundRequest
from tests import factories
from tests.browser import store

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def webhooks(settings, live_server):
    """Return a function delivering the sandbox's pending webhooks to the live server.

    Each goes as the Celery worker sends it: signed, over HTTP, to the endpoint,
    which stores it; applying it is ``process_pending_webhook_events_task``'s job.
    """
    settings.SANDBOX_WEBHOOK_TRANSPORT = "http"
    settings.PAYMENT_WEBHOOK_URL = f"{live_server.url}/payments/webhooks/sandbox/"

    def deliver() -> list[str]:
        event_ids = control.pending_event_ids()
        for event_id in event_ids:
            assert send_sandbox_webhook_task(event_id) is True
        return event_ids

    return deliver


@pytest.fixture
def catalog() -> store.Catalog:
    return store.seed_catalog()


@pytest.fixture
def shopper():
    return factories.UserFactory(preferred_language="en")


def order_state(number: str) -> tuple[str, list[str]]:
    order = Order.objects.get(number=number)
    return order.status, sorted(order.vendor_orders.values_list("status", flat=True))


@pytest.mark.money
def test_the_main_journey_from_a_chinese_search_to_two_completed_parts(
    page, shopper, catalog, webhooks
):
    # given: an anonymous visitor; checkout sends them to the sign-in page
    number = store.walk_the_journey(
        page, shopper=shopper, catalog=catalog, webhooks=webhooks, signed_in=False
    )

    # then the order and both shops' parts are completed, tracked and signed for
    assert order_state(number) == ("completed", ["completed", "completed"])
    order = Order.objects.get(number=number)
    assert order.shopper == shopper
    assert order.grand_total == 23000
    bought = OrderLine.objects.filter(vendor_order__order=order)
    assert sorted(bought.values_list("variant_id", "quantity")) == sorted(
        [(catalog.longjing_100g.pk, 1), (catalog.puer_cake.pk, 2)]
    )


@pytest.mark.money
def test_the_same_journey_on_a_phone(
    mobile_page, shopper, catalog, webhooks, live_server
):
    # given: a signed-in shopper on a 390 × 844 phone
    store.sign_in_with_cookie(mobile_page, shopper, live_server)
    assert mobile_page.viewport_size == {"width": 390, "height": 844}

    number = store.walk_the_journey(
        mobile_page, shopper=shopper, catalog=catalog, webhooks=webhooks, signed_in=True
    )

    # then the order page fits the phone's width, and the order is completed
    width = mobile_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    assert order_state(number) == ("completed", ["completed", "completed"])


def test_a_declined_payment_leaves_the_order_unpaid_and_says_so(
    page, shopper, catalog, webhooks, live_server
):
    # given: a signed-in shopper with both shops' tea in the cart and an address
    store.fill_cart(shopper, (catalog.longjing_100g, 1), (catalog.puer_cake, 2))
    factories.AddressFactory(user=shopper)
    store.sign_in_with_cookie(page, shopper, live_server)
    page.goto(reverse("storefront:checkout"))
    expect(page.get_by_role("radio", name=re.compile("Han Meimei"))).to_be_checked()

    # when: they place the order and the card is declined
    page.get_by_role("button", name="Place order and pay").click()
    number = store.pay_on_sandbox(page, "Decline")

    # then the order page waits on the real status, not on the redirect's
    result = page.locator("[data-result]")
    expect(result).to_contain_text("Waiting for the payment provider")

    # when: the failure webhook is delivered and applied
    store.settle_payment(webhooks)

    # then the page says the payment failed, and the order stays unpaid
    expect(page.locator("[data-payment-failed]")).to_have_text("The payment failed.")
    expect(result).to_have_attribute("data-result", "pending_payment")
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "pending_payment"
    )
    assert order_state(number) == (
        "pending_payment",
        ["pending_payment", "pending_payment"],
    )


@pytest.mark.money
def test_cancelling_a_paid_part_before_shipment_refunds_it(
    page, shopper, catalog, webhooks, live_server
):
    # given: a paid order of both shops, on the order page
    order = store.paid_order(shopper, catalog, webhooks)
    leaf = order.vendor_orders.get(vendor=catalog.leaf)
    store.sign_in_with_cookie(page, shopper, live_server)
    page.goto(reverse("storefront:order", args=[order.number]))
    part = store.part(page, "Yunnan Leaf")
    expect(part.locator("[data-part-status]")).to_have_attribute(
        "data-part-status", "paid"
    )

    # when: the shopper cancels the Pu'er part, saying why
    part.get_by_role("button", name="Cancel this part").click()
    part.get_by_label("Reason (optional)").fill("Ordered twice by mistake")
    part.get_by_role("button", name="Cancel it").click()

    # then that part is cancelled and refunded in full; the other is still paid
    expect(page.locator(".messages")).to_have_text(
        "This part of your order is cancelled."
    )
    part = store.part(page, "Yunnan Leaf")
    expect(part.locator("[data-part-status]")).to_have_attribute(
        "data-part-status", "cancelled"
    )
    expect(part).to_contain_text("Refunded ¥101.00")
    expect(part.get_by_role("button", name="Cancel this part")).to_have_count(0)
    tea = store.part(page, "West Lake Tea House")
    expect(tea.locator("[data-part-status]")).to_have_attribute(
        "data-part-status", "paid"
    )
    refund = Refund.objects.get(vendor_order=leaf)
    assert (refund.kind, refund.amount) == (Refund.Kind.CANCELLATION, 10100)
    assert order_state(order.number) == ("paid", ["cancelled", "paid"])


@pytest.mark.money
def test_a_refund_request_for_some_lines_of_a_shipped_part_is_listed(
    page, shopper, catalog, webhooks, live_server
):
    # given: a paid order whose Pu'er part the shop has shipped
    order = store.paid_order(shopper, catalog, webhooks)
    leaf = order.vendor_orders.get(vendor=catalog.leaf)
    store.ship(leaf, "YT3000000003")
    store.sign_in_with_cookie(page, shopper, live_server)
    page.goto(reverse("storefront:order", args=[order.number]))

    # when: the shopper asks for one of the two cakes back
    store.part(page, "Yunnan Leaf").get_by_role(
        "button", name="Request a refund"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request a refund")
    page.get_by_label("Return and refund").check()
    page.get_by_label("Pu'er tea cake").fill("1")
    page.get_by_label("Why").fill("One cake arrived crushed.")
    page.get_by_role("button", name="Send the request").click()

    # then the order page lists the request, and receipt waits on its answer
    expect(page.locator(".messages")).to_have_text(
        "Your refund request is with the shop now."
    )
    part = store.part(page, "Yunnan Leaf")
    request = part.locator("[data-refund-request]")
    expect(request).to_have_count(1)
    expect(request).to_contain_text("Return and refund · ¥45.50 · Requested")
    expect(request).to_contain_text("One cake arrived crushed.")
    expect(part.get_by_role("button", name="Confirm receipt")).to_have_count(0)
    expect(part.get_by_role("button", name="Request a refund")).to_have_count(0)
    saved = RefundRequest.objects.get(vendor_order=leaf)
    assert (saved.type, saved.status, saved.amount) == (
        "return_and_refund",
        "requested",
        4550,
    )


def test_the_language_switch_is_remembered_across_pages(page, shopper, live_server):
    # given: a signed-in shopper whose browser asks for English
    store.sign_in_with_cookie(page, shopper, live_server)
    page.goto(reverse("storefront:home"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # when: they switch to Chinese
    page.get_by_role("button", name="简体中文").click()

    # then this page and the next ones are in Chinese, and the account remembers it
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="简体中文")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.goto(reverse("storefront:cart"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Your cart")
    shopper.refresh_from_db()
    assert shopper.preferred_language == "zh-hans"

    # when: they switch back to English on that page
    page.get_by_role("button", name="English").click()

    # then they stay on it, in English, and English follows them
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    page.goto(reverse("storefront:search") + "?q=茶")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “茶”")
    shopper.refresh_from_db()
    assert shopper.preferred_language == "en"


@pytest.mark.parametrize(
    ("browser_locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-hans")]
)
def test_store_pages_have_no_serious_accessibility_violations(
    page, axe, shopper, catalog, webhooks, live_server, lang
):
    # given: a signed-in shopper with a paid order, a cart and an address, whose
    # browser asks for English, or for Chinese
    order = store.paid_order(shopper, catalog, webhooks)
    store.fill_cart(
        shopper, (catalog.longjing_50g, 1), (catalog.teapot.variants.get(), 1)
    )
    store.sign_in_with_cookie(page, shopper, live_server)

    # then axe finds no serious or critical violation on any kind of page
    pages = {
        "home": reverse("storefront:home"),
        "search": reverse("storefront:search") + "?q=茶",
        "product": reverse("storefront:product", args=[catalog.longjing.pk]),
        "cart": reverse("storefront:cart"),
        "checkout": reverse("storefront:checkout"),
        "order": reverse("storefront:order", args=[order.number]),
    }
    found = {}
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("main h1, main h2").first).to_be_visible()
        found[name] = axe(page)
    assert found == {name: [] for name in pages}
