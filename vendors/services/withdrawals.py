"""Withdrawals (提现): a vendor's available balance paid out through the provider.

Two-phase in the ledger. ``A`` is the vendor's available balance, ``T`` its payout
in transit, ``REV`` the platform's revenue, ``CASH`` the funds at the provider:

=====================  =============================================  ===============
event (service)        postings                                       key
=====================  =============================================  ===============
requested              PENDING: Dr A amount; Cr T amount − fee;       withdrawal:
(``request_``)         Cr REV fee                                     {vendor}:{key}
paid (``mark_..._      post that entry; then Dr T amount − fee;       withdrawal:
paid``)                Cr CASH amount − fee (the vendor's unfrozen    {id}:paid-out
                       funds in the frozen shape)
failed / rejected      void that entry (A gets the amount back)       —
=====================  =============================================  ===============

The request is judged with the vendor row locked, so concurrent requests of one
vendor are applied one after the other; the ledger's guard on ``A`` refuses any
that would take it below 0. The payout itself is an outbox row (``PAYOUT_TOPIC``)
whose handler (``orders.services.payouts``) calls the provider port.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from marketplace.common.services import enqueue_outbox
from marketplace.ledger.models import Account
from marketplace.ledger.services import (
    get_or_create_account,
    post_entry,
    record_entry,
    void_entry,
)
from marketplace.payments.port import FundsFlow
from marketplace.payments.providers import get_provider
from marketplace.rules.selectors import get_rules
from vendors.models import Vendor, Withdrawal, WithdrawalEvent
from vendors.services.checks import (
    clean_reason,
    lock_vendor,
    require_operator,
    require_owner,
)

PAYOUT_TOPIC = "vendor.withdrawal_payout"
Status = Withdrawal.Status
Kind = Account.Kind
Role = User.OperatorRole


def vendor_account(vendor_id: int, kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type="vendor", owner_id=vendor_id, kind=kind, currency=currency
    )


def _platform(kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type="platform", owner_id="platform", kind=kind, currency=currency
    )


def _move(withdrawal: Withdrawal, target: str, *, actor=None, reason="") -> None:
    """Move a LOCKED withdrawal along ``TRANSITIONS`` and record the event."""
    if target not in Withdrawal.TRANSITIONS[Status(withdrawal.status)]:
        raise InvalidTransition(
            kind=_("withdrawal"), current=withdrawal.status, target=target
        )
    source = withdrawal.status
    withdrawal.status = target
    fields = ["status"]
    if target in (Status.PAID, Status.FAILED, Status.REJECTED):
        withdrawal.finished_at = timezone.now()
        fields.append("finished_at")
    withdrawal.save(update_fields=fields)
    WithdrawalEvent.objects.create(
        withdrawal=withdrawal,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=source,
        to_status=target,
        reason=reason,
    )
    if target == Status.PENDING:
        _enqueue_payout(withdrawal)


def _check_amount(vendor: Vendor, amount: int, rules) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(
            errors={"amount": [_("Enter the amount as whole minor units.")]}
        )
    minimum = max(rules.withdrawal_min_amount, rules.withdrawal_fee + 1, 1)
    if amount < minimum:
        raise ValidationFailed(
            errors={"amount": [_("Withdraw at least %(min)s.") % {"min": minimum}]}
        )
    today = timezone.localdate()
    used = (
        Withdrawal.objects.filter(vendor=vendor, business_date=today)
        .exclude(status__in=[Status.FAILED, Status.REJECTED])
        .aggregate(total=Sum("amount", default=0))["total"]
    )
    if used + amount > rules.withdrawal_max_per_day:
        raise Conflict(
            _("This is more than the %(max)s a shop may withdraw per day.")
            % {"max": rules.withdrawal_max_per_day},
            code="daily_limit",
        )


@transaction.atomic
def request_withdrawal(
    *, vendor: Vendor, actor, amount: int, key: str | None = None
) -> Withdrawal:
    """Ask to withdraw ``amount`` of the vendor's available balance (owner only).

    Checks the platform's minimum, the daily maximum (business time zone) and the
    fee; above the approval threshold the withdrawal waits for finance. Raise
    ``InsufficientFunds`` (409) when the available balance is short. The same
    ``key`` returns the first withdrawal.
    """
    require_owner(vendor=vendor, actor=actor)
    vendor = lock_vendor(vendor)
    entry_key = f"withdrawal:{vendor.pk}:{key or secrets.token_hex(12)}"[:200]
    existing = Withdrawal.objects.filter(ledger_entry__idempotency_key=entry_key)
    if existing.exists():
        return existing.get()
    rules = get_rules()
    _check_amount(vendor, amount, rules)
    fee, currency = rules.withdrawal_fee, vendor.currency
    postings = [
        (vendor_account(vendor.pk, Kind.VENDOR_AVAILABLE, currency), amount),
        (
            vendor_account(vendor.pk, Kind.VENDOR_PAYOUT_IN_TRANSIT, currency),
            -(amount - fee),
        ),
    ]
    if fee:
        postings.append((_platform(Kind.PLATFORM_REVENUE, currency), -fee))
    entry = record_entry(
        idempotency_key=entry_key,
        kind="withdrawal",
        postings=postings,
        reference=("vendor", vendor.pk),
        pending=True,
    )
    needs_approval = amount > rules.withdrawal_approval_threshold
    withdrawal = Withdrawal.objects.create(
        vendor=vendor,
        amount=amount,
        fee=fee,
        currency=currency,
        status=Status.PENDING_APPROVAL if needs_approval else Status.PENDING,
        business_date=timezone.localdate(),
        ledger_entry=entry,
        requested_by=actor,
    )
    WithdrawalEvent.objects.create(
        withdrawal=withdrawal, actor=actor, from_status="", to_status=withdrawal.status
    )
    if withdrawal.status == Status.PENDING:
        _enqueue_payout(withdrawal)
    return withdrawal


def _enqueue_payout(withdrawal: Withdrawal) -> None:
    enqueue_outbox(
        topic=PAYOUT_TOPIC,
        key=f"withdrawal:{withdrawal.pk}:payout",
        payload={"withdrawal_id": withdrawal.pk},
    )


def _lock(withdrawal_id: int) -> Withdrawal:
    withdrawal = Withdrawal.objects.select_for_update().filter(pk=withdrawal_id).first()
    if withdrawal is None:
        raise NotFound()
    return withdrawal


@transaction.atomic
def approve_withdrawal(*, withdrawal_id: int, operator, reason: str = "") -> Withdrawal:
    """Finance approves a withdrawal awaiting approval or on hold: it is paid out."""
    require_operator(operator, Role.FINANCE)
    withdrawal = _lock(withdrawal_id)
    _move(withdrawal, Status.PENDING, actor=operator, reason=reason)
    return withdrawal


@transaction.atomic
def hold_withdrawal(*, withdrawal_id: int, operator, reason: str) -> Withdrawal:
    """Finance holds a withdrawal awaiting approval, saying why."""
    require_operator(operator, Role.FINANCE)
    reason = clean_reason(reason, required=True)
    withdrawal = _lock(withdrawal_id)
    _move(withdrawal, Status.ON_HOLD, actor=operator, reason=reason)
    return withdrawal


@transaction.atomic
def reject_withdrawal(*, withdrawal_id: int, operator, reason: str) -> Withdrawal:
    """Finance rejects a withdrawal, saying why: the balance is restored (void)."""
    require_operator(operator, Role.FINANCE)
    reason = clean_reason(reason, required=True)
    withdrawal = _lock(withdrawal_id)
    _move(withdrawal, Status.REJECTED, actor=operator, reason=reason)
    void_entry(entry=withdrawal.ledger_entry)
    return withdrawal


@transaction.atomic
def mark_withdrawal_paid(*, withdrawal_id: int, payout_id: str) -> bool:
    """Apply the provider's "paid": post the pending entry and book the cash out.

    Return False when the withdrawal was already final (a repeated answer).
    """
    withdrawal = _lock(withdrawal_id)
    if withdrawal.status != Status.PENDING:
        return False
    withdrawal.provider_payout_id = payout_id
    withdrawal.save(update_fields=["provider_payout_id"])
    _move(withdrawal, Status.PAID, reason=payout_id)
    post_entry(entry=withdrawal.ledger_entry)
    paid = withdrawal.payout_amount
    record_entry(
        idempotency_key=f"withdrawal:{withdrawal.pk}:paid-out",
        kind="payout_paid",
        postings=[
            (
                vendor_account(
                    withdrawal.vendor_id,
                    Kind.VENDOR_PAYOUT_IN_TRANSIT,
                    withdrawal.currency,
                ),
                paid,
            ),
            (_paid_from(withdrawal), -paid),
        ],
        reference=("vendor", withdrawal.vendor_id),
        metadata={"withdrawal": withdrawal.pk},
    )
    return True


def _paid_from(withdrawal: Withdrawal) -> Account:
    """Return where a payout's money was: the platform's cash, or, where the
    provider keeps vendors' money in their own accounts (WeChat Pay shape), the
    vendor's unfrozen funds there (``orders.services.books``)."""
    flow = get_provider().capabilities.funds_flow
    if flow == FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT:
        return vendor_account(
            withdrawal.vendor_id, Kind.VENDOR_UNFROZEN, withdrawal.currency
        )
    return _platform(Kind.PROVIDER_CASH, withdrawal.currency)


@transaction.atomic
def mark_withdrawal_failed(
    *, withdrawal_id: int, reason: str, payout_id: str = ""
) -> bool:
    """Apply the provider's "failed": void the pending entry, restoring the balance.

    Return False when the withdrawal was already final.
    """
    withdrawal = _lock(withdrawal_id)
    if withdrawal.status != Status.PENDING:
        return False
    withdrawal.provider_payout_id = payout_id
    withdrawal.failure_reason = reason[:2000]
    withdrawal.save(update_fields=["provider_payout_id", "failure_reason"])
    _move(withdrawal, Status.FAILED, reason=reason[:2000])
    void_entry(entry=withdrawal.ledger_entry)
    return True
