"""The sandbox's deposit holds: part of a payment frozen in the payee's own account.

A hold takes a payee's part of a succeeded payment off the platform's balance into
the payee's ``pending`` (frozen) balance; a capture gives part of it to the
platform; a release unfreezes part of it into the payee's ``available`` balance.
Every step is a balance transaction: on the payee (``source_id`` = the hold, signed
as the hold's frozen amount changes) and, for a hold or a capture, on the platform
(``source_id`` = the hold or the capture). What is left of a hold is the sum of its
payee transactions, so no table of its own is needed.
"""

from django.db.models import F, Sum

from marketplace.payments.sandbox import frozen
from marketplace.payments.sandbox.engine import (
    _split,
    _succeeded_payment,
    book,
    platform_account,
)
from marketplace.payments.sandbox.errors import SandboxApiError
from marketplace.payments.sandbox.models import (
    SandboxAccount,
    SandboxBalanceTransaction,
    SandboxSplit,
    new_id,
)
from marketplace.payments.sandbox.webhooks import emit_event

HOLD = "deposit_hold"
CAPTURE = "deposit_capture"
RELEASE = "deposit_release"


def _frozen(
    account: SandboxAccount,
    *,
    type: str,
    amount: int,
    hold_id: str,
    ref: str,
    moved: bool = True,
):
    """Change the payee's frozen balance by ``amount`` and record it. A hold of a
    part already frozen (``moved=False``) is recorded but listed as no movement."""
    if moved:
        SandboxAccount.objects.filter(pk=account.pk).update(
            pending=F("pending") + amount
        )
    SandboxBalanceTransaction.objects.create(
        transaction_id=new_id("txn"),
        account=account,
        type=type,
        amount=amount,
        currency=account.currency,
        source_id=hold_id,
        reference=ref,
        hidden=not moved,
    )


def _held(hold_id: str) -> tuple[SandboxBalanceTransaction, int]:
    """Return the hold's first transaction (locked) and what is still frozen."""
    first = (
        SandboxBalanceTransaction.objects.select_for_update()
        .select_related("account")
        .filter(source_id=hold_id, type=HOLD, account__is_platform=False)
        .first()
    )
    if first is None:
        raise SandboxApiError(404, "resource_missing", f"No such hold: {hold_id}")
    left = SandboxBalanceTransaction.objects.filter(
        source_id=hold_id, account=first.account
    ).aggregate(total=Sum("amount"))["total"]
    return first, left


def hold_object(hold_id: str, operation: str, left: int, payee: str) -> dict:
    return {
        "object": "hold",
        "id": hold_id,
        "operation": operation,
        "payee": payee,
        "amount_held": left,
    }


def hold(params: dict) -> dict:
    payment = _succeeded_payment(params["payment_id"], params["currency"])
    split = _split(payment, params["payee_ref"])
    amount = params["amount"]
    if amount > split.amount - split.refunded - split.settled:
        raise SandboxApiError(
            400,
            "amount_too_large",
            f"The hold is larger than what is left of {split.sub_reference}.",
        )
    SandboxSplit.objects.filter(pk=split.pk).update(settled=F("settled") + amount)
    hold_id = new_id("hold")
    ref = payment.merchant_reference
    # In the frozen funds flow the part is already frozen in the payee's account.
    on_platform = not frozen.is_frozen()
    if on_platform:
        book(
            platform_account(payment.currency),
            type=HOLD,
            amount=-amount,
            source_id=hold_id,
            reference=ref,
        )
    _frozen(
        split.account,
        type=HOLD,
        amount=amount,
        hold_id=hold_id,
        ref=ref,
        moved=on_platform,
    )
    body = hold_object(hold_id, hold_id, amount, split.account.account_id)
    emit_event("hold.created", body)
    return body


def _take(hold_id: str, amount: int, type: str) -> tuple[SandboxAccount, str, int]:
    first, left = _held(hold_id)
    if amount > left:
        raise SandboxApiError(
            400, "amount_too_large", f"{hold_id} has {left} held, not {amount}."
        )
    payee = first.account
    _frozen(payee, type=type, amount=-amount, hold_id=hold_id, ref=first.reference)
    return payee, first.reference, left - amount


def capture(hold_id: str, amount: int) -> dict:
    payee, ref, left = _take(hold_id, amount, CAPTURE)
    operation = new_id("hcap")
    book(
        platform_account(payee.currency),
        type=CAPTURE,
        amount=amount,
        source_id=operation,
        reference=ref,
    )
    body = hold_object(hold_id, operation, left, payee.account_id)
    emit_event("hold.captured", body)
    return body


def release(hold_id: str, amount: int) -> dict:
    payee, _ref, left = _take(hold_id, amount, RELEASE)
    SandboxAccount.objects.filter(pk=payee.pk).update(available=F("available") + amount)
    body = hold_object(hold_id, new_id("hrel"), left, payee.account_id)
    emit_event("hold.released", body)
    return body
