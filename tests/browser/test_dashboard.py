"""The vendor dashboard in Chromium: the whole journey, a tablet, and axe-core.

A person applies to sell, an operator approves the shop in the back office, the
vendor sets up its payout account on the provider's page and lists a product; a
shopper's order (placed through the store API, paid on the sandbox, its webhook
delivered over HTTP) is shipped from the dashboard; after completion and
the holding period the vendor sees the amount available and withdraws it; finance
approves the payout in the back office, a real Celery worker pays it out through
the sandbox provider, and the vendor sees it paid.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from marketplace.accounts.models import User
from marketplace.common.models import OutboxMessage
from marketplace.common.money import format_amount
from marketplace.payments.sandbox import control
from marketplace.payments.tasks import send_sandbox_webhook_task
from marketplace.rules.models import PlatformRules
from orders.models import Order, VendorOrder, VendorOrderSettlement
from orders.services.settlement import SETTLE_TOPIC, settle_due_vendor_orders
from orders.tasks import process_pending_webhook_events_task
from tests import factories
from tests.browser.store import sign_in_with_cookie
from tests.catalog.conftest import png_bytes
from tests.flows.conftest import celery_worker, wait_for  # noqa: F401
from vendors.models import Vendor, Withdrawal

pytestmark = pytest.mark.django_db(transaction=True)

TABLET = {"width": 820, "height": 1180}
APPLICATION = {
    "Shop name (Chinese)": "湖畔茶舍",
    "Shop name (English)": "Lakeside Tea",
    "Company name": "Lakeside Tea Trading Ltd",
    "Business-licence number": "91330100MA2B3C4D5E",
    "Contact name": "Wang Fang",
    "Contact phone": "13800000001",
    "Contact email": "owner@lakeside.test",
    "Recipient": "Wang Fang",
    "Phone": "13800000001",
    "Province code": "330000",
    "City code": "330100",
    "District code": "330106",
    "Street address": "1 Lake Road",
}
PRICE = "300.00"


def labelled(page: Page, label: str):
    """The field labelled exactly ``label`` (an optional field's label says so)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(optional\))?$"))


def fill_labelled(page: Page, fields: dict) -> None:
    for label, value in fields.items():
        labelled(page, label).fill(value)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Dashboard").get_by_role(
        "link", name=name, exact=True
    ).click()


