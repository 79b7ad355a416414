"""The private licence scan reaches its owner and reviewers, and nobody else."""

import pytest
from django.urls import reverse

from marketplace.accounts.models import User
from tests import factories
from tests.vendors.helpers import licence_upload
from vendors import services
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def licensed_vendor(db):
    """An approved vendor whose owner uploaded a licence scan."""
    vendor = factories.VendorFactory(status=Vendor.Status.DRAFT)
    owner = vendor.members.get().user
    services.update_application(
        vendor=vendor, actor=owner, data={}, licence_image=licence_upload()
    )
    Vendor.objects.filter(pk=vendor.pk).update(status=Vendor.Status.APPROVED)
    vendor.refresh_from_db()
    return vendor


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_owner_gets_the_licence_privately(client_for, licensed_vendor):
    owner = licensed_vendor.members.get().user
    response = client_for(owner).get(reverse("vendor-application-licence"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, no-store"
    assert _content(response) == licensed_vendor.licence_image.read()


def test_another_vendor_gets_only_its_own_licence(client_for, licensed_vendor):
    # given another vendor, without a licence scan
    other_owner = factories.VendorFactory().members.get().user
    # when its owner asks for "the" licence
    response = client_for(other_owner).get(reverse("vendor-application-licence"))
    # then there is none to see: the first vendor's is never served
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("who", "expected"),
    [("staff", 403), ("shopper", 403), ("anonymous", 403)],
)
def test_others_cannot_fetch_the_owners_licence(
    api, client_for, licensed_vendor, who, expected
):
    if who == "staff":
        user = factories.VendorMemberFactory(vendor=licensed_vendor, role="staff").user
        client = client_for(user)
    elif who == "shopper":
        client = client_for(factories.UserFactory())
    else:
        client = api
    response = client.get(reverse("vendor-application-licence"))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 200),
        ("reviewer", 200),
        ("finance", 403),
        ("support", 403),
        ("shopper", 403),
        ("owner", 403),
        ("other_vendor", 403),
        ("anonymous", 403),
    ],
)
def test_the_ops_licence_view_serves_reviewers_only(
    api, client_for, licensed_vendor, role, expected
):
    if role in User.OperatorRole.values:
        client = client_for(factories.OperatorFactory(operator_role=role))
    elif role == "owner":
        client = client_for(licensed_vendor.members.get().user)
    elif role == "other_vendor":
        client = client_for(factories.VendorFactory().members.get().user)
    elif role == "shopper":
        client = client_for(factories.UserFactory())
    else:
        client = api
    url = reverse("ops-vendor-licence", kwargs={"vendor_id": licensed_vendor.pk})
    response = client.get(url)
    assert response.status_code == expected


def test_the_licence_has_no_public_url(client_for, licensed_vendor, operator):
    # the stored file lives outside MEDIA_ROOT, and the API never shows its path
    detail = client_for(operator).get(
        reverse("ops-vendor-detail", kwargs={"vendor_id": licensed_vendor.pk})
    )
    assert "licence_image" not in detail.json()
    assert detail.json()["licence_url"] == reverse(
        "ops-vendor-licence", kwargs={"vendor_id": licensed_vendor.pk}
    )
    public = client_for(factories.UserFactory()).get(
        reverse("store-vendor", kwargs={"slug": licensed_vendor.slug})
    )
    assert "licence_image" not in public.json()
    assert "licence_url" not in public.json()
