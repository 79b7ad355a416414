"""Becoming a vendor through the dashboard pages: apply, submit, be rejected, fix."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from tests.catalog.conftest import png_bytes
from vendors import services
from vendors.models import Vendor, VendorMember

pytestmark = pytest.mark.django_db

APPLICATION = {
    "name_zh": "湖畔茶舍",
    "name_en": "Lakeside Tea",
    "company_name": "Lakeside Tea Trading Ltd",
    "contact_name": "Wang Fang",
    "contact_phone": "13800000001",
    "contact_email": "owner@lakeside.test",
    "business_licence_number": "91330100MA2B3C4D5E",
    "pricing_model": "commission",
    "recipient": "Wang Fang",
    "phone": "13800000001",
    "country_code": "CN",
    "province_code": "330000",
    "city_code": "330100",
    "district_code": "330106",
    "detail": "1 Lake Road",
    "postal_code": "310000",
}


def licence():
    return SimpleUploadedFile("licence.png", png_bytes(), "image/png")


def test_anonymous_visitor_is_sent_to_the_store_sign_in(client):
    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:sign-in") + "?next=")


def test_signed_in_user_without_a_shop_is_offered_to_apply(web_for):
    shopper = web_for(factories.UserFactory())

    response = shopper.get(reverse("dashboard:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:apply")
    assert shopper.get(reverse("dashboard:apply")).status_code == 200


def test_vendor_signing_in_at_the_store_lands_on_the_dashboard(client, vendor_owner):
    response = client.post(
        reverse("storefront:sign-in"),
        {"username": vendor_owner.email, "password": factories.PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")


def test_shopper_signing_in_still_lands_on_the_store(client):
    shopper = factories.UserFactory()

    response = client.post(
        reverse("storefront:sign-in"),
        {"username": shopper.email, "password": factories.PASSWORD},
    )

    assert response["Location"] == reverse("storefront:home")


def test_apply_with_a_bad_licence_number_names_the_field_and_saves_nothing(web_for):
    user = factories.UserFactory()

    response = web_for(user).post(
        reverse("dashboard:apply"),
        {**APPLICATION, "business_licence_number": "bad"},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["business_licence_number"]
    assert not VendorMember.objects.filter(user=user).exists()


def test_apply_submit_rejected_then_fixed_and_resubmitted(web_for, operator):
    # given a user who applies with a licence image
    user = factories.UserFactory()
    web = web_for(user)
    response = web.post(
        reverse("dashboard:apply"), {**APPLICATION, "licence_image": licence()}
    )
    assert response.status_code == 302
    vendor = Vendor.objects.get(members__user=user)
    assert (vendor.status, vendor.company_name) == (
        "draft",
        APPLICATION["company_name"],
    )

    # when it submits, and the reviewer rejects it with a reason
    web.post(reverse("dashboard:application-submit"))
    vendor.refresh_from_db()
    assert vendor.status == "submitted"
    services.reject_vendor(vendor=vendor, actor=operator, reason="Licence is blurred")

    # then the page shows the reason and the form again
    page = web.get(reverse("dashboard:application"))
    assert page.context["editable"] is True
    assert "Licence is blurred" in page.content.decode()

    # and the owner fixes it and submits it again
    fixed = web.post(
        reverse("dashboard:application"),
        {
            **APPLICATION,
            "company_name": "Lakeside Tea Co Ltd",
            "licence_image": licence(),
        },
    )
    assert fixed.status_code == 302
    web.post(reverse("dashboard:application-submit"))
    vendor.refresh_from_db()
    assert (vendor.status, vendor.company_name) == ("submitted", "Lakeside Tea Co Ltd")


def test_submitting_without_a_licence_says_which_field_is_missing(web_for):
    user = factories.UserFactory()
    web = web_for(user)
    web.post(reverse("dashboard:apply"), APPLICATION)

    response = web.post(reverse("dashboard:application-submit"), follow=True)

    vendor = Vendor.objects.get(members__user=user)
    assert vendor.status == "draft"
    assert [str(m) for m in response.context["messages"]][-1] == (
        "Business-licence image: Fill this in before submitting."
    )


def test_vendor_not_approved_is_held_on_its_application(web_for):
    vendor = factories.VendorFactory(status=Vendor.Status.SUBMITTED)
    web = web_for(vendor.members.get().user)

    for name in ("dashboard:home", "dashboard:products", "dashboard:orders"):
        response = web.get(reverse(name))
        assert (response.status_code, response["Location"]) == (
            302,
            reverse("dashboard:application"),
        )


def test_staff_cannot_submit_or_see_the_edit_form(staff_web, vendor):
    Vendor.objects.filter(pk=vendor.pk).update(status=Vendor.Status.REJECTED)

    page = staff_web.get(reverse("dashboard:application"))
    submit = staff_web.post(reverse("dashboard:application-submit"))

    assert page.context["editable"] is False
    assert submit.status_code == 403
