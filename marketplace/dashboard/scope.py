"""Vendor scope: resolved once per request from the signed-in user's membership.

Never from a client-sent id. Every vendor API view inherits ``VendorAPIView`` and
passes ``self.vendor`` to the selectors and services, which take ``vendor=``; an object
of another vendor is then simply not found (404).
"""

from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from marketplace.common.errors import Conflict
from vendors.models import Vendor, VendorMember


def get_membership(user) -> VendorMember | None:
    """Return the user's vendor membership, with its vendor, or ``None``."""
    if not user.is_authenticated:
        return None
    try:
        return VendorMember.objects.select_related("vendor").get(user=user)
    except VendorMember.DoesNotExist:
        return None


class IsVendorMember(BasePermission):
    """The user belongs to a vendor (any status); the membership lands on the view."""

    message = "You are not a member of a vendor."

    def has_permission(self, request, view):
        membership = get_membership(request.user)
        if membership is None:
            return False
        view.membership = membership
        view.vendor = membership.vendor
        return True


class IsVendorOwner(IsVendorMember):
    """The user owns its vendor: staff cannot manage staff or money."""

    message = "Only the vendor's owner may do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and view.membership.is_owner


class VendorAPIView(APIView):
    """Base of every ``/api/vendor/`` view: ``self.vendor`` is the caller's vendor.

    ``require_approved`` (default on) refuses the view with 409 while the vendor is not
    approved, so a suspended or unreviewed vendor cannot list or sell.
    """

    permission_classes = [IsVendorMember]
    require_approved = True
    vendor: Vendor
    membership: VendorMember

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.require_approved and self.vendor.status != Vendor.Status.APPROVED:
            raise Conflict(
                f"Your shop is {self.vendor.get_status_display().lower()}; "
                "this needs an approved shop.",
                code="vendor_not_approved",
            )
