"""Becoming a vendor: the application form, its status and the reviewer's reason.

A draft or rejected application can be edited and (re)submitted by the owner.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from marketplace.common.errors import DomainError, ValidationFailed
from marketplace.common.files import private_file_response
from marketplace.common.web import add_domain_errors
from marketplace.dashboard.forms import ApplicationForm
from marketplace.dashboard.views.common import act, signed_in_page, vendor_page
from vendors import selectors, services
from vendors.models import Vendor
from vendors.services.application import EDITABLE_STATUSES


@signed_in_page(methods=("GET", "POST"))
def apply(request):
    """Become a vendor: a signed-in user without a shop fills in the application."""
    if selectors.get_membership(user=request.user) is not None:
        return redirect("dashboard:application")
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.apply_as_vendor(
                user=request.user,
                data=form.service_data(),
                licence_image=form.cleaned_data["licence_image"],
            )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(
                request,
                _("Your application is saved as a draft. Submit it when it is ready."),
            )
            return redirect("dashboard:application")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "dashboard/application/apply.html", {"form": form}, status=status
    )


@vendor_page(methods=("GET", "POST"), approved=False)
def application(request):
    """The application's status and history; the owner edits it while editable."""
    vendor = request.vendor
    editable = request.membership.is_owner and vendor.status in EDITABLE_STATUSES
    form = ApplicationForm(request.POST or None, request.FILES or None, instance=vendor)
    if request.method == "POST":
        if not editable:
            messages.error(request, _("The application cannot change now."))
            return redirect("dashboard:application")
        if form.is_valid():
            try:
                services.update_application(
                    vendor=vendor,
                    actor=request.user,
                    data=form.service_data(),
                    licence_image=form.cleaned_data["licence_image"],
                )
            except ValidationFailed as error:
                add_domain_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _("Your application is saved."))
                return redirect("dashboard:application")
    vendor.refresh_from_db()
    context = {
        "vendor": vendor,
        "form": form,
        "editable": editable,
        "events": selectors.list_vendor_events(vendor=vendor),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/application/status.html", context, status=status)


@vendor_page(methods=("POST",), approved=False, owner=True)
def submit(request):
    return act(
        request,
        lambda: services.submit_application(vendor=request.vendor, actor=request.user),
        success=_("Your application is submitted for review."),
        default="dashboard:application",
        labels=_label,
    )


def _label(name: str) -> str:
    try:
        return capfirst(Vendor._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@vendor_page(approved=False, owner=True)
def licence(request):
    """The shop's own licence scan, from private storage."""
    return private_file_response(
        request.vendor.licence_image,
        filename="licence.webp",
        content_type="image/webp",
    )
