"""The payouts queue: withdrawals awaiting finance's approval, approve / hold / reject.

Each decision calls ``vendors.services.withdrawals`` as the ops API does, so the
same role check, status transition, event row and ledger void apply.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.backoffice.forms import OptionalReasonForm, ReasonForm
from marketplace.backoffice.views.common import done, found, operator_view
from marketplace.common.errors import DomainError
from marketplace.common.web import add_domain_errors
from vendors.models import Withdrawal
from vendors.selectors_money import list_withdrawal_queue
from vendors.services import withdrawals

LIMIT = 200
Status = Withdrawal.Status


def _queue(request, *, bound: dict | None = None, status: int = 200):
    chosen = request.GET.get("status", "")
    if chosen not in Status.values:
        chosen = ""
    rows = list(list_withdrawal_queue(status=chosen or None)[:LIMIT])
    bound = bound or {}
    shown = {w.pk for w in rows}
    for pk, form in bound.items():
        if pk not in shown:
            for error in form.non_field_errors():
                messages.error(request, f"#{pk}: {error}")
    context = {
        "rows": [
            (w, bound.get(w.pk) or OptionalReasonForm(prefix=f"w{w.pk}")) for w in rows
        ],
        "status": chosen,
        "statuses": Status.choices,
        "decidable": {Status.PENDING_APPROVAL, Status.ON_HOLD},
        "limit": LIMIT,
    }
    return render(request, "backoffice/payouts/list.html", context, status=status)


@operator_view("payouts")
def payout_list(request):
    """Withdrawals awaiting approval or on hold, oldest first (or by ``status``)."""
    return _queue(request)


def _decide(request, withdrawal_id: int, *, service, required: bool, message: str):
    """Validate the reason, call ``service``; show errors on the queue (400)."""
    form_class = ReasonForm if required else OptionalReasonForm
    form = form_class(request.POST, prefix=f"w{withdrawal_id}")
    if form.is_valid():
        try:
            with found():
                service(
                    withdrawal_id=withdrawal_id,
                    operator=request.user,
                    reason=form.cleaned_data["reason"],
                )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return done(request, message, "payouts")
    if not Withdrawal.objects.filter(pk=withdrawal_id).exists():
        raise Http404()
    return _queue(request, bound={withdrawal_id: form}, status=400)


@operator_view("payout-approve")
def payout_approve(request, withdrawal_id: int):
    return _decide(
        request,
        withdrawal_id,
        service=withdrawals.approve_withdrawal,
        required=False,
        message=_("The withdrawal is approved and goes to the provider."),
    )


@operator_view("payout-hold")
def payout_hold(request, withdrawal_id: int):
    return _decide(
        request,
        withdrawal_id,
        service=withdrawals.hold_withdrawal,
        required=True,
        message=_("The withdrawal is on hold."),
    )


@operator_view("payout-reject")
def payout_reject(request, withdrawal_id: int):
    return _decide(
        request,
        withdrawal_id,
        service=withdrawals.reject_withdrawal,
        required=True,
        message=_("The withdrawal is rejected; the balance is restored."),
    )
