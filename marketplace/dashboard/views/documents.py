"""Documents to print or download: packing slips and statements (PDF and CSV).

A vendor gets only its own: the orders come from ``list_vendor_orders_to_pack``
with ``vendor=request.vendor`` (another vendor's order is not found, 404) and the
statement is always the signed-in vendor's. Statements are for owners only.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.dashboard.documents import packing_slips_pdf, statement_pdf
from marketplace.dashboard.views.common import vendor_page
from orders.selectors import list_vendor_orders_to_pack
from vendors.selectors_statements import (
    get_vendor_statement,
    month_bounds,
    statement_csv,
)

MAX_SLIPS = 200
MAX_STATEMENT_DAYS = 3 * 366


def _pdf(content: bytes, name: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@vendor_page()
def packing_slip(request, vendor_order_id: int):
    """One paid order's packing slip, to print (no prices)."""
    orders = list_vendor_orders_to_pack(
        vendor=request.vendor, vendor_order_ids=[vendor_order_id]
    )
    content = packing_slips_pdf(vendor=request.vendor, vendor_orders=orders)
    return _pdf(content, f"packing-slip-{orders[0].order.number}.pdf", attachment=False)


@vendor_page(methods=("GET", "POST"))
def packing_slips(request):
    """The packing slips of the ticked orders (``vendor_order``), one PDF."""
    data = request.POST if request.method == "POST" else request.GET
    picked = data.getlist("vendor_order")
    if not picked:
        messages.error(request, _("Tick at least one order."))
        return redirect("dashboard:orders")
    if len(picked) > MAX_SLIPS or not all(p.isdigit() for p in picked):
        raise Http404()
    orders = list_vendor_orders_to_pack(vendor=request.vendor, vendor_order_ids=picked)
    content = packing_slips_pdf(vendor=request.vendor, vendor_orders=orders)
    return _pdf(content, "packing-slips.pdf", attachment=False)


class PeriodForm(forms.Form):
    """A month (``month=YYYY-MM``) or days (``start``, ``end``, both included)."""

    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both the first and the last day."))
        if start and (end < start or (end - start).days > MAX_STATEMENT_DAYS):
            raise forms.ValidationError(
                _("The last day must be after the first, at most three years later.")
            )
        return data

    def bounds(self) -> tuple[date, date]:
        """Return ``[start, end)``: the days given, else the month, else this month."""
        data = self.cleaned_data
        if data.get("start"):
            return data["start"], data["end"] + timedelta(days=1)
        month = data.get("month") or timezone.localdate().strftime("%Y-%m")
        year, number = (int(part) for part in month.split("-"))
        return month_bounds(year, number)


def _statement(request):
    form = PeriodForm(request.GET)
    if not form.is_valid():
        texts = [str(t) for errors in form.errors.values() for t in errors]
        return None, HttpResponse(
            " ".join(texts), status=400, content_type="text/plain"
        )
    start, end = form.bounds()
    return get_vendor_statement(vendor=request.vendor, start=start, end=end), None


def _statement_name(statement, extension: str) -> str:
    last = statement.end - timedelta(days=1)
    if statement.start.day == 1 and last.month == statement.start.month:
        return f"statement-{statement.start:%Y-%m}.{extension}"
    return f"statement-{statement.start:%Y%m%d}-{last:%Y%m%d}.{extension}"


@vendor_page(owner=True)
def statement_pdf_view(request):
    """The statement of a month or of days as PDF: the CSV's figures."""
    statement, refused = _statement(request)
    if refused:
        return refused
    content = statement_pdf(vendor=request.vendor, statement=statement)
    return _pdf(content, _statement_name(statement, "pdf"), attachment=True)


@vendor_page(owner=True)
def statement_csv_view(request):
    """The statement of a month or of days as CSV (minor units, one figure a row)."""
    statement, refused = _statement(request)
    if refused:
        return refused
    response = HttpResponse(statement_csv(statement), content_type="text/csv")
    name = _statement_name(statement, "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
