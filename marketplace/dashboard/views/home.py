"""The dashboard's first page: what needs doing, the balance and the sales charts."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import render

from marketplace.dashboard.forms import ChartForm
from marketplace.dashboard.views.common import vendor_page
from orders import selectors
from orders.models import RefundRequest, VendorOrder
from vendors.selectors_money import get_vendor_balances
from vendors.selectors_sales import get_sales_series


@vendor_page()
def home(request):
    """Orders to accept and to ship, open refund requests, balance (owner), charts."""
    vendor = request.vendor
    counts = dict(
        selectors.list_vendor_orders(vendor=vendor)
        .prefetch_related(None)
        .filter(status__in=[VendorOrder.Status.PAID, VendorOrder.Status.ACCEPTED])
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    chart = ChartForm(request.GET)
    period = (chart.is_valid() and chart.cleaned_data.get("period")) or "day"
    context = {
        "to_accept": counts.get(VendorOrder.Status.PAID, 0),
        "to_ship": counts.get(VendorOrder.Status.ACCEPTED, 0),
        "open_refunds": selectors.list_vendor_refund_requests(
            vendor=vendor, status=RefundRequest.Status.REQUESTED
        ).count(),
        "balances": (
            get_vendor_balances(vendor=vendor) if request.membership.is_owner else None
        ),
        "chart_form": chart,
        "series": get_sales_series(vendor=vendor, period=period).as_chart_data(),
    }
    return render(request, "dashboard/home.html", context)
