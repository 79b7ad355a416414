"""Settlement at the end of the holding period, set-based, and its delivery.

``settle_batch`` settles up to N due vendor orders in one transaction with a fixed
number of statements, whatever N: claim the rows (``UPDATE ... RETURNING`` over a
``FOR UPDATE SKIP LOCKED`` selection), read and lock the vendors' accounts at once,
book one entry per vendor order (``ledger.record_entries_bulk``), store the
transfer amounts, and insert one outbox row per vendor order. The outbox handler
``deliver_settlement`` then transfers the vendor's part through the provider port
with the key ``settle-{vendor order id}`` and records the provider's settlement id.

Postings per vendor order (key ``vendor-order:{id}:settled``): Dr vendor payable v;
Cr vendor receivable n (what the vendor owed, netted first); Cr vendor available
v − n. The provider transfers v − n to the vendor and the platform keeps its own
part plus n (the transfer's commission). In the frozen shape the same entry also
moves v + p out of the vendor's frozen funds: p + n to the platform's cash, v − n
unfrozen to the vendor (``books.frozen_settlement_moves``), and the provider's
settle call shares p + n and unfreezes v − n.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction

from marketplace.common.crashpoints import crash_point
from marketplace.common.models import OutboxMessage
from marketplace.ledger.models import Account
from marketplace.ledger.services import (
    EntrySpec,
    get_or_create_accounts,
    record_entries_bulk,
)
from marketplace.payments.port import Outcome, PaymentProviderError, SettlementRequest
from marketplace.payments.providers import get_provider
from orders.models import Refund, VendorOrderSettlement
from orders.services.books import PLATFORM, frozen_settlement_moves, funds_frozen
from orders.services.settlement import (
    REVERSAL_TOPIC,  # noqa: F401 (grep: its handler is below)
    SETTLE_TOPIC,
    SETTLED_KIND,
    book_reversal_refused,
    claim_due,
    set_transfers,
)

Kind = Account.Kind
DELIVER_MANY_TASK = "marketplace.outbox.deliver_outbox_messages_task"
TASK_CHUNK = 200
VENDOR_KINDS = (Kind.VENDOR_PAYABLE, Kind.VENDOR_AVAILABLE, Kind.VENDOR_RECEIVABLE)
FROZEN_KINDS = (Kind.VENDOR_FROZEN, Kind.VENDOR_UNFROZEN)


@transaction.atomic
def settle_batch(*, now: datetime, limit: int) -> int:
    """Settle up to ``limit`` due vendor orders; return how many were claimed."""
    rows = claim_due(now=now, limit=limit)
    if not rows:
        return 0
    vendors = {(vendor_id, currency) for _, _, vendor_id, currency, *_ in rows}
    frozen = funds_frozen()
    kinds = VENDOR_KINDS + FROZEN_KINDS if frozen else VENDOR_KINDS
    keys = [
        ("vendor", vendor_id, kind, currency)
        for vendor_id, currency in vendors
        for kind in kinds
    ]
    if frozen:
        keys += [(*PLATFORM, Kind.PROVIDER_CASH, c) for c in {c for _, c in vendors}]
    accounts = get_or_create_accounts(keys)
    owed = _lock_and_read_receivables(accounts)
    specs, transfers, messages = [], [], []
    by_vendor = defaultdict(list)
    for row in sorted(rows, key=lambda r: r[0]):
        by_vendor[(row[2], row[3])].append(row)
    for (vendor_id, currency), settled in sorted(by_vendor.items()):

        def account(kind, vendor_id=vendor_id, currency=currency) -> Account:
            return accounts[("vendor", str(vendor_id), kind, currency)]

        left = owed.get(account(Kind.VENDOR_RECEIVABLE).pk, 0)
        for pk, vendor_order_id, _v, _c, amount, platform, order_id in settled:
            netted = min(left, amount)
            left -= netted
            transfers.append((pk, netted, amount - netted, platform + netted))
            moves = []
            if amount:
                moves = [
                    (account(Kind.VENDOR_PAYABLE), amount),
                    (account(Kind.VENDOR_RECEIVABLE), -netted),
                    (account(Kind.VENDOR_AVAILABLE), -(amount - netted)),
                ]
            if frozen and amount + platform:
                moves += frozen_settlement_moves(
                    frozen=account(Kind.VENDOR_FROZEN),
                    unfrozen=account(Kind.VENDOR_UNFROZEN),
                    cash=accounts[(*PLATFORM, Kind.PROVIDER_CASH, currency)],
                    vendor=amount,
                    platform=platform,
                    netted=netted,
                )
            if amount or (frozen and platform):
                specs.append(
                    EntrySpec(
                        idempotency_key=f"vendor-order:{vendor_order_id}:settled",
                        kind=SETTLED_KIND,
                        postings=[m for m in moves if m[1]],
                        reference=("order", order_id),
                        metadata={"vendor_order": vendor_order_id, "netted": netted},
                    )
                )
            if amount + platform:
                messages.append(
                    OutboxMessage(
                        topic=SETTLE_TOPIC,
                        key=f"settle:{vendor_order_id}",
                        payload={"settlement_id": pk},
                        created_at=now,
                        available_at=now,
                    )
                )
    record_entries_bulk(specs)
    set_transfers(transfers)
    created = OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    _deliver_after_commit([m.key for m in created])
    return len(rows)


def _lock_and_read_receivables(accounts: dict) -> dict[int, int]:
    """Lock the batch's vendor accounts in id order (the ledger's order) and return
    each receivable's available balance by account id."""
    ids = sorted(a.pk for a in accounts.values())
    locked = (
        Account.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", "kind", "debits_posted", "credits_posted", "credits_pending")
    )
    return {
        pk: debits - credits - pending
        for pk, kind, debits, credits, pending in locked
        if kind == Kind.VENDOR_RECEIVABLE
    }


