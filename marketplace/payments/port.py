"""The payment-provider port: what the marketplace asks of a licensed provider.

It speaks in provider terms only: a payment with a merchant reference, split between
payees (an opaque account reference the provider gave us), amounts in integer minor
units plus a currency. It knows no orders and no vendors.

Two shapes sit behind it (``Capabilities.funds_flow``):

- ``CHARGES_ON_PLATFORM_THEN_TRANSFERS`` (Stripe Connect, the sandbox): the whole
  payment lands on the platform, ``settle`` transfers a payee's share later and
  ``reverse_settlement`` pulls it back.
- ``FUNDS_FROZEN_IN_PAYEE_ACCOUNT`` (WeChat Pay 平台收付通): each payee's part is frozen
  in its own sub-merchant account, ``settle`` shares the commission to the platform and
  unfreezes the rest, ``reverse_settlement`` is the profit-sharing return (分账回退).

Rules every adapter keeps:

- Every mutating call takes an ``idempotency_key`` (1-64 chars of ``[A-Za-z0-9_-]``,
  so WeChat adapters can use it as their ``out_*_no``). The same key with the same
  request returns the first result and has no second effect; the same key with a
  different request raises ``ProviderIdempotencyError``.
- Every mutating call returns a result whose ``outcome`` is an ``Outcome``. A timeout,
  a lost connection or a 5xx is ``UNKNOWN``, never ``FAILED``: the provider may have
  acted. Resolve it by repeating the call with the same key, or by ``get_payment``.
  ``FAILED`` means the provider did nothing (``retryable`` says whether to try again).
- Queries (``get_*``, ``list_transactions``) return a snapshot whose ``outcome`` is the
  state of the object, or raise ``ProviderUnavailable`` when the provider cannot be
  reached: a read that fails leaves nothing to resolve.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from marketplace.common.money import MAX_AMOUNT
from marketplace.payments.errors import (  # noqa: F401 (part of the port)
    InvalidWebhook,
    PaymentProviderError,
    ProviderIdempotencyError,
    ProviderObjectNotFound,
    ProviderUnavailable,
)

MERCHANT_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


# --- Enumerations -----------------------------------------------------------------
class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"
    UNKNOWN = "unknown"


class FundsFlow(StrEnum):
    CHARGES_ON_PLATFORM_THEN_TRANSFERS = "charges_on_platform_then_transfers"
    FUNDS_FROZEN_IN_PAYEE_ACCOUNT = "funds_frozen_in_payee_account"


class PaymentStatus(StrEnum):
    REQUIRES_PAYMENT = "requires_payment"  # waiting for the shopper
    REQUIRES_ACTION = "requires_action"  # 3-D Secure or another challenge
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"  # authorised; providers with a capture step
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def outcome(self) -> Outcome:
        if self is PaymentStatus.SUCCEEDED:
            return Outcome.SUCCEEDED
        if self in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
            return Outcome.FAILED
        return Outcome.PENDING


class OperationStatus(StrEnum):
    """The state of a refund, settlement or payout at the provider."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REVERSED = "reversed"  # a settlement pulled back in full

    @property
    def outcome(self) -> Outcome:
        if self is OperationStatus.PENDING:
            return Outcome.PENDING
        if self is OperationStatus.FAILED:
            return Outcome.FAILED
        return Outcome.SUCCEEDED


class EventType(StrEnum):
    """The provider events the marketplace understands, whatever their raw names."""

    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REQUIRES_ACTION = "payment.requires_action"
    PAYMENT_CANCELED = "payment.canceled"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    TRANSFER_CREATED = "transfer.created"  # a settlement reached the payee
    TRANSFER_REVERSED = "transfer.reversed"
    PAYOUT_PAID = "payout.paid"
    PAYOUT_FAILED = "payout.failed"
    ACCOUNT_UPDATED = "account.updated"


