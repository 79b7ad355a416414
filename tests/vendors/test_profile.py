"""The shop profile the vendor edits, and the public profile shoppers see."""

import pytest
from django.urls import reverse

from marketplace.common.models import AuditEvent
from tests import factories
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_the_owner_edits_names_and_shipping_with_an_audit_row(client_for, vendor):
    owner = vendor.members.get().user
    response = client_for(owner).patch(
        reverse("vendor-profile"),
        {"name_en": "Tea Hill", "shipping_fee": 800, "free_shipping_threshold": None},
        format="json",
    )
    assert response.status_code == 200
    vendor.refresh_from_db()
    assert (vendor.name_en, vendor.shipping_fee, vendor.free_shipping_threshold) == (
        "Tea Hill",
        800,
        None,
    )
    audit = AuditEvent.objects.get()
    assert (audit.actor, audit.action, audit.new) == (
        owner,
        "vendor.profile_changed",
        {"name_en": "Tea Hill", "shipping_fee": 800, "free_shipping_threshold": None},
    )


def test_staff_edit_descriptions_but_not_shipping_charges(client_for, vendor):
    staff = factories.VendorMemberFactory(vendor=vendor, role="staff").user
    client = client_for(staff)
    described = client.patch(
        reverse("vendor-profile"), {"description_en": "Fresh tea"}, format="json"
    )
    charged = client.patch(
        reverse("vendor-profile"), {"shipping_fee": 0}, format="json"
    )
    assert (described.status_code, charged.status_code) == (200, 403)
    vendor.refresh_from_db()
    assert (vendor.description_en, vendor.shipping_fee) == ("Fresh tea", 1000)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"shipping_fee": -1}, "shipping_fee"),
        ({"shipping_fee": 10**20}, "shipping_fee"),
        ({"shipping_fee": "1e3"}, "shipping_fee"),
        ({"shipping_fee": "NaN"}, "shipping_fee"),
        ({"name_zh": "x" * 10_240}, "name_zh"),
        ({"description_en": "x" * 10_240}, "description_en"),
    ],
)
def test_bad_profile_input_is_named_and_nothing_changes(
    client_for, vendor, body, field
):
    response = client_for(vendor.members.get().user).patch(
        reverse("vendor-profile"), body, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "status", [Vendor.Status.DRAFT, Vendor.Status.SUBMITTED, Vendor.Status.SUSPENDED]
)
def test_the_profile_needs_an_approved_shop(client_for, status):
    vendor = factories.VendorFactory(status=status)
    response = client_for(vendor.members.get().user).get(reverse("vendor-profile"))
    assert response.status_code == 409


def test_the_public_profile_shows_the_licence_details_but_no_contact(api, vendor):
    response = api.get(reverse("store-vendor", kwargs={"slug": vendor.slug}))
    assert response.status_code == 200
    body = response.json()
    assert (body["company_name"], body["business_licence_number"]) == (
        vendor.company_name,
        vendor.business_licence_number,
    )
    assert set(body) == {
        "slug",
        "name_en",
        "name_zh",
        "description_en",
        "description_zh",
        "company_name",
        "business_licence_number",
        "currency",
        "shipping_fee",
        "free_shipping_threshold",
        "approved_at",
    }


@pytest.mark.parametrize(
    "status",
    [s for s in Vendor.Status if s != Vendor.Status.APPROVED],
)
def test_only_approved_shops_have_a_public_profile(api, status):
    vendor = factories.VendorFactory(status=status)
    response = api.get(reverse("store-vendor", kwargs={"slug": vendor.slug}))
    assert response.status_code == 404
