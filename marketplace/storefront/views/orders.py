"""The shopper's orders: each shop's part with its status, parcels and timeline, the
payment result page, and the after-sales actions on a part."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from marketplace.common.errors import DomainError, NotFound, ValidationFailed
from marketplace.storefront.forms import CancelForm, RefundRequestForm
from marketplace.storefront.views.common import found, is_fragment, shopper_required
from orders import selectors
from orders.models import Order, VendorOrder
from orders.services.fulfilment import cancel_vendor_order, confirm_receipt
from orders.services.refunds import REFUNDABLE_STATUSES, request_refund

PAGE_SIZE = 10
CANCELLABLE = (
    VendorOrder.Status.PENDING_PAYMENT,
    VendorOrder.Status.PAID,
    VendorOrder.Status.ACCEPTED,
)
CONFIRMABLE = (VendorOrder.Status.SHIPPED, VendorOrder.Status.DELIVERED)


@shopper_required
@require_GET
def order_list(request):
    orders = selectors.list_shopper_orders(shopper=request.user).order_by("-id")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    return render(request, "storefront/orders/list.html", {"page": page})


def _actions(vendor_order) -> dict:
    open_request = any(
        r.status == r.Status.REQUESTED for r in vendor_order.refund_requests.all()
    )
    return {
        "can_cancel": vendor_order.status in CANCELLABLE,
        "can_confirm": vendor_order.status in CONFIRMABLE and not open_request,
        "can_refund": vendor_order.status in REFUNDABLE_STATUSES
        and not open_request
        and vendor_order.refundable > 0,
    }


@shopper_required
@require_GET
def order_detail(request, number: str):
    with found():
        order = selectors.get_shopper_order_detail(shopper=request.user, number=number)
    parts = [{"vendor_order": vo, **_actions(vo)} for vo in order.vendor_orders.all()]
    pending = order.status == Order.Status.PENDING_PAYMENT
    failed = pending and selectors.payment_failed(order=order)
    context = {
        "order": order,
        "parts": parts,
        "failed": failed,
        "waiting": pending and not failed,
    }
    return render(request, "storefront/orders/detail.html", context)


@shopper_required
@require_GET
def order_result(request, number: str):
    """Wait for the payment's real status; the redirect's query string is ignored.

    The order turns paid only when the provider's verified webhook (or the orders
    sweep's status query) is applied. htmx polls this every two seconds while the
    order awaits payment; once it is settled, a poll from the order page reloads it.
    """
    with found():
        order = selectors.get_shopper_order_status(shopper=request.user, number=number)
    pending = order.status == Order.Status.PENDING_PAYMENT
    failed = pending and selectors.payment_failed(order=order)
    if is_fragment(request) and not (pending and not failed):
        current = urlsplit(request.htmx.current_url or "").path
        if current == reverse("storefront:order", args=[number]):
            return HttpResponseClientRefresh()
    context = {"order": order, "failed": failed, "waiting": pending and not failed}
    if is_fragment(request):
        return render(request, "storefront/orders/_result_status.html", context)
    return render(request, "storefront/orders/result.html", context)


def _back_to_order(number: str):
    return redirect("storefront:order", number=number)


@shopper_required
@require_POST
def confirm(request, number: str, vendor_order_id: int):
    try:
        with found():
            confirm_receipt(
                shopper=request.user,
                vendor_order_id=vendor_order_id,
                order_number=number,
            )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Thank you: receipt confirmed."))
    return _back_to_order(number)


@shopper_required
@require_POST
def cancel(request, number: str, vendor_order_id: int):
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("reason", [])))
        return _back_to_order(number)
    try:
        with found():
            cancel_vendor_order(
                shopper=request.user,
                vendor_order_id=vendor_order_id,
                order_number=number,
                reason=form.cleaned_data["reason"],
            )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("This part of your order is cancelled."))
    return _back_to_order(number)


def _refund_errors(form: RefundRequestForm, error: ValidationFailed, chosen) -> None:
    """Copy the service's errors onto the form; ``lines[i]`` names the i-th chosen."""
    for key, messages_ in error.errors.items():
        name = key if key in form.fields else None
        if key.startswith("lines[") and chosen:
            index = int(key[len("lines[") : key.index("]")])
            if index < len(chosen):
                name = f"line_{chosen[index]['order_line_id']}"
        for message in messages_:
            form.add_error(name, message)


@shopper_required
@require_http_methods(["GET", "POST"])
def refund(request, number: str, vendor_order_id: int):
    """Ask for a refund of a shop's part, or of some of its lines."""
    with found():
        order = selectors.get_shopper_order_detail(shopper=request.user, number=number)
        vendor_order = next(
            (vo for vo in order.vendor_orders.all() if vo.pk == vendor_order_id), None
        )
        if vendor_order is None:
            raise NotFound()
    form = RefundRequestForm(request.POST or None, lines=list(vendor_order.lines.all()))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            chosen = form.chosen_lines()
            try:
                request_refund(
                    shopper=request.user,
                    vendor_order_id=vendor_order.pk,
                    order_number=number,
                    type=form.cleaned_data["type"],
                    reason=form.cleaned_data["reason"],
                    lines=chosen,
                )
            except ValidationFailed as error:
                _refund_errors(form, error, chosen)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(
                    request, _("Your refund request is with the shop now.")
                )
                return _back_to_order(number)
    return render(
        request,
        "storefront/orders/refund.html",
        {"order": order, "vendor_order": vendor_order, "form": form},
        status=status,
    )