def apply_to_sell(page: Page, applicant, tmp_path) -> Vendor:
    """Sign in at the store from the dashboard, fill the application, submit it."""
    page.goto(reverse("dashboard:home"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(applicant.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Become a vendor")).to_be_visible()
    fill_labelled(page, APPLICATION)
    page.get_by_label("Pricing model").select_option("commission")
    licence = tmp_path / "licence.png"
    licence.write_bytes(png_bytes())
    page.get_by_label("Business-licence image").set_input_files(str(licence))
    page.get_by_role("button", name="Save the application").click()
    status = page.locator("[data-application-status]")
    expect(status).to_have_attribute("data-application-status", "draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(status).to_have_attribute("data-application-status", "submitted")
    return Vendor.objects.get(members__user=applicant)


def approve_in_back_office(page: Page, vendor: Vendor) -> None:
    page.goto(reverse("backoffice:vendor", args=[vendor.pk]))
    approve = page.locator(
        "form", has=page.get_by_role("heading", name="Approve the application")
    )
    approve.get_by_label("Deposit required").fill("0")
    approve.get_by_role("button", name="Approve").click()
    wait_for(
        lambda: Vendor.objects.get(pk=vendor.pk).status == "approved",
        timeout=10,
        what="the approval",
    )


def list_a_product(page: Page, category) -> None:
    """Create a product with one variant and put it on sale (review is off)."""
    nav(page, "Products")
    page.get_by_role("button", name="New product").click()
    page.get_by_label("Category").select_option(str(category.pk))
    fill_labelled(
        page,
        {
            "Title (Chinese)": "明前龙井",
            "Title (English)": "Pre-Qingming Longjing",
            "SKU": "LJ-250",
            "Options": "weight: 250g",
            "Retail price": PRICE,
            "Stock on hand": "5",
        },
    )
    page.get_by_role("button", name="Save as draft").click()
    status = page.locator("[data-product-status]")
    expect(status).to_have_attribute("data-product-status", "draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(status).to_have_attribute("data-product-status", "live")


def shopper_orders_through_the_api(shopper, vendor) -> VendorOrder:
    api = APIClient()
    api.force_authenticate(shopper)
    address = factories.AddressFactory(user=shopper)
    variant = vendor.products.get().variants.get()
    placed = api.post(
        reverse("store-checkout"),
        {
            "address_id": address.pk,
            "lines": [{"variant_id": variant.pk, "quantity": 1}],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="journey-order-1",
    )
    assert placed.status_code == 201, placed.json()
    vendor_order = VendorOrder.objects.select_related("order").get(vendor=vendor)
    control.pay(vendor_order.order.payment_reference)  # on the sandbox's page
    for event_id in control.pending_event_ids():  # its webhook, over HTTP
        assert send_sandbox_webhook_task(event_id) is True
    process_pending_webhook_events_task()
    assert Order.objects.get(pk=vendor_order.order_id).status == "paid"
    return vendor_order


def ship_from_the_dashboard(page: Page, vendor_order: VendorOrder) -> None:
    nav(page, "Orders")
    page.locator(f'tr[data-order="{vendor_order.order.number}"]').get_by_role(
        "link"
    ).click()
    page.get_by_role("button", name="Accept the order").click()
    status = page.locator("[data-order-status]")
    expect(status).to_have_attribute("data-order-status", "accepted")
    page.get_by_label("Carrier").fill("SF Express")
    page.get_by_label("Tracking number").fill("SF1234567890")
    page.get_by_role("button", name="Mark as shipped").click()
    expect(status).to_have_attribute("data-order-status", "shipped")
    expect(page.locator("[data-shipment]")).to_contain_text("SF1234567890")


def complete_and_hold(shopper, vendor_order: VendorOrder) -> int:
    """The shopper confirms receipt (API); the holding period passes; settle."""
    api = APIClient()
    api.force_authenticate(shopper)
    confirmed = api.post(
        reverse(
            "store-vendor-order-confirm-receipt",
            kwargs={
                "number": vendor_order.order.number,
                "vendor_order_id": vendor_order.pk,
            },
        )
    )
    assert confirmed.status_code == 200, confirmed.json()
    settlement = VendorOrderSettlement.objects.get(vendor_order=vendor_order)
    assert settlement.available_at > timezone.now()  # held for the holding days
    VendorOrderSettlement.objects.filter(pk=settlement.pk).update(  # they pass
        available_at=timezone.now() - timedelta(seconds=1)
    )
    assert settle_due_vendor_orders() == 1  # what the periodic sweep runs
    try:
        wait_for(
            lambda: OutboxMessage.objects.filter(
                topic=SETTLE_TOPIC, delivered_at__isnull=False
            ).exists(),
            timeout=30,
            what="the worker to transfer the vendor's part to its payee account",
        )
    except BaseException:
        print(list(OutboxMessage.objects.values("topic", "attempts", "last_error")))
        raise
    return settlement.vendor_amount


def set_up_payouts(page: Page) -> None:
    """Give the provider the payout details on its hosted page; come back."""
    nav(page, "Money")
    page.get_by_role("button", name="Set up payouts").click()
    page.get_by_role("button", name="Complete onboarding").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def withdraw(page: Page, vendor: Vendor, amount: int) -> Withdrawal:
    nav(page, "Money")
    text = format_amount(amount, "CNY")
    expect(page.locator('[data-balance="available"]')).to_have_text(text)
    expect(page.locator('[data-balance="pending"]')).to_have_text("¥0.00")
    page.get_by_role("button", name="Withdraw", exact=True).click()
    page.get_by_label("Amount").fill(f"{amount / 100:.2f}")
    page.get_by_role("button", name="Request the withdrawal").click()
    status = page.locator("[data-withdrawal-status]")
    expect(status).to_have_attribute("data-withdrawal-status", "pending_approval")
    return Withdrawal.objects.get(vendor=vendor)


def approve_payout_in_back_office(page: Page, withdrawal: Withdrawal, worker) -> None:
    page.goto(reverse("backoffice:payouts"))
    row = page.locator(f'tr[data-withdrawal="{withdrawal.pk}"]')
    row.get_by_role("button", name="Approve").click()
    try:
        wait_for(
            lambda: Withdrawal.objects.get(pk=withdrawal.pk).status == "paid",
            timeout=60,
            what="the worker to pay the withdrawal out",
        )
    except BaseException:  # say why: the outbox, the withdrawal, the worker
        print(list(OutboxMessage.objects.values("topic", "attempts", "last_error")))
        print(Withdrawal.objects.values("status", "failure_reason").get())
        print(worker.log_text()[-3000:])
        raise


@pytest.mark.money
@pytest.mark.parametrize("viewport", ["desktop", "tablet"])
def test_vendor_journey_from_application_to_a_paid_withdrawal(
    new_context,
    live_server,
    celery_worker,  # noqa: F811
    tmp_path,
    axe,
    viewport,
    settings,
):
    # given the platform's rules: listings need no review, payouts need finance
    settings.SITE_URL = live_server.url  # where the provider sends the vendor back
    settings.SANDBOX_WEBHOOK_TRANSPORT = "http"
    settings.PAYMENT_WEBHOOK_URL = f"{live_server.url}/payments/webhooks/sandbox/"
    PlatformRules.objects.create(
        listing_review_required=False, withdrawal_approval_threshold=1_00
    )
    category = factories.CategoryFactory(name_en="Tea", name_zh="茶叶")
    applicant = factories.UserFactory(email="owner@lakeside.test")
    reviewer = factories.OperatorFactory(operator_role=User.OperatorRole.REVIEWER)
    finance = factories.OperatorFactory(operator_role=User.OperatorRole.FINANCE)
    shopper = factories.UserFactory()
    options = {"viewport": TABLET, "has_touch": True} if viewport == "tablet" else {}
    vendor_page = new_context(**options).new_page()
    operator_page = new_context().new_page()

    # a person applies; a reviewer approves the shop in the back office
    vendor = apply_to_sell(vendor_page, applicant, tmp_path)
    sign_in_with_cookie(operator_page, reviewer, live_server)
    approve_in_back_office(operator_page, vendor)

    # the vendor lists a product
    vendor_page.goto(reverse("dashboard:home"))
    expect(vendor_page.get_by_role("heading", name="Overview")).to_be_visible()
    assert axe(vendor_page) == []
    list_a_product(vendor_page, category)
    set_up_payouts(vendor_page)

    # a shopper's order is shipped from the dashboard
    vendor_order = shopper_orders_through_the_api(shopper, vendor)
    ship_from_the_dashboard(vendor_page, vendor_order)
    assert axe(vendor_page) == []

    # after completion and the holding period the amount is available; withdraw it
    amount = complete_and_hold(shopper, vendor_order)
    withdrawal = withdraw(vendor_page, vendor, amount)
    assert withdrawal.amount == amount

    # finance approves the payout; the worker pays it; the vendor sees it paid
    operator_page.context.clear_cookies()
    sign_in_with_cookie(operator_page, finance, live_server)
    approve_payout_in_back_office(operator_page, withdrawal, celery_worker)
    vendor_page.reload()
    expect(vendor_page.locator("[data-withdrawal-status]")).to_have_attribute(
        "data-withdrawal-status", "paid"
    )
    nav(vendor_page, "Withdrawals")
    expect(
        vendor_page.locator(f'tr[data-withdrawal="{withdrawal.pk}"]')
    ).to_have_attribute("data-status", "paid")


# --- the main pages, in both languages, on a desktop and a tablet -----------------
MAIN_PAGES = [
    ("dashboard:home", ()),
    ("dashboard:products", ()),
    ("dashboard:product-new", ()),
    ("dashboard:product", ("product",)),
    ("dashboard:orders", ()),
    ("dashboard:order", ("vendor_order",)),
    ("dashboard:refunds", ()),
    ("dashboard:money", ()),
    ("dashboard:withdrawals", ()),
    ("dashboard:statement", ()),
    ("dashboard:staff", ()),
    ("dashboard:application", ()),
]
LANGUAGES = {"en-US": "en", "zh-CN": "zh-hans"}


def a_busy_shop():
    """An approved shop with a product (and picture), a paid order and a refund
    request, a staff member and an invitation."""
    from orders.services.checkout import place_order
    from orders.services.refunds import request_refund
    from tests.catalog.conftest import make_product
    from tests.orders.conftest import lines, pay

    vendor = factories.VendorFactory(name_en="Lakeside Tea", name_zh="湖畔茶舍")
    product = make_product(vendor=vendor, title_en="Longjing", title_zh="龙井")
    factories.ProductImageFactory(product=product)
    factories.VendorMemberFactory(vendor=vendor, role="staff")
    factories.StaffInvitationFactory(vendor=vendor)
    shopper = factories.UserFactory()
    order = place_order(
        shopper=shopper,
        address_id=factories.AddressFactory(user=shopper).pk,
        lines=lines((product.variants.get(), 2)),
    )
    pay(order)
    vendor_order = order.vendor_orders.get()
    request_refund(
        shopper=shopper,
        vendor_order_id=vendor_order.pk,
        type="refund_only",
        reason="Wrong size",
    )
    return {"vendor": vendor, "product": product, "vendor_order": vendor_order}


@pytest.mark.money
@pytest.mark.parametrize(
    ("locale", "viewport"),
    [("en-US", "desktop"), ("zh-CN", "desktop"), ("en-US", "tablet")],
)
def test_main_dashboard_pages_have_no_serious_accessibility_violations(
    new_context, live_server, axe, locale, viewport
):
    shop = a_busy_shop()
    options = {"viewport": TABLET, "has_touch": True} if viewport == "tablet" else {}
    page = new_context(locale=locale, **options).new_page()
    sign_in_with_cookie(
        page, shop["vendor"].members.get(role="owner").user, live_server
    )

    page.goto(reverse("dashboard:home"))
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGES[locale])
    expect(page.locator("#sales-rows tr")).to_have_count(30)  # a row per day
    drawn = "c => window.Chart.getChart(c) !== undefined"
    for chart in ("orders", "money"):
        assert page.locator(f"canvas[data-chart={chart}]").evaluate(drawn)
    found = {}
    for name, objects in MAIN_PAGES:
        page.goto(reverse(name, args=[shop[o].pk for o in objects]))
        expect(page.locator("main h1")).to_be_visible()
        violations = axe(page)
        if violations:
            found[name] = violations
    assert found == {}


def test_become_a_vendor_page_is_accessible_on_a_tablet(new_context, live_server, axe):
    page = new_context(viewport=TABLET, has_touch=True).new_page()
    sign_in_with_cookie(page, factories.UserFactory(), live_server)

    page.goto(reverse("dashboard:home"))

    expect(page.get_by_role("heading", name="Become a vendor")).to_be_visible()
    page.get_by_role("button", name="Save the application").click()
    expect(page.locator("[data-field-error=company_name]")).to_be_visible()
    assert axe(page) == []


def test_product_search_narrows_the_list_as_the_vendor_types(page, live_server):
    from tests.catalog.conftest import make_product

    vendor = factories.VendorFactory()
    make_product(vendor=vendor, title_en="Longjing green tea", title_zh="龙井")
    make_product(vendor=vendor, title_en="Clay teapot", title_zh="紫砂壶")
    sign_in_with_cookie(page, vendor.members.get().user, live_server)
    page.goto(reverse("dashboard:products"))
    rows = page.locator("tr[data-product]")
    expect(rows).to_have_count(2)

    page.get_by_role("searchbox", name="Search").fill("teapot")

    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Clay teapot")
    expect(page).to_have_url(re.compile(r"\?q=teapot"))