class TransactionType(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    SETTLEMENT = "settlement"
    SETTLEMENT_REVERSAL = "settlement_reversal"
    PAYOUT = "payout"
    PAYOUT_FAILURE = "payout_failure"
    DEPOSIT_HOLD = "deposit_hold"  # a payment's part frozen in the payee's account
    DEPOSIT_CAPTURE = "deposit_capture"  # part of a hold taken by the platform
    DEPOSIT_RELEASE = "deposit_release"  # part of a hold unfrozen for the payee


# --- Validation helpers -----------------------------------------------------------
def check_amount(value: object, what: str, *, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int of minor units, not {type(value)!r}")
    if not minimum <= value <= MAX_AMOUNT:
        raise ValueError(f"{what} must be between {minimum} and {MAX_AMOUNT}")


def check_currency(value: str) -> None:
    if not isinstance(value, str) or not CURRENCY.match(value):
        raise ValueError(f"currency must be a 3-letter ISO code, not {value!r}")


def check_idempotency_key(value: str) -> None:
    if not isinstance(value, str) or not IDEMPOTENCY_KEY.match(value):
        raise ValueError("idempotency_key must be 1-64 characters of [A-Za-z0-9_-]")


# --- Requests ---------------------------------------------------------------------
@dataclass(frozen=True)
class PayeeSplit:
    """One payee's part of a payment (Stripe: its share; WeChat: a sub-order)."""

    payee_ref: str
    sub_reference: str
    amount: int

    def __post_init__(self):
        if not self.payee_ref:
            raise ValueError("payee_ref is required")
        if not MERCHANT_REFERENCE.match(self.sub_reference):
            raise ValueError("sub_reference must be 1-32 characters of [A-Za-z0-9_-]")
        check_amount(self.amount, "split amount")


@dataclass(frozen=True)
class PaymentRequest:
    """One payment for a multi-payee order; the splits add up to ``amount``.

    ``return_url`` is where the hosted page sends the shopper back. It proves nothing:
    the payment is known to succeed only from a verified webhook or ``get_payment``.
    """

    merchant_reference: str
    amount: int
    currency: str
    splits: tuple[PayeeSplit, ...]
    return_url: str
    description: str = ""

    def __post_init__(self):
        if not MERCHANT_REFERENCE.match(self.merchant_reference):
            raise ValueError(
                "merchant_reference must be 1-32 characters of [A-Za-z0-9_-]"
            )
        check_amount(self.amount, "amount")
        check_currency(self.currency)
        object.__setattr__(self, "splits", tuple(self.splits))
        if not self.splits:
            raise ValueError("a payment needs at least one split")
        if sum(split.amount for split in self.splits) != self.amount:
            raise ValueError("the splits must add up to the amount")
        if len({s.sub_reference for s in self.splits}) != len(self.splits):
            raise ValueError("each split needs its own sub_reference")
        if len({s.payee_ref for s in self.splits}) != len(self.splits):
            raise ValueError("each payee may appear in only one split")
        if not self.return_url.startswith(("https://", "http://", "/")) or (
            self.return_url.startswith("//")
        ):
            raise ValueError("return_url must be an http(s) URL or an absolute path")


@dataclass(frozen=True)
class Allocation:
    """How much of a refund comes out of one payee's part.

    ``advance`` (``FUNDS_FROZEN_IN_PAYEE_ACCOUNT`` only) is the part of ``amount``
    the platform pays out of its own balance in the payee's stead (WeChat Pay
    垫付退款), because what was unfrozen to the payee has been paid out: the payee
    keeps it and owes it to the platform, which recovers it later (the marketplace
    nets it against the payee's next settlements). The rest of ``amount`` comes out
    of the payee's part as usual. In the other shape every refund is paid from the
    platform's balance anyway, so adapters of that shape ignore it.
    """

    payee_ref: str
    amount: int
    advance: int = 0

    def __post_init__(self):
        check_amount(self.amount, "allocation amount")
        check_amount(self.advance, "allocation advance", minimum=0)
        if self.advance > self.amount:
            raise ValueError("an allocation cannot advance more than its amount")


@dataclass(frozen=True)
class RefundRequest:
    payment_id: str
    amount: int
    currency: str
    allocations: tuple[Allocation, ...]
    reason: str = ""

    def __post_init__(self):
        check_amount(self.amount, "amount")
        check_currency(self.currency)
        object.__setattr__(self, "allocations", tuple(self.allocations))
        if sum(a.amount for a in self.allocations) != self.amount:
            raise ValueError("the allocations must add up to the amount")
        if len({a.payee_ref for a in self.allocations}) != len(self.allocations):
            raise ValueError("each payee may appear in only one allocation")


@dataclass(frozen=True)
class SettlementRequest:
    """Release one payee's part of a payment: ``amount`` to the payee, ``commission``
    kept by the platform. Together they use up ``amount + commission`` of the split.
    """

    payment_id: str
    payee_ref: str
    amount: int
    commission: int
    currency: str

    def __post_init__(self):
        check_amount(self.amount, "amount", minimum=0)
        check_amount(self.commission, "commission", minimum=0)
        check_currency(self.currency)
        if self.amount + self.commission == 0:
            raise ValueError("a settlement must move some money")


@dataclass(frozen=True)
class HoldRequest:
    """Keep a payee's part of a succeeded payment frozen in the payee's own account
    (a security deposit): not the platform's, not yet the payee's to pay out."""

    payment_id: str
    payee_ref: str
    amount: int
    currency: str

    def __post_init__(self):
        if not self.payee_ref:
            raise ValueError("payee_ref is required")
        check_amount(self.amount, "amount")
        check_currency(self.currency)


@dataclass(frozen=True)
class PayoutRequest:
    payee_ref: str
    amount: int
    currency: str

    def __post_init__(self):
        check_amount(self.amount, "amount")
        check_currency(self.currency)


@dataclass(frozen=True)
class VendorAccountRequest:
    """A payee account at the provider (Stripe connected account, WeChat 二级商户)."""

    display_name: str
    country: str
    currency: str
    email: str = ""

    def __post_init__(self):
        check_currency(self.currency)
        if not self.display_name:
            raise ValueError("display_name is required")


# --- Results ----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Result:
    """What a mutating call did. Read the other fields only when it did not fail."""

    outcome: Outcome
    failure_code: str = ""
    failure_message: str = ""
    retryable: bool = False


@dataclass(frozen=True)
class NextAction:
    """What the shopper does next: ``redirect`` to ``url`` (a hosted page), or, for
    WeChat, ``qr_code``/``jsapi`` with the provider's parameters in ``data``."""

    kind: str
    url: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PaymentResult(Result):
    payment_id: str = ""
    status: PaymentStatus | None = None
    next_action: NextAction | None = None


@dataclass(frozen=True, kw_only=True)
class RefundResult(Result):
    refund_id: str = ""
    status: OperationStatus | None = None


@dataclass(frozen=True, kw_only=True)
class SettlementResult(Result):
    settlement_id: str = ""
    status: OperationStatus | None = None


@dataclass(frozen=True, kw_only=True)
class HoldResult(Result):
    """``hold_id`` names the hold; ``operation_id`` this capture or release (the
    ``source_id`` of its transaction); ``amount_held`` what is still frozen."""

    hold_id: str = ""
    operation_id: str = ""
    amount_held: int = 0


@dataclass(frozen=True, kw_only=True)
class PayoutResult(Result):
    payout_id: str = ""
    status: OperationStatus | None = None


@dataclass(frozen=True, kw_only=True)
class VendorAccountResult(Result):
    account_id: str = ""


# --- Snapshots (query answers) ----------------------------------------------------
@dataclass(frozen=True)
class SplitInfo:
    payee_ref: str
    sub_reference: str
    amount: int
    refunded: int
    settled: int  # amount + commission of its settlements, less reversals


@dataclass(frozen=True)
class PaymentInfo:
    payment_id: str
    merchant_reference: str
    status: PaymentStatus
    amount: int
    currency: str
    amount_captured: int
    amount_refunded: int
    fee: int
    splits: tuple[SplitInfo, ...]
    created_at: datetime

    @property
    def outcome(self) -> Outcome:
        return self.status.outcome


@dataclass(frozen=True)
class OnboardingLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class VendorAccountInfo:
    account_id: str
    display_name: str
    currency: str
    details_submitted: bool
    payouts_enabled: bool


@dataclass(frozen=True)
class VendorBalance:
    """``available`` can be paid out; ``pending`` is frozen or not yet settled."""

    account_id: str
    currency: str
    available: int
    pending: int


@dataclass(frozen=True)
class Transaction:
    """One movement at the provider, for reconciliation: on a payee's balance, or
    in the platform's view (``PaymentProvider.list_transactions`` says what that
    holds in each shape).

    ``amount`` is signed from the listing's side; ``net = amount - fee``.
    ``source_id`` is the provider object (payment, refund, settlement, payout);
    ``reference`` the merchant reference of the payment it belongs to, if any.
    """

    transaction_id: str
    type: TransactionType
    amount: int
    fee: int
    currency: str
    created_at: datetime
    source_id: str
    reference: str = ""

    @property
    def net(self) -> int:
        return self.amount - self.fee


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook, normalised. ``kind`` is None for events we do not use.

    Events may arrive twice and out of order: treat them as a hint to act, and take
    the object's state from the event (or from ``get_payment``), never move back.
    """

    provider: str
    event_id: str
    type: str
    kind: EventType | None
    created_at: datetime
    object_id: str
    payment_id: str = ""
    merchant_reference: str = ""
    status: str = ""
    amount: int | None = None
    currency: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_payload(self) -> dict:
        """Return a JSON-ready dict; ``ProviderEvent.from_payload`` reads it back."""
        payload = asdict(self)
        payload["created_at"] = self.created_at.isoformat()
        payload["data"] = dict(self.data)
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ProviderEvent:
        values = dict(payload)
        values["created_at"] = datetime.fromisoformat(values["created_at"])
        kind = values.get("kind")
        values["kind"] = EventType(kind) if kind else None
        return cls(**values)


@dataclass(frozen=True)
class Capabilities:
    """``can_hold_deposits``: the provider can freeze an amount in a payee's own
    account and later give it to the platform or back to the payee (the
    ``*_held_funds`` methods); without it a deposit is paid to the platform.
    ``lists_payouts``: a payee's ``list_transactions`` shows its payouts (WeChat
    Pay's bills do not show withdrawals, so the reconciliation cannot look for them
    there)."""

    funds_flow: FundsFlow
    has_capture_step: bool
    test_mode: bool
    can_hold_deposits: bool = False
    lists_payouts: bool = True


# --- The port ---------------------------------------------------------------------
class PaymentProvider(Protocol):
    """What every adapter implements; ``marketplace.payments.providers`` picks one."""

    name: str
    capabilities: Capabilities

    def create_payment(
        self, request: PaymentRequest, *, idempotency_key: str
    ) -> PaymentResult:
        """Create one payment for all the splits; ``next_action`` sends the shopper
        to the provider's page. ``SUCCEEDED`` means created, not paid."""

    def capture(
        self, payment_id: str, *, amount: int | None = None, idempotency_key: str
    ) -> PaymentResult:
        """Capture an authorised payment; a no-op ``SUCCEEDED`` when
        ``capabilities.has_capture_step`` is false."""

    def cancel(self, payment_id: str, *, idempotency_key: str) -> PaymentResult:
        """Cancel a payment the shopper has not completed."""

    def get_payment(self, payment_id: str) -> PaymentInfo:
        """Return the payment as the provider sees it: the status query."""

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Refund part or all of a payment, saying which payees' parts it comes from.

        With ``FUNDS_FROZEN_IN_PAYEE_ACCOUNT``, an allocation comes out of the
        payee's part still frozen, then out of what was unfrozen to the payee (its
        available balance: ``FAILED`` with ``balance_insufficient`` when it has been
        paid out); the commission shared to the platform must first be returned with
        ``reverse_settlement`` (else ``FAILED``, ``settlement_not_returned``). Its
        ``advance`` is paid from the platform's balance instead of the payee's
        available balance, and counts against what was unfrozen to the payee;
        ``FAILED`` with ``platform_balance_insufficient`` (retryable: the platform
        tops its balance up) when the platform's balance cannot pay it.
        """

    def settle(
        self, request: SettlementRequest, *, idempotency_key: str
    ) -> SettlementResult:
        """Release a payee's part: Stripe transfers ``amount`` with the payment as
        source transaction; WeChat shares ``commission`` to the platform and
        unfreezes ``amount``."""

    def reverse_settlement(
        self, settlement_id: str, *, amount: int, idempotency_key: str
    ) -> SettlementResult:
        """Pull ``amount`` of a settlement back from the payee (transfer reversal,
        分账回退); ``FAILED`` with ``balance_insufficient`` when the payee has
        already been paid out.

        With ``FUNDS_FROZEN_IN_PAYEE_ACCOUNT`` it is the profit-sharing return: the
        platform gives ``amount`` of the commission it was shared (at most the
        settlement's ``commission`` not yet returned, else ``FAILED``) back to the
        payee, so a refund can take it (``orders.services.frozen_refunds``). A part
        unfrozen to the payee cannot be returned this way: a refund that needs it
        after the payee was paid out carries it as its allocation's ``advance``."""

    def create_vendor_account(
        self, request: VendorAccountRequest, *, idempotency_key: str
    ) -> VendorAccountResult: ...

    def onboarding_link(
        self, account_id: str, *, return_url: str, refresh_url: str
    ) -> OnboardingLink: ...

    def get_vendor_account(self, account_id: str) -> VendorAccountInfo: ...

    def get_vendor_balance(self, account_id: str) -> VendorBalance: ...

    def payout(self, request: PayoutRequest, *, idempotency_key: str) -> PayoutResult:
        """Pay a payee's available balance out to its bank account."""

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """Verify the signature and timestamp age on the raw ``body`` and parse it.

        Raise ``InvalidWebhook`` for a bad or missing signature, any changed byte, or
        a timestamp older or newer than the tolerance.
        """

    # --- Deposits frozen in the payee's account (``can_hold_deposits``) ----------
    # Adapters without the capability need not implement these; the marketplace
    # never calls them then (it takes the deposit on the platform instead).

    def hold_funds(self, request: HoldRequest, *, idempotency_key: str) -> HoldResult:
        """Freeze the payee's part of a succeeded payment in the payee's own account.

        The platform's balance does not gain it (a ``deposit_hold`` transaction when
        it passed through the platform); the payee cannot pay it out. ``FAILED``
        with ``amount_too_large`` when the payee's part has less left.
        """

    def capture_held_funds(
        self, hold_id: str, *, amount: int, idempotency_key: str
    ) -> HoldResult:
        """Move ``amount`` of a hold to the platform (a penalty, or what the payee
        owes): a ``deposit_capture`` transaction on the platform's balance.
        ``FAILED`` with ``amount_too_large`` when the hold has less left."""

    def release_held_funds(
        self, hold_id: str, *, amount: int, idempotency_key: str
    ) -> HoldResult:
        """Unfreeze ``amount`` of a hold: it becomes the payee's available balance
        (a ``deposit_release`` transaction on the payee's balance)."""

    def list_transactions(
        self, *, since: datetime, until: datetime, payee_ref: str | None = None
    ) -> list[Transaction]:
        """Return the movements created in ``[since, until)``, oldest first.

        With ``payee_ref``: the movements on that payee's balance, whatever the
        shape (its part of payments, refunds and settlements; its payouts when
        ``capabilities.lists_payouts``).

        Without, the platform's view, which is what the daily reconciliation
        compares with the ledger; each ``source_id`` is the port's id of the object:

        - ``CHARGES_ON_PLATFORM_THEN_TRANSFERS``: the platform's own balance
          movements: ``payment`` +amount captured with its ``fee``, ``refund``
          −amount, ``settlement`` −amount transferred to the payee,
          ``settlement_reversal`` +amount pulled back, ``deposit_hold`` −amount
          held in the payee's account, ``deposit_capture`` +amount captured.
        - ``FUNDS_FROZEN_IN_PAYEE_ACCOUNT``: the money of the platform's payments,
          whosever balance it is on (WeChat Pay's bills of the 服务商), not the
          platform's own balance: ``payment`` once per payment at its full amount
          (every split, though frozen in the payees' accounts) with its ``fee``;
          ``refund`` once per refund at −its full amount (every allocation,
          advanced by the platform or not); ``settlement`` −``amount`` unfrozen to
          the payee (the ``commission`` shared to the platform is not listed here
          but on the payee's view, as −commission); ``settlement_reversal`` −amount
          returned to the payee; ``deposit_capture`` +amount captured (a hold moves
          nothing: the part is already frozen). A settlement the provider lists
          only on the payee's view (WeChat Pay lists the unfreezing once the order
          is finished) is looked for there by the reconciliation.

        Payouts are never on the platform's view.
        """
