"""The sandbox provider's server side: payments, refunds, transfers, balances.

Shaped like Stripe Connect with separate charges and transfers: the shopper pays the
platform, the processing fee (``FEE_BPS``, rounded half up) is booked on the payment,
a settlement is a transfer from the platform to the payee's account, and a payout
pays a payee's available balance to its bank. Refunds return no fee.
``SANDBOX_FUNDS_FLOW`` switches to the WeChat-like shape described in ``frozen``
(each part frozen in the payee's own account).

Functions here answer with plain dicts, as a provider's API answers with JSON, and
raise ``SandboxApiError`` for what the provider refuses. Each one changes state in
one transaction and writes its webhook event in it (``webhooks.emit_event``).
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from marketplace.common.db import insert_rows, select_instances
from marketplace.common.money import apply_bps
from marketplace.payments.sandbox import frozen
from marketplace.payments.sandbox.errors import SandboxApiError
from marketplace.payments.sandbox.models import (
    SandboxAccount,
    SandboxBalanceTransaction,
    SandboxPayment,
    SandboxRefund,
    SandboxSplit,
    SandboxTransfer,
    new_id,
)
from marketplace.payments.sandbox.webhooks import emit_event

FEE_BPS = 60  # 0.6 %
Status = SandboxPayment.Status


# --- Objects as the API shows them ------------------------------------------------
def payment_object(
    payment: SandboxPayment, splits: list[SandboxSplit] | None = None
) -> dict:
    """The payment as the API shows it; ``splits`` (with their accounts, in id
    order), when the caller has them, saves reading them back."""
    if splits is None:
        splits = payment.splits.select_related("account").order_by("id")
    return {
        "object": "payment",
        "id": payment.payment_id,
        "livemode": False,
        "merchant_reference": payment.merchant_reference,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "amount_captured": payment.amount_captured,
        "amount_refunded": payment.amount_refunded,
        "fee": payment.fee,
        "failure_code": payment.failure_code,
        "created": int(payment.created_at.timestamp()),
        "next_action_url": f"/sandbox/pay/{payment.payment_id}/",
        "splits": [
            {
                "payee_ref": split.account.account_id,
                "sub_reference": split.sub_reference,
                "amount": split.amount,
                "refunded": split.refunded,
                "settled": split.settled,
            }
            for split in splits
        ],
    }


def refund_object(refund: SandboxRefund) -> dict:
    return {
        "object": "refund",
        "id": refund.refund_id,
        "livemode": False,
        "payment": refund.payment.payment_id,
        "merchant_reference": refund.payment.merchant_reference,
        "amount": refund.amount,
        "currency": refund.currency,
        "allocations": refund.allocations,
        "status": refund.status,
    }


def transfer_object(transfer: SandboxTransfer) -> dict:
    return {
        "object": "transfer",
        "id": transfer.transfer_id,
        "livemode": False,
        "payment": transfer.payment.payment_id,
        "merchant_reference": transfer.payment.merchant_reference,
        "destination": transfer.split.account.account_id,
        "amount": transfer.amount,
        "commission": transfer.commission,
        "amount_reversed": transfer.amount_reversed,
        "currency": transfer.currency,
        "status": transfer.status,
    }


# --- Balances ---------------------------------------------------------------------
def platform_account(currency: str) -> SandboxAccount:
    account, _ = SandboxAccount.objects.get_or_create(
        account_id=f"acct_platform_{currency.lower()}",
        defaults={
            "is_platform": True,
            "display_name": "Platform (TEST MODE)",
            "currency": currency,
            "details_submitted": True,
            "payouts_enabled": True,
        },
    )
    return account


def book(
    account: SandboxAccount,
    *,
    type: str,
    amount: int,
    source_id: str,
    reference: str = "",
    fee: int = 0,
) -> None:
    """Move ``amount - fee`` on the account's available balance and record it."""
    SandboxAccount.objects.filter(pk=account.pk).update(
        available=F("available") + amount - fee
    )
    SandboxBalanceTransaction.objects.create(
        transaction_id=new_id("txn"),
        account=account,
        type=type,
        amount=amount,
        fee=fee,
        currency=account.currency,
        source_id=source_id,
        reference=reference,
    )


def get_account(account_id: str, *, lock: bool = False) -> SandboxAccount:
    queryset = SandboxAccount.objects.filter(account_id=account_id, is_platform=False)
    if lock:
        queryset = queryset.select_for_update()
    account = queryset.first()
    if account is None:
        raise SandboxApiError(404, "resource_missing", f"No such account: {account_id}")
    return account


