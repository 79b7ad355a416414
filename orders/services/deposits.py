"""Security deposits (保证金): paid through the provider, held apart, used, released.

The vendor pays its deposit through the provider. Where the provider can freeze
funds in the vendor's own account (``Capabilities.can_hold_deposits``), the paid
amount is held frozen there (``hold_funds``); otherwise it is paid to the platform
under the vendor agreement (Stripe, the default sandbox) and booked as a liability.
Either way it is never mixed with order money. ``D`` is the vendor's deposit (what
the platform owes back), ``DF`` the part frozen in the vendor's own account:

===========================  ==========================  ===========================
event (service)              on the platform (liability)  frozen at the provider
===========================  ==========================  ===========================
paid                         Dr CASH a; Cr D a            Dr DF a; Cr D a
(``apply_deposit_payment``)  (+ Dr fee expense; Cr CASH fee, both paths)
covers a receivable or a     Dr D a; Cr R (or REV) a      the same, and the provider
penalty (``use_deposit``)                                 gives the platform ``a``:
                                                          Dr CASH a; Cr DF a
released on closing          Dr D rest; Cr vendor         the same, and the provider
(``release_deposit``)        available rest; the          unfreezes it for the
                             provider transfers it        vendor: Dr CASH r; Cr DF r
                             (``settle``, outbox)         (``release_held_funds``,
                                                          outbox)
===========================  ==========================  ===========================

Keys: ``deposit:{id}:paid`` (and ``:fee``), ``deposit-use:{vendor}:{key}``,
``deposit-release:{vendor}``. Every use records the operator's reason in the entry
and in the audit trail; the provider's capture ids are in the use entry's metadata
(``provider_operations``) for the reconciliation.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict, ValidationFailed
from marketplace.common.services import enqueue_outbox, record_audit
from marketplace.ledger.models import Account, JournalEntry
from marketplace.ledger.selectors import get_balance
from marketplace.ledger.services import get_or_create_account, record_entry
from marketplace.payments.port import (
    HoldRequest,
    Outcome,
    PayeeSplit,
    PaymentRequest,
    PaymentStatus,
    SettlementRequest,
)
from marketplace.payments.providers import get_provider
from orders.services.payment import payee_refs
from vendors.models import DepositPayment, Vendor
from vendors.services.checks import clean_reason, lock_vendor, require_operator

Kind = Account.Kind
Role = User.OperatorRole
RELEASE_TOPIC = "vendor.deposit_release"
PURPOSES = {"receivable": Kind.VENDOR_RECEIVABLE, "penalty": Kind.PLATFORM_REVENUE}
PLATFORM = ("platform", "platform")


def _account(owner: tuple[str, str | int], kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type=owner[0], owner_id=owner[1], kind=kind, currency=currency
    )


def _deposit(vendor: Vendor) -> Account:
    return _account(("vendor", vendor.pk), Kind.VENDOR_DEPOSIT, vendor.currency)


def _frozen(vendor: Vendor) -> Account:
    return _account(("vendor", vendor.pk), Kind.VENDOR_DEPOSIT_FROZEN, vendor.currency)


def _cash(currency: str) -> Account:
    return _account(PLATFORM, Kind.PROVIDER_CASH, currency)


def deposit_owed(*, vendor: Vendor) -> int:
    """Return what the vendor still owes of ``deposit_required`` (0 when paid)."""
    held = get_balance(account=_deposit(vendor)).posted.amount
    return max(vendor.deposit_required - held, 0)


def start_deposit_payment(
    *, vendor: Vendor, amount: int | None = None, operator=None
) -> DepositPayment:
    """Create the provider payment the vendor pays its deposit with; return it.

    ``amount`` defaults to what is still owed of ``deposit_required`` (the rule's
    amount). A payment still awaiting the vendor of that amount is returned again
    rather than doubled. Call outside a transaction (a network call). Raise
    ``Conflict`` when nothing is owed and no amount is given. The hosted page the
    vendor pays on is at ``payment_url``. An ``operator`` asking for it (finance)
    is recorded in the audit trail.
    """
    if operator is not None:
        require_operator(operator, Role.FINANCE)
    if amount is None:
        amount = deposit_owed(vendor=vendor)
        if amount <= 0:
            raise Conflict(_("The deposit is already paid."), code="deposit_paid")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValidationFailed(errors={"amount": [_("Enter a positive amount.")]})
    waiting = (
        DepositPayment.objects.filter(
            vendor=vendor, status=DepositPayment.Status.PENDING, amount=amount
        )
        .exclude(payment_url="")
        .last()
    )
    if waiting is not None:
        return waiting
    payment = DepositPayment.objects.create(
        vendor=vendor, amount=amount, currency=vendor.currency
    )
    provider = get_provider()
    ref = payee_refs(vendors=[vendor], provider=provider)[vendor.pk]
    result = provider.create_payment(
        PaymentRequest(
            merchant_reference=payment.merchant_reference,
            amount=amount,
            currency=vendor.currency,
            splits=(PayeeSplit(ref, f"{payment.merchant_reference}-1", amount),),
            return_url="/dashboard/",
            description="Security deposit",
        ),
        idempotency_key=f"deposit-{payment.pk}",
    )
    if result.outcome == Outcome.SUCCEEDED:
        payment.payment_reference = result.payment_id
        payment.payment_url = result.next_action.url if result.next_action else ""
        payment.save(update_fields=["payment_reference", "payment_url"])
    if operator is not None:
        record_audit(
            actor=operator,
            action="deposit.request",
            target=vendor,
            new={"amount": amount, "deposit_payment": payment.pk},
        )
    return payment


@transaction.atomic
def apply_deposit_payment(*, deposit_id: int) -> bool:
    """Ask the provider about a deposit payment and book it once it succeeded.

    Where the provider can hold deposits, the paid amount is first frozen in the
    vendor's own account (``hold_funds``, keyed by the payment, so a repeat holds
    nothing twice); until that succeeds nothing is booked. Return whether it is
    paid. Replays book nothing twice.
    """
    payment = (
        DepositPayment.objects.select_for_update()
        .select_related("vendor")
        .get(pk=deposit_id)
    )
    if payment.status == DepositPayment.Status.PAID:
        return True
    if not payment.payment_reference:
        return False
    provider = get_provider()
    info = provider.get_payment(payment.payment_reference)
    if info.status != PaymentStatus.SUCCEEDED or info.amount != payment.amount:
        return False
    held_in = _cash(payment.currency)
    metadata = {"deposit_payment": payment.pk}
    if provider.capabilities.can_hold_deposits:
        hold = provider.hold_funds(
            HoldRequest(
                payment_id=payment.payment_reference,
                payee_ref=payee_refs(vendors=[payment.vendor], provider=provider)[
                    payment.vendor_id
                ],
                amount=payment.amount,
                currency=payment.currency,
            ),
            idempotency_key=f"deposit-hold-{payment.pk}",
        )
        if hold.outcome != Outcome.SUCCEEDED:
            return False
        held_in = _frozen(payment.vendor)
        payment.hold_reference, payment.held_amount = hold.hold_id, payment.amount
        metadata["hold"] = hold.hold_id
    record_entry(
        idempotency_key=f"deposit:{payment.pk}:paid",
        kind="deposit_paid",
        postings=[
            (held_in, payment.amount),
            (_deposit(payment.vendor), -payment.amount),
        ],
        reference=("vendor", payment.vendor_id),
        metadata=metadata,
    )
    if info.fee:
        expense = _account(PLATFORM, Kind.PLATFORM_FEE_EXPENSE, payment.currency)
        record_entry(
            idempotency_key=f"deposit:{payment.pk}:fee",
            kind="provider_fee",
            postings=[(expense, info.fee), (_cash(payment.currency), -info.fee)],
            reference=("vendor", payment.vendor_id),
        )
    payment.status = DepositPayment.Status.PAID
    payment.paid_at = timezone.now()
    payment.save(update_fields=["status", "paid_at", "hold_reference", "held_amount"])
    return True


def _provider_key(prefix: str, *parts) -> str:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:40]
    return f"{prefix}-{digest}"


def _capture_held(vendor: Vendor, amount: int, key: str) -> tuple[int, list[str]]:
    """Have the provider give the platform up to ``amount`` of the vendor's frozen
    deposits, oldest first; return how much and the provider's capture ids.

    Call with the vendor LOCKED, in the use's transaction: the keys are the use's,
    so a use retried after a crash captures nothing twice.
    """
    provider = get_provider()
    taken, operations = 0, []
    for payment in DepositPayment.objects.select_for_update().filter(
        vendor=vendor, held_amount__gt=0
    ):
        take = min(amount - taken, payment.held_amount)
        if take <= 0:
            break
        result = provider.capture_held_funds(
            payment.hold_reference,
            amount=take,
            idempotency_key=_provider_key("dcap", key, payment.pk, take),
        )
        if result.outcome != Outcome.SUCCEEDED:
            raise Conflict(
                _("The provider did not release the deposit; try again."),
                code="provider_refused",
            )
        payment.held_amount -= take
        payment.save(update_fields=["held_amount"])
        taken += take
        operations.append(result.operation_id)
    return taken, operations


@transaction.atomic
def use_deposit(
    *, vendor: Vendor, operator, amount: int, purpose: str, reason: str, key: str
) -> None:
    """Finance takes ``amount`` of the deposit to cover the vendor's receivable or a
    penalty, with the reason recorded. A deposit frozen in the vendor's account is
    captured by the provider for the platform first. Raise ``InsufficientFunds``
    (409) when the deposit is smaller. The same ``key`` does nothing twice."""
    require_operator(operator, Role.FINANCE)
    reason = clean_reason(reason, required=True)
    if purpose not in PURPOSES:
        raise ValidationFailed(errors={"purpose": [_("Choose receivable or penalty.")]})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValidationFailed(errors={"amount": [_("Enter a positive amount.")]})
    vendor = lock_vendor(vendor)
    entry_key = f"deposit-use:{vendor.pk}:{key}"[:200]
    if JournalEntry.objects.filter(idempotency_key=entry_key).exists():
        return
    owner = PLATFORM if purpose == "penalty" else ("vendor", vendor.pk)
    target = _account(owner, PURPOSES[purpose], vendor.currency)
    postings = [(_deposit(vendor), amount), (target, -amount)]
    # Ask the provider only for a use the ledger's guard on D will accept.
    if get_balance(account=_deposit(vendor)).available.amount >= amount:
        captured, operations = _capture_held(vendor, amount, entry_key)
    else:
        captured, operations = 0, []
    if captured:
        postings += [(_cash(vendor.currency), captured), (_frozen(vendor), -captured)]
    record_entry(
        idempotency_key=entry_key,
        kind=f"deposit_{purpose}",
        postings=postings,
        reference=("vendor", vendor.pk),
        metadata={
            "reason": reason[:500],
            "operator": getattr(operator, "pk", None),
            "provider_operations": operations,
        },
    )
    record_audit(
        actor=operator,
        action=f"deposit.{purpose}",
        target=vendor,
        new={"amount": amount},
        reason=reason,
    )


@transaction.atomic
def release_deposit(*, vendor: Vendor, operator, reason: str = "") -> int:
    """Release what is left of a closed vendor's deposit to its available balance;
    return the amount. The provider transfers it, or unfreezes the part frozen in
    the vendor's account, through the outbox."""
    require_operator(operator, Role.FINANCE)
    vendor = lock_vendor(vendor)
    if vendor.status != Vendor.Status.CLOSED:
        raise Conflict(_("Release the deposit when the shop closes."), code="open")
    left = get_balance(account=_deposit(vendor)).available.amount
    if left <= 0:
        return 0
    payments = list(
        DepositPayment.objects.select_for_update().filter(
            vendor=vendor, status=DepositPayment.Status.PAID
        )
    )
    frozen = min(sum(p.held_amount for p in payments), left)
    available = _account(("vendor", vendor.pk), Kind.VENDOR_AVAILABLE, vendor.currency)
    postings = [(_deposit(vendor), left), (available, -left)]
    if frozen:
        postings += [(_cash(vendor.currency), frozen), (_frozen(vendor), -frozen)]
    record_entry(
        idempotency_key=f"deposit-release:{vendor.pk}",
        kind="deposit_released",
        postings=postings,
        reference=("vendor", vendor.pk),
        metadata={"reason": reason[:500], "frozen": frozen},
    )
    _enqueue_releases(payments, on_platform=left - frozen)
    record_audit(
        actor=operator, action="deposit.release", target=vendor, new={"amount": left}
    )
    return left


