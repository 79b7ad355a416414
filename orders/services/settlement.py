"""A vendor order's money after completion: shares, holding period, settlement.

One service per money event; each books one journal entry under a key named for
the event, so a replay books nothing twice. ``E`` is the order's escrow, ``P`` the
vendor's payable, ``A`` its available balance, ``R`` its receivable, ``REV`` the
platform's revenue. Dr = debit, Cr = credit; ``v``/``p`` are the vendor's and the
platform's part (``net_shares``).

=========================  ==========================  ===========================
event (service)            postings                    key
=========================  ==========================  ===========================
vendor order completed     Dr E v+p; Cr P v; Cr REV p  vendor-order:{id}:completed
(``book_completion``)
refund of a completed      Dr P dv (holding), or Dr A  refund:{id}:clawback
vendor order               up to its balance and Dr R
(``rebook_vendor_order``)  the rest (settled);
                           Dr REV dp; Cr E dv+dp
refund failed after        the same, signs reversed    refund:{id}:restored
completion                 (Cr R first, then A)
holding period over        Dr P v; Cr R n (netted);    vendor-order:{id}:settled
(``settle_due_vendor_      Cr A v-n
orders``)
settlement reversal        Dr R a; Cr A a              {key}:reversal-refused
refused by the provider
=========================  ==========================  ===========================

In the frozen shape (``FUNDS_FROZEN_IN_PAYEE_ACCOUNT``, ``books.funds_frozen``) the
same entries carry the moves of the money at the provider too: the settled entry
moves ``v+p`` out of the vendor's frozen funds (``books.frozen_settlement_moves``),
and a refund after settlement first returns its part to them
(``books.frozen_return_moves``); the return the provider must make
(``provider_return`` in the entry's metadata) is done by ``refunds.execute_refund``
right before the refund, instead of a settlement reversal through the outbox.

The vendor's part ``v`` is the supply price × quantity (supply-price model) or the
line total less the commission rounded half up (commission model), as the lines
recorded it (``OrderLine.vendor_share``), plus the shipping fee; the platform's part
``p`` is the rest of the vendor order's total. Refunds lower both in proportion
(``money.allocate`` over the cumulative refunded amount, so the parts always add up).
The provider's processing fee is a platform expense (``books``) and never touches
these parts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from marketplace.common.money import allocate
from marketplace.ledger.models import Account, Posting
from marketplace.ledger.selectors import get_balance
from marketplace.ledger.services import (
    get_or_create_account,
    record_entry,
)
from marketplace.rules.selectors import get_rules
from orders.models import VendorOrder, VendorOrderSettlement
from orders.services.books import (
    PLATFORM,
    frozen_accounts,
    frozen_return_moves,
    funds_frozen,
)

Kind = Account.Kind
SETTLE_TOPIC = "order.settlement_due"
REVERSAL_TOPIC = "order.settlement_reversal"
COMPLETED_KIND = "vendor_order_completed"
REBOOKED_KIND = "vendor_order_rebooked"
SETTLED_KIND = "vendor_order_settled"
REFUSED_KIND = "settlement_reversal_refused"
# The entry kinds that move an order's escrow besides capture and refund.
ESCROW_KINDS = (COMPLETED_KIND, REBOOKED_KIND)


def shares(vendor_order: VendorOrder) -> tuple[int, int]:
    """Return the vendor's and the platform's part of a vendor order before refunds.

    The vendor gets its lines' shares plus the shipping fee; the platform the rest.
    """
    vendor = min(
        vendor_order.vendor_share_total + vendor_order.shipping_fee, vendor_order.total
    )
    return vendor, vendor_order.total - vendor


def net_shares(vendor_order: VendorOrder, refunded: int) -> tuple[int, int]:
    """Return the parts left after ``refunded``, split in the parts' proportions."""
    vendor, platform = shares(vendor_order)
    if not refunded:
        return vendor, platform
    refund_vendor, refund_platform = allocate(refunded, [vendor, platform])
    return vendor - refund_vendor, platform - refund_platform


