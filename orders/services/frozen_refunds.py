"""A refund after settlement where the provider froze the vendor's part in its own
account (``FUNDS_FROZEN_IN_PAYEE_ACCOUNT``): return, then refund.

The refund's clawback entry (``settlement.rebook_vendor_order``) already booked the
refunded part back into the vendor's frozen funds: ``from_unfrozen`` of it from the
vendor's unfrozen funds (the provider's refund takes it from the vendor's available
balance) and ``provider_return`` from the platform's cash, which the provider must
first give back into the payment's frozen part (the profit-sharing return, 分账回退,
``reverse_settlement``). ``execute_refund`` calls these two around the provider's
refund. The return gives back only the commission the settlement shared to the
platform; a ``provider_return`` beyond it (the vendor's part, booked as its
receivable because its available balance had been withdrawn) is paid by the
platform in the refund itself, as the allocation's ``advance`` (WeChat Pay 垫付退款).

When the provider refuses the refund because the vendor has already withdrawn its
part (``balance_insufficient``), the platform advances that part (WeChat Pay
垫付退款): the vendor keeps it in its available balance and owes it instead (its
receivable, netted against its next earnings), and the refund is asked again under
a second key with the part as its allocation's ``advance``, which the provider pays
from the platform's balance. (The profit-sharing return cannot carry it: it gives
back only the commission the platform was shared.) Postings (key
``refund:{id}:clawback:reversal-refused``, the same kind as
``settlement.book_reversal_refused``): Dr vendor receivable a; Cr vendor available
a; Dr vendor unfrozen a; Cr provider cash a.

A return the provider refuses is never followed by the refund: WeChat Pay would take
the refund from the vendor's available balance while the books say the platform
returned its commission. A return refused for the platform's balance is asked again
later; one refused for good fails the refund, which is restored like any failed
refund.
"""

from __future__ import annotations

from marketplace.ledger.models import Account, JournalEntry
from marketplace.ledger.services import record_entry
from marketplace.payments.port import Outcome, PaymentProviderError
from orders.models import Refund, VendorOrderSettlement
from orders.services.books import platform_account, vendor_account
from orders.services.settlement import REFUSED_KIND

Kind = Account.Kind
BALANCE_INSUFFICIENT = "balance_insufficient"


def _entries(refund: Refund) -> tuple[JournalEntry | None, JournalEntry | None]:
    key = f"refund:{refund.pk}:clawback"
    found = {
        e.idempotency_key: e
        for e in JournalEntry.objects.filter(
            idempotency_key__in=[key, f"{key}:reversal-refused"]
        )
    }
    return found.get(key), found.get(f"{key}:reversal-refused")


class ReturnRefused(Exception):
    """The provider refused the profit-sharing return for good: fail the refund."""


def split_return(refund: Refund, clawback: JournalEntry | None) -> tuple[int, int]:
    """Split the clawback's ``provider_return`` into the commission the provider can
    return (what the settlement shared to the platform less what earlier refunds of
    the vendor order returned) and the rest, the vendor's part it was paid, which
    the platform advances in the refund instead."""
    wanted = clawback.metadata.get("provider_return", 0) if clawback else 0
    if not wanted:
        return 0, 0
    left = VendorOrderSettlement.objects.get(
        vendor_order_id=refund.vendor_order_id
    ).transfer_commission
    earlier = (
        Refund.objects.filter(vendor_order_id=refund.vendor_order_id, pk__lt=refund.pk)
        .exclude(status=Refund.Status.FAILED)
        .values_list("pk", flat=True)
    )
    keys = {f"refund:{pk}:clawback": pk for pk in earlier}
    for entry in sorted(
        JournalEntry.objects.filter(idempotency_key__in=keys),
        key=lambda e: keys[e.idempotency_key],
    ):
        left -= min(entry.metadata.get("provider_return", 0), max(left, 0))
    returned = min(wanted, max(left, 0))
    return returned, wanted - returned


def return_settled_part(*, refund: Refund, provider) -> str | None:
    """Have the provider return the commission the refund needs back, and return
    the idempotency key to refund with; None to try again later (the settlement's
    own provider call is not done, the answer is unknown, or the platform's balance
    cannot pay the return yet). Raise ``ReturnRefused`` when it is refused for good.
    """
    clawback, advanced = _entries(refund)
    amount = split_return(refund, clawback)[0]
    if amount:
        settlement = VendorOrderSettlement.objects.get(
            vendor_order_id=refund.vendor_order_id
        )
        if not settlement.provider_settlement_id:
            return None
        try:
            result = provider.reverse_settlement(
                settlement.provider_settlement_id,
                amount=amount,
                idempotency_key=f"return-refund-{refund.pk}",
            )
        except PaymentProviderError:
            return None
        if result.outcome == Outcome.FAILED and not result.retryable:
            if result.failure_code == BALANCE_INSUFFICIENT:
                return None
            raise ReturnRefused(result.failure_message or result.failure_code)
        if result.outcome != Outcome.SUCCEEDED:
            return None
    return f"refund-{refund.pk}-advanced" if advanced else f"refund-{refund.pk}"


def advanced_amount(refund: Refund) -> int:
    """Return what the platform advances of the refund (its allocation's
    ``advance``): the part of ``provider_return`` beyond the commission, plus what
    ``advance_withdrawn_part`` booked."""
    clawback, advanced = _entries(refund)
    beyond = split_return(refund, clawback)[1]
    return beyond + (advanced.metadata.get("amount", 0) if advanced else 0)


def advance_withdrawn_part(*, refund: Refund, failure: str) -> bool:
    """Book the platform's advance of the vendor's part the provider could not take
    (``failure`` is ``balance_insufficient``); return whether to refund again (with
    ``advanced_amount`` as the vendor's allocation's ``advance``)."""
    clawback, advanced = _entries(refund)
    amount = clawback.metadata.get("from_unfrozen", 0) if clawback else 0
    if failure != BALANCE_INSUFFICIENT or amount <= 0 or advanced is not None:
        return False
    vendor_id, currency = refund.vendor_order.vendor_id, refund.currency
    record_entry(
        idempotency_key=f"refund:{refund.pk}:clawback:reversal-refused",
        kind=REFUSED_KIND,
        postings=[
            (vendor_account(vendor_id, Kind.VENDOR_RECEIVABLE, currency), amount),
            (vendor_account(vendor_id, Kind.VENDOR_AVAILABLE, currency), -amount),
            (vendor_account(vendor_id, Kind.VENDOR_UNFROZEN, currency), amount),
            (platform_account(Kind.PROVIDER_CASH, currency), -amount),
        ],
        reference=("order", refund.order_id),
        metadata={
            "vendor_order": refund.vendor_order_id,
            "refund": refund.pk,
            "amount": amount,
            "flagged": True,
        },
    )
    return True
