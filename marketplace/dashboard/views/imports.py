"""Bulk products and stock: upload a CSV or XLSX sheet, watch it import, export.

The import runs on the worker; its page polls a fragment with htmx (a ``<progress>``
bar) until the job is done, then shows the counts and the bad rows by row and column.
Everything is the signed-in vendor's: another vendor's import is not found (404).
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import selectors, spreadsheets
from marketplace.catalog.services.imports import start_product_import
from marketplace.common.errors import ValidationFailed
from marketplace.common.web import add_domain_errors
from marketplace.dashboard.views.common import vendor_page

RECENT = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Sheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


@vendor_page(methods=("GET", "POST"))
def product_import(request):
    """Upload a sheet; list the recent imports and the columns a sheet may have."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_product_import(
                vendor=request.vendor,
                actor=request.user,
                upload=form.cleaned_data["file"],
            )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        else:
            return redirect("dashboard:product-import-status", import_id=job.pk)
    context = {
        "form": form,
        "imports": selectors.list_vendor_imports(vendor=request.vendor)[:RECENT],
        "columns": spreadsheets.COLUMNS,
    }
    status = 400 if form.errors else 200
    return render(request, "dashboard/imports/upload.html", context, status=status)


@vendor_page()
def product_import_status(request, import_id: int):
    """The import's progress; htmx asks for the fragment alone while it runs."""
    job = selectors.get_vendor_import(vendor=request.vendor, import_id=import_id)
    template = (
        "dashboard/imports/_progress.html"
        if request.htmx
        else "dashboard/imports/status.html"
    )
    return render(request, template, {"job": job})


@vendor_page()
def product_export(request):
    """The vendor's products and stock as CSV (streamed) or XLSX, in import columns."""
    variants = selectors.list_vendor_variants_for_export(vendor=request.vendor)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(spreadsheets.xlsx_bytes(variants), content_type=XLSX)
        name = f"products-{stamp}.xlsx"
    else:
        lines = spreadsheets.csv_lines(variants.iterator(chunk_size=2000))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        name = f"products-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
