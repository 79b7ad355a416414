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

Balance transactions (the rows ``book`` records): the payee's are ``payment``
+split, ``settlement`` −commission, ``settlement_reversal`` +returned, ``refund``
−(amount − advance) and its payouts; the platform's own are ``payment`` 0 with the
fee, ``settlement`` +commission, ``settlement_reversal`` −returned and ``refund``
−advanced.

``list_transactions`` shows a payee its own rows. The platform's listing is not its
own balance but the bill of its payments, as WeChat Pay's bills are
(``platform_listing``): each payment once at its full amount with its fee, each
refund once at its full amount, each settlement at −what it unfroze to the payee,
each return at −returned, and the deposit captures.
"""

from collections.abc import Iterable

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


# --- The platform's listing -------------------------------------------------------
SUMMED = ("payment", "refund")  # one line per object, summed over every account


def _line(row: SandboxBalanceTransaction, **changes) -> SandboxBalanceTransaction:
    """Return an unsaved copy of ``row`` with ``changes``: a line of the listing."""
    fields = {
        name: getattr(row, name)
        for name in (
            "transaction_id",
            "type",
            "amount",
            "fee",
            "currency",
            "source_id",
            "reference",
            "created_at",
        )
    }
    return SandboxBalanceTransaction(**{**fields, **changes})


def platform_listing(
    rows: Iterable[SandboxBalanceTransaction],
) -> list[SandboxBalanceTransaction]:
    """Return the platform's listing from the rows of every account in the window
    (``account`` loaded, oldest first), as WeChat Pay's bills present it:

    - ``payment``: one line per payment, its splits (frozen in the payees'
      accounts) and the fee the platform paid summed: the full amount, the fee;
    - ``refund``: one line per refund, what the payees paid and what the platform
      advanced summed: −the full amount;
    - ``settlement``: one line per settlement, −the ``amount`` it unfroze to the
      payee (the commission shared to the platform is not listed);
    - ``settlement_reversal`` (−returned) and ``deposit_*``: the platform's rows.

    ``rows`` include the dropped ones (``hidden``, ``control.drop_transaction``): a
    line any of whose rows was dropped is left out, as the provider lost that
    object; a dropped return or deposit row is left out alone.
    """
    rows = list(rows)
    lost = {
        (r.type, r.source_id)
        for r in rows
        if r.hidden and (r.type in SUMMED or r.type == "settlement")
    }
    rows = [r for r in rows if not r.hidden and (r.type, r.source_id) not in lost]
    unfrozen = dict(
        SandboxTransfer.objects.filter(
            transfer_id__in={
                r.source_id
                for r in rows
                if r.type == "settlement" and not r.account.is_platform
            }
        ).values_list("transfer_id", "amount")
    )
    summed: dict[tuple[str, str], SandboxBalanceTransaction] = {}
    listed = []
    for row in rows:
        platform = row.account.is_platform
        if row.type in SUMMED:
            line = summed.get((row.type, row.source_id))
            if line is None:
                line = summed[(row.type, row.source_id)] = _line(row)
                listed.append(line)
            else:
                line.amount += row.amount
                line.fee += row.fee
        elif row.type == "settlement":
            if not platform:
                listed.append(_line(row, amount=-unfrozen[row.source_id]))
        elif platform:
            listed.append(_line(row))
    return listed