def holding_days(vendor) -> int:
    """Return the vendor's holding days: its override, else the platform's rule."""
    if vendor.holding_days_override is not None:
        return vendor.holding_days_override
    return get_rules().holding_days


def _vendor_account(vendor_id: int, kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type="vendor", owner_id=vendor_id, kind=kind, currency=currency
    )


def _platform(kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type=PLATFORM[0], owner_id=PLATFORM[1], kind=kind, currency=currency
    )


def _escrow(order_id: int, currency: str) -> Account:
    return get_or_create_account(
        owner_type="order", owner_id=order_id, kind=Kind.ORDER_ESCROW, currency=currency
    )


def book_completion(
    *, vendor_order: VendorOrder, now: datetime | None = None
) -> VendorOrderSettlement:
    """Move a completed vendor order's part of escrow to its payable and revenue.

    Call in the completion transaction, with the order and vendor order LOCKED and
    ``completed_at`` set. Refunds still pending stay in escrow for their refund
    entry. Postings: Dr escrow v+p; Cr vendor payable v; Cr platform revenue p.
    Writes the settlement row that holds ``available_at`` (completion + holding
    days). Calling it again returns the row and books nothing.
    """
    existing = VendorOrderSettlement.objects.filter(vendor_order=vendor_order).first()
    if existing is not None:
        return existing
    currency = vendor_order.currency
    vendor_part, platform_part = net_shares(vendor_order, vendor_order.refunded_total)
    postings = [
        (_vendor_account(vendor_order.vendor_id, Kind.VENDOR_PAYABLE, currency), -v)
        for v in [vendor_part]
        if v
    ]
    if platform_part:
        postings.append((_platform(Kind.PLATFORM_REVENUE, currency), -platform_part))
    if vendor_part + platform_part:
        postings.append(
            (_escrow(vendor_order.order_id, currency), vendor_part + platform_part)
        )
        record_entry(
            idempotency_key=f"vendor-order:{vendor_order.pk}:completed",
            kind=COMPLETED_KIND,
            postings=postings,
            reference=("order", vendor_order.order_id),
            metadata={
                "vendor_order": vendor_order.pk,
                "vendor": vendor_order.vendor_id,
                # what the vendor's statement shows: vendor part = sales +
                # shipping - platform part - refunded before completion
                "sales": vendor_order.items_total - vendor_order.discount_total,
                "shipping": vendor_order.shipping_fee,
                "platform": platform_part,
                "refunded": vendor_order.refunded_total,
            },
        )
    completed_at = vendor_order.completed_at or now or timezone.now()
    return VendorOrderSettlement.objects.create(
        vendor_order=vendor_order,
        order_id=vendor_order.order_id,
        vendor_id=vendor_order.vendor_id,
        currency=currency,
        vendor_amount=vendor_part,
        platform_amount=platform_part,
        completed_at=completed_at,
        available_at=completed_at + timedelta(days=holding_days(vendor_order.vendor)),
    )


