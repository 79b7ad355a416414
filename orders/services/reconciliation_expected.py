"""What the marketplace recorded as done at the provider in a day, for the
reconciliation to look for in the provider's transactions (the ledger-to-provider
direction of ``reconciliation.reconcile_day``).

=====================  ====================================  ========================
done at the provider   recorded in the day by                ``type``, ``source_id``
=====================  ====================================  ========================
refund                 its ``refund:{id}:succeeded`` entry   refund, the provider's
                                                             refund id
settlement             its outbox row delivered, with the    settlement, its id
                       provider's id (none: nothing moved)
settlement reversal    its outbox row delivered, neither     settlement_reversal, the
(transfers shape)      refused nor for a failed refund       settlement's id
commission returned    a refund that succeeded after its     the same
(frozen shape)         settlement's commission came back
payout                 its ``withdrawal:{id}:paid-out``      payout, its id
                       entry
=====================  ====================================  ========================

Each is looked for in the platform's listing first. In the frozen shape a movement
may be listed on the payee's side only (a provider may show a settlement's
commission sharing on the payee's bill before it lists the unfreezing), so what the
platform's listing lacks is then looked for in the listings of the payees
concerned. Payouts are always on the payee's listing, and are looked for only when
the provider lists them (``Capabilities.lists_payouts``). Either way a payee's
listing is fetched at most once per run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from marketplace.common.models import OutboxMessage
from marketplace.ledger.models import JournalEntry
from marketplace.payments.port import FundsFlow, TransactionType
from orders.models import Refund, VendorOrder, VendorOrderSettlement, VendorPayee
from orders.services.frozen_refunds import split_return
from orders.services.settlement import REVERSAL_TOPIC, SETTLE_TOPIC
from vendors.models import Withdrawal

T = TransactionType


@dataclass(frozen=True)
class Expected:
    """One provider object the ledger says moved money in the day; ``count``
    movements of ``type`` naming ``source_id`` (several reversals of one settlement
    share its id)."""

    type: str
    source_id: str
    currency: str
    amount: int
    vendor_ids: tuple[int, ...]
    reference: str = ""
    count: int = 1


def _ids_of(kind: str, since, until, prefix: str, suffix: str) -> list[int]:
    """Return the object ids in the keys of the day's posted entries of ``kind``."""
    keys = JournalEntry.objects.filter(
        kind=kind, status="posted", created_at__gte=since, created_at__lt=until
    ).values_list("idempotency_key", flat=True)
    middles = (k.removeprefix(prefix).removesuffix(suffix) for k in keys)
    return [int(m) for m in middles if m.isdigit()]


def _refunds(since, until) -> tuple[list[Expected], list[int]]:
    """Return the day's refunds, and the ids of those done."""
    rows = list(
        Refund.objects.filter(
            pk__in=_ids_of("refund", since, until, "refund:", ":succeeded"),
            status=Refund.Status.SUCCEEDED,
        )
        .exclude(provider_reference="")
        .values_list(
            "pk", "provider_reference", "amount", "currency", "order_id", "vendor_order"
        )
    )
    whole = {order_id for *_, order_id, vendor_order in rows if vendor_order is None}
    vendors: dict[int, list[int]] = {}
    for order_id, vendor_id in VendorOrder.objects.filter(
        order_id__in=whole
    ).values_list("order_id", "vendor_id"):
        vendors.setdefault(order_id, []).append(vendor_id)
    by_vendor_order = dict(
        VendorOrder.objects.filter(
            pk__in={vo for *_, vo in rows if vo is not None}
        ).values_list("pk", "vendor_id")
    )
    found = [
        Expected(
            type=T.REFUND,
            source_id=ref,
            currency=currency,
            amount=amount,
            vendor_ids=(by_vendor_order[vo],) if vo else tuple(vendors.get(order, ())),
            reference=f"refund:{pk}",
        )
        for pk, ref, amount, currency, order, vo in rows
    ]
    return found, [row[0] for row in rows]


def _settlements(since, until) -> list[Expected]:
    """Return the settlements whose transfer was made in the day: their outbox row
    was delivered then, and the provider named the settlement (a settlement that
    moves nothing at the provider has no id)."""
    delivered = OutboxMessage.objects.filter(
        topic=SETTLE_TOPIC, delivered_at__gte=since, delivered_at__lt=until
    ).values_list("payload__settlement_id", flat=True)
    rows = (
        VendorOrderSettlement.objects.filter(pk__in=list(delivered))
        .exclude(provider_settlement_id="")
        .values_list(
            "provider_settlement_id",
            "transfer_amount",
            "currency",
            "vendor_id",
            "vendor_order_id",
        )
    )
    return [
        Expected(
            type=T.SETTLEMENT,
            source_id=ref,
            currency=currency,
            amount=amount,
            vendor_ids=(vendor_id,),
            reference=f"vendor_order:{vendor_order_id}",
        )
        for ref, amount, currency, vendor_id, vendor_order_id in rows
    ]


def _reversals(since, until) -> list[tuple[int, int]]:
    """Return ``(settlement id, amount)`` of the transfers shape's reversals made
    in the day (``settlement_batch.deliver_settlement_reversal`` said reversed)."""
    payloads = list(
        OutboxMessage.objects.filter(
            topic=REVERSAL_TOPIC, delivered_at__gte=since, delivered_at__lt=until
        ).values_list("payload", flat=True)
    )
    refused = set(
        JournalEntry.objects.filter(
            idempotency_key__in=[f"{p.get('key')}:reversal-refused" for p in payloads]
        ).values_list("idempotency_key", flat=True)
    )
    refund_of = {}
    for p in payloads:
        kind, _, rest = p.get("key", "").partition(":")
        refund_id = rest.partition(":")[0]
        if kind == "refund" and refund_id.isdigit():
            refund_of[p["key"]] = int(refund_id)
    failed = set(
        Refund.objects.filter(
            pk__in=refund_of.values(), status=Refund.Status.FAILED
        ).values_list("pk", flat=True)
    )
    return [
        (p["settlement_id"], p["amount"])
        for p in payloads
        if f"{p.get('key')}:reversal-refused" not in refused
        and refund_of.get(p.get("key")) not in failed
    ]


