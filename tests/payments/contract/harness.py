"""The contract-suite harness: every adapter's fake provider, driven the same way.

``test_contract.py`` runs the same scenarios against each registered adapter. What
differs between providers (how the shopper pays, how webhooks are signed and sent,
how effects are counted at the provider) sits behind ``ProviderHarness``; the
scenarios only talk to the marketplace's services, the port and this protocol.

The protocol is small and stable: change it only additively (a new method with a
default in ``HarnessDefaults``), because ``tests/fakes/wechatpay/harness.py``
implements it too.

Conventions every harness keeps:

- ``activate(settings)`` is a context manager: it installs the fake at the SDK's
  transport, sets ``PAYMENT_PROVIDER = name`` and the credentials the adapter needs
  on pytest-django's ``settings`` fixture, holds webhooks back (they are sent only
  by ``deliver_webhooks``), and removes everything on exit. Call it inside a test
  with database access.
- Webhooks are queued at the fake when the provider's state changes (payment paid,
  account onboarded, refund done...). ``deliver_webhooks`` signs each exactly as the
  real provider does and POSTs it to the marketplace's own endpoint
  ``/payments/webhooks/<name>/`` through a Django test client. It does not apply
  them: the endpoint stores them (``WebhookEvent``) and the scenario processes the
  stored rows (what the worker's task does).
- ``payee_ref`` is the account id the adapter returned from
  ``create_vendor_account`` (``VendorPayee.account_ref``).
- ``operation`` in ``inject_fault`` is the port method's name: ``create_payment``,
  ``cancel``, ``get_payment``, ``refund``, ``settle``, ``reverse_settlement``,
  ``create_vendor_account``, ``payout``, ``list_transactions``...
- Optional attribute ``shares_our_transaction`` (default False): True when the
  fake's state lives in the marketplace's own database transaction (the sandbox),
  so a fault met inside an outbox handler that then fails is rolled back with it
  and strikes again; the suite skips those fault cases for such a harness.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from django.test import Client


class Fault(StrEnum):
    """Network faults every harness can inject on its adapter's next call(s)."""

    TIMEOUT_AFTER_COMMIT = "timeout_after_commit"  # acted; the response is lost
    SERVER_ERROR = "server_error"  # a 5xx before acting
    RATE_LIMITED = "rate_limited"  # a 429 before acting
    # The provider acts and its webhook(s) reach the endpoint before the call
    # returns. Optional: a harness that cannot raise NotImplementedError.
    WEBHOOK_BEFORE_RESPONSE = "webhook_before_response"


@dataclass(frozen=True)
class Effects:
    """How many times the provider did each thing that moves money.

    ``captures``: payments whose money was taken from the shopper;
    ``transfers``: settlements (Stripe transfers, WeChat profit-sharing orders);
    ``reversals``: settlement reversals (transfer reversals, 分账回退);
    ``refunds``: refunds to the shopper; ``payouts``: payouts to a payee's bank
    (not those made by ``exhaust_payee_balance``).
    """

    captures: int = 0
    transfers: int = 0
    reversals: int = 0
    refunds: int = 0
    payouts: int = 0


class ProviderHarness(Protocol):
    """One adapter's fake provider, as the contract suite drives it."""

    name: str  # the PAYMENT_PROVIDER value of the adapter

    def activate(self, settings) -> AbstractContextManager[ProviderHarness]:
        """Install the fake and the settings (see the module docstring)."""

    def onboard_payee(self, payee_ref: str) -> None:
        """The payee completes the provider's hosted onboarding: it can be paid and
        paid out from now on; an ``account.updated``-like webhook is queued."""

    def complete_payment(self, payment_id: str, *, outcome: str = "succeeded") -> None:
        """The shopper finishes on the provider's page: ``outcome`` is
        ``"succeeded"`` (paid, captured) or ``"failed"`` (declined). Changes the
        payment at the fake and queues its webhook(s)."""

    def deliver_webhooks(
        self,
        client: Client | None = None,
        *,
        order: str = "as-sent",
        duplicates: int = 0,
    ) -> list[int]:
        """POST every queued webhook, signed, to the endpoint; return the statuses.

        ``order``: ``"as-sent"`` (oldest first) or ``"reversed"``; each event is
        posted ``1 + duplicates`` times (each copy signed anew, as a retry is). The
        queue is empty afterwards. ``client`` defaults to a new ``Client()``.
        """

    def effects(self) -> Effects:
        """Count the provider-side effects so far (see ``Effects``)."""

    def inject_fault(self, fault: str, *, operation: str, times: int = 1) -> None:
        """Make the next ``times`` calls of the port's ``operation`` meet ``fault``
        (a ``Fault`` value)."""

    def drop_transaction(self, *, source_id: str) -> None:
        """Leave the balance movement of provider object ``source_id`` (a payment,
        refund or settlement id, as in ``Transaction.source_id``) out of
        ``list_transactions`` from now on: the reconciliation must find it."""

    def exhaust_payee_balance(self, payee_ref: str) -> None:
        """Empty the payee's available balance at the provider as if it had been
        paid out outside the marketplace, so that a settlement reversal is refused
        (``balance_insufficient``)."""


# --- Helpers a harness may use ----------------------------------------------------
def post_webhook(
    client: Client | None, provider: str, body: bytes, headers: dict
) -> int:
    """POST one signed webhook body to the marketplace's endpoint; return the status."""
    client = client or Client()
    response = client.post(
        f"/payments/webhooks/{provider}/",
        data=body,
        content_type=headers.get("Content-Type", "application/json"),
        headers={k: v for k, v in headers.items() if k.lower() != "content-type"},
    )
    return response.status_code


