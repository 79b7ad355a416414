"""The shopper's store pages in Chromium: a seeded tea catalogue of two shops, and
the steps of the store journey, shared by the desktop and phone walks.

The steps act through the pages as a shopper would (labels, roles, the pages'
``data-*`` hooks) and wait with Playwright's ``expect``; nothing sleeps. What happens
off the page (the sandbox's webhook, a vendor shipping) is done by the test, through
the same task or API the real worker or vendor uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from marketplace.catalog.search import reindex_products
from marketplace.payments.sandbox import control
from orders.models import Order, VendorOrder
from orders.services import cart as cart_services
from orders.services.checkout import place_order
from orders.tasks import process_pending_webhook_events_task
from tests import factories
from tests.factories import PASSWORD

# Longjing 100 g: ¥129.00, free shipping (over ¥99.00); Pu'er 2 × ¥45.50 + ¥10.00.
GRAND_TOTAL = "¥230.00"
ADDRESS = {
    "recipient": "韩梅梅",
    "phone": "13900000000",
    "province_code": "110000",
    "city_code": "110100",
    "district_code": "110105",
    "detail": "朝阳区建国路 8 号",
}


@dataclass
class Catalog:
    """Two approved shops whose Chinese titles share 茶, and a teapot to filter out."""

    tea: object  # the 茶叶 category
    teaware: object  # the 茶具 category
    tea_house: object  # vendor: Longjing, two sizes
    leaf: object  # vendor: Pu'er, and the teapot
    longjing: object
    longjing_50g: object
    longjing_100g: object
    puer: object
    puer_cake: object
    teapot: object


def seed_catalog() -> Catalog:
    tea = factories.CategoryFactory(name_en="Tea", name_zh="茶叶")
    teaware = factories.CategoryFactory(name_en="Teaware", name_zh="茶具")
    tea_house = factories.VendorFactory(
        name_en="West Lake Tea House", name_zh="西湖茶庄"
    )
    leaf = factories.VendorFactory(name_en="Yunnan Leaf", name_zh="云南茶叶铺")
    longjing = factories.ProductFactory(
        vendor=tea_house,
        category=tea,
        title_en="Longjing green tea",
        title_zh="龙井绿茶",
    )
    small, large = (
        factories.VariantFactory(
            product=longjing,
            attributes={"weight": weight},
            retail_price=price,
            stock_on_hand=10,
        )
        for weight, price in (("50g", 6800), ("100g", 12900))
    )
    puer = factories.ProductFactory(
        vendor=leaf, category=tea, title_en="Pu'er tea cake", title_zh="普洱茶饼"
    )
    cake = factories.VariantFactory(
        product=puer, attributes={"weight": "357g"}, retail_price=4550
    )
    teapot = factories.ProductFactory(
        vendor=leaf, category=teaware, title_en="Clay teapot", title_zh="紫砂茶壶"
    )
    factories.VariantFactory(product=teapot, retail_price=24900)
    reindex_products()
    return Catalog(
        tea, teaware, tea_house, leaf, longjing, small, large, puer, cake, teapot
    )


def owner_api(vendor) -> APIClient:
    """The vendor API, signed in as the vendor's owner."""
    client = APIClient()
    client.force_authenticate(vendor.members.get().user)
    return client


def ship(vendor_order: VendorOrder, tracking_number: str) -> None:
    """The vendor accepts and ships its part through the vendor API."""
    api = owner_api(vendor_order.vendor)
    kwargs = {"vendor_order_id": vendor_order.pk}
    accepted = api.post(reverse("vendor-order-accept", kwargs=kwargs))
    shipped = api.post(
        reverse("vendor-order-ship", kwargs=kwargs),
        {"carrier": "SF Express", "tracking_number": tracking_number},
        format="json",
    )
    assert (accepted.status_code, shipped.status_code) == (200, 200), shipped.json()


