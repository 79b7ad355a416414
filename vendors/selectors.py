"""Reading vendors, their staff and history, each read scoped as its caller may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from marketplace.common.errors import NotFound, ValidationFailed
from vendors.models import StaffInvitation, Vendor, VendorEvent, VendorMember


def get_membership(*, user) -> VendorMember | None:
    """Return the user's membership, with its vendor, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return VendorMember.objects.select_related("vendor").filter(user=user).first()


def get_vendor_for_member(*, user) -> Vendor | None:
    """Return the vendor the user belongs to (any status), or ``None``."""
    membership = get_membership(user=user)
    return membership.vendor if membership else None


def list_vendors(*, status: str | None = None, query: str | None = None) -> QuerySet:
    """Return every vendor for operators, optionally by status and a search text.

    The text matches shop and company names, slug, licence number and contact email.
    """
    vendors = Vendor.objects.order_by("-id")
    if status:
        if status not in Vendor.Status.values:
            raise ValidationFailed(
                errors={"status": [_("Choose one of: %s.") % ", ".join(Vendor.Status)]}
            )
        vendors = vendors.filter(status=status)
    query = (query or "").strip()
    if query:
        vendors = vendors.filter(
            Q(name_en__icontains=query)
            | Q(name_zh__icontains=query)
            | Q(company_name__icontains=query)
            | Q(slug__icontains=query)
            | Q(business_licence_number__iexact=query)
            | Q(contact_email__iexact=query)
        )
    return vendors


def get_vendor(*, vendor_id: int) -> Vendor:
    """Return one vendor for operators, or raise ``NotFound``."""
    vendor = Vendor.objects.filter(pk=vendor_id).first()
    if vendor is None:
        raise NotFound(_("There is no such shop."))
    return vendor


def list_staff(*, vendor: Vendor) -> QuerySet:
    return VendorMember.objects.filter(vendor=vendor).select_related("user")


def get_member(*, vendor: Vendor, member_id: int) -> VendorMember:
    """Return a member of ``vendor``; another shop's member is ``NotFound``."""
    member = list_staff(vendor=vendor).filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("There is no such member."))
    return member


def list_invitations(*, vendor: Vendor, status: str | None = None) -> QuerySet:
    invitations = StaffInvitation.objects.filter(vendor=vendor).select_related(
        "invited_by"
    )
    return invitations.filter(status=status) if status else invitations


def get_invitation(*, vendor: Vendor, invitation_id: int) -> StaffInvitation:
    """Return an invitation of ``vendor``; another shop's is ``NotFound``."""
    invitation = list_invitations(vendor=vendor).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    return invitation


def list_vendor_events(*, vendor: Vendor) -> QuerySet:
    """Return the vendor's status changes, oldest first, with their actors."""
    return VendorEvent.objects.filter(vendor=vendor).select_related("actor")


def list_public_vendors() -> QuerySet:
    """Return the shops shoppers may see: approved ones only."""
    return Vendor.objects.filter(status=Vendor.Status.APPROVED)


def get_public_vendor(*, slug: str) -> Vendor:
    """Return an approved shop by slug; any other is ``NotFound``."""
    vendor = list_public_vendors().filter(slug=slug).first()
    if vendor is None:
        raise NotFound(_("There is no such shop."))
    return vendor
