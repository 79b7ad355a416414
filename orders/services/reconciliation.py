"""The daily reconciliation: the provider's transactions against the ledger.

For one business day, every platform transaction from the port's
``list_transactions`` must match what the ledger booked for it, and every capture,
refund, settlement, settlement reversal and payout the marketplace recorded as
done at the provider that day must be in the provider's transactions (a
``MISSING_AT_PROVIDER`` item each; ``reconciliation_expected`` says where each is
looked for):

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
from orders.services.reconciliation_expected import missing_at_provider
from orders.services.settlement import SETTLE_TOPIC
from vendors.models import DepositPayment
from vendors.services.checks import clean_reason, require_operator

Kind = Account.Kind
Item = ReconciliationItem.Kind
FEE_MISMATCH = "fee"  # an amount mismatch of the provider's fee on a payment
# transaction types whose amounts leave the platform's cash (refunds, transfers)
OUTGOING = ("refund", "settlement", "fee", "payout")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the business day's ``[start, end)`` in the current time zone."""
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


def _first_by(queryset, field: str, values: set[str]) -> dict:
    """Return ``{value: first row}`` of ``queryset`` whose ``field`` is a value."""
    found: dict = {}
    for row in queryset.filter(**{f"{field}__in": values}):
        found.setdefault(getattr(row, field), row)
    return found


class _Books:
    """What the ledger holds for a day's provider transactions, read in a fixed
    number of queries however many transactions there are (a deposit capture,
    rare, still costs its own)."""

    def __init__(self, transactions):
        ids: dict[str, set[str]] = {}
        for txn in transactions:
            ids.setdefault(str(txn.type), set()).add(txn.source_id)
        payments = ids.get(TransactionType.PAYMENT, set())
        settled = ids.get(TransactionType.SETTLEMENT, set()) | ids.get(
            TransactionType.SETTLEMENT_REVERSAL, set()
        )
        deposits = DepositPayment.objects.all()
        self.deposit_paid = _first_by(deposits, "payment_reference", payments)
        self.deposit_held = _first_by(
            deposits, "hold_reference", ids.get(TransactionType.DEPOSIT_HOLD, set())
        )
        self.deposit_released = _first_by(deposits, "release_settlement_id", settled)
        self.refunds = _first_by(
            Refund.objects.all(),
            "provider_reference",
            ids.get(TransactionType.REFUND, set()),
        )
        self.settlements = _first_by(
            VendorOrderSettlement.objects.all(), "provider_settlement_id", settled
        )
        keys = {
            f"payment:{pid}:{end}" for pid in payments for end in ("captured", "fee")
        }
        keys |= {
            f"deposit:{d.pk}:{end}"
            for d in [*self.deposit_paid.values(), *self.deposit_held.values()]
            for end in ("paid", "fee")
        }
        keys |= {f"refund:{r.pk}:succeeded" for r in self.refunds.values()}
        self.posted = set(
            JournalEntry.objects.filter(
                idempotency_key__in=keys, status="posted"
            ).values_list("idempotency_key", flat=True)
        )
        self.sums = {
            (key, kind): total
            for key, kind, total in Posting.objects.filter(
                entry__idempotency_key__in=self.posted
            )
            .values_list("entry__idempotency_key", "account__kind")
            .annotate(total=Sum("amount"))
            .order_by()
        }

    def amount(self, key: str, account_kind: str) -> int | None:
        """``_entry_amount`` from what was read."""
        if key not in self.posted:
            return None
        return self.sums.get((key, account_kind), 0)


def _payment_differences(txn, books: _Books) -> list[tuple[str, int, int]]:
    deposit = books.deposit_paid.get(txn.source_id)
    key = (
        f"deposit:{deposit.pk}:paid" if deposit else f"payment:{txn.source_id}:captured"
    )
    kind = Kind.VENDOR_DEPOSIT if deposit else Kind.ORDER_ESCROW
    booked = books.amount(key, kind)
    found = []
    if booked is None:
        found.append((Item.MISSING_IN_LEDGER, txn.amount, 0))
    elif -booked != txn.amount:
        found.append((Item.AMOUNT_MISMATCH, txn.amount, -booked))
    if txn.fee:
        fee_key = (
            f"deposit:{deposit.pk}:fee" if deposit else f"payment:{txn.source_id}:fee"
        )
        fee = books.amount(fee_key, Kind.PLATFORM_FEE_EXPENSE) or 0
        if fee != txn.fee:
            found.append((FEE_MISMATCH, txn.fee, fee))
    return found


