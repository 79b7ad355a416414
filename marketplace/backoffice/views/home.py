"""The overview: what waits for the signed-in operator, by queue."""

from __future__ import annotations

from django.shortcuts import render

from marketplace.backoffice import access
from marketplace.backoffice.views.common import operator_view
from marketplace.catalog.selectors import list_products_for_review
from orders.models import ReconciliationItem, RefundRequest
from vendors.models import Vendor
from vendors.selectors_money import list_withdrawal_queue


@operator_view("home")
def home(request):
    """Count each queue the operator's role may work on (one query per queue)."""
    user = request.user
    queues = []
    if access.may(user, "vendors"):
        queues.append(
            ("vendors", Vendor.objects.filter(status=Vendor.Status.SUBMITTED).count())
        )
    if access.may(user, "listings"):
        queues.append(("listings", list_products_for_review().count()))
    if access.may(user, "orders"):
        queues.append(
            (
                "orders",
                RefundRequest.objects.filter(
                    status=RefundRequest.Status.REQUESTED
                ).count(),
            )
        )
    if access.may(user, "payouts"):
        queues.append(("payouts", list_withdrawal_queue().count()))
    if access.may(user, "reconciliation"):
        queues.append(
            (
                "reconciliation",
                ReconciliationItem.objects.filter(
                    status=ReconciliationItem.Status.OPEN
                ).count(),
            )
        )
    return render(request, "backoffice/home.html", {"queues": dict(queues)})
