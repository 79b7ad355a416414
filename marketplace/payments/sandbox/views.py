"""The sandbox provider's hosted pages: pay, 3-D Secure challenge, onboarding.

These stand for the provider's own site, so they talk to the sandbox directly, not
through the port. Every page says TEST MODE. The redirect back to ``return_url``
proves nothing to the marketplace; only the webhook or a status query does.
"""

from contextlib import suppress
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from marketplace.common.money import format_amount
from marketplace.payments.sandbox import accounts, engine
from marketplace.payments.sandbox.errors import SandboxApiError
from marketplace.payments.sandbox.models import SandboxPayment
from marketplace.payments.sandbox.provider import ONBOARDING_LINK_TTL, ONBOARDING_SALT

TEMPLATE = "payments/sandbox/page.html"
PAY_ACTIONS = {"pay": "pay", "decline": "decline", "3ds": "start_3ds"}
CHALLENGE_ACTIONS = {"complete": "complete_3ds", "fail": "fail_3ds"}


def _sandbox_payment(payment_id: str) -> SandboxPayment:
    if settings.PAYMENT_PROVIDER != "sandbox":
        raise Http404("The sandbox provider is not enabled.")
    return get_object_or_404(SandboxPayment, payment_id=payment_id)


def _add_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def _back_to_merchant(payment: SandboxPayment) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        _add_query(
            payment.return_url,
            {"payment_id": payment.payment_id, "redirect_status": payment.status},
        )
    )


def _page(request, payment: SandboxPayment, step: str, status: int = 200):
    context = {
        "step": step,
        "payment": payment,
        "amount": format_amount(payment.amount, payment.currency),
    }
    return render(request, TEMPLATE, context, status=status)


def _act(payment: SandboxPayment, action: str) -> SandboxPayment:
    with suppress(SandboxApiError):  # already final: show where it ended
        engine.shopper_action(payment.payment_id, action)
    payment.refresh_from_db()
    return payment


@require_http_methods(["GET", "POST"])
def pay_page(request, payment_id: str):
    payment = _sandbox_payment(payment_id)
    if payment.status == SandboxPayment.Status.REQUIRES_ACTION:
        return redirect("sandbox:challenge", payment_id=payment_id)
    if request.method == "GET":
        final = payment.status != SandboxPayment.Status.REQUIRES_PAYMENT
        return _page(request, payment, "done" if final else "pay")
    action = PAY_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return HttpResponseBadRequest("Unknown action.")
    payment = _act(payment, action)
    if payment.status == SandboxPayment.Status.REQUIRES_ACTION:
        return redirect("sandbox:challenge", payment_id=payment_id)
    return _back_to_merchant(payment)


@require_http_methods(["GET", "POST"])
def challenge_page(request, payment_id: str):
    payment = _sandbox_payment(payment_id)
    if payment.status != SandboxPayment.Status.REQUIRES_ACTION:
        return redirect("sandbox:pay", payment_id=payment_id)
    if request.method == "GET":
        return _page(request, payment, "challenge")
    action = CHALLENGE_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return HttpResponseBadRequest("Unknown action.")
    return _back_to_merchant(_act(payment, action))


@require_http_methods(["GET", "POST"])
def onboarding_page(request, token: str):
    if settings.PAYMENT_PROVIDER != "sandbox":
        raise Http404("The sandbox provider is not enabled.")
    try:
        link = signing.loads(
            token, salt=ONBOARDING_SALT, max_age=ONBOARDING_LINK_TTL.total_seconds()
        )
    except signing.BadSignature:
        return render(request, TEMPLATE, {"step": "expired"}, status=410)
    try:
        account = engine.get_account(link["account"])
    except SandboxApiError as error:
        raise Http404(error.message) from error
    if request.method == "POST":
        accounts.complete_onboarding(account.account_id)
        return HttpResponseRedirect(link["return"])
    return render(request, TEMPLATE, {"step": "onboarding", "account": account})
