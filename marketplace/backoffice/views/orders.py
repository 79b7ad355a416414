"""Orders across all vendors: search by number, open disputes, and one order's
timeline with its parts, parcels, refunds and after-sales requests. Support
arbitrates an open request here (``orders.services.refunds.decide_refund``)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.backoffice.forms import RefundDecisionForm, SearchForm
from marketplace.backoffice.views.common import done, found, is_fragment, operator_view
from marketplace.common.errors import DomainError, NotFound
from marketplace.common.web import add_domain_errors
from orders import selectors
from orders.models import RefundRequest, RefundRequestLine
from orders.services import refunds

PAGE_SIZE = 25


@operator_view("orders")
def order_list(request):
    """Every order, newest first; ``q`` an order number or its start; ``disputes``
    keeps the orders with an open after-sales request. Pages go by ``before`` (an
    id), so a growing table costs the same per page."""
    search = SearchForm(request.GET)
    query = (search.cleaned_data["q"] if search.is_valid() else "")[:32]
    orders = selectors.list_all_orders(search=query or None).order_by("-id")
    disputes = request.GET.get("disputes") == "1"
    if disputes:
        orders = orders.filter(
            vendor_orders__refund_requests__status=RefundRequest.Status.REQUESTED
        ).distinct()
    before = request.GET.get("before", "")
    if before.isdigit():
        orders = orders.filter(pk__lt=int(before))
    rows = list(orders[: PAGE_SIZE + 1])
    context = {
        "orders": rows[:PAGE_SIZE],
        "next_before": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "search": search,
        "disputes": disputes,
        "section": "orders",
    }
    template = "backoffice/orders/_results.html" if is_fragment(request) else None
    return render(request, template or "backoffice/orders/list.html", context)


def _detail(request, number: str, *, forms: dict | None = None, status: int = 200):
    with found():
        order = selectors.get_order_for_operator(number=number)
    requests = list(
        RefundRequest.objects.filter(vendor_order__order=order)
        .select_related("vendor_order__vendor", "decided_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=RefundRequestLine.objects.select_related("order_line"),
            )
        )
        .order_by("-id")
    )
    forms = forms or {}
    context = {
        "order": order,
        "requests": [
            (r, forms.get(r.pk) or RefundDecisionForm(prefix=f"r{r.pk}"))
            for r in requests
        ],
        "section": "orders",
    }
    return render(request, "backoffice/orders/detail.html", context, status=status)


@operator_view("order")
def order_detail(request, number: str):
    return _detail(request, number)


@operator_view("refund-decide")
def refund_decide(request, request_id: int):
    """Support accepts (the provider refunds) or refuses, with a reason, an open
    after-sales request instead of the vendor."""
    with found():
        refund_request = (
            RefundRequest.objects.select_related("vendor_order__order")
            .filter(pk=request_id)
            .first()
        )
        if refund_request is None:
            raise NotFound()
    number = refund_request.vendor_order.order.number
    form = RefundDecisionForm(request.POST, prefix=f"r{request_id}")
    if form.is_valid():
        try:
            refunds.decide_refund(
                operator=request.user,
                request_id=request_id,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return done(request, _("The request is decided."), "order", number)
    return _detail(request, number, forms={request_id: form}, status=400)
