"""Orders to fulfil: filter by status, accept or refuse, ship one by one or in bulk;
refund requests to accept or refuse with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace.common.errors import DomainError, NotFound, ValidationFailed
from marketplace.common.web import add_domain_errors
from marketplace.dashboard.forms import (
    BulkShipForm,
    OptionalReasonForm,
    OrderFilterForm,
    ReasonForm,
    RefundFilterForm,
    ShipForm,
)
from marketplace.dashboard.views.common import act, vendor_page
from orders import selectors
from orders.models import RefundRequest, VendorOrder
from orders.services import fulfilment, refunds

PER_PAGE = 25
TRACKING = ShipForm.base_fields["tracking_number"]


@vendor_page()
def order_list(request):
    """The vendor's orders, newest first, by status; accepted ones can ship in bulk."""
    filters = OrderFilterForm(request.GET)
    status = filters.cleaned_data.get("status") if filters.is_valid() else None
    orders = selectors.list_vendor_orders(vendor=request.vendor, status=status)
    page = Paginator(orders.order_by("-id"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "orders": page.object_list,
        "bulk_form": BulkShipForm(),
        "accepted": VendorOrder.Status.ACCEPTED,
    }
    return render(request, "dashboard/orders/list.html", context)


def _order_page(
    request, vendor_order_id, *, ship_form=None, refuse_form=None, status=200
):
    vendor_order = selectors.get_vendor_order(
        vendor=request.vendor, vendor_order_id=vendor_order_id
    )
    context = {
        "vendor_order": vendor_order,
        "address": vendor_order.order.address_dict() if vendor_order.paid_at else None,
        "ship_form": ship_form or ShipForm(),
        "refuse_form": refuse_form or ReasonForm(),
        "refund_requests": selectors.list_vendor_refund_requests(vendor=request.vendor)
        .filter(vendor_order=vendor_order)
        .order_by("-id"),
        "Status": VendorOrder.Status,
    }
    return render(request, "dashboard/orders/detail.html", context, status=status)


@vendor_page()
def order_detail(request, vendor_order_id: int):
    return _order_page(request, vendor_order_id)


def _order_url(vendor_order_id: int) -> str:
    return reverse("dashboard:order", kwargs={"vendor_order_id": vendor_order_id})


@vendor_page(methods=("POST",))
def order_accept(request, vendor_order_id: int):
    return act(
        request,
        lambda: fulfilment.accept_vendor_order(
            vendor=request.vendor, vendor_order_id=vendor_order_id, actor=request.user
        ),
        success=_("The order is accepted."),
        default=_order_url(vendor_order_id),
    )


@vendor_page(methods=("POST",))
def order_refuse(request, vendor_order_id: int):
    """Refuse a paid order with a reason: the shopper is refunded in full."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            fulfilment.refuse_vendor_order(
                vendor=request.vendor,
                vendor_order_id=vendor_order_id,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except NotFound:
            raise
        except ValidationFailed as error:
            add_domain_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("The order is refused and refunded."))
            return redirect(_order_url(vendor_order_id))
    return _order_page(request, vendor_order_id, refuse_form=form, status=400)


@vendor_page(methods=("POST",))
def order_ship(request, vendor_order_id: int):
    """Record a parcel with its carrier and tracking number."""
    form = ShipForm(request.POST)
    if form.is_valid():
        try:
            fulfilment.ship_vendor_order(
                vendor=request.vendor,
                vendor_order_id=vendor_order_id,
                actor=request.user,
                **form.cleaned_data,
            )
        except NotFound:
            raise
        except ValidationFailed as error:
            add_domain_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("The parcel is recorded as shipped."))
            return redirect(_order_url(vendor_order_id))
    return _order_page(request, vendor_order_id, ship_form=form, status=400)


@vendor_page(methods=("POST",))
def order_ship_bulk(request):
    """Ship the ticked orders, each with the tracking number typed on its row.

    Each order ships in its own transaction, so one refusal leaves the others
    shipped; the messages say which.
    """
    form = BulkShipForm(request.POST)
    chosen = [v for v in request.POST.getlist("vendor_order") if v.isdigit()]
    if not form.is_valid() or not chosen:
        messages.error(
            request,
            " ".join(e for errors in form.errors.values() for e in errors)
            or _("Tick the orders to ship."),
        )
        return redirect(reverse("dashboard:orders") + "?status=accepted")
    shipped, failed = [], []
    for vendor_order_id in map(int, chosen):
        tracking = request.POST.get(f"tracking_{vendor_order_id}", "").strip()
        try:
            TRACKING.clean(tracking)
            vendor_order = fulfilment.ship_vendor_order(
                vendor=request.vendor,
                vendor_order_id=vendor_order_id,
                actor=request.user,
                carrier=form.cleaned_data["carrier"],
                tracking_number=tracking,
            )
        except NotFound:
            failed.append((vendor_order_id, _("No such order.")))
        except DomainError as error:
            texts = [str(t) for v in error.errors.values() for t in v] or [error.detail]
            failed.append((vendor_order_id, " ".join(texts)))
        except ValidationError as error:
            failed.append((vendor_order_id, " ".join(error.messages)))
        else:
            shipped.append(vendor_order)
    if shipped:
        messages.success(
            request,
            _("%(count)s orders are shipped.") % {"count": len(shipped)},
        )
    for vendor_order_id, reason in failed:
        messages.error(
            request,
            _("Order %(id)s was not shipped: %(reason)s")
            % {"id": vendor_order_id, "reason": reason},
        )
    return redirect(reverse("dashboard:orders") + "?status=accepted")


@vendor_page()
def refund_list(request):
    """After-sales requests of the vendor's orders, newest first, by status."""
    filters = RefundFilterForm(request.GET)
    status = filters.cleaned_data.get("status") if filters.is_valid() else None
    requests = selectors.list_vendor_refund_requests(
        vendor=request.vendor, status=status
    ).select_related("vendor_order__order")
    page = Paginator(requests.order_by("-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "filters": filters,
        "page": page,
        "requests": page.object_list,
        "accept_form": OptionalReasonForm(),
        "refuse_form": ReasonForm(),
        "RefundStatus": RefundRequest.Status,
    }
    return render(request, "dashboard/orders/refunds.html", context)


def _decide(request, request_id: int, service, form_class, success):
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(e for errors in form.errors.values() for e in errors),
        )
        return redirect("dashboard:refunds")
    return act(
        request,
        lambda: service(
            vendor=request.vendor,
            request_id=request_id,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        ),
        success=success,
        default="dashboard:refunds",
    )


@vendor_page(methods=("POST",))
def refund_accept(request, request_id: int):
    return _decide(
        request,
        request_id,
        refunds.accept_refund,
        OptionalReasonForm,
        _("The refund is accepted."),
    )


@vendor_page(methods=("POST",))
def refund_refuse(request, request_id: int):
    return _decide(
        request,
        request_id,
        refunds.refuse_refund,
        ReasonForm,
        _("The refund is refused."),
    )
