"""The operator back office in a real Chromium: review a vendor, approve a payout,
change a rule, a tablet, and axe-core on the main pages in both languages."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from marketplace.rules.models import PlatformRules
from tests.browser import backoffice
from vendors.models import Vendor, VendorEvent, Withdrawal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.money]
TABLET = {"width": 820, "height": 1180}
TABLET_PAGES = (
    "/backoffice/",
    "/backoffice/vendors/?status=all",
    "/backoffice/rules/",
    "/backoffice/payouts/",
)


@pytest.fixture
def seeded() -> backoffice.Seeded:
    return backoffice.seed()


def test_a_reviewer_approves_an_application_with_its_deposit(page, seeded, live_server):
    reviewer = seeded.operators["reviewer"]
    backoffice.sign_in_with_cookie(page, reviewer, live_server)

    backoffice.approve_vendor(
        page, seeded.applicant, deposit="2000", reason="Licence matches the company"
    )

    expect(page.locator("[data-vendor-status]")).to_have_text("Approved")
    seeded.applicant.refresh_from_db()
    assert seeded.applicant.status == Vendor.Status.APPROVED
    assert seeded.applicant.deposit_required == 200000
    event = VendorEvent.objects.get(vendor=seeded.applicant)
    assert (event.actor_id, event.reason) == (
        reviewer.pk,
        "Licence matches the company",
    )


def test_a_rejection_without_a_reason_says_so_next_to_the_field(
    page, seeded, live_server
):
    backoffice.sign_in_with_cookie(page, seeded.operators["reviewer"], live_server)
    page.goto(reverse("backoffice:vendor", args=[seeded.applicant.pk]))

    form = page.get_by_role("form", name="Reject the application")
    form.get_by_role("button", name="Reject").click()

    field = page.get_by_role("form", name="Reject the application").get_by_label(
        "Reason"
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_reject-reason-errors")).to_be_visible()
    seeded.applicant.refresh_from_db()
    assert seeded.applicant.status == Vendor.Status.SUBMITTED


def test_finance_approves_a_payout(page, seeded, live_server):
    backoffice.sign_in_with_cookie(page, seeded.operators["finance"], live_server)

    backoffice.approve_payout(page, seeded.withdrawal)

    seeded.withdrawal.refresh_from_db()
    assert seeded.withdrawal.status == Withdrawal.Status.PENDING


def test_support_sees_no_payouts_in_the_navigation_and_is_refused(
    page, seeded, live_server
):
    backoffice.sign_in_with_cookie(page, seeded.operators["support"], live_server)
    page.goto("/backoffice/")

    nav = page.get_by_role("navigation", name="Back office")
    expect(nav.get_by_role("link", name="Orders")).to_be_visible()
    expect(nav.get_by_role("link", name="Payouts")).to_have_count(0)
    response = page.goto("/backoffice/payouts/")
    assert response.status == 403


def test_an_admin_changes_a_rule_and_the_history_shows_who_old_and_new(
    page, seeded, live_server
):
    admin = seeded.operators["admin"]
    backoffice.sign_in_with_cookie(page, admin, live_server)
    page.goto("/backoffice/rules/")

    page.get_by_label("Holding days").fill("14")
    page.get_by_label("Reason", exact=True).first.fill("Longer returns window")
    page.get_by_role("button", name="Save rules").click()

    expect(page.get_by_role("status")).to_contain_text("The rules are saved.")
    change = page.locator("[data-rule-change='holding_days']").first
    expect(change).to_contain_text(admin.email)
    expect(change.locator(".diff-old")).to_have_text("7")
    expect(change.locator(".diff-new")).to_have_text("14")
    expect(change).to_contain_text("Longer returns window")
    assert PlatformRules.objects.order_by("-id").first().holding_days == 14


def test_on_a_tablet_the_pages_fit_and_a_payout_is_approved(
    new_context, seeded, live_server
):
    page = new_context(viewport=TABLET, is_mobile=True, has_touch=True).new_page()
    backoffice.sign_in_with_cookie(page, seeded.operators["admin"], live_server)

    for path in TABLET_PAGES:
        page.goto(path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= TABLET["width"], path
    nav = page.get_by_role("navigation", name="Back office")
    expect(nav.get_by_role("link", name="Payouts")).to_be_visible()
    backoffice.approve_payout(page, seeded.withdrawal)


def test_the_report_draws_its_charts(page, seeded, live_server):
    backoffice.sign_in_with_cookie(page, seeded.operators["finance"], live_server)
    page.goto("/backoffice/reports/")

    expect(page.locator("html[data-charts-drawn='true']")).to_have_count(1)
    expect(page.locator("canvas[data-chart]")).to_have_count(3)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename.startswith("report-")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_back_office_pages_have_no_serious_accessibility_violations(
    new_context, axe, seeded, live_server, locale
):
    page = new_context(locale=locale).new_page()
    backoffice.sign_in_with_cookie(page, seeded.operators["admin"], live_server)
    pages = {
        "overview": "/backoffice/",
        "vendor queue": "/backoffice/vendors/",
        "application": f"/backoffice/vendors/{seeded.applicant.pk}/",
        "listings": "/backoffice/listings/",
        "listing": f"/backoffice/listings/{seeded.listing.pk}/",
        "rules": "/backoffice/rules/",
        "orders": "/backoffice/orders/",
        "order": f"/backoffice/orders/{seeded.order_number}/",
        "payouts": "/backoffice/payouts/",
        "reconciliation": "/backoffice/reconciliation/",
        "ledger": "/backoffice/ledger/",
        "reports": "/backoffice/reports/",
    }
    found = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response.status == 200, name
        found[name] = axe(page)

    assert found == {name: [] for name in pages}