def rebook_vendor_order(*, vendor_order: VendorOrder, key: str, refund_id: int) -> None:
    """Bring a completed vendor order's booked parts in line with its refunds.

    Call with the order and vendor order LOCKED and ``refunded_total`` current: after
    a refund of a completed vendor order is created (its part goes back to escrow,
    for the refund entry to take out) or after one failed (it comes back out). Does
    nothing for a vendor order not completed. Before settlement the vendor's part
    comes from its payable; after, from its available balance as far as it goes
    and from its receivable for the rest, and the provider is asked (outbox) to
    reverse the part taken from the available balance.
    """
    settlement = (
        VendorOrderSettlement.objects.select_for_update()
        .filter(vendor_order=vendor_order)
        .first()
    )
    if settlement is None:
        return
    vendor_part, platform_part = net_shares(vendor_order, vendor_order.refunded_total)
    dv = vendor_part - settlement.vendor_amount
    dp = platform_part - settlement.platform_amount
    if not dv and not dp:
        return
    currency = settlement.currency
    postings = []
    if dv + dp:
        postings.append((_escrow(settlement.order_id, currency), dv + dp))
    if dp:
        postings.append((_platform(Kind.PLATFORM_REVENUE, currency), -dp))
    from_available = 0
    metadata = {"vendor_order": vendor_order.pk, "refund": refund_id}
    frozen = settlement.status == VendorOrderSettlement.Status.SETTLED and (
        funds_frozen(vendor_order.order.payment_provider)
    )
    if dv and settlement.status == VendorOrderSettlement.Status.HOLDING:
        payable = _vendor_account(settlement.vendor_id, Kind.VENDOR_PAYABLE, currency)
        postings.append((payable, -dv))
    elif dv:
        moves, from_available = _settled_vendor_moves(
            settlement,
            dv,
            also_lock=[account for account, _amount in postings]
            + (frozen_accounts(settlement.vendor_id, currency) if frozen else []),
            cap=_unfrozen_left(settlement) if frozen else None,
        )
        postings += moves
    if frozen:
        postings += _frozen_return(settlement, -(dv + dp), from_available, metadata)
        from_available = 0
    record_entry(
        idempotency_key=key,
        kind=REBOOKED_KIND,
        postings=postings,
        reference=("order", settlement.order_id),
        metadata=metadata,
    )
    settlement.vendor_amount = vendor_part
    settlement.platform_amount = platform_part
    settlement.save(update_fields=["vendor_amount", "platform_amount"])
    if from_available > 0:
        from marketplace.common.services import enqueue_outbox

        enqueue_outbox(
            topic=REVERSAL_TOPIC,
            key=f"{key}:reverse",
            payload={
                "settlement_id": settlement.pk,
                "amount": from_available,
                "key": key,
                "provider_key": f"reverse-refund-{refund_id}",
            },
        )


def _frozen_return(settlement, amount: int, from_unfrozen: int, metadata: dict):
    """Return the frozen shape's postings that put a refund's ``amount`` after
    settlement back into the vendor's frozen funds, and note in ``metadata`` what
    the provider must return (``refunds.execute_refund`` reads it)."""
    metadata["provider_return"] = max(amount - from_unfrozen, 0)
    metadata["from_unfrozen"] = max(from_unfrozen, 0)
    return frozen_return_moves(
        vendor_id=settlement.vendor_id,
        currency=settlement.currency,
        amount=amount,
        from_unfrozen=from_unfrozen,
    )


