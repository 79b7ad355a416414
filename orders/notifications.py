"""Emails about orders, sent by the outbox after the change committed.

Each recipient gets the email in their preferred language.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from orders.models import Order, RefundRequest, VendorOrder
from vendors.models import VendorMember


def _vendor_recipients(vendor_id: int) -> list[tuple[str, str]]:
    members = VendorMember.objects.filter(vendor_id=vendor_id).select_related("user")
    return [(m.user.email, m.user.preferred_language) for m in members]


def _send(recipients, subject_body) -> None:
    for email, language in recipients:
        with translation.override(language):
            subject, body = subject_body()
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def send_vendor_order_status_email(message) -> None:
    """Tell the shopper and the vendor's staff that a vendor order changed status."""
    vendor_order = VendorOrder.objects.select_related("order__shopper", "vendor").get(
        pk=message.payload["vendor_order_id"]
    )
    shopper = vendor_order.order.shopper

    def text():
        status = VendorOrder.Status(message.payload["to_status"]).label
        subject = _("Order %(number)s from %(vendor)s: %(status)s") % {
            "number": vendor_order.order.number,
            "vendor": vendor_order.vendor,
            "status": status,
        }
        body = _("Status: %(status)s\nReason: %(reason)s") % {
            "status": status,
            "reason": message.payload.get("reason") or "-",
        }
        return subject, body

    recipients = [(shopper.email, shopper.preferred_language)]
    if message.payload["to_status"] != VendorOrder.Status.PENDING_PAYMENT:
        recipients += _vendor_recipients(vendor_order.vendor_id)
    _send(recipients, text)


def send_order_status_email(message) -> None:
    """Tell the shopper that their order changed status (paid, cancelled, closed)."""
    order = Order.objects.select_related("shopper").get(pk=message.payload["order_id"])

    def text():
        status = Order.Status(message.payload["to_status"]).label
        subject = _("Order %(number)s: %(status)s") % {
            "number": order.number,
            "status": status,
        }
        return subject, _("Status: %(status)s") % {"status": status}

    _send([(order.shopper.email, order.shopper.preferred_language)], text)


def send_refund_request_email(message) -> None:
    """Tell the vendor about a new request, and the shopper about a decision."""
    request = RefundRequest.objects.select_related(
        "vendor_order__order__shopper", "vendor_order"
    ).get(pk=message.payload["refund_request_id"])
    shopper = request.vendor_order.order.shopper

    def text():
        status = RefundRequest.Status(request.status).label
        subject = _("After-sales request for order %(number)s: %(status)s") % {
            "number": request.vendor_order.order.number,
            "status": status,
        }
        return subject, _("Amount: %(amount)s %(currency)s") % {
            "amount": request.amount,
            "currency": request.currency,
        }

    if message.payload["status"] == RefundRequest.Status.REQUESTED:
        _send(_vendor_recipients(request.vendor_order.vendor_id), text)
    else:
        _send([(shopper.email, shopper.preferred_language)], text)
