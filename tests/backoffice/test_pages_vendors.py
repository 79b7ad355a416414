"""The vendor review pages: the queue, an application with its licence inline,
approve / reject with a reason, suspend / reinstate, close, terms and deposit."""

from datetime import timedelta

import pytest
from django.urls import reverse

from marketplace.common.models import AuditEvent
from tests import factories
from vendors.models import Vendor, VendorEvent

pytestmark = pytest.mark.django_db
Status = Vendor.Status


def url(name, *args):
    return reverse(f"backoffice:{name}", args=args)


def test_the_queue_lists_submitted_applications_oldest_first(
    web, operators, submitted_vendor
):
    later = factories.VendorFactory(
        status=Status.SUBMITTED,
        approved_at=None,
        submitted_at=submitted_vendor.submitted_at + timedelta(minutes=5),
    )
    page = web(operators["reviewer"]).get(url("vendors"))

    assert page.status_code == 200
    text = page.content.decode()
    assert text.index(submitted_vendor.name_zh) < text.index(later.name_zh)


def test_the_queue_searches_by_licence_number(web, operators, submitted_vendor):
    page = web(operators["support"]).get(
        url("vendors"),
        {"status": "all", "q": submitted_vendor.business_licence_number},
        HTTP_HX_REQUEST="true",
    )

    assert page.status_code == 200
    assert next(t.name for t in page.templates) == "backoffice/vendors/_results.html"
    assert submitted_vendor.name_zh in page.content.decode()


def test_the_application_shows_the_licence_inline_to_reviewers(
    web, operators, submitted_vendor
):
    client = web(operators["reviewer"])
    page = client.get(url("vendor", submitted_vendor.pk))
    licence = client.get(url("vendor-licence", submitted_vendor.pk))

    assert page.status_code == 200
    assert (
        f'src="{url("vendor-licence", submitted_vendor.pk)}"' in page.content.decode()
    )
    assert licence.status_code == 200
    assert licence["Content-Type"] == "image/webp"


def test_approving_records_who_and_the_deposit(web, operators, submitted_vendor):
    reviewer = operators["reviewer"]

    response = web(reviewer).post(
        url("vendor-approve", submitted_vendor.pk),
        {"approve-deposit_required": "500.00", "approve-reason": "Licence checked"},
    )

    assert response.status_code == 302
    assert response["Location"] == url("vendor", submitted_vendor.pk)
    submitted_vendor.refresh_from_db()
    assert submitted_vendor.status == Status.APPROVED
    assert submitted_vendor.deposit_required == 50000
    event = VendorEvent.objects.get(vendor=submitted_vendor)
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        reviewer,
        Status.SUBMITTED,
        Status.APPROVED,
        "Licence checked",
    )


def test_rejecting_without_a_reason_names_the_field_and_changes_nothing(
    web, operators, submitted_vendor
):
    response = web(operators["reviewer"]).post(
        url("vendor-reject", submitted_vendor.pk), {"reject-reason": "  "}
    )

    assert response.status_code == 400
    form = response.context["reject_form"]
    assert list(form.errors) == ["reason"]
    assert 'id="id_reject-reason-errors"' in response.content.decode()
    submitted_vendor.refresh_from_db()
    assert submitted_vendor.status == Status.SUBMITTED
    assert not VendorEvent.objects.exists()


def test_rejecting_with_a_reason_sends_the_application_back(
    web, operators, submitted_vendor
):
    response = web(operators["reviewer"]).post(
        url("vendor-reject", submitted_vendor.pk),
        {"reject-reason": "The licence is blurred"},
    )

    assert response.status_code == 302
    submitted_vendor.refresh_from_db()
    assert submitted_vendor.status == Status.REJECTED
    assert submitted_vendor.status_reason == "The licence is blurred"


def test_suspend_then_reinstate(web, operators, vendor):
    client = web(operators["reviewer"])

    suspended = client.post(
        url("vendor-suspend", vendor.pk), {"suspend-reason": "Fake goods reported"}
    )
    vendor.refresh_from_db()
    status_after_suspend = vendor.status
    reinstated = client.post(url("vendor-reinstate", vendor.pk), {})
    vendor.refresh_from_db()

    assert (suspended.status_code, reinstated.status_code) == (302, 302)
    assert (status_after_suspend, vendor.status) == (Status.SUSPENDED, Status.APPROVED)
    assert list(
        VendorEvent.objects.filter(vendor=vendor).values_list("to_status", flat=True)
    ) == [Status.SUSPENDED, Status.APPROVED]


def test_a_decision_the_status_does_not_allow_is_refused_on_the_page(
    web, operators, vendor
):
    response = web(operators["reviewer"]).post(
        url("vendor-reinstate", vendor.pk), {"reinstate-reason": ""}
    )

    assert response.status_code == 400
    assert response.context["reinstate_form"].non_field_errors()
    vendor.refresh_from_db()
    assert vendor.status == Status.APPROVED


def test_admin_closes_a_shop(web, operators, vendor):
    response = web(operators["admin"]).post(
        url("vendor-close", vendor.pk), {"close-reason": "Contract ended"}
    )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.status == Status.CLOSED


def test_finance_sets_terms_with_an_audited_old_and_new(web, operators, vendor):
    finance = operators["finance"]

    response = web(finance).post(
        url("vendor-terms", vendor.pk),
        {
            "terms-commission_bps_override": "350",
            "terms-deposit_required": "0",
            "terms-reason": "Negotiated rate",
        },
    )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.commission_bps_override == 350
    audit = AuditEvent.objects.get(action="vendor.terms_changed")
    assert (audit.actor, audit.old, audit.new, audit.reason) == (
        finance,
        {"commission_bps_override": None},
        {"commission_bps_override": 350},
        "Negotiated rate",
    )


def test_terms_out_of_range_name_the_field(web, operators, vendor):
    response = web(operators["finance"]).post(
        url("vendor-terms", vendor.pk),
        {
            "terms-commission_bps_override": "10001",
            "terms-deposit_required": "-1",
            "terms-reason": "",
        },
    )

    assert response.status_code == 400
    assert sorted(response.context["terms_form"].errors) == [
        "commission_bps_override",
        "deposit_required",
        "reason",
    ]
    assert not AuditEvent.objects.exists()


def test_the_page_shows_the_deposit_status(web, operators, vendor):
    vendor.deposit_required = 100000
    vendor.save(update_fields=["deposit_required"])

    page = web(operators["support"]).get(url("vendor", vendor.pk))

    text = page.content.decode()
    assert "¥1,000.00 still to pay" in text
    assert "Approve the application" not in text  # support does not decide
