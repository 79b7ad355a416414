"""The Stripe Connect adapter: separate charges and transfers, with the stripe SDK.

- **Pay page: Stripe Checkout** (a Checkout Session in ``payment`` mode), because
  it is the only page Stripe hosts for a one-off payment: a bare PaymentIntent needs
  our own page with Stripe.js, card fields and 3-D Secure handling, which is what
  the port's "redirect to the provider's page" avoids. The session's id is the
  port's ``payment_id``; its PaymentIntent appears once the shopper pays, with
  ``transfer_group`` set to the order's merchant reference.
- **One payment for the whole order** on the platform account; ``settle`` makes
  one Transfer per vendor with the charge as ``source_transaction`` (so it does not
  wait for the platform's balance), ``reverse_settlement`` reverses it.
- **Vendors** are Express connected accounts with the ``transfers`` capability and
  a manual payout schedule: ``payout`` is a payout on the connected account
  (``Stripe-Account`` header), made when the vendor withdraws.
- **Keys**: every mutation sends the port's key as Stripe's ``Idempotency-Key``.
  Stripe replays the first answer for the same key and refuses other parameters
  (``ProviderIdempotencyError``). Checks Stripe cannot make (a payee's part of a
  payment) run before the call, except when the key was already used: then Stripe
  answers as the first time.
- **Fee**: the ``fee`` of the charge's balance transaction.
"""

from __future__ import annotations

import math

from django.conf import settings

from marketplace.payments import port
from marketplace.payments.port import OperationStatus, Outcome, PaymentStatus
from marketplace.payments.stripe_connect import events
from marketplace.payments.stripe_connect.client import get_client, is_test_key
from marketplace.payments.stripe_connect.payments import (
    EXPAND,
    encode_allocations,
    encode_splits,
    load_payment,
    status_of,
    when,
)
from marketplace.payments.stripe_connect.transactions import list_balance_movements
from marketplace.payments.stripe_connect.wire import mutate, query

# The settlement refusal that the payee's onboarding lifts (orders.services.payees).
PAYEE_NOT_READY = "payee_not_ready"
REFUND_STATUS = {
    "succeeded": OperationStatus.SUCCEEDED,
    "pending": OperationStatus.PENDING,
    "requires_action": OperationStatus.PENDING,
    "failed": OperationStatus.FAILED,
    "canceled": OperationStatus.FAILED,
}
PAYOUT_STATUS = {
    "paid": OperationStatus.SUCCEEDED,
    "pending": OperationStatus.PENDING,
    "in_transit": OperationStatus.PENDING,
    "failed": OperationStatus.FAILED,
    "canceled": OperationStatus.FAILED,
}


def _absolute(url: str) -> str:
    return url if "://" in url else f"{settings.SITE_URL.rstrip('/')}{url}"


def _refused(result: type[port.Result], code: str, message: str) -> port.Result:
    return result(outcome=Outcome.FAILED, failure_code=code, failure_message=message)


