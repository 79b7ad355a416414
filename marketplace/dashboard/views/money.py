"""Money (owner only): the balance, when and how much will be paid, withdrawals and
monthly statements (their CSV and PDF files are ``documents``'). Every figure is
read from the ledger."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.common.errors import DomainError, ValidationFailed
from marketplace.common.web import add_domain_errors
from marketplace.dashboard.forms import StatementForm, WithdrawalForm
from marketplace.dashboard.views.common import vendor_page
from marketplace.payments.port import PaymentProviderError
from orders.selectors_settlement import list_upcoming_payouts
from orders.services.payees import get_onboarding_link, get_payee
from vendors.models import Withdrawal
from vendors.selectors_money import (
    get_vendor_balances,
    get_withdrawal,
    list_withdrawals,
)
from vendors.selectors_statements import (
    LINES,
    get_vendor_statement,
    month_bounds,
)
from vendors.services.withdrawals import request_withdrawal

PER_PAGE = 25
SCHEDULE_ROWS = 100


@vendor_page(owner=True)
def money(request):
    """The balance in its parts, the deposit, and each order still held."""
    vendor = request.vendor
    schedule = list(list_upcoming_payouts(vendor=vendor)[: SCHEDULE_ROWS + 1])
    context = {
        "balances": get_vendor_balances(vendor=vendor),
        "payee": get_payee(vendor=vendor),
        "schedule": schedule[:SCHEDULE_ROWS],
        "schedule_truncated": len(schedule) > SCHEDULE_ROWS,
    }
    return render(request, "dashboard/money/overview.html", context)


@vendor_page(methods=("POST",), owner=True)
def payee_onboarding(request):
    """Open the payout account if needed and go to the provider's onboarding page.

    The provider sends the vendor back to the dashboard when it is done.
    """
    try:
        link = get_onboarding_link(vendor=request.vendor)
    except PaymentProviderError:
        messages.error(
            request, _("The payment provider cannot be reached; try again later.")
        )
        return redirect("dashboard:money")
    return redirect(link.url)


@vendor_page(methods=("GET", "POST"), owner=True)
def withdrawals(request):
    """Ask for a withdrawal of the available balance; the history below.

    The form carries a one-time key, so a double submit withdraws once.
    """
    vendor = request.vendor
    form = WithdrawalForm(request.POST or None, currency=vendor.currency)
    if request.method == "POST" and form.is_valid():
        key = request.POST.get("key", "")
        try:
            withdrawal = request_withdrawal(
                vendor=vendor,
                actor=request.user,
                amount=form.cleaned_data["amount"],
                key=key if len(key) <= 64 and key.replace("-", "").isalnum() else None,
            )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        except DomainError as error:
            form.add_error("amount", error.detail)
        else:
            messages.success(request, _("Your withdrawal is requested."))
            return redirect("dashboard:withdrawal", withdrawal_id=withdrawal.pk)
    page = Paginator(list_withdrawals(vendor=vendor), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "key": secrets.token_urlsafe(16),
        "balances": get_vendor_balances(vendor=vendor),
        "page": page,
        "withdrawals": page.object_list,
        "WithdrawalStatus": Withdrawal.Status,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/money/withdrawals.html", context, status=status)


@vendor_page(owner=True)
def withdrawal_detail(request, withdrawal_id: int):
    withdrawal = get_withdrawal(vendor=request.vendor, withdrawal_id=withdrawal_id)
    context = {"withdrawal": withdrawal, "WithdrawalStatus": Withdrawal.Status}
    return render(request, "dashboard/money/withdrawal.html", context)


def _month(form: StatementForm) -> tuple[int, int]:
    month = (form.is_valid() and form.cleaned_data.get("month")) or (
        timezone.localdate().strftime("%Y-%m")
    )
    year, number = (int(part) for part in month.split("-"))
    return year, number


@vendor_page(owner=True)
def statement(request):
    """The month's statement: opening, each line, closing, and the deposit."""
    form = StatementForm(request.GET)
    year, number = _month(form)
    start, end = month_bounds(year, number)
    result = get_vendor_statement(vendor=request.vendor, start=start, end=end)
    context = {
        "form": form,
        "statement": result,
        "month": f"{year:04d}-{number:02d}",
        "lines": [(label, result.lines[key]) for key, label in LINES],
    }
    status = 400 if form.errors else 200
    return render(request, "dashboard/money/statement.html", context, status=status)