def _returns(refund_ids: list[int]) -> list[tuple[int, int]]:
    """Return ``(settlement id, amount)`` of the frozen shape's commission returned
    for the refunds done in the day (``frozen_refunds.return_settled_part``).

    Costs a few queries per refund that needed a return (rare), none otherwise.
    """
    keys = {f"refund:{pk}:clawback": pk for pk in refund_ids}
    clawbacks = {
        keys[entry.idempotency_key]: entry
        for entry in JournalEntry.objects.filter(
            idempotency_key__in=keys, metadata__provider_return__gt=0
        )
    }
    if not clawbacks:
        return []
    refunds = Refund.objects.filter(pk__in=clawbacks).order_by("pk")
    settlement_of = dict(
        VendorOrderSettlement.objects.filter(
            vendor_order_id__in=[r.vendor_order_id for r in refunds]
        ).values_list("vendor_order_id", "pk")
    )
    found = []
    for refund in refunds:
        returned = split_return(refund, clawbacks[refund.pk])[0]
        if returned:
            found.append((settlement_of[refund.vendor_order_id], returned))
    return found


def _reversal_items(moves: list[tuple[int, int]]) -> list[Expected]:
    """Group the day's reversals by settlement: one ``Expected`` per settlement."""
    if not moves:
        return []
    settlements = {
        pk: (ref, currency, vendor_id)
        for pk, ref, currency, vendor_id in VendorOrderSettlement.objects.filter(
            pk__in={pk for pk, _ in moves}
        ).values_list("pk", "provider_settlement_id", "currency", "vendor_id")
    }
    counts, amounts = Counter(), Counter()
    for pk, amount in moves:
        counts[pk] += 1
        amounts[pk] += amount
    return [
        Expected(
            type=T.SETTLEMENT_REVERSAL,
            source_id=settlements[pk][0],
            currency=settlements[pk][1],
            amount=amounts[pk],
            vendor_ids=(settlements[pk][2],),
            reference=f"settlement:{pk}",
            count=counts[pk],
        )
        for pk in sorted(counts)
        if settlements.get(pk, ("",))[0]
    ]


def _payouts(since, until) -> list[Expected]:
    rows = (
        Withdrawal.objects.filter(
            pk__in=_ids_of("payout_paid", since, until, "withdrawal:", ":paid-out")
        )
        .exclude(provider_payout_id="")
        .values_list("pk", "provider_payout_id", "amount", "fee", "currency", "vendor")
    )
    return [
        Expected(
            type=T.PAYOUT,
            source_id=ref,
            currency=currency,
            amount=amount - fee,
            vendor_ids=(vendor_id,),
            reference=f"withdrawal:{pk}",
        )
        for pk, ref, amount, fee, currency, vendor_id in rows
    ]


def expected_at_provider(
    *, provider, since: datetime, until: datetime
) -> list[Expected]:
    """Return what the marketplace recorded as done at ``provider`` in
    ``[since, until)``, in a bounded number of queries."""
    frozen = provider.capabilities.funds_flow == FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT
    refunds, refund_ids = _refunds(since, until)
    moves = _returns(refund_ids) if frozen else _reversals(since, until)
    found = refunds + _settlements(since, until) + _reversal_items(moves)
    if provider.capabilities.lists_payouts:
        found += _payouts(since, until)
    return found


def _payee_listing(provider, payee_ref: str | None, since, until) -> Counter:
    if payee_ref is None:
        return Counter()
    return Counter(
        (str(t.type), t.source_id)
        for t in provider.list_transactions(
            since=since, until=until, payee_ref=payee_ref
        )
    )


def missing_at_provider(
    *, provider, since: datetime, until: datetime, platform: list
) -> list[Expected]:
    """Return what the marketplace recorded as done in the day but neither the
    platform's transactions (``platform``) nor its payees' show."""
    frozen = provider.capabilities.funds_flow == FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT
    seen = Counter((str(t.type), t.source_id) for t in platform)
    unmatched = []
    for item in expected_at_provider(provider=provider, since=since, until=until):
        if seen[(str(item.type), item.source_id)] < item.count:
            unmatched.append(item)
    on_payee = {
        item
        for item in unmatched
        if item.type == T.PAYOUT or (frozen and item.type != T.SETTLEMENT_REVERSAL)
    }
    vendor_ids = {vendor_id for item in on_payee for vendor_id in item.vendor_ids}
    refs = dict(
        VendorPayee.objects.filter(
            vendor_id__in=vendor_ids, provider=provider.name
        ).values_list("vendor_id", "account_ref")
    )
    listed: dict[int, Counter] = {}
    missing = []
    for item in unmatched:
        if item in on_payee:
            for vendor_id in item.vendor_ids:
                if vendor_id not in listed:
                    listed[vendor_id] = _payee_listing(
                        provider, refs.get(vendor_id), since, until
                    )
            key = (str(item.type), item.source_id)
            if any(listed[v][key] for v in item.vendor_ids):
                continue
        missing.append(item)
    return missing
