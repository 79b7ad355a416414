"""The daily reconciliation: the provider's transactions against the ledger.

For one business day, every platform transaction from the port's
``list_transactions`` must match what the ledger booked for it, and every capture
the ledger booked that day must be at the provider:

=====================  ==============================================================
provider transaction   the ledger's counterpart
=====================  ==============================================================
payment                ``payment:{id}:captured`` credits escrow ``amount`` (or a
                       deposit's ``deposit:{id}:paid``), and ``...:fee`` the ``fee``
refund                 the succeeded ``Refund`` with that provider reference, booked
settlement             the settlement row (or deposit release) with that id,
                       transferring ``-amount``
settlement_reversal    a settlement row with that id (the clawback is booked at the
                       refund)
=====================  ==============================================================

Each difference becomes a ``ReconciliationItem`` (running the day again adds
nothing); finance resolves it with a correcting entry, never an UPDATE.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict
from marketplace.common.services import enqueue_outbox
from marketplace.ledger.models import Account, JournalEntry, Posting
from marketplace.ledger.services import get_or_create_account, record_entry
from marketplace.payments.port import Outcome, TransactionType
from marketplace.payments.providers import get_provider
from orders.models import ReconciliationItem, Refund, VendorOrderSettlement
from orders.services.settlement import SETTLE_TOPIC
from vendors.models import DepositPayment
from vendors.services.checks import clean_reason, require_operator

Kind = Account.Kind
Item = ReconciliationItem.Kind
FEE_MISMATCH = "fee"  # an amount mismatch of the provider's fee on a payment
# transaction types whose amounts leave the platform's cash (refunds, transfers)
OUTGOING = ("refund", "settlement", "fee")


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _entry_amount(key: str, account_kind: str) -> int | None:
    """Return the entry's postings on accounts of ``account_kind`` (debits +), or
    None when no posted entry has that key."""
    if not JournalEntry.objects.filter(idempotency_key=key, status="posted").exists():
        return None
    return Posting.objects.filter(
        entry__idempotency_key=key, account__kind=account_kind
    ).aggregate(total=Sum("amount", default=0))["total"]


def _payment_differences(txn) -> list[tuple[str, int, int]]:
    deposit = DepositPayment.objects.filter(payment_reference=txn.source_id).first()
    key = (
        f"deposit:{deposit.pk}:paid" if deposit else f"payment:{txn.source_id}:captured"
    )
    kind = Kind.VENDOR_DEPOSIT if deposit else Kind.ORDER_ESCROW
    booked = _entry_amount(key, kind)
    found = []
    if booked is None:
        found.append((Item.MISSING_IN_LEDGER, txn.amount, 0))
    elif -booked != txn.amount:
        found.append((Item.AMOUNT_MISMATCH, txn.amount, -booked))
    if txn.fee:
        fee_key = (
            f"deposit:{deposit.pk}:fee" if deposit else f"payment:{txn.source_id}:fee"
        )
        fee = _entry_amount(fee_key, Kind.PLATFORM_FEE_EXPENSE) or 0
        if fee != txn.fee:
            found.append((FEE_MISMATCH, txn.fee, fee))
    return found


def _deposit_hold_differences(txn) -> list[tuple[str, int, int]]:
    """A deposit frozen in the vendor's account left the platform's balance (hold:
    ``deposit:{id}:paid`` debits DF), or part of it came back (capture: the use
    entry naming the capture debits the platform's cash)."""
    if txn.type == TransactionType.DEPOSIT_HOLD:
        deposit = DepositPayment.objects.filter(hold_reference=txn.source_id).first()
        key = f"deposit:{deposit.pk}:paid" if deposit else ""
        booked = _entry_amount(key, Kind.VENDOR_DEPOSIT_FROZEN) if deposit else None
        expected = -txn.amount
    else:
        entry = JournalEntry.objects.filter(
            status="posted", metadata__provider_operations__contains=[txn.source_id]
        ).first()
        booked = (
            _entry_amount(entry.idempotency_key, Kind.PROVIDER_CASH) if entry else None
        )
        expected = txn.amount
        if booked is not None and booked >= expected:
            booked = expected  # one use may capture from several holds
    if booked is None:
        return [(Item.MISSING_IN_LEDGER, expected, 0)]
    return [] if booked == expected else [(Item.AMOUNT_MISMATCH, expected, booked)]


def _differences(txn) -> list[tuple[str, int, int]]:
    """Return ``(kind, provider amount, ledger amount)`` for each difference."""
    if txn.type == TransactionType.PAYMENT:
        return _payment_differences(txn)
    if txn.type == TransactionType.REFUND:
        refund = Refund.objects.filter(provider_reference=txn.source_id).first()
        booked = (
            _entry_amount(f"refund:{refund.pk}:succeeded", Kind.ORDER_ESCROW)
            if refund
            else None
        )
        if booked is None:
            return [(Item.MISSING_IN_LEDGER, -txn.amount, 0)]
        return (
            []
            if booked == -txn.amount
            else [(Item.AMOUNT_MISMATCH, -txn.amount, booked)]
        )
    if txn.type in (TransactionType.DEPOSIT_HOLD, TransactionType.DEPOSIT_CAPTURE):
        return _deposit_hold_differences(txn)
    if txn.type in (TransactionType.SETTLEMENT, TransactionType.SETTLEMENT_REVERSAL):
        row = VendorOrderSettlement.objects.filter(
            provider_settlement_id=txn.source_id
        ).first()
        if row is None:
            deposit = DepositPayment.objects.filter(
                release_settlement_id=txn.source_id
            ).first()
            if deposit is None:
                return [(Item.MISSING_IN_LEDGER, -txn.amount, 0)]
            expected = deposit.released_amount
        else:
            expected = row.transfer_amount
        if txn.type == TransactionType.SETTLEMENT and expected != -txn.amount:
            return [(Item.AMOUNT_MISMATCH, -txn.amount, expected)]
        return []
    return []


def reconcile_day(*, day: date) -> int:
    """Compare the provider's platform transactions of ``day`` (business time zone)
    with the ledger; record each difference once. Return how many are new.

    Call outside a transaction: ``list_transactions`` is a network call.
    """
    since, until = _bounds(day)
    transactions = get_provider().list_transactions(since=since, until=until)
    items = []
    seen_payments = set()
    for txn in transactions:
        if txn.type == TransactionType.PAYMENT:
            seen_payments.add(txn.source_id)
        for kind, provider_amount, ledger_amount in _differences(txn):
            fee = kind == FEE_MISMATCH
            items.append(
                ReconciliationItem(
                    day=day,
                    kind=Item.AMOUNT_MISMATCH if fee else kind,
                    transaction_type="fee" if fee else str(txn.type),
                    provider_transaction_id=txn.transaction_id,
                    source_id=txn.source_id,
                    reference=txn.reference,
                    currency=txn.currency,
                    provider_amount=provider_amount,
                    ledger_amount=ledger_amount,
                )
            )
    captures = JournalEntry.objects.filter(
        kind="payment_captured", created_at__gte=since, created_at__lt=until
    ).values_list("idempotency_key", flat=True)
    for key in captures:
        payment_id = key.removeprefix("payment:").removesuffix(":captured")
        if payment_id not in seen_payments:
            booked = _entry_amount(key, Kind.ORDER_ESCROW) or 0
            items.append(
                ReconciliationItem(
                    day=day,
                    kind=Item.MISSING_AT_PROVIDER,
                    transaction_type="payment",
                    source_id=payment_id,
                    currency=Account.objects.filter(
                        postings__entry__idempotency_key=key
                    ).values_list("currency", flat=True)[0],
                    provider_amount=0,
                    ledger_amount=-booked,
                )
            )
    before = ReconciliationItem.objects.count()
    ReconciliationItem.objects.bulk_create(items, ignore_conflicts=True)
    return ReconciliationItem.objects.count() - before


def reconcile_yesterday() -> int:
    """Reconcile the previous full business day (beat runs it after midnight)."""
    return reconcile_day(day=timezone.localdate() - timedelta(days=1))


# --- Settlement transfers the provider will not make ------------------------------
SETTLEMENT_MAX_ATTEMPTS = 10  # about 1.5 hours of outbox backoff, then finance looks
STUCK_SETTLEMENT = "settlement_transfer"


def flag_stuck_settlement(
    *, settlement, result, provider_key: str, attempts: int
) -> bool:
    """Hand a settlement transfer the provider refuses to the back office.

    Return True (stop retrying) when the refusal is final (``FAILED``, not
    retryable) or after ``SETTLEMENT_MAX_ATTEMPTS`` tries: the settlement becomes an
    open ``ReconciliationItem`` (booked in the ledger, missing at the provider).
    Finance resolves it by retrying (``resolve_reconciliation_item``).
    """
    final = result.outcome == Outcome.FAILED and not result.retryable
    if not final and attempts < SETTLEMENT_MAX_ATTEMPTS:
        return False
    ReconciliationItem.objects.get_or_create(
        kind=Item.MISSING_AT_PROVIDER,
        transaction_type=STUCK_SETTLEMENT,
        source_id=provider_key,
        defaults={
            "day": timezone.localdate(),
            "reference": str(settlement.vendor_order_id),
            "currency": settlement.currency,
            "provider_amount": 0,
            "ledger_amount": settlement.transfer_amount,
            "provider_transaction_id": (
                f"{result.outcome}:{result.failure_code}"[:100] if final else ""
            ),
        },
    )
    return True


def _retry_stuck_settlement(item: ReconciliationItem) -> None:
    """Send the flagged transfer again: a refused key gets a new one (the provider
    keeps its refusal under the old key); an unknown one is retried as it was, so
    a transfer the provider did make is not made twice."""
    settlement = VendorOrderSettlement.objects.get(vendor_order_id=int(item.reference))
    refused = item.provider_transaction_id.startswith(f"{Outcome.FAILED}:")
    enqueue_outbox(
        topic=SETTLE_TOPIC,
        key=f"settle:{settlement.vendor_order_id}:retry:{item.pk}",
        payload={
            "settlement_id": settlement.pk,
            "provider_key": f"{item.source_id}-r{item.pk}"[:64]
            if refused
            else item.source_id,
        },
    )


@transaction.atomic
def resolve_reconciliation_item(
    *, item_id: int, operator, reason: str
) -> ReconciliationItem:
    """Finance resolves a difference: a correcting entry moves the platform's cash
    at the provider by ``provider − ledger`` against the outside world, with the
    reason recorded. A difference of 0 left (fixed meanwhile) books nothing. A
    stuck settlement transfer is sent to the provider again instead (its booking
    is right; the transfer is what is missing)."""
    require_operator(operator, User.OperatorRole.FINANCE)
    reason = clean_reason(reason, required=True)
    item = ReconciliationItem.objects.select_for_update().get(pk=item_id)
    if item.status == ReconciliationItem.Status.RESOLVED:
        raise Conflict("This difference is already resolved.", code="resolved")
    delta = item.provider_amount - item.ledger_amount
    if item.transaction_type == STUCK_SETTLEMENT:
        _retry_stuck_settlement(item)
        delta = 0
    if item.transaction_type in OUTGOING:
        delta = -delta
    if delta:
        accounts = [
            get_or_create_account(
                owner_type="platform", owner_id="platform", kind=kind, currency=cur
            )
            for kind, cur in (
                (Kind.PROVIDER_CASH, item.currency),
                (Kind.EXTERNAL, item.currency),
            )
        ]
        item.resolution_entry = record_entry(
            idempotency_key=f"reconciliation:{item.pk}",
            kind="reconciliation_adjustment",
            postings=[(accounts[0], delta), (accounts[1], -delta)],
            metadata={"item": item.pk, "reason": reason[:500]},
        )
    item.status = ReconciliationItem.Status.RESOLVED
    item.resolved_by = operator
    item.resolution_note = reason
    item.resolved_at = timezone.now()
    item.save()
    return item