def sign_in_with_cookie(page: Page, user, live_server) -> None:
    """Put a session of ``user`` (from ``Client.force_login``) in the page's browser."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session,
                "url": live_server.url,
            }
        ]
    )


def fill_cart(shopper, *pairs) -> None:
    cart = cart_services.get_or_create_cart(user=shopper)
    for variant, quantity in pairs:
        cart_services.add_cart_line(cart=cart, variant_id=variant.pk, quantity=quantity)


def paid_order(shopper, catalog: Catalog, webhooks) -> Order:
    """An order of both shops, paid on the sandbox and confirmed by its webhook."""
    address = factories.AddressFactory(user=shopper)
    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=[
            {"variant_id": catalog.longjing_100g.pk, "quantity": 1},
            {"variant_id": catalog.puer_cake.pk, "quantity": 2},
        ],
    )
    order.refresh_from_db()
    control.pay(order.payment_reference)
    settle_payment(webhooks)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


def settle_payment(webhooks) -> None:
    """The sandbox's webhooks reach the app over HTTP; the orders task applies them."""
    assert webhooks()
    assert process_pending_webhook_events_task() >= 1


def part(page: Page, vendor_name: str):
    """The order page's part of one shop."""
    return page.locator("[data-vendor-part]").filter(has_text=vendor_name)


# --- the steps of the journey -----------------------------------------------------
def search_in_chinese(page: Page, catalog: Catalog) -> None:
    """Search 茶 from the header; filter to the 茶叶 category: the teapot drops out."""
    page.goto("/")
    page.get_by_role("searchbox", name="Search products").fill("茶")
    page.get_by_role("searchbox", name="Search products").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=%E8%8C%B6$"))
    results = page.locator("#search .products .product")
    expect(page.locator("#results-heading")).to_have_text("3 products")
    expect(results.filter(has_text="Clay teapot")).to_have_count(1)

    filters = page.locator("details[data-filters]")
    if not filters.evaluate("d => d.open"):  # folded on a phone
        filters.locator("summary").click()
    page.get_by_label("Category", exact=True).select_option(str(catalog.tea.pk))
    expect(page).to_have_url(re.compile(rf"category={catalog.tea.pk}"))
    expect(page.locator("#results-heading")).to_have_text("2 products")
    expect(results).to_have_count(2)
    expect(results.filter(has_text="Clay teapot")).to_have_count(0)


def open_product(page: Page, title: str) -> None:
    page.locator("#search .product").filter(has_text=title).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def add_to_cart(page: Page, *, items_in_cart: int, quantity: int = 1) -> None:
    if quantity != 1:
        page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Added to your cart.")
    expect(page.locator("#cart-count")).to_have_text(str(items_in_cart))


def fill_two_shops_cart(page: Page, catalog: Catalog) -> None:
    """Longjing 100 g (picked in the variant picker) and two Pu'er cakes."""
    results = page.url
    open_product(page, "Longjing green tea")
    expect(page.locator("[data-price]")).to_have_text("¥68.00")
    page.get_by_role("radio", name=re.compile(r"^100g")).check()
    expect(page.locator("[data-price]")).to_have_text("¥129.00")
    expect(page).to_have_url(re.compile(rf"variant={catalog.longjing_100g.pk}"))
    add_to_cart(page, items_in_cart=1)

    page.goto(results)
    open_product(page, "Pu'er tea cake")
    expect(page.get_by_role("radio")).to_have_count(0)  # one variant: no picker
    add_to_cart(page, items_in_cart=3, quantity=2)


def review_cart(page: Page) -> None:
    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    shops = page.locator("article.cart-shop")
    expect(shops).to_have_count(2)
    expect(shops.nth(0).get_by_role("heading")).to_have_text("West Lake Tea House")
    expect(shops.nth(1).get_by_role("heading")).to_have_text("Yunnan Leaf")
    expect(shops.nth(1)).to_contain_text("Shipping from this shop: ¥10.00")
    expect(page.locator(".cart-summary .grand-total")).to_have_text(
        f"Total: {GRAND_TOTAL}"
    )
    page.get_by_role("button", name="Check out").click()


