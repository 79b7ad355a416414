"""Reconciliation items from the daily task, and the correcting entry made here.

Resolving calls ``orders.services.reconciliation.resolve_reconciliation_item``: a
new journal entry with finance's reason; nothing in the ledger is edited.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.backoffice.forms import ReasonForm
from marketplace.backoffice.views.common import done, operator_view
from marketplace.common.errors import DomainError
from marketplace.common.web import add_domain_errors
from orders.models import ReconciliationItem
from orders.services.reconciliation import resolve_reconciliation_item

LIMIT = 200
Status = ReconciliationItem.Status


def _page(request, *, bound: dict | None = None, status: int = 200):
    chosen = request.GET.get("status", Status.OPEN)
    if chosen not in Status.values:
        chosen = Status.OPEN
    items = list(
        ReconciliationItem.objects.filter(status=chosen)
        .select_related("resolved_by")
        .order_by("day", "id")[:LIMIT]
    )
    bound = bound or {}
    context = {
        "rows": [(i, bound.get(i.pk) or ReasonForm(prefix=f"i{i.pk}")) for i in items],
        "status": chosen,
        "statuses": Status.choices,
        "limit": LIMIT,
    }
    return render(
        request, "backoffice/reconciliation/list.html", context, status=status
    )


@operator_view("reconciliation")
def reconciliation_list(request):
    return _page(request)


@operator_view("reconciliation-resolve")
def reconciliation_resolve(request, item_id: int):
    """Book the correcting entry for a difference, with finance's reason."""
    item = ReconciliationItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404()
    form = ReasonForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid():
        try:
            resolve_reconciliation_item(
                item_id=item.pk,
                operator=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            message = _("The difference is resolved with a correcting entry.")
            return done(request, message, "reconciliation")
    return _page(request, bound={item.pk: form}, status=400)