def _enqueue_releases(payments: list[DepositPayment], *, on_platform: int) -> None:
    """One outbox row per payment: unfreeze its held part, or transfer its share of
    what the platform holds."""
    for payment in payments:
        if payment.held_amount:
            enqueue_outbox(
                topic=RELEASE_TOPIC,
                key=f"deposit:{payment.pk}:release-hold",
                payload={
                    "deposit_id": payment.pk,
                    "amount": payment.held_amount,
                    "hold": True,
                },
            )
            payment.released_amount += payment.held_amount
            payment.held_amount = 0
            payment.save(update_fields=["released_amount", "held_amount"])
            continue
        take = min(on_platform, payment.amount - payment.released_amount)
        if take <= 0:
            continue
        payment.released_amount += take
        payment.save(update_fields=["released_amount"])
        on_platform -= take
        enqueue_outbox(
            topic=RELEASE_TOPIC,
            key=f"deposit:{payment.pk}:release",
            payload={"deposit_id": payment.pk, "amount": take},
        )


def deliver_deposit_release(message) -> str:
    """Outbox handler of ``vendor.deposit_release``: transfer the released part of
    a deposit paid to the platform to the vendor's provider account, or unfreeze a
    deposit held in it."""
    payment = DepositPayment.objects.select_related("vendor").get(
        pk=message.payload["deposit_id"]
    )
    provider = get_provider()
    if message.payload.get("hold"):
        result = provider.release_held_funds(
            payment.hold_reference,
            amount=message.payload["amount"],
            idempotency_key=f"deposit-unfreeze-{payment.pk}",
        )
        if result.outcome != Outcome.SUCCEEDED:
            raise RuntimeError(result.failure_code or str(result.outcome))
        return result.operation_id
    if payment.release_settlement_id:
        return payment.release_settlement_id
    ref = payee_refs(vendors=[payment.vendor], provider=provider)[payment.vendor_id]
    result = provider.settle(
        SettlementRequest(
            payment_id=payment.payment_reference,
            payee_ref=ref,
            amount=message.payload["amount"],
            commission=0,
            currency=payment.currency,
        ),
        idempotency_key=f"deposit-release-{payment.pk}",
    )
    if result.outcome != Outcome.SUCCEEDED:
        raise RuntimeError(result.failure_code or str(result.outcome))
    DepositPayment.objects.filter(pk=payment.pk).update(
        release_settlement_id=result.settlement_id
    )
    return result.settlement_id