def sign_in_on_page(page: Page, user) -> None:
    """The sign-in page, reached from a page that needs a shopper."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def check_out_with_a_new_address(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.locator(".review-shop")).to_have_count(2)
    place = page.get_by_role("button", name="Place order and pay")
    expect(place).to_be_disabled()  # no address yet
    for name, value in ADDRESS.items():
        page.locator(f"#id_address-{name}").fill(value)
    page.get_by_role("button", name="Save this address").click()
    expect(
        page.get_by_role("radio", name=re.compile(ADDRESS["recipient"]))
    ).to_be_checked()
    expect(page.locator(".grand-total")).to_have_text(f"To pay: {GRAND_TOTAL}")
    place.click()


def pay_on_sandbox(page: Page, button: str = "Pay") -> str:
    """Choose ``button`` on the hosted page; return the order number it went back to."""
    expect(page).to_have_url(re.compile(r"/sandbox/pay/[^/]+/$"))
    expect(page.get_by_test_id("test-mode")).to_be_visible()
    expect(page.get_by_test_id("amount")).to_have_text(GRAND_TOTAL)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/\?payment_id="))
    return re.search(r"/orders/([^/]+)/", page.url).group(1)


def wait_for_payment(page: Page, webhooks) -> None:
    """The page waits on the real status, and reloads itself once it is paid."""
    expect(page.locator("[data-result]")).to_have_attribute(
        "data-result", "pending_payment"
    )
    expect(page.locator("[data-result]")).to_contain_text(
        "Waiting for the payment provider"
    )
    settle_payment(webhooks)
    statuses = page.locator("[data-part-status]")
    expect(statuses).to_have_count(2)
    for index in range(2):
        expect(statuses.nth(index)).to_have_attribute("data-part-status", "paid")
    expect(page.locator("[data-result]")).to_have_count(0)


def follow_parcels_and_confirm(page: Page, number: str, catalog: Catalog) -> None:
    """Both vendors ship through the API; the shopper sees tracking, confirms each."""
    parts = page.locator("[data-vendor-part]")
    expect(parts).to_have_count(2)
    expect(page.locator("[data-tracking]")).to_have_count(0)
    for vendor, tracking in (
        (catalog.tea_house, "SF1000000001"),
        (catalog.leaf, "YT2000000002"),
    ):
        ship(VendorOrder.objects.get(order__number=number, vendor=vendor), tracking)
    page.reload()
    tea = part(page, "West Lake Tea House")
    expect(tea.locator("[data-tracking]")).to_contain_text("SF Express SF1000000001")
    expect(page.locator("[data-tracking]")).to_have_count(2)

    for name in ("West Lake Tea House", "Yunnan Leaf"):
        shop = part(page, name)
        expect(shop.locator("[data-part-status]")).to_have_attribute(
            "data-part-status", "shipped"
        )
        shop.get_by_role("button", name="Confirm receipt").click()
        expect(page.locator(".messages")).to_have_text("Thank you: receipt confirmed.")
        expect(part(page, name).locator("[data-part-status]")).to_have_attribute(
            "data-part-status", "completed"
        )
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", "completed"
    )
    expect(page.get_by_role("button", name="Confirm receipt")).to_have_count(0)


def walk_the_journey(
    page: Page, *, shopper, catalog: Catalog, webhooks, signed_in: bool, axe=None
) -> str:
    """Search, filter, two shops' products, checkout, pay, ship, confirm: completed.

    Unless ``signed_in``, the shopper browses anonymously and signs in on the page
    checkout sends them to; their cart follows them. ``axe``, when given, checks
    each page on the way. Return the order number.
    """

    def check() -> None:
        if axe is not None:
            assert axe(page) == [], page.url

    search_in_chinese(page, catalog)
    check()
    fill_two_shops_cart(page, catalog)
    check()
    review_cart(page)
    if not signed_in:
        expect(page).to_have_url(re.compile(r"/account/sign-in/\?next=/checkout/$"))
        sign_in_on_page(page, shopper)
    check_out_with_a_new_address(page)
    number = pay_on_sandbox(page)
    wait_for_payment(page, webhooks)
    check()
    follow_parcels_and_confirm(page, number, catalog)
    return number
