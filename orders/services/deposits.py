"""Security deposits (保证金): paid through the provider, held apart, used, released.

The sandbox and Stripe take the payment on the platform, so the deposit is paid to
the platform under the vendor agreement and booked as the vendor's deposit (a
liability), never in an order's escrow. ``D`` is the vendor's deposit account:

==========================  =========================================  =============
event (service)             postings                                   key
==========================  =========================================  =============
deposit paid                Dr CASH amount; Cr D amount                deposit:{id}:
(``apply_deposit_payment``) (+ Dr fee expense; Cr CASH fee)            paid
deposit covers receivable   Dr D a; Cr vendor receivable a             deposit-use:
(``use_deposit``)                                                      {vendor}:{key}
deposit covers a penalty    Dr D a; Cr platform revenue a              (same)
released on closing         Dr D rest; Cr vendor available rest        deposit-
(``release_deposit``)       (then transferred to the vendor through    release:
                            the provider's ``settle``, via the outbox)  {vendor}
==========================  =========================================  =============

Every use records the operator's reason in the entry and in the audit trail.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict, ValidationFailed
from marketplace.common.services import enqueue_outbox, record_audit
from marketplace.ledger.models import Account
from marketplace.ledger.selectors import get_balance
from marketplace.ledger.services import get_or_create_account, record_entry
from marketplace.payments.port import (
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


def _account(owner: tuple[str, str | int], kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type=owner[0], owner_id=owner[1], kind=kind, currency=currency
    )


def _deposit(vendor: Vendor) -> Account:
    return _account(("vendor", vendor.pk), Kind.VENDOR_DEPOSIT, vendor.currency)


def start_deposit_payment(*, vendor: Vendor) -> DepositPayment:
    """Create the provider payment of what the vendor still owes as its deposit.

    Call outside a transaction (a network call). Raise ``Conflict`` when nothing is
    owed. The shopper-style hosted page is at ``payment_url``.
    """
    held = get_balance(account=_deposit(vendor)).posted.amount
    owed = vendor.deposit_required - held
    if owed <= 0:
        raise Conflict(_("The deposit is already paid."), code="deposit_paid")
    payment = DepositPayment.objects.create(
        vendor=vendor, amount=owed, currency=vendor.currency
    )
    provider = get_provider()
    ref = payee_refs(vendors=[vendor], provider=provider)[vendor.pk]
    result = provider.create_payment(
        PaymentRequest(
            merchant_reference=payment.merchant_reference,
            amount=owed,
            currency=vendor.currency,
            splits=(PayeeSplit(ref, f"{payment.merchant_reference}-1", owed),),
            return_url="/",
            description="Security deposit",
        ),
        idempotency_key=f"deposit-{payment.pk}",
    )
    if result.outcome == Outcome.SUCCEEDED:
        payment.payment_reference = result.payment_id
        payment.payment_url = result.next_action.url if result.next_action else ""
        payment.save(update_fields=["payment_reference", "payment_url"])
    return payment


@transaction.atomic
def apply_deposit_payment(*, deposit_id: int) -> bool:
    """Ask the provider about a deposit payment and book it once it succeeded.

    Return whether it is paid. Replays book nothing twice.
    """
    payment = DepositPayment.objects.select_for_update().get(pk=deposit_id)
    if payment.status == DepositPayment.Status.PAID:
        return True
    if not payment.payment_reference:
        return False
    info = get_provider().get_payment(payment.payment_reference)
    if info.status != PaymentStatus.SUCCEEDED or info.amount != payment.amount:
        return False
    cash = _account(("platform", "platform"), Kind.PROVIDER_CASH, payment.currency)
    record_entry(
        idempotency_key=f"deposit:{payment.pk}:paid",
        kind="deposit_paid",
        postings=[(cash, payment.amount), (_deposit(payment.vendor), -payment.amount)],
        reference=("vendor", payment.vendor_id),
        metadata={"deposit_payment": payment.pk},
    )
    if info.fee:
        expense = _account(
            ("platform", "platform"), Kind.PLATFORM_FEE_EXPENSE, payment.currency
        )
        record_entry(
            idempotency_key=f"deposit:{payment.pk}:fee",
            kind="provider_fee",
            postings=[(expense, info.fee), (cash, -info.fee)],
            reference=("vendor", payment.vendor_id),
        )
    payment.status = DepositPayment.Status.PAID
    payment.paid_at = timezone.now()
    payment.save(update_fields=["status", "paid_at"])
    return True


@transaction.atomic
def use_deposit(
    *, vendor: Vendor, operator, amount: int, purpose: str, reason: str, key: str
) -> None:
    """Finance takes ``amount`` of the deposit to cover the vendor's receivable or a
    penalty, with the reason recorded. Raise ``InsufficientFunds`` (409) when the
    deposit (or, for a receivable, what is owed) is smaller."""
    require_operator(operator, Role.FINANCE)
    reason = clean_reason(reason, required=True)
    if purpose not in PURPOSES:
        raise ValidationFailed(errors={"purpose": [_("Choose receivable or penalty.")]})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValidationFailed(errors={"amount": [_("Enter a positive amount.")]})
    vendor = lock_vendor(vendor)
    owner = ("platform", "platform") if purpose == "penalty" else ("vendor", vendor.pk)
    target = _account(owner, PURPOSES[purpose], vendor.currency)
    record_entry(
        idempotency_key=f"deposit-use:{vendor.pk}:{key}"[:200],
        kind=f"deposit_{purpose}",
        postings=[(_deposit(vendor), amount), (target, -amount)],
        reference=("vendor", vendor.pk),
        metadata={"reason": reason[:500], "operator": getattr(operator, "pk", None)},
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
    return the amount. The provider transfer follows through the outbox."""
    require_operator(operator, Role.FINANCE)
    vendor = lock_vendor(vendor)
    if vendor.status != Vendor.Status.CLOSED:
        raise Conflict(_("Release the deposit when the shop closes."), code="open")
    left = get_balance(account=_deposit(vendor)).available.amount
    if left <= 0:
        return 0
    available = _account(("vendor", vendor.pk), Kind.VENDOR_AVAILABLE, vendor.currency)
    record_entry(
        idempotency_key=f"deposit-release:{vendor.pk}",
        kind="deposit_released",
        postings=[(_deposit(vendor), left), (available, -left)],
        reference=("vendor", vendor.pk),
        metadata={"reason": reason[:500]},
    )
    remaining = left
    for payment in DepositPayment.objects.select_for_update().filter(
        vendor=vendor, status=DepositPayment.Status.PAID
    ):
        take = min(remaining, payment.amount - payment.released_amount)
        if take <= 0:
            continue
        payment.released_amount += take
        payment.save(update_fields=["released_amount"])
        remaining -= take
        enqueue_outbox(
            topic=RELEASE_TOPIC,
            key=f"deposit:{payment.pk}:release",
            payload={"deposit_id": payment.pk, "amount": take},
        )
    record_audit(
        actor=operator, action="deposit.release", target=vendor, new={"amount": left}
    )
    return left


def deliver_deposit_release(message) -> str:
    """Outbox handler of ``vendor.deposit_release``: transfer the released part of
    a deposit payment to the vendor's provider account."""
    payment = DepositPayment.objects.select_related("vendor").get(
        pk=message.payload["deposit_id"]
    )
    if payment.release_settlement_id:
        return payment.release_settlement_id
    provider = get_provider()
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
