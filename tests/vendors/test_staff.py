"""Vendor staff: the owner invites, staff cannot manage staff, a shop keeps an owner."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marketplace.common.models import AuditEvent, OutboxMessage
from marketplace.common.services import deliver_outbox_message
from marketplace.outbox import HANDLERS
from tests import factories
from vendors.models import StaffInvitation, Vendor, VendorMember

pytestmark = pytest.mark.django_db


def _staff_of(vendor, **kwargs) -> VendorMember:
    return factories.VendorMemberFactory(vendor=vendor, role="staff", **kwargs)


def _accept(client, token):
    return client.post(reverse("store-invitation-accept"), {"token": token})


def test_the_owner_invites_and_the_invitee_joins_as_staff(client_for, vendor):
    # given the owner of an approved shop
    owner = vendor.members.get().user
    # when they invite an address
    invited = client_for(owner).post(
        reverse("vendor-staff"), {"email": "Helper@Example.test"}, format="json"
    )
    # then an invitation is pending, its code is not in the answer, and the email is
    # queued in the outbox
    assert invited.status_code == 201
    assert set(invited.json()) == {
        "id",
        "email",
        "role",
        "status",
        "created_at",
        "expires_at",
    }
    invitation = StaffInvitation.objects.get()
    assert (invitation.email, invitation.role, invitation.status) == (
        "helper@example.test",
        "staff",
        "pending",
    )
    message = OutboxMessage.objects.get()
    assert (message.topic, message.key, message.payload) == (
        "vendor.staff_invited",
        f"vendor:{vendor.pk}:invitation:{invitation.pk}",
        {"invitation_id": invitation.pk},
    )
    # when the outbox delivers it and the invitee signs up and accepts the code
    assert deliver_outbox_message(message_id=message.pk, handlers=HANDLERS)
    assert mail.outbox[0].to == ["helper@example.test"]
    assert invitation.token in mail.outbox[0].body
    helper = factories.UserFactory(email="helper@example.test")
    accepted = _accept(client_for(helper), invitation.token)
    # then they are staff of the shop
    assert accepted.status_code == 200
    assert accepted.json()["role"] == "staff"
    assert list(vendor.members.values_list("user__email", "role")) == [
        (owner.email, "owner"),
        ("helper@example.test", "staff"),
    ]
    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def test_inviting_the_same_address_again_replaces_the_pending_invitation(
    client_for, vendor
):
    client = client_for(vendor.members.get().user)
    for _ in range(2):
        response = client.post(
            reverse("vendor-staff"), {"email": "a@example.test"}, format="json"
        )
        assert response.status_code == 201
    assert list(StaffInvitation.objects.order_by("id").values_list("status")) == [
        ("revoked",),
        ("pending",),
    ]


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("post", "vendor-staff", {"email": "x@example.test"}),
        ("get", "vendor-invitations", None),
        ("patch", "vendor-staff-detail", {"role": "staff"}),
        ("delete", "vendor-staff-detail", None),
        ("delete", "vendor-invitation-detail", None),
    ],
)
def test_staff_cannot_manage_staff(client_for, vendor, method, route, body):
    # given a staff member, the owner and a pending invitation
    staff = _staff_of(vendor).user
    owner_membership = vendor.members.get(role="owner")
    invitation = factories.StaffInvitationFactory(vendor=vendor)
    kwargs = {
        "vendor-staff-detail": {"member_id": owner_membership.pk},
        "vendor-invitation-detail": {"invitation_id": invitation.pk},
    }.get(route, {})
    # when the staff member tries to manage staff
    response = getattr(client_for(staff), method)(
        reverse(route, kwargs=kwargs), body, format="json"
    )
    # then 403 and nothing changed
    assert response.status_code == 403
    assert list(vendor.members.order_by("id").values_list("role", flat=True)) == [
        "owner",
        "staff",
    ]
    assert list(StaffInvitation.objects.values_list("status", flat=True)) == ["pending"]
    assert AuditEvent.objects.count() == 0


def test_staff_may_list_their_colleagues(client_for, vendor):
    staff = _staff_of(vendor).user
    response = client_for(staff).get(reverse("vendor-staff"))
    assert response.status_code == 200
    assert [m["role"] for m in response.json()] == ["owner", "staff"]


def test_the_owner_removes_a_staff_member(client_for, vendor):
    member = _staff_of(vendor)
    owner = vendor.members.get(role="owner").user
    response = client_for(owner).delete(
        reverse("vendor-staff-detail", kwargs={"member_id": member.pk})
    )
    assert response.status_code == 204
    assert list(vendor.members.values_list("role", flat=True)) == ["owner"]
    audit = AuditEvent.objects.get()
    assert (audit.actor, audit.action, audit.old) == (
        owner,
        "vendor.staff_removed",
        {"member_id": member.pk, "user_id": member.user_id, "role": "staff"},
    )


@pytest.mark.parametrize(
    ("method", "body"), [("delete", None), ("patch", {"role": "staff"})]
)
def test_the_last_owner_can_neither_leave_nor_be_demoted(
    client_for, vendor, method, body
):
    owner_membership = vendor.members.get()
    response = getattr(client_for(owner_membership.user), method)(
        reverse("vendor-staff-detail", kwargs={"member_id": owner_membership.pk}),
        body,
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"
    owner_membership.refresh_from_db()
    assert owner_membership.role == "owner"


def test_an_owner_may_step_down_once_another_owner_exists(client_for, vendor):
    first = vendor.members.get()
    second = _staff_of(vendor)
    client = client_for(first.user)
    promoted = client.patch(
        reverse("vendor-staff-detail", kwargs={"member_id": second.pk}),
        {"role": "owner"},
        format="json",
    )
    demoted = client.patch(
        reverse("vendor-staff-detail", kwargs={"member_id": first.pk}),
        {"role": "staff"},
        format="json",
    )
    assert (promoted.status_code, demoted.status_code) == (200, 200)
    assert dict(vendor.members.values_list("pk", "role")) == {
        first.pk: "staff",
        second.pk: "owner",
    }


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("patch", "vendor-staff-detail", {"role": "owner"}),
        ("delete", "vendor-staff-detail", None),
        ("delete", "vendor-invitation-detail", None),
    ],
)
def test_another_shops_staff_and_invitations_are_not_found(
    client_for, vendor, method, route, body
):
    # given shop A's staff member and invitation, and shop B's owner
    member = _staff_of(vendor)
    invitation = factories.StaffInvitationFactory(vendor=vendor)
    intruder = factories.VendorFactory().members.get().user
    kwargs = (
        {"member_id": member.pk}
        if route == "vendor-staff-detail"
        else {"invitation_id": invitation.pk}
    )
    # when B's owner acts on A's objects
    response = getattr(client_for(intruder), method)(
        reverse(route, kwargs=kwargs), body, format="json"
    )
    # then 404 and nothing changed
    assert response.status_code == 404
    member.refresh_from_db()
    invitation.refresh_from_db()
    assert (member.role, invitation.status) == ("staff", "pending")


def test_the_owner_revokes_a_pending_invitation_once(client_for, vendor):
    invitation = factories.StaffInvitationFactory(vendor=vendor)
    client = client_for(vendor.members.get().user)
    url = reverse("vendor-invitation-detail", kwargs={"invitation_id": invitation.pk})
    first, second = client.delete(url), client.delete(url)
    assert (first.status_code, second.status_code) == (204, 409)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    listed = client.get(reverse("vendor-invitations"))
    assert [(i["id"], i["status"]) for i in listed.json()] == [
        (invitation.pk, "revoked")
    ]


@pytest.mark.parametrize(
    ("state", "expected"),
    [("expired", 409), ("revoked", 409), ("accepted", 409)],
)
def test_an_invitation_that_is_no_longer_pending_cannot_be_accepted(
    client_for, vendor, state, expected
):
    invitation = factories.StaffInvitationFactory(vendor=vendor)
    if state == "expired":
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
    else:
        invitation.status = state
    invitation.save()
    user = factories.UserFactory(email=invitation.email)
    response = _accept(client_for(user), invitation.token)
    assert response.status_code == expected
    assert not VendorMember.objects.filter(user=user).exists()


def test_a_member_of_another_shop_cannot_accept(client_for, vendor):
    invitation = factories.StaffInvitationFactory(vendor=vendor)
    other = factories.VendorFactory()
    elsewhere = _staff_of(other, user__email=invitation.email).user
    response = _accept(client_for(elsewhere), invitation.token)
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert elsewhere.vendor_membership.vendor == other
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_an_invitation_is_accepted_only_by_the_invited_address(client_for, vendor):
    invitation = factories.StaffInvitationFactory(vendor=vendor)
    stranger = factories.UserFactory()
    response = _accept(client_for(stranger), invitation.token)
    assert response.status_code == 403
    assert not VendorMember.objects.filter(user=stranger).exists()


def test_an_unknown_code_is_not_found(client_for):
    response = _accept(client_for(factories.UserFactory()), "no-such-code")
    assert response.status_code == 404


def test_a_closed_shop_cannot_invite(client_for):
    vendor = factories.VendorFactory(status=Vendor.Status.CLOSED)
    response = client_for(vendor.members.get().user).post(
        reverse("vendor-staff"), {"email": "x@example.test"}, format="json"
    )
    assert response.status_code == 409
    assert StaffInvitation.objects.count() == 0