def _unfrozen_left(settlement) -> int:
    """Return what the settlement unfroze to the vendor (frozen shape) that no
    refund has taken since: the most a refund can take from its available balance
    at the provider for this vendor order."""
    return (
        Posting.objects.filter(
            account__owner_type="vendor",
            account__owner_id=str(settlement.vendor_id),
            account__kind=Kind.VENDOR_UNFROZEN,
            account__currency=settlement.currency,
            entry__reference_type="order",
            entry__reference_id=str(settlement.order_id),
            entry__kind__in=[SETTLED_KIND, REBOOKED_KIND],
            entry__status="posted",
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )


def _settled_vendor_moves(
    settlement, dv: int, also_lock: list, cap: int | None = None
) -> tuple[list, int]:
    """Return the vendor's postings for a change ``dv`` after settlement, and how
    much of a decrease came from the available balance (to reverse at the provider).

    A decrease takes from the available balance as far as it goes, the rest becomes
    receivable; an increase repays the receivable first (and the amount returned to
    the available balance comes back negative). ``cap`` limits what is taken from
    the available balance (the frozen shape: what this settlement left unfrozen).
    Every account of the entry (``also_lock`` and the vendor's) is locked now, in
    id order like the ledger's own bookings, before the balances are read.
    """
    currency = settlement.currency
    available = _vendor_account(settlement.vendor_id, Kind.VENDOR_AVAILABLE, currency)
    receivable = _vendor_account(settlement.vendor_id, Kind.VENDOR_RECEIVABLE, currency)
    locked = (
        Account.objects.select_for_update(no_key=True)
        .filter(pk__in=[available.pk, receivable.pk, *(a.pk for a in also_lock)])
        .order_by("pk")
    )
    list(locked)
    if dv < 0:
        take = min(-dv, max(get_balance(account=available).available.amount, 0))
        if cap is not None:
            take = min(take, max(cap, 0))
        moves = [(available, take), (receivable, -dv - take)]
        return [m for m in moves if m[1]], take
    owed = max(get_balance(account=receivable).available.amount, 0)
    repay = min(dv, owed)
    moves = [(receivable, -repay), (available, -(dv - repay))]
    return [m for m in moves if m[1]], -(dv - repay)


# --- The holding period ends: settle in batches ----------------------------------
_CLAIM_DUE = """
    WITH due AS (
        SELECT id FROM orders_vendorordersettlement
         WHERE status = 'holding' AND available_at <= %s
         ORDER BY available_at, id
         LIMIT %s
         FOR UPDATE SKIP LOCKED
    )
    UPDATE orders_vendorordersettlement AS s
       SET status = 'settled', settled_at = %s, settled_amount = s.vendor_amount
      FROM due
     WHERE s.id = due.id
    RETURNING s.id, s.vendor_order_id, s.vendor_id, s.currency, s.vendor_amount,
              s.platform_amount, s.order_id
"""

_SET_TRANSFERS = """
    UPDATE orders_vendorordersettlement AS s
       SET netted_amount = v.netted, transfer_amount = v.amount,
           transfer_commission = v.commission
      FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])
           AS v(id, netted, amount, commission)
     WHERE s.id = v.id
"""


def settle_due_vendor_orders(
    *, now: datetime | None = None, batch_size: int = 5000
) -> int:
    """Settle every vendor order whose holding period is over; return how many.

    Each batch is one transaction of a fixed number of statements (claim the due
    rows with SKIP LOCKED, lock and read the vendors' accounts, insert the entries,
    postings and outbox rows), so concurrent runs share the work and a replay finds
    nothing due.
    """
    from orders.services.settlement_batch import settle_batch

    now = now or timezone.now()
    total = 0
    while True:
        done = settle_batch(now=now, limit=batch_size)
        total += done
        if done < batch_size:
            return total


def claim_due(*, now: datetime, limit: int) -> list[tuple]:
    """Mark up to ``limit`` due settlement rows settled; return them (locked)."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_DUE, [now, limit, now])
        return cursor.fetchall()


def set_transfers(rows: list[tuple[int, int, int, int]]) -> None:
    """Store ``(settlement id, netted, transfer amount, commission)`` per row."""
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(
                _SET_TRANSFERS, [list(col) for col in zip(*rows, strict=True)]
            )


@transaction.atomic
def book_reversal_refused(*, settlement_id: int, amount: int, key: str) -> None:
    """The provider refused to reverse ``amount`` of a settlement (the vendor has
    already withdrawn it): the vendor keeps it and owes it instead.

    Postings: Dr vendor receivable a; Cr vendor available a.
    """
    settlement = VendorOrderSettlement.objects.get(pk=settlement_id)
    currency = settlement.currency
    record_entry(
        idempotency_key=f"{key}:reversal-refused",
        kind=REFUSED_KIND,
        postings=[
            (
                _vendor_account(settlement.vendor_id, Kind.VENDOR_RECEIVABLE, currency),
                amount,
            ),
            (
                _vendor_account(settlement.vendor_id, Kind.VENDOR_AVAILABLE, currency),
                -amount,
            ),
        ],
        reference=("order", settlement.order_id),
        metadata={"vendor_order": settlement.vendor_order_id, "flagged": True},
    )
