"""The sandbox adapter: the port's calls, made against the sandbox's server side.

The boundary between ``SandboxProvider`` and ``engine``/``accounts`` stands for the
network: faults injected with ``sandbox.control`` strike here (a 429 or 5xx before
the sandbox acts, or a response lost after it committed), and the sandbox's answers
come back as ``(status, body)`` to be mapped onto the port's results.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import connection
from django.utils import timezone

from marketplace.payments import port
from marketplace.payments.port import Outcome
from marketplace.payments.sandbox import accounts, engine, frozen, holds
from marketplace.payments.sandbox.errors import SandboxApiError, SandboxTimeout
from marketplace.payments.sandbox.idempotency import run_idempotent
from marketplace.payments.sandbox.models import (
    SandboxBalanceTransaction,
    SandboxFault,
)
from marketplace.payments.sandbox.webhooks import (
    SIGNATURE_HEADER,
    verify,
    webhook_secret,
)

ONBOARDING_SALT = "marketplace.payments.sandbox.onboarding"
ONBOARDING_LINK_TTL = timedelta(minutes=5)
NETWORK_FAULTS = [
    SandboxFault.Kind.TIMEOUT_AFTER_COMMIT,
    SandboxFault.Kind.SERVER_ERROR,
    SandboxFault.Kind.RATE_LIMITED,
]


def take_fault(operation: str) -> str:
    """Consume one injected network fault for ``operation``; return its kind or "".

    One statement, as it runs before every call: the first matching fault with
    calls left is counted down under its row lock and its kind returned.
    """
    table = SandboxFault._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET remaining = remaining - 1"  # noqa: S608
            f" WHERE remaining > 0 AND id = (SELECT id FROM {table}"
            "  WHERE kind = ANY(%s) AND remaining > 0 AND operation IN ('', %s)"
            "  ORDER BY id LIMIT 1 FOR UPDATE)"
            " RETURNING kind",
            [list(NETWORK_FAULTS), operation],
        )
        row = cursor.fetchone()
    return row[0] if row else ""


def _when(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value


class SandboxProvider:
    """A licensed provider in test mode with its own tables: Stripe-shaped, or
    WeChat-shaped with ``SANDBOX_FUNDS_FLOW`` (``sandbox.frozen``)."""

    name = "sandbox"

    def __init__(self):
        self.capabilities = port.Capabilities(
            funds_flow=port.FundsFlow(settings.SANDBOX_FUNDS_FLOW),
            has_capture_step=False,
            test_mode=True,
            can_hold_deposits=settings.SANDBOX_HOLD_DEPOSITS,
        )

    # --- The wire ------------------------------------------------------------------
    def _mutate(
        self,
        result: type[port.Result],
        operation: str,
        *,
        idempotency_key: str,
        params: dict,
        perform: Callable[[], dict],
        build: Callable[[dict], port.Result],
        checks_first: bool = False,
    ):
        port.check_idempotency_key(idempotency_key)
        fault = take_fault(operation)
        if fault == SandboxFault.Kind.RATE_LIMITED:
            return result(
                outcome=Outcome.FAILED,
                failure_code="rate_limited",
                failure_message="Too many requests (TEST MODE fault).",
                retryable=True,
            )
        if fault == SandboxFault.Kind.SERVER_ERROR:
            return result(
                outcome=Outcome.UNKNOWN,
                failure_code="server_error",
                failure_message="HTTP 500 (TEST MODE fault).",
                retryable=True,
            )
        try:
            status, body = run_idempotent(
                key=idempotency_key,
                operation=operation,
                params=params,
                perform=perform,
                checks_first=checks_first,
            )
            if fault == SandboxFault.Kind.TIMEOUT_AFTER_COMMIT:
                raise SandboxTimeout(operation)
        except SandboxTimeout:
            return result(
                outcome=Outcome.UNKNOWN,
                failure_code="timeout",
                failure_message="No response (TEST MODE fault).",
                retryable=True,
            )
        except SandboxApiError as error:
            raise port.ProviderIdempotencyError(error.message) from error
        if status != 200:
            return result(
                outcome=Outcome.FAILED,
                failure_code=body["error"]["code"],
                failure_message=body["error"]["message"],
            )
        return build(body)

    def _query(self, operation: str, fetch: Callable[[], object]):
        if take_fault(operation):
            raise port.ProviderUnavailable()
        try:
            return fetch()
        except SandboxApiError as error:
            raise port.ProviderObjectNotFound(error.message) from error

    # --- Payments ------------------------------------------------------------------
    def _payment_result(self, body: dict) -> port.PaymentResult:
        status = port.PaymentStatus(body["status"])
        return port.PaymentResult(
            outcome=Outcome.SUCCEEDED,
            payment_id=body["id"],
            status=status,
            next_action=port.NextAction(kind="redirect", url=body["next_action_url"])
            if status.outcome is Outcome.PENDING
            else None,
        )

    def create_payment(self, request, *, idempotency_key):
        params = asdict(request)
        return self._mutate(
            port.PaymentResult,
            "create_payment",
            idempotency_key=idempotency_key,
            params=params,
            perform=lambda: engine.create_payment(params),
            build=self._payment_result,
            checks_first=True,  # every payee is checked before anything is written
        )

    def capture(self, payment_id, *, amount=None, idempotency_key):
        """Payments are captured when paid: report the payment, change nothing."""
        port.check_idempotency_key(idempotency_key)
        info = self.get_payment(payment_id)
        return port.PaymentResult(
            outcome=Outcome.SUCCEEDED, payment_id=payment_id, status=info.status
        )

    def cancel(self, payment_id, *, idempotency_key):
        return self._mutate(
            port.PaymentResult,
            "cancel",
            idempotency_key=idempotency_key,
            params={"payment_id": payment_id},
            perform=lambda: engine.cancel_payment(payment_id),
            build=self._payment_result,
        )

    def get_payment(self, payment_id):
        body = self._query(
            "get_payment",
            lambda: engine.payment_object(engine.get_payment(payment_id)),
        )
        return port.PaymentInfo(
            payment_id=body["id"],
            merchant_reference=body["merchant_reference"],
            status=port.PaymentStatus(body["status"]),
            amount=body["amount"],
            currency=body["currency"],
            amount_captured=body["amount_captured"],
            amount_refunded=body["amount_refunded"],
            fee=body["fee"],
            splits=tuple(port.SplitInfo(**split) for split in body["splits"]),
            created_at=_when(body["created"]),
        )

    def refund(self, request, *, idempotency_key):
        params = asdict(request)
        return self._mutate(
            port.RefundResult,
            "refund",
            idempotency_key=idempotency_key,
            params=params,
            perform=lambda: engine.refund(params),
            build=lambda body: port.RefundResult(
                outcome=Outcome.SUCCEEDED,
                refund_id=body["id"],
                status=port.OperationStatus(body["status"]),
            ),
        )

    # --- Settlements ---------------------------------------------------------------
    @staticmethod
    def _settlement_result(body: dict) -> port.SettlementResult:
        return port.SettlementResult(
            outcome=Outcome.SUCCEEDED,
            settlement_id=body["id"],
            status=port.OperationStatus(body["status"]),
        )

    def settle(self, request, *, idempotency_key):
        params = asdict(request)
        return self._mutate(
            port.SettlementResult,
            "settle",
            idempotency_key=idempotency_key,
            params=params,
            perform=lambda: engine.transfer(params),
            build=self._settlement_result,
        )

    def reverse_settlement(self, settlement_id, *, amount, idempotency_key):
        port.check_amount(amount, "amount")
        return self._mutate(
            port.SettlementResult,
            "reverse_settlement",
            idempotency_key=idempotency_key,
            params={"settlement_id": settlement_id, "amount": amount},
            perform=lambda: engine.reverse_transfer(settlement_id, amount),
            build=self._settlement_result,
        )

    # --- Payee accounts ------------------------------------------------------------
    def create_vendor_account(self, request, *, idempotency_key):
        params = asdict(request)
        return self._mutate(
            port.VendorAccountResult,
            "create_vendor_account",
            idempotency_key=idempotency_key,
            params=params,
            perform=lambda: accounts.create_account(params),
            build=lambda body: port.VendorAccountResult(
                outcome=Outcome.SUCCEEDED, account_id=body["id"]
            ),
        )

    def onboarding_link(self, account_id, *, return_url, refresh_url):
        """Return a signed link to the hosted onboarding page, valid 5 minutes."""
        self.get_vendor_account(account_id)
        token = signing.dumps(
            {"account": account_id, "return": return_url, "refresh": refresh_url},
            salt=ONBOARDING_SALT,
        )
        return port.OnboardingLink(
            url=f"/sandbox/onboard/{token}/",
            expires_at=timezone.now() + ONBOARDING_LINK_TTL,
        )

    def get_vendor_account(self, account_id):
        account = self._query(
            "get_vendor_account", lambda: engine.get_account(account_id)
        )
        return port.VendorAccountInfo(
            account_id=account.account_id,
            display_name=account.display_name,
            currency=account.currency,
            details_submitted=account.details_submitted,
            payouts_enabled=account.payouts_enabled,
        )

    def get_vendor_balance(self, account_id):
        account = self._query(
            "get_vendor_balance", lambda: engine.get_account(account_id)
        )
        return port.VendorBalance(
            account_id=account.account_id,
            currency=account.currency,
            available=account.available,
            pending=account.pending,
        )

    def payout(self, request, *, idempotency_key):
        params = asdict(request)
        return self._mutate(
            port.PayoutResult,
            "payout",
            idempotency_key=idempotency_key,
            params=params,
            perform=lambda: accounts.payout(params),
            build=lambda body: port.PayoutResult(
                outcome=Outcome.SUCCEEDED
                if body["status"] == "paid"
                else Outcome.FAILED,
                payout_id=body["id"],
                status=port.OperationStatus.SUCCEEDED
                if body["status"] == "paid"
                else port.OperationStatus.FAILED,
                failure_code=body["failure_code"],
            ),
        )

    # --- Deposits held in the payee's account (holds.py) ---------------------------
    @staticmethod
    def _hold_result(body: dict) -> port.HoldResult:
        return port.HoldResult(
            outcome=Outcome.SUCCEEDED,
            hold_id=body["id"],
            operation_id=body["operation"],
            amount_held=body["amount_held"],
        )

    def hold_funds(self, request, *, idempotency_key):
        params = asdict(request)
        return self._mutate(
            port.HoldResult,
            "hold_funds",
            idempotency_key=idempotency_key,
            params=params,
            perform=lambda: holds.hold(params),
            build=self._hold_result,
        )

    def capture_held_funds(self, hold_id, *, amount, idempotency_key):
        port.check_amount(amount, "amount")
        return self._mutate(
            port.HoldResult,
            "capture_held_funds",
            idempotency_key=idempotency_key,
            params={"hold_id": hold_id, "amount": amount},
            perform=lambda: holds.capture(hold_id, amount),
            build=self._hold_result,
        )

    def release_held_funds(self, hold_id, *, amount, idempotency_key):
        port.check_amount(amount, "amount")
        return self._mutate(
            port.HoldResult,
            "release_held_funds",
            idempotency_key=idempotency_key,
            params={"hold_id": hold_id, "amount": amount},
            perform=lambda: holds.release(hold_id, amount),
            build=self._hold_result,
        )

    # --- Webhooks and reconciliation -----------------------------------------------
    def parse_webhook(self, body, headers):
        if not isinstance(body, bytes):
            raise port.InvalidWebhook("The body must be the raw bytes received.")
        verify(
            body,
            _header(headers, SIGNATURE_HEADER),
            secret=webhook_secret(),
            tolerance=settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
        )
        try:
            event = json.loads(body)
            obj = event["data"]["object"]
            kind = event["type"]
            payment_id = obj["id"] if obj["object"] == "payment" else obj.get("payment")
            return port.ProviderEvent(
                provider=self.name,
                event_id=str(event["id"]),
                type=kind,
                kind=port.EventType._value2member_map_.get(kind),
                created_at=_when(int(event["created"])),
                object_id=str(obj["id"]),
                payment_id=payment_id or "",
                merchant_reference=obj.get("merchant_reference", ""),
                status=obj.get("status", ""),
                amount=obj.get("amount"),
                currency=obj.get("currency", ""),
                data=obj,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise port.InvalidWebhook("The body is not a sandbox event.") from error

    def list_transactions(self, *, since, until, payee_ref=None):
        def fetch():
            rows = SandboxBalanceTransaction.objects.filter(
                created_at__gte=since, created_at__lt=until
            ).order_by("created_at", "id")
            if payee_ref is None and frozen.is_frozen():
                # the bill of the platform's payments, from every account's rows
                return frozen.platform_listing(rows.select_related("account"))
            rows = rows.filter(hidden=False)
            if payee_ref is None:
                return list(rows.filter(account__is_platform=True))
            return list(rows.filter(account__account_id=payee_ref))

        return [
            port.Transaction(
                transaction_id=row.transaction_id,
                type=port.TransactionType(row.type),
                amount=row.amount,
                fee=row.fee,
                currency=row.currency,
                created_at=row.created_at,
                source_id=row.source_id,
                reference=row.reference,
            )
            for row in self._query("list_transactions", fetch)
        ]
