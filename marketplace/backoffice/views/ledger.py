"""The ledger explorer: the journal entries of an order, a vendor or a period, each
with its postings (account, debit, credit)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.backoffice.forms import LedgerForm, with_period
from marketplace.backoffice.views.common import operator_view
from marketplace.ledger.selectors import list_entries
from orders.models import Order
from vendors.models import Vendor

LIMIT = 200


def day_start(day) -> datetime:
    """Return the start of a business day (the business time zone's midnight)."""
    return timezone.make_aware(datetime.combine(day, time.min))


@operator_view("ledger")
def ledger(request):
    """Entries oldest first, at most ``LIMIT``, for the order, vendor and period."""
    form = LedgerForm(request.GET)
    entries, subject = [], None
    if form.is_valid():
        form = with_period(form)
        data = form.cleaned_data
        filters = {
            "since": day_start(data["since"]),
            "until": day_start(data["until"] + timedelta(days=1)),
        }
        if data["order"]:
            order = Order.objects.filter(number=data["order"].strip()).first()
            if order is None:
                form.add_error("order", _("There is no order with this number."))
            else:
                filters = {"reference": ("order", order.pk)}
                subject = order
        if data["vendor"] and not form.errors:
            vendor = Vendor.objects.filter(pk=data["vendor"]).first()
            if vendor is None:
                form.add_error("vendor", _("There is no such shop."))
            else:
                filters["owner"] = ("vendor", vendor.pk)
                subject = vendor
        if not form.errors:
            entries = list(list_entries(**filters)[: LIMIT + 1])
    context = {
        "form": form,
        "entries": entries[:LIMIT],
        "more": len(entries) > LIMIT,
        "subject": subject,
        "limit": LIMIT,
    }
    return render(
        request, "backoffice/ledger.html", context, status=400 if form.errors else 200
    )
