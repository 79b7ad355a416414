"""Staff pages: the owner invites with a role, changes roles and removes members."""

import pytest
from django.urls import reverse

from tests import factories
from vendors.models import StaffInvitation, VendorMember

pytestmark = pytest.mark.django_db


def test_owner_invites_staff_with_a_role(owner_web, vendor):
    response = owner_web.post(
        reverse("dashboard:staff"), {"email": "Clerk@Shop.test", "role": "staff"}
    )

    assert response.status_code == 302
    invitation = StaffInvitation.objects.get(vendor=vendor)
    assert (invitation.email, invitation.role, invitation.status) == (
        "clerk@shop.test",
        "staff",
        "pending",
    )


def test_inviting_a_member_again_is_refused_on_the_email(owner_web, staff_member):
    response = owner_web.post(
        reverse("dashboard:staff"), {"email": staff_member.email, "role": "staff"}
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["email"]


def test_a_bad_email_is_refused_on_its_field(owner_web):
    response = owner_web.post(
        reverse("dashboard:staff"), {"email": "nope", "role": "staff"}
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["email"]


def test_owner_changes_a_role_and_removes_a_member(owner_web, vendor, staff_member):
    member = VendorMember.objects.get(user=staff_member)

    owner_web.post(
        reverse("dashboard:member-role", args=[member.pk]),
        {f"m{member.pk}-role": "owner"},
    )
    member.refresh_from_db()
    assert member.role == "owner"

    owner_web.post(reverse("dashboard:member-remove", args=[member.pk]))
    assert not VendorMember.objects.filter(pk=member.pk).exists()


def test_owner_revokes_an_invitation(owner_web, vendor):
    invitation = factories.StaffInvitationFactory(vendor=vendor)

    owner_web.post(reverse("dashboard:invitation-revoke", args=[invitation.pk]))

    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_staff_see_the_staff_but_cannot_manage_it(staff_web, vendor, vendor_owner):
    owner = VendorMember.objects.get(user=vendor_owner)

    page = staff_web.get(reverse("dashboard:staff"))
    invite = staff_web.post(reverse("dashboard:staff"), {"email": "x@y.test"})
    demote = staff_web.post(
        reverse("dashboard:member-role", args=[owner.pk]),
        {f"m{owner.pk}-role": "staff"},
    )

    assert page.status_code == 200
    assert page.context["is_owner"] is False
    assert (invite.status_code, demote.status_code) == (403, 403)
    owner.refresh_from_db()
    assert owner.role == "owner"
    assert not StaffInvitation.objects.filter(vendor=vendor).exists()


def test_invited_person_joins_with_the_code_from_the_email(web_for, vendor):
    invitation = factories.StaffInvitationFactory(vendor=vendor, role="staff")
    person = factories.UserFactory(email=invitation.email)
    web = web_for(person)

    page = web.get(reverse("dashboard:join"), {"code": invitation.token})
    response = web.post(reverse("dashboard:join"), {"code": invitation.token})

    assert page.context["form"]["code"].value() == invitation.token
    assert response["Location"] == reverse("dashboard:home")
    member = VendorMember.objects.get(user=person)
    assert (member.vendor, member.role) == (vendor, "staff")


@pytest.mark.parametrize("who", ["someone else", "a stranger's code"])
def test_a_refused_code_is_named_on_its_field(web_for, vendor, who):
    invitation = factories.StaffInvitationFactory(vendor=vendor)
    person = factories.UserFactory()  # not the invited address
    code = invitation.token if who == "someone else" else "no-such-code"

    response = web_for(person).post(reverse("dashboard:join"), {"code": code})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["code"]
    assert not VendorMember.objects.filter(user=person).exists()


def test_staff_list_runs_the_same_queries_for_1_or_many_members(owner_web, vendor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_web.get(reverse("dashboard:staff")).status_code == 200
        return len(queries)

    factories.StaffInvitationFactory(vendor=vendor)
    one = count()
    for _ in range(5):
        factories.VendorMemberFactory(vendor=vendor, role="staff")
        factories.StaffInvitationFactory(vendor=vendor)
    many = count()

    assert many == one
    assert many <= 8
