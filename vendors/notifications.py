"""Emails about a vendor, sent by the outbox after the change committed."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from vendors.models import StaffInvitation, Vendor, VendorMember


def _owner_emails(vendor: Vendor) -> list[tuple[str, str]]:
    owners = VendorMember.objects.filter(vendor=vendor, role=VendorMember.Role.OWNER)
    return [
        (m.user.email, m.user.preferred_language) for m in owners.select_related("user")
    ]


def send_vendor_status_email(message) -> None:
    """Tell the vendor's owners, each in their own language, that the status changed."""
    vendor = Vendor.objects.get(pk=message.payload["vendor_id"])
    for email, language in _owner_emails(vendor):
        with translation.override(language):
            status = Vendor.Status(message.payload["to_status"]).label
            subject = _("Your shop “%(name)s” is now: %(status)s") % {
                "name": vendor,
                "status": status,
            }
            body = _("Status: %(status)s\nReason: %(reason)s") % {
                "status": status,
                "reason": message.payload.get("reason") or "-",
            }
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def send_staff_invitation_email(message) -> None:
    """Send the invitation link to the invited address."""
    invitation = StaffInvitation.objects.select_related("vendor").get(
        pk=message.payload["invitation_id"]
    )
    subject = _("You are invited to join %(vendor)s") % {"vendor": invitation.vendor}
    body = _("Accept the invitation with this code: %(token)s") % {
        "token": invitation.token
    }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
