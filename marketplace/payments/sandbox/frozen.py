"""The sandbox's second money shape: funds frozen in the payee's own account.

With ``SANDBOX_FUNDS_FLOW = "funds_frozen_in_payee_account"`` the sandbox behaves
like WeChat Pay 平台收付通 with profit sharing (分账) instead of like Stripe:

- a payment's splits land **frozen** in each payee's own account (its ``pending``
  balance); the processing fee is charged to the platform's account;
- a settlement (分账 + 解冻) shares ``commission`` to the platform and unfreezes
  ``amount`` to the payee's ``available`` balance;
- ``reverse_settlement`` is the profit-sharing return (分账回退): the platform gives
  ``amount`` of the commission it received back into the payment's frozen part (no
  more than it received and has not returned, as at WeChat Pay);
- a refund takes each allocation from the split's frozen part first, then from the
  payee's unfrozen part out of its ``available`` balance (``balance_insufficient``
  when the payee has already withdrawn it). It may not use the commission shared to
  the platform: that part must be returned first (``settlement_not_returned``). An
  allocation's ``advance`` (垫付退款) is paid from the platform's balance instead
  and uses up that much of the payee's unfrozen part; the platform's balance may go
  negative, as in the other shape;
- payouts pay the payee's ``available`` balance (``accounts.payout``, unchanged).

Balance transactions (``list_transactions``): the payee sees ``payment`` +split,
``settlement`` −commission, ``settlement_reversal`` +returned, ``refund`` −amount
and its payouts; the platform sees ``payment`` 0 with the fee, ``settlement``
+commission, ``settlement_reversal`` −returned and ``refund`` −advanced.
"""

from django.conf import settings
from django.db.models import F

from marketplace.payments.port import FundsFlow
from marketplace.payments.sandbox.errors import SandboxApiError
from marketplace.payments.sandbox.models import (
    SandboxAccount,
    SandboxBalanceTransaction,
    SandboxPayment,
    SandboxSplit,
    SandboxTransfer,
    new_id,
)


def is_frozen() -> bool:
    """Return whether ``SANDBOX_FUNDS_FLOW`` selects the frozen funds flow."""
    return settings.SANDBOX_FUNDS_FLOW == FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT


def book(
    account: SandboxAccount,
    *,
    type: str,
    amount: int,
    source_id: str,
    reference: str = "",
    fee: int = 0,
    frozen: int = 0,
    available: int = 0,
) -> None:
    """Move the account's frozen (``pending``) and ``available`` balances and record
    one transaction of ``amount`` (their net change, before ``fee``)."""
    SandboxAccount.objects.filter(pk=account.pk).update(
        pending=F("pending") + frozen, available=F("available") + available - fee
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


def capture(payment: SandboxPayment, platform: SandboxAccount) -> None:
    """Freeze each split in its payee's account; charge the fee to the platform."""
    for split in payment.splits.select_related("account").order_by("id"):
        book(
            split.account,
            type="payment",
            amount=split.amount,
            frozen=split.amount,
            source_id=payment.payment_id,
            reference=payment.merchant_reference,
        )
    book(
        platform,
        type="payment",
        amount=0,
        fee=payment.fee,
        source_id=payment.payment_id,
        reference=payment.merchant_reference,
    )


def refund_split(
    split: SandboxSplit, amount: int, *, refund_id: str, advance: int = 0, platform=None
) -> None:
    """Take ``amount`` of a LOCKED split: ``advance`` of it from the ``platform``'s
    balance in place of the payee's unfrozen part, the rest from the frozen part
    first, then the payee's unfrozen part from its available balance."""
    frozen_left = split.amount - split.refunded - split.settled
    from_frozen = min(amount - advance, frozen_left)
    from_unfrozen = amount - advance - from_frozen
    if from_unfrozen + advance > split.unfrozen:
        raise SandboxApiError(
            400,
            "settlement_not_returned",
            f"Part of {split.sub_reference} was shared to the platform: return it "
            "(reverse the settlement) before refunding it.",
        )
    payee = SandboxAccount.objects.select_for_update().get(pk=split.account_id)
    if payee.available < from_unfrozen:
        raise SandboxApiError(
            402,
            "balance_insufficient",
            f"{payee.account_id} has {payee.available} available, not {from_unfrozen}.",
        )
    split.refunded += amount
    split.settled -= from_unfrozen + advance
    split.unfrozen -= from_unfrozen + advance
    split.save(update_fields=["refunded", "settled", "unfrozen"])
    reference = split.payment.merchant_reference
    if amount - advance:
        book(
            payee,
            type="refund",
            amount=-(amount - advance),
            frozen=-from_frozen,
            available=-from_unfrozen,
            source_id=refund_id,
            reference=reference,
        )
    if advance:
        book(
            platform,
            type="refund",
            amount=-advance,
            available=-advance,
            source_id=refund_id,
            reference=reference,
        )


def share(transfer: SandboxTransfer, split: SandboxSplit, platform) -> None:
    """Share the commission to the platform and unfreeze the rest to the payee."""
    gross = transfer.amount + transfer.commission
    SandboxSplit.objects.filter(pk=split.pk).update(
        unfrozen=F("unfrozen") + transfer.amount
    )
    reference = transfer.payment.merchant_reference
    book(
        split.account,
        type="settlement",
        amount=-transfer.commission,
        frozen=-gross,
        available=transfer.amount,
        source_id=transfer.transfer_id,
        reference=reference,
    )
    if transfer.commission:
        book(
            platform,
            type="settlement",
            amount=transfer.commission,
            available=transfer.commission,
            source_id=transfer.transfer_id,
            reference=reference,
        )


def return_shared(transfer: SandboxTransfer, amount: int, platform) -> None:
    """The profit-sharing return (分账回退) of ``amount`` of a LOCKED settlement:
    the platform gives it back into the split's frozen part."""
    if amount > transfer.commission - transfer.amount_reversed:
        raise SandboxApiError(
            400,
            "amount_too_large",
            "The return is larger than the commission shared and not yet returned.",
        )
    split = SandboxSplit.objects.select_for_update().get(pk=transfer.split_id)
    split.settled -= amount
    split.save(update_fields=["settled"])
    transfer.amount_reversed += amount
    if transfer.amount_reversed == transfer.amount + transfer.commission:
        transfer.status = "reversed"
    transfer.save(update_fields=["amount_reversed", "status"])
    reference = transfer.payment.merchant_reference
    book(
        platform,
        type="settlement_reversal",
        amount=-amount,
        available=-amount,
        source_id=transfer.transfer_id,
        reference=reference,
    )
    book(
        split.account,
        type="settlement_reversal",
        amount=amount,
        frozen=amount,
        source_id=transfer.transfer_id,
        reference=reference,
    )