def ordered(items: list, order: str) -> list:
    if order == "as-sent":
        return list(items)
    if order == "reversed":
        return list(reversed(items))
    raise ValueError(f"order must be 'as-sent' or 'reversed', not {order!r}")


# --- The sandbox ------------------------------------------------------------------
class SandboxHarness:
    """The built-in sandbox: its tables are the fake, ``sandbox.control`` drives it."""

    name = "sandbox"
    shares_our_transaction = True

    def __init__(self):
        self._exhausted_payouts: set[str] = set()

    @contextmanager
    def activate(self, settings) -> Iterator[SandboxHarness]:
        from marketplace.payments.sandbox import control

        settings.PAYMENT_PROVIDER = self.name
        settings.SANDBOX_WEBHOOK_TRANSPORT = "django_test_client"
        settings.PAYMENT_WEBHOOK_URL = "http://testserver/payments/webhooks/sandbox/"
        control.hold_webhooks()
        try:
            yield self
        finally:
            control.clear_faults()

    def onboard_payee(self, payee_ref):
        from marketplace.payments.sandbox import control

        control.complete_onboarding(payee_ref)

    def complete_payment(self, payment_id, *, outcome="succeeded"):
        from marketplace.payments.sandbox import control

        {"succeeded": control.pay, "failed": control.decline}[outcome](payment_id)

    def deliver_webhooks(self, client=None, *, order="as-sent", duplicates=0):
        from django.db.models import F
        from django.utils import timezone

        from marketplace.payments.sandbox.models import SandboxEvent
        from marketplace.payments.sandbox.webhooks import (
            SIGNATURE_HEADER,
            body_of,
            sign,
            webhook_secret,
        )

        events = ordered(
            list(SandboxEvent.objects.filter(held=True).order_by("created_at", "id")),
            order,
        )
        statuses = []
        for event in events:
            body = body_of(event)
            for _ in range(1 + duplicates):
                signature = sign(
                    body, timestamp=int(time.time()), secret=webhook_secret()
                )
                statuses.append(
                    post_webhook(client, self.name, body, {SIGNATURE_HEADER: signature})
                )
        SandboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            held=False, delivered_at=timezone.now(), attempts=F("attempts") + 1
        )
        return statuses

    def effects(self):
        from marketplace.payments.sandbox.models import (
            SandboxBalanceTransaction,
            SandboxPayment,
            SandboxPayout,
            SandboxRefund,
            SandboxTransfer,
        )

        return Effects(
            captures=SandboxPayment.objects.filter(amount_captured__gt=0).count(),
            transfers=SandboxTransfer.objects.count(),
            reversals=SandboxBalanceTransaction.objects.filter(
                type="settlement_reversal", account__is_platform=True
            ).count(),
            refunds=SandboxRefund.objects.count(),
            payouts=SandboxPayout.objects.exclude(
                payout_id__in=self._exhausted_payouts
            ).count(),
        )

    def inject_fault(self, fault, *, operation, times=1):
        from marketplace.payments.sandbox import control

        if fault == Fault.WEBHOOK_BEFORE_RESPONSE:
            # The sandbox acts and commits before it answers: releasing the held
            # webhooks is done by the scenario between the two (no hook in the wire).
            raise NotImplementedError("the sandbox has no webhook-before-response hook")
        control.inject_fault(fault, operation=operation, times=times)

    def drop_transaction(self, *, source_id):
        from marketplace.payments.sandbox import control
        from marketplace.payments.sandbox.models import SandboxBalanceTransaction

        # on every account: in the frozen shape the platform's listing is made of
        # the payees' rows too (sandbox/frozen.py ``platform_listing``)
        for row in SandboxBalanceTransaction.objects.filter(source_id=source_id):
            control.drop_transaction(row.transaction_id)

    def exhaust_payee_balance(self, payee_ref):
        from marketplace.payments.sandbox import accounts, engine

        account = engine.get_account(payee_ref)
        if account.available > 0:
            payout = accounts.payout(
                {
                    "payee_ref": payee_ref,
                    "amount": account.available,
                    "currency": account.currency,
                }
            )
            self._exhausted_payouts.add(payout["id"])


# --- The registry -----------------------------------------------------------------
def _stripe_harness() -> ProviderHarness:
    from tests.fakes.stripe.harness import StripeHarness

    return StripeHarness()


class FrozenSandboxHarness(SandboxHarness):
    """The sandbox in its second money shape (``SANDBOX_FUNDS_FLOW``): each payee's
    part frozen in its own account, as at WeChat Pay (sandbox/frozen.py)."""

    @contextmanager
    def activate(self, settings) -> Iterator[SandboxHarness]:
        settings.SANDBOX_FUNDS_FLOW = "funds_frozen_in_payee_account"
        with super().activate(settings) as active:
            yield active


HARNESSES: dict[str, Callable[[], ProviderHarness]] = {
    "sandbox": SandboxHarness,
    "sandbox_frozen": FrozenSandboxHarness,
    "stripe_connect": _stripe_harness,
}


def _optional(module: str, factory: str) -> Callable[[], Any] | None:
    """Return ``module.factory`` if the module exists (it is being written)."""
    try:
        return getattr(importlib.import_module(module), factory)
    except ModuleNotFoundError as error:
        if error.name and module.startswith(error.name):
            return None
        raise


# ``tests/fakes/wechatpay/harness.py`` defines ``make_harness() -> ProviderHarness``.
_wechatpay = _optional("tests.fakes.wechatpay.harness", "make_harness")
if _wechatpay is not None:
    HARNESSES["wechatpay"] = _wechatpay
