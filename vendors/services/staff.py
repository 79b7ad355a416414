"""Vendor staff: invitations, joining, roles and removal. Owners manage staff."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.common.services import enqueue_outbox, record_audit
from vendors.models import StaffInvitation, Vendor, VendorMember
from vendors.services.checks import lock_vendor, require_owner

STAFF_INVITED_TOPIC = "vendor.staff_invited"
INVITATION_VALID_FOR = timedelta(days=7)
Role = VendorMember.Role


def _checked_role(role: str) -> str:
    if role not in Role.values:
        raise ValidationFailed(
            errors={"role": [_("Choose one of: %s.") % ", ".join(Role.values)]}
        )
    return role


def _refuse_closed(vendor: Vendor) -> None:
    if vendor.status == Vendor.Status.CLOSED:
        raise Conflict(_("The shop is closed."), code="vendor_closed")


def _other_owners(locked: Vendor, member: VendorMember) -> int:
    return (
        VendorMember.objects.filter(vendor=locked, role=Role.OWNER)
        .exclude(pk=member.pk)
        .count()
    )


@transaction.atomic
def invite_staff(
    *, vendor: Vendor, actor: User, email: str, role: str = Role.STAFF
) -> StaffInvitation:
    """Invite ``email`` to join the shop in ``role``; the email leaves via the outbox.

    Owner only. A pending invitation to the same address is replaced by this one.
    An address that already belongs to a member gets 409.
    """
    require_owner(vendor=vendor, actor=actor)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            errors={"email": [_("Enter a valid email address.")]}
        ) from None
    role = _checked_role(role)
    locked = lock_vendor(vendor)
    _refuse_closed(locked)
    if VendorMember.objects.filter(vendor=locked, user__email=email).exists():
        raise Conflict(_("This person is already on the staff."), code="already_member")
    StaffInvitation.objects.filter(
        vendor=locked, email=email, status=StaffInvitation.Status.PENDING
    ).update(status=StaffInvitation.Status.REVOKED)
    invitation = StaffInvitation.objects.create(
        vendor=locked,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    enqueue_outbox(
        topic=STAFF_INVITED_TOPIC,
        key=f"vendor:{locked.pk}:invitation:{invitation.pk}",
        payload={"invitation_id": invitation.pk},
    )
    record_audit(
        actor=actor,
        action="vendor.staff_invited",
        target=locked,
        new={"invitation_id": invitation.pk, "role": role},
    )
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> VendorMember:
    """Make ``user`` a member of the inviting shop, in the invited role.

    The user must be signed in with the invited address (403) and belong to no shop
    (409). A revoked, accepted or expired invitation gets 409; an unknown token 404.
    """
    invitation = (
        StaffInvitation.objects.select_for_update()
        .filter(token=token or "")
        .select_related("vendor")
        .first()
    )
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    if invitation.status != StaffInvitation.Status.PENDING:
        raise Conflict(
            _("This invitation was %(status)s.")
            % {"status": invitation.get_status_display().lower()},
            code=f"invitation_{invitation.status}",
        )
    if invitation.is_expired:
        raise Conflict(_("This invitation has expired."), code="invitation_expired")
    if invitation.email != user.email.lower():
        raise Forbidden(
            _("Sign in with the address the invitation was sent to."),
            code="invitation_email",
        )
    User.objects.select_for_update().filter(pk=user.pk).first()
    if VendorMember.objects.filter(user=user).exists():
        raise Conflict(_("You already belong to a shop."), code="already_member")
    if user.is_operator:
        raise Forbidden(_("Operators cannot run a shop."), code="operator")
    vendor = lock_vendor(invitation.vendor)
    _refuse_closed(vendor)
    member = VendorMember.objects.create(vendor=vendor, user=user, role=invitation.role)
    invitation.status = StaffInvitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_at"])
    record_audit(
        actor=user,
        action="vendor.staff_joined",
        target=vendor,
        new={
            "member_id": member.pk,
            "invitation_id": invitation.pk,
            "role": member.role,
        },
    )
    return member


@transaction.atomic
def revoke_invitation(
    *, vendor: Vendor, actor: User, invitation: StaffInvitation
) -> StaffInvitation:
    """Withdraw a pending invitation. Owner only; another shop's invitation is 404."""
    require_owner(vendor=vendor, actor=actor)
    if invitation.vendor_id != vendor.pk:
        raise NotFound(_("There is no such invitation."))
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != StaffInvitation.Status.PENDING:
        raise Conflict(
            _("Only a pending invitation can be revoked."),
            code="invitation_not_pending",
        )
    invitation.status = StaffInvitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    record_audit(
        actor=actor,
        action="vendor.invitation_revoked",
        target=vendor,
        old={"invitation_id": invitation.pk, "status": "pending"},
        new={"status": invitation.status},
    )
    return invitation


@transaction.atomic
def remove_staff(*, vendor: Vendor, actor: User, member: VendorMember) -> None:
    """Remove ``member`` from the shop. Owner only; the last owner cannot go (409)."""
    require_owner(vendor=vendor, actor=actor)
    if member.vendor_id != vendor.pk:
        raise NotFound(_("There is no such member."))
    locked = lock_vendor(vendor)
    member = VendorMember.objects.get(pk=member.pk)
    if member.is_owner and not _other_owners(locked, member):
        raise Conflict(
            _("A shop needs an owner; make someone else owner first."),
            code="last_owner",
        )
    old = {"member_id": member.pk, "user_id": member.user_id, "role": member.role}
    member.delete()
    record_audit(actor=actor, action="vendor.staff_removed", target=locked, old=old)


@transaction.atomic
def change_staff_role(
    *, vendor: Vendor, actor: User, member: VendorMember, role: str
) -> VendorMember:
    """Make ``member`` an owner or staff. Owner only; the last owner stays owner."""
    require_owner(vendor=vendor, actor=actor)
    if member.vendor_id != vendor.pk:
        raise NotFound(_("There is no such member."))
    role = _checked_role(role)
    locked = lock_vendor(vendor)
    member = VendorMember.objects.get(pk=member.pk)
    if member.role == role:
        return member
    if member.is_owner and not _other_owners(locked, member):
        raise Conflict(
            _("A shop needs an owner; make someone else owner first."),
            code="last_owner",
        )
    old_role, member.role = member.role, role
    member.save(update_fields=["role"])
    record_audit(
        actor=actor,
        action="vendor.staff_role_changed",
        target=locked,
        old={"member_id": member.pk, "role": old_role},
        new={"member_id": member.pk, "role": role},
    )
    return member