# --- Payments ---------------------------------------------------------------------
def get_payment(payment_id: str, *, lock: bool = False) -> SandboxPayment:
    queryset = SandboxPayment.objects.filter(payment_id=payment_id)
    if lock:
        queryset = queryset.select_for_update()
    payment = queryset.first()
    if payment is None:
        raise SandboxApiError(404, "resource_missing", f"No such payment: {payment_id}")
    return payment


def create_payment(params: dict) -> dict:
    """Create a payment with one split per payee; every payee is checked before
    anything is written (one read for all of them, one insert for the splits)."""
    refs = [split["payee_ref"] for split in params["splits"]]
    accounts = {
        account.account_id: account
        for account in select_instances(
            SandboxAccount, '"account_id" = ANY(%s) AND NOT "is_platform"', [refs]
        )
    }
    for ref in refs:
        account = accounts.get(ref)
        if account is None:
            raise SandboxApiError(404, "resource_missing", f"No such account: {ref}")
        if account.currency != params["currency"]:
            raise SandboxApiError(
                400,
                "currency_mismatch",
                f"{account.account_id} holds {account.currency}.",
            )
    payment = SandboxPayment(
        payment_id=new_id("pay"),
        merchant_reference=params["merchant_reference"],
        amount=params["amount"],
        currency=params["currency"],
        return_url=params["return_url"],
        description=params["description"],
    )
    insert_rows([payment])
    splits = insert_rows(
        [
            SandboxSplit(
                payment=payment,
                account=accounts[split["payee_ref"]],
                sub_reference=split["sub_reference"],
                amount=split["amount"],
            )
            for split in params["splits"]
        ]
    )
    return payment_object(payment, splits)


def _move(payment: SandboxPayment, target: str, failure_code: str = "") -> None:
    if target not in SandboxPayment.TRANSITIONS.get(payment.status, set()):
        raise SandboxApiError(
            409,
            "payment_unexpected_state",
            f"A payment in status {payment.status} cannot become {target}.",
        )
    payment.status = target
    payment.failure_code = failure_code
    payment.updated_at = timezone.now()
    if target == Status.SUCCEEDED:
        payment.amount_captured = payment.amount
        payment.fee = apply_bps(payment.amount, FEE_BPS)
        if frozen.is_frozen():
            frozen.capture(payment, platform_account(payment.currency))
        else:
            book(
                platform_account(payment.currency),
                type="payment",
                amount=payment.amount,
                fee=payment.fee,
                source_id=payment.payment_id,
                reference=payment.merchant_reference,
            )
    payment.save()
    emit_event(f"payment.{target}", payment_object(payment))


SHOPPER_ACTIONS = {
    # action: (allowed from, target, failure code)
    "pay": (Status.REQUIRES_PAYMENT, Status.SUCCEEDED, ""),
    "decline": (Status.REQUIRES_PAYMENT, Status.FAILED, "card_declined"),
    "start_3ds": (Status.REQUIRES_PAYMENT, Status.REQUIRES_ACTION, ""),
    "complete_3ds": (Status.REQUIRES_ACTION, Status.SUCCEEDED, ""),
    "fail_3ds": (Status.REQUIRES_ACTION, Status.FAILED, "authentication_failed"),
}


@transaction.atomic
def shopper_action(payment_id: str, action: str) -> dict:
    """Apply what the shopper did on the hosted page. Repeating the action that
    brought the payment to its state is a no-op; anything else from a final state
    is refused (409)."""
    payment = get_payment(payment_id, lock=True)
    source, target, failure_code = SHOPPER_ACTIONS[action]
    if payment.status == target:
        return payment_object(payment)
    if payment.status != source:
        raise SandboxApiError(
            409,
            "payment_unexpected_state",
            f"The shopper cannot {action} a payment in status {payment.status}.",
        )
    _move(payment, target, failure_code)
    return payment_object(payment)


def cancel_payment(payment_id: str) -> dict:
    payment = get_payment(payment_id, lock=True)
    if payment.status != Status.CANCELED:
        _move(payment, Status.CANCELED, "canceled")
    return payment_object(payment)


# --- Refunds and transfers --------------------------------------------------------
def _succeeded_payment(payment_id: str, currency: str) -> SandboxPayment:
    payment = get_payment(payment_id, lock=True)
    if payment.status != Status.SUCCEEDED:
        raise SandboxApiError(
            409, "payment_unexpected_state", f"{payment_id} has not succeeded."
        )
    if payment.currency != currency:
        raise SandboxApiError(
            400, "currency_mismatch", f"{payment_id} is not {currency}."
        )
    return payment


