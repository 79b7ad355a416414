"""The vendor review queue: an application with its licence shown inline, the
decisions (approve, reject, suspend, reinstate, close), terms and deposit status.

Each decision calls the same ``vendors.services`` function as the ops API, so the
same checks apply and the same ``VendorEvent`` / audit row is written.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.backoffice.forms import (
    OptionalReasonForm,
    ReasonForm,
    SearchForm,
    VendorApproveForm,
    VendorTermsForm,
)
from marketplace.backoffice.views.common import done, found, is_fragment, operator_view
from marketplace.common.errors import DomainError
from marketplace.common.files import private_file_response
from marketplace.common.web import add_domain_errors
from vendors import selectors, services
from vendors.models import DepositPayment, Vendor
from vendors.selectors_money import get_vendor_balances

PAGE_SIZE = 25
Status = Vendor.Status


@operator_view("vendors")
def vendor_list(request):
    """The review queue (submitted applications, oldest first) or vendors by status."""
    status = request.GET.get("status", Status.SUBMITTED)
    if status not in Status.values and status != "all":
        status = Status.SUBMITTED
    search = SearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    vendors = selectors.list_vendors(
        status=None if status == "all" else status, query=query
    )
    if status == Status.SUBMITTED:
        vendors = vendors.order_by("submitted_at", "id")
    page = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    context = {
        "page": page,
        "status": status,
        "statuses": Status.choices,
        "search": search,
        "section": "vendors",
    }
    template = "backoffice/vendors/_results.html" if is_fragment(request) else None
    return render(request, template or "backoffice/vendors/list.html", context)


def _detail(request, vendor: Vendor, *, forms: dict | None = None, status: int = 200):
    balances = get_vendor_balances(vendor=vendor)
    context = {
        "vendor": vendor,
        "events": selectors.list_vendor_events(vendor=vendor).order_by("-id"),
        "members": selectors.list_staff(vendor=vendor),
        "balances": balances,
        "deposit_payments": DepositPayment.objects.filter(vendor=vendor).order_by(
            "-id"
        ),
        "deposit_short": max(vendor.deposit_required - balances["deposit"], 0),
        "approve_form": VendorApproveForm(prefix="approve"),
        "reject_form": ReasonForm(prefix="reject"),
        "suspend_form": ReasonForm(prefix="suspend"),
        "reinstate_form": OptionalReasonForm(prefix="reinstate"),
        "close_form": OptionalReasonForm(prefix="close"),
        "terms_form": VendorTermsForm(
            prefix="terms",
            initial={
                "commission_bps_override": vendor.commission_bps_override,
                "deposit_required": vendor.deposit_required,
            },
        ),
        "section": "vendors",
        **(forms or {}),
    }
    return render(request, "backoffice/vendors/detail.html", context, status=status)


@operator_view("vendor")
def vendor_detail(request, vendor_id: int):
    with found():
        vendor = selectors.get_vendor(vendor_id=vendor_id)
    return _detail(request, vendor)


@operator_view("vendor-licence")
def vendor_licence(request, vendor_id: int):
    """The licence scan from private storage, shown inline on the vendor's page."""
    with found():
        vendor = selectors.get_vendor(vendor_id=vendor_id)
        return private_file_response(
            vendor.licence_image,
            filename=f"licence-{vendor.pk}.webp",
            content_type="image/webp",
        )


def _decide(request, vendor_id: int, *, key: str, form_class, service, message):
    """Validate the decision's form, call ``service``; show errors on the page."""
    with found():
        vendor = selectors.get_vendor(vendor_id=vendor_id)
    form = form_class(request.POST, prefix=key)
    if form.is_valid():
        try:
            service(vendor=vendor, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return done(request, message, "vendor", vendor.pk)
    return _detail(request, vendor, forms={f"{key}_form": form}, status=400)


@operator_view("vendor-approve")
def vendor_approve(request, vendor_id: int):
    return _decide(
        request,
        vendor_id,
        key="approve",
        form_class=VendorApproveForm,
        service=services.approve_vendor,
        message=_("The shop is approved."),
    )


@operator_view("vendor-reject")
def vendor_reject(request, vendor_id: int):
    return _decide(
        request,
        vendor_id,
        key="reject",
        form_class=ReasonForm,
        service=services.reject_vendor,
        message=_("The application is sent back with your reason."),
    )


@operator_view("vendor-suspend")
def vendor_suspend(request, vendor_id: int):
    return _decide(
        request,
        vendor_id,
        key="suspend",
        form_class=ReasonForm,
        service=services.suspend_vendor,
        message=_("The shop is suspended."),
    )


@operator_view("vendor-reinstate")
def vendor_reinstate(request, vendor_id: int):
    return _decide(
        request,
        vendor_id,
        key="reinstate",
        form_class=OptionalReasonForm,
        service=services.reinstate_vendor,
        message=_("The shop is reinstated."),
    )


@operator_view("vendor-close")
def vendor_close(request, vendor_id: int):
    return _decide(
        request,
        vendor_id,
        key="close",
        form_class=OptionalReasonForm,
        service=services.close_vendor,
        message=_("The shop is closed."),
    )


@operator_view("vendor-terms")
def vendor_terms(request, vendor_id: int):
    """Finance sets the vendor's commission override and deposit (audited)."""
    with found():
        vendor = selectors.get_vendor(vendor_id=vendor_id)
    form = VendorTermsForm(request.POST, prefix="terms")
    if form.is_valid():
        try:
            services.set_vendor_terms(
                vendor=vendor,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                **form.changes(vendor),
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return done(request, _("The terms are saved."), "vendor", vendor.pk)
    return _detail(request, vendor, forms={"terms_form": form}, status=400)
