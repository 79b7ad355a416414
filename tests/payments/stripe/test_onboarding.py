"""A vendor opens its connected account from the dashboard API and onboards."""

import pytest
from django.urls import reverse

from orders.models import VendorPayee
from tests import factories
from tests.payments.contract.conftest import process_webhooks
from vendors.models import VendorMember

pytestmark = pytest.mark.django_db
LINK = reverse("vendor-payee-onboarding-link")
PAYEE = reverse("vendor-payee")


def test_the_owner_gets_a_hosted_onboarding_link_for_one_account(
    client_for, vendor, vendor_owner, stripe_fake
):
    owner = client_for(vendor_owner)

    first = owner.post(LINK)
    second = owner.post(LINK)

    payee = VendorPayee.objects.get(vendor=vendor)
    assert first.status_code == second.status_code == 200
    assert first.json()["url"].startswith(
        f"https://connect.stripe.com/setup/e/{payee.account_ref}/"
    )
    assert first.json()["url"] != second.json()["url"]  # a link is single use
    assert (payee.provider, payee.payouts_enabled) == ("stripe_connect", None)
    assert [o for o in stripe_fake.server.objects.values() if o["object"] == "account"]


def test_account_updated_tells_the_vendor_it_can_be_paid(
    client_for, vendor, vendor_owner, stripe_fake
):
    owner = client_for(vendor_owner)
    owner.post(LINK)
    payee = VendorPayee.objects.get(vendor=vendor)

    stripe_fake.onboard_payee(payee.account_ref)
    stripe_fake.deliver_webhooks()
    process_webhooks()

    assert owner.get(PAYEE).json() == {
        "provider": "stripe_connect",
        "account_ref": payee.account_ref,
        "payouts_enabled": True,
    }


def test_staff_cannot_open_the_account(client_for, vendor, stripe_fake):
    staff = factories.VendorMemberFactory(vendor=vendor, role=VendorMember.Role.STAFF)

    response = client_for(staff.user).post(LINK)

    assert response.status_code == 403
    assert not VendorPayee.objects.filter(vendor=vendor).exists()