def _split(payment: SandboxPayment, payee_ref: str) -> SandboxSplit:
    split = (
        payment.splits.select_for_update()
        .filter(account__account_id=payee_ref)
        .select_related("account")
        .first()
    )
    if split is None:
        raise SandboxApiError(
            400, "payee_not_in_payment", f"{payee_ref} has no part of {payment}."
        )
    return split


def refund(params: dict) -> dict:
    payment = _succeeded_payment(params["payment_id"], params["currency"])
    if params["amount"] > payment.amount_captured - payment.amount_refunded:
        raise SandboxApiError(
            400, "amount_too_large", "The refund is larger than what is refundable."
        )
    refund_id = new_id("re")
    for allocation in params["allocations"]:
        split = _split(payment, allocation["payee_ref"])
        if allocation["amount"] > split.amount - split.refunded:
            raise SandboxApiError(
                400,
                "amount_too_large",
                f"The refund is larger than what is left of {split.sub_reference}.",
            )
        if frozen.is_frozen():
            frozen.refund_split(
                split,
                allocation["amount"],
                refund_id=refund_id,
                advance=allocation.get("advance", 0),
                platform=platform_account(payment.currency),
            )
            continue
        split.refunded += allocation["amount"]
        split.save(update_fields=["refunded"])
    payment.amount_refunded += params["amount"]
    payment.save(update_fields=["amount_refunded"])
    created = SandboxRefund.objects.create(
        refund_id=refund_id,
        payment=payment,
        amount=params["amount"],
        currency=payment.currency,
        allocations=params["allocations"],
        reason=params["reason"],
    )
    if not frozen.is_frozen():
        book(
            platform_account(payment.currency),
            type="refund",
            amount=-created.amount,
            source_id=created.refund_id,
            reference=payment.merchant_reference,
        )
    emit_event("refund.succeeded", refund_object(created))
    return refund_object(created)


def transfer(params: dict) -> dict:
    payment = _succeeded_payment(params["payment_id"], params["currency"])
    split = _split(payment, params["payee_ref"])
    gross = params["amount"] + params["commission"]
    if gross > split.amount - split.refunded - split.settled:
        raise SandboxApiError(
            400,
            "amount_too_large",
            f"The settlement is larger than what is left of {split.sub_reference}.",
        )
    split.settled += gross
    split.save(update_fields=["settled"])
    created = SandboxTransfer.objects.create(
        transfer_id=new_id("tr"),
        payment=payment,
        split=split,
        amount=params["amount"],
        commission=params["commission"],
        currency=payment.currency,
    )
    if frozen.is_frozen():
        frozen.share(created, split, platform_account(payment.currency))
        emit_event("transfer.created", transfer_object(created))
        return transfer_object(created)
    for account, amount in (
        (platform_account(payment.currency), -created.amount),
        (split.account, created.amount),
    ):
        book(
            account,
            type="settlement",
            amount=amount,
            source_id=created.transfer_id,
            reference=payment.merchant_reference,
        )
    emit_event("transfer.created", transfer_object(created))
    return transfer_object(created)


def reverse_transfer(transfer_id: str, amount: int) -> dict:
    found = (
        SandboxTransfer.objects.select_for_update()
        .select_related("payment", "split__account")
        .filter(transfer_id=transfer_id)
        .first()
    )
    if found is None:
        raise SandboxApiError(
            404, "resource_missing", f"No such transfer: {transfer_id}"
        )
    if frozen.is_frozen():
        frozen.return_shared(found, amount, platform_account(found.currency))
        emit_event("transfer.reversed", transfer_object(found))
        return transfer_object(found)
    if amount > found.amount - found.amount_reversed:
        raise SandboxApiError(
            400, "amount_too_large", "The reversal is larger than what is left."
        )
    payee = SandboxAccount.objects.select_for_update().get(pk=found.split.account_id)
    if payee.available < amount:
        raise SandboxApiError(
            402,
            "balance_insufficient",
            f"{payee.account_id} has {payee.available} available, not {amount}.",
        )
    found.amount_reversed += amount
    if found.amount_reversed == found.amount:
        found.status = "reversed"
    found.save(update_fields=["amount_reversed", "status"])
    SandboxSplit.objects.filter(pk=found.split_id).update(settled=F("settled") - amount)
    for account, moved in (
        (payee, -amount),
        (platform_account(found.currency), amount),
    ):
        book(
            account,
            type="settlement_reversal",
            amount=moved,
            source_id=found.transfer_id,
            reference=found.payment.merchant_reference,
        )
    emit_event("transfer.reversed", transfer_object(found))
    return transfer_object(found)