def _deposit_hold_differences(txn, books: _Books) -> list[tuple[str, int, int]]:
    """A deposit frozen in the vendor's account left the platform's balance (hold:
    ``deposit:{id}:paid`` debits DF), or part of it came back (capture: the use
    entry naming the capture debits the platform's cash)."""
    if txn.type == TransactionType.DEPOSIT_HOLD:
        deposit = books.deposit_held.get(txn.source_id)
        key = f"deposit:{deposit.pk}:paid" if deposit else ""
        booked = books.amount(key, Kind.VENDOR_DEPOSIT_FROZEN) if deposit else None
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


def _differences(txn, books: _Books) -> list[tuple[str, int, int]]:
    """Return ``(kind, provider amount, ledger amount)`` for each difference."""
    if txn.type == TransactionType.PAYMENT:
        return _payment_differences(txn, books)
    if txn.type == TransactionType.REFUND:
        refund = books.refunds.get(txn.source_id)
        booked = (
            books.amount(f"refund:{refund.pk}:succeeded", Kind.ORDER_ESCROW)
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
        return _deposit_hold_differences(txn, books)
    if txn.type in (TransactionType.SETTLEMENT, TransactionType.SETTLEMENT_REVERSAL):
        row = books.settlements.get(txn.source_id)
        if row is None:
            deposit = books.deposit_released.get(txn.source_id)
            if deposit is None:
                return [(Item.MISSING_IN_LEDGER, -txn.amount, 0)]
            expected = deposit.released_amount
        else:
            expected = row.transfer_amount
        if txn.type == TransactionType.SETTLEMENT and expected != -txn.amount:
            return [(Item.AMOUNT_MISMATCH, -txn.amount, expected)]
        return []
    return []


def _missing_captures(day, since, until, seen: set[str]) -> list[ReconciliationItem]:
    """Return an item per capture booked in the day that the provider lacks (two
    queries, however many)."""
    keys = [
        key
        for key in JournalEntry.objects.filter(
            kind="payment_captured", created_at__gte=since, created_at__lt=until
        ).values_list("idempotency_key", flat=True)
        if key.removeprefix("payment:").removesuffix(":captured") not in seen
    ]
    booked = (
        Posting.objects.filter(
            entry__idempotency_key__in=keys, account__kind=Kind.ORDER_ESCROW
        )
        .values_list("entry__idempotency_key", "account__currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [
        ReconciliationItem(
            day=day,
            kind=Item.MISSING_AT_PROVIDER,
            transaction_type="payment",
            source_id=key.removeprefix("payment:").removesuffix(":captured"),
            currency=currency,
            provider_amount=0,
            ledger_amount=-total,
        )
        for key, currency, total in booked
    ]


def reconcile_day(*, day: date) -> int:
    """Compare the provider's platform transactions of ``day`` (business time zone)
    with the ledger; record each difference once. Return how many are new.

    Call outside a transaction: ``list_transactions`` is a network call.
    """
    since, until = day_bounds(day)
    provider = get_provider()
    transactions = provider.list_transactions(since=since, until=until)
    items = []
    seen_payments = set()
    books = _Books(transactions)
    for txn in transactions:
        if txn.type == TransactionType.PAYMENT:
            seen_payments.add(txn.source_id)
        for kind, provider_amount, ledger_amount in _differences(txn, books):
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
    items += _missing_captures(day, since, until, seen_payments)
    for expected in missing_at_provider(
        provider=provider, since=since, until=until, platform=transactions
    ):
        items.append(
            ReconciliationItem(
                day=day,
                kind=Item.MISSING_AT_PROVIDER,
                transaction_type=str(expected.type),
                source_id=expected.source_id,
                reference=expected.reference,
                currency=expected.currency,
                provider_amount=0,
                ledger_amount=expected.amount,
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