def _deliver_after_commit(keys: list[str]) -> None:
    def send():
        from celery import current_app

        ids = list(
            OutboxMessage.objects.filter(key__in=keys).values_list("pk", flat=True)
        )
        for start in range(0, len(ids), TASK_CHUNK):
            current_app.send_task(
                DELIVER_MANY_TASK, args=[ids[start : start + TASK_CHUNK]]
            )

    if keys:
        transaction.on_commit(send)


# --- Outbox handlers --------------------------------------------------------------
class SettlementNotDone(Exception):
    """The provider's answer is unknown or retryable: retry with the same key."""


def deliver_settlement(message) -> str:
    """Outbox handler of ``order.settlement_due``: transfer through the provider.

    Repeats are safe: a settlement with a provider id is done, and the provider
    answers a repeated key with the first transfer. A transfer the provider refuses
    for good, or still not done after a bounded number of tries, goes to the back
    office as a reconciliation item (``flag_stuck_settlement``) instead of retrying.
    """
    from orders.services.payees import PAYEE_NOT_READY, payee_can_be_paid
    from orders.services.payment import payee_refs
    from orders.services.reconciliation import flag_stuck_settlement

    settlement = VendorOrderSettlement.objects.select_related("order", "vendor").get(
        pk=message.payload["settlement_id"]
    )
    if settlement.provider_settlement_id:
        return settlement.provider_settlement_id
    provider = get_provider()
    if not payee_can_be_paid(vendor=settlement.vendor, provider=provider):
        raise SettlementNotDone(PAYEE_NOT_READY)  # waits; resumed by account.updated
    ref = payee_refs(vendors=[settlement.vendor], provider=provider)[
        settlement.vendor_id
    ]
    provider_key = message.payload.get(
        "provider_key", f"settle-{settlement.vendor_order_id}"
    )
    result = provider.settle(
        SettlementRequest(
            payment_id=settlement.order.payment_reference,
            payee_ref=ref,
            amount=settlement.transfer_amount,
            commission=settlement.transfer_commission,
            currency=settlement.currency,
        ),
        idempotency_key=provider_key,
    )
    crash_point("settlement.after_provider_call")
    if result.outcome != Outcome.SUCCEEDED:
        if result.failure_code == PAYEE_NOT_READY:  # not onboarded yet: wait
            raise SettlementNotDone(PAYEE_NOT_READY)
        if flag_stuck_settlement(
            settlement=settlement,
            result=result,
            provider_key=provider_key,
            attempts=message.attempts + 1,
        ):
            return "flagged"
        raise SettlementNotDone(result.failure_code or str(result.outcome))
    VendorOrderSettlement.objects.filter(pk=settlement.pk).update(
        provider_settlement_id=result.settlement_id
    )
    return result.settlement_id


def _refund_status(payload: dict) -> str | None:
    """Return the status of the refund a reversal pays for (its key names it)."""
    kind, _, rest = payload.get("key", "").partition(":")
    refund_id = rest.partition(":")[0]
    if kind != "refund" or not refund_id.isdigit():
        return None
    return (
        Refund.objects.filter(pk=int(refund_id))
        .values_list("status", flat=True)
        .first()
    )


def deliver_settlement_reversal(message) -> str:
    """Outbox handler of ``order.settlement_reversal``: pull part of a settlement
    back from the vendor for a refund after settlement.

    Waits (retries) until the refund it pays for has succeeded, so a refund the
    provider then refuses for good never leaves the vendor short at the provider
    (the ledger gives the part back with the failed refund; nothing was pulled);
    and until the settlement's transfer is done. When the provider
    refuses for good (the vendor has already been paid out), the amount becomes the
    vendor's receivable instead (``book_reversal_refused``).
    """
    payload = message.payload
    refund_status = _refund_status(payload)
    if refund_status == Refund.Status.PENDING:
        raise SettlementNotDone("the refund is not done yet")
    if refund_status == Refund.Status.FAILED:
        return "refund_failed"
    settlement = VendorOrderSettlement.objects.get(pk=payload["settlement_id"])
    if not settlement.provider_settlement_id:
        if settlement.transfer_amount == 0:
            book_reversal_refused(
                settlement_id=settlement.pk,
                amount=payload["amount"],
                key=payload["key"],
            )
            return "refused"
        raise SettlementNotDone("the settlement is not transferred yet")
    try:
        result = get_provider().reverse_settlement(
            settlement.provider_settlement_id,
            amount=payload["amount"],
            idempotency_key=payload["provider_key"],
        )
    except PaymentProviderError as error:
        raise SettlementNotDone(str(error)) from error
    if result.outcome == Outcome.SUCCEEDED:
        return "reversed"
    if result.outcome == Outcome.FAILED and not result.retryable:
        book_reversal_refused(
            settlement_id=settlement.pk, amount=payload["amount"], key=payload["key"]
        )
        return "refused"
    raise SettlementNotDone(result.failure_code or str(result.outcome))