class StripeConnectProvider:
    name = "stripe_connect"

    def __init__(self):
        self.client = get_client()
        self.capabilities = port.Capabilities(
            funds_flow=port.FundsFlow.CHARGES_ON_PLATFORM_THEN_TRANSFERS,
            has_capture_step=False,
            test_mode=is_test_key(settings.STRIPE_SECRET_KEY),
        )

    @staticmethod
    def _options(key: str, **extra) -> dict:
        port.check_idempotency_key(key)
        return {"idempotency_key": key, **extra}

    # --- Payments ------------------------------------------------------------------
    def _payment_result(self, session: dict) -> port.PaymentResult:
        status = status_of(session)
        return port.PaymentResult(
            outcome=Outcome.SUCCEEDED,
            payment_id=session["id"],
            status=status,
            next_action=port.NextAction(kind="redirect", url=session["url"])
            if status.outcome is Outcome.PENDING and session.get("url")
            else None,
        )

    def create_payment(self, request, *, idempotency_key):
        options = self._options(idempotency_key)
        reference = request.merchant_reference
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount,
                        "product_data": {"name": request.description or reference},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": _absolute(request.return_url),
            "cancel_url": _absolute(request.return_url),
            "client_reference_id": reference,
            "metadata": {
                "merchant_reference": reference,
                **encode_splits(request.splits),
            },
            "payment_intent_data": {
                "transfer_group": reference,
                "metadata": {"merchant_reference": reference},
            },
        }
        return mutate(
            port.PaymentResult,
            lambda: self.client.v1.checkout.sessions.create(
                params=params, options=options
            ),
            self._payment_result,
        )

    def capture(self, payment_id, *, amount=None, idempotency_key):
        """Checkout captures when the shopper pays: report the payment, change
        nothing."""
        port.check_idempotency_key(idempotency_key)
        info = self.get_payment(payment_id)
        return port.PaymentResult(
            outcome=Outcome.SUCCEEDED, payment_id=info.payment_id, status=info.status
        )

    def cancel(self, payment_id, *, idempotency_key):
        """Expire the Checkout Session, so the shopper can no longer pay it."""
        options = self._options(idempotency_key)
        return mutate(
            port.PaymentResult,
            lambda: self.client.v1.checkout.sessions.expire(
                payment_id, params={"expand": EXPAND}, options=options
            ),
            self._payment_result,
        )

    def get_payment(self, payment_id):
        return load_payment(self.client, payment_id).info()

    def refund(self, request, *, idempotency_key):
        """Refund from the platform's balance; a part already transferred is pulled
        back first by the domain (``reverse_settlement``)."""
        options = self._options(idempotency_key)
        payment = load_payment(self.client, request.payment_id)
        if payment.intent is None or payment.info().status != PaymentStatus.SUCCEEDED:
            return _refused(port.RefundResult, "payment_unexpected_state", "Not paid.")
        if payment.refund_with_key(idempotency_key) is None:
            splits = {s.payee_ref: s for s in payment.splits()}
            for allocation in request.allocations:
                split = splits.get(allocation.payee_ref)
                if split is None:
                    return _refused(
                        port.RefundResult,
                        "payee_not_in_payment",
                        f"{allocation.payee_ref} has no part in this payment.",
                    )
                if allocation.amount > split.amount - split.refunded:
                    return _refused(
                        port.RefundResult,
                        "amount_too_large",
                        f"{allocation.payee_ref} has less left to refund.",
                    )
        params = {
            "payment_intent": payment.intent["id"],
            "amount": request.amount,
            "metadata": {
                "allocations": encode_allocations(request.allocations),
                "idempotency_key": idempotency_key,
                "reason": request.reason[:500],
            },
        }
        return mutate(
            port.RefundResult,
            lambda: self.client.v1.refunds.create(params=params, options=options),
            lambda body: port.RefundResult(
                outcome=Outcome.FAILED
                if REFUND_STATUS[body["status"]] is OperationStatus.FAILED
                else Outcome.SUCCEEDED,
                refund_id=body["id"],
                status=REFUND_STATUS[body["status"]],
                failure_code=body.get("failure_reason") or "",
            ),
        )

    # --- Settlements ---------------------------------------------------------------
    def settle(self, request, *, idempotency_key):
        """Transfer ``amount`` to the payee from the payment's charge; the
        ``commission`` stays on the platform (recorded in the transfer's metadata).

        A payee whose account cannot receive transfers yet (not onboarded) gets a
        retryable ``payee_not_ready`` before any transfer is tried: Stripe saves a
        refusal under its idempotency key, so trying would spend the key. A refusal
        that comes anyway (the account changed in between) is final for the key.

        A settlement of 0 to the payee moves nothing at Stripe: it succeeds with no
        settlement id.
        """
        options = self._options(idempotency_key)
        payment = load_payment(self.client, request.payment_id)
        if payment.info().status != PaymentStatus.SUCCEEDED or payment.charge is None:
            return _refused(
                port.SettlementResult, "payment_unexpected_state", "Not paid."
            )
        if payment.transfer_with_key(idempotency_key) is None:
            if not self._can_receive_transfers(request.payee_ref):
                return port.SettlementResult(
                    outcome=Outcome.FAILED,
                    failure_code=PAYEE_NOT_READY,
                    failure_message="The connected account cannot receive transfers.",
                    retryable=True,
                )
            split = next(
                (s for s in payment.splits() if s.payee_ref == request.payee_ref), None
            )
            if split is None:
                return _refused(
                    port.SettlementResult,
                    "payee_not_in_payment",
                    f"{request.payee_ref} has no part in this payment.",
                )
            gross = request.amount + request.commission
            if gross > split.amount - split.refunded - split.settled:
                return _refused(
                    port.SettlementResult,
                    "amount_too_large",
                    "More than is left of the payee's part.",
                )
        if request.amount == 0:
            return port.SettlementResult(
                outcome=Outcome.SUCCEEDED, status=OperationStatus.SUCCEEDED
            )
        params = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "destination": request.payee_ref,
            "source_transaction": payment.charge["id"],
            "transfer_group": payment.reference,
            "metadata": {
                "commission": str(request.commission),
                "idempotency_key": idempotency_key,
                "merchant_reference": payment.reference,
            },
        }
        return mutate(
            port.SettlementResult,
            lambda: self.client.v1.transfers.create(params=params, options=options),
            lambda body: port.SettlementResult(
                outcome=Outcome.SUCCEEDED,
                settlement_id=body["id"],
                status=OperationStatus.SUCCEEDED,
            ),
        )

    def _can_receive_transfers(self, account_id: str) -> bool:
        account = query(lambda: self.client.v1.accounts.retrieve(account_id))
        return (account.to_dict().get("capabilities") or {}).get("transfers") == (
            "active"
        )

    def reverse_settlement(self, settlement_id, *, amount, idempotency_key):
        """Reverse part of a transfer; ``balance_insufficient`` when the connected
        account has paid the money out already."""
        port.check_amount(amount, "amount")
        options = self._options(idempotency_key)

        def build(body: dict) -> port.SettlementResult:
            transfer = body["transfer"]
            return port.SettlementResult(
                outcome=Outcome.SUCCEEDED,
                settlement_id=transfer["id"],
                status=OperationStatus.REVERSED
                if transfer["amount_reversed"] == transfer["amount"]
                else OperationStatus.SUCCEEDED,
            )

        return mutate(
            port.SettlementResult,
            lambda: self.client.v1.transfers.reversals.create(
                settlement_id,
                params={"amount": amount, "expand": ["transfer"]},
                options=options,
            ),
            build,
        )

    # --- Connected accounts --------------------------------------------------------
    def create_vendor_account(self, request, *, idempotency_key):
        options = self._options(idempotency_key)
        params = {
            "type": "express",
            "country": settings.STRIPE_CONNECT_COUNTRY or request.country,
            "default_currency": request.currency.lower(),
            "business_profile": {"name": request.display_name[:200]},
            "capabilities": {"transfers": {"requested": True}},
            "settings": {"payouts": {"schedule": {"interval": "manual"}}},
            "metadata": {"display_name": request.display_name[:500]},
        }
        if request.email:
            params["email"] = request.email
        return mutate(
            port.VendorAccountResult,
            lambda: self.client.v1.accounts.create(params=params, options=options),
            lambda body: port.VendorAccountResult(
                outcome=Outcome.SUCCEEDED, account_id=body["id"]
            ),
        )

    def onboarding_link(self, account_id, *, return_url, refresh_url):
        """Return Stripe's hosted onboarding link (single use, a few minutes)."""
        link = query(
            lambda: self.client.v1.account_links.create(
                params={
                    "account": account_id,
                    "refresh_url": _absolute(refresh_url),
                    "return_url": _absolute(return_url),
                    "type": "account_onboarding",
                }
            )
        )
        return port.OnboardingLink(url=link.url, expires_at=when(link.expires_at))

    def get_vendor_account(self, account_id):
        account = query(lambda: self.client.v1.accounts.retrieve(account_id))
        return events.account_info(account.to_dict())

    def get_vendor_balance(self, account_id):
        account = self.get_vendor_account(account_id)
        balance = query(
            lambda: self.client.v1.balance.retrieve(
                options={"stripe_account": account_id}
            )
        ).to_dict()
        currency = account.currency.lower()

        def total(kind: str) -> int:
            return sum(
                b["amount"] for b in balance.get(kind, []) if b["currency"] == currency
            )

        return port.VendorBalance(
            account_id=account_id,
            currency=account.currency,
            available=total("available"),
            pending=total("pending"),
        )

    def payout(self, request, *, idempotency_key):
        """A manual payout on the connected account to its bank account. Stripe
        accepts it as ``pending``; ``payout.paid``/``payout.failed`` follow."""
        options = self._options(idempotency_key, stripe_account=request.payee_ref)
        params = {"amount": request.amount, "currency": request.currency.lower()}

        def build(body: dict) -> port.PayoutResult:
            status = PAYOUT_STATUS[body["status"]]
            return port.PayoutResult(
                outcome=Outcome.FAILED
                if status is OperationStatus.FAILED
                else Outcome.SUCCEEDED,
                payout_id=body["id"],
                status=status,
                failure_code=body.get("failure_code") or "",
            )

        return mutate(
            port.PayoutResult,
            lambda: self.client.v1.payouts.create(params=params, options=options),
            build,
        )

    # --- Webhooks and reconciliation -----------------------------------------------
    def parse_webhook(self, body, headers):
        return events.parse_webhook(self, body, headers)

    def list_transactions(self, *, since, until, payee_ref=None):
        return list_balance_movements(
            self.client,
            since=math.ceil(since.timestamp()),
            until=math.ceil(until.timestamp()),
            payee_ref=payee_ref,
        )
