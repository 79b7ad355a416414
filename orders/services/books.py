"""What orders book in the ledger, each entry keyed by its business operation.

Two money shapes, chosen by the provider's ``capabilities.funds_flow`` (never by its
name; ``funds_frozen``):

- ``CHARGES_ON_PLATFORM_THEN_TRANSFERS`` (the sandbox by default, Stripe): the whole
  payment lands on the platform. A capture moves money into the provider cash
  account and the order's escrow; a refund takes it back out of both.
- ``FUNDS_FROZEN_IN_PAYEE_ACCOUNT`` (WeChat Pay 平台收付通, the sandbox with
  ``SANDBOX_FUNDS_FLOW``): each vendor's part is frozen in the vendor's own account
  at the provider. The order's escrow is the same liability (captured, not yet
  anyone's), but what backs it is the vendors' ``vendor_frozen`` accounts, not the
  platform's cash. A settlement (``frozen_settlement_moves``) shares the commission
  to the platform's cash and unfreezes the vendor's share to ``vendor_unfrozen``,
  which backs its available balance until it is paid out. A refund after settlement
  first returns the refunded part to the frozen funds (``frozen_return_moves``): the
  vendor's part from its unfrozen funds as far as its available balance goes, the
  rest (the platform's part, and what the vendor already withdrew, which becomes its
  receivable) from the platform's cash (分账回退).

``E`` the order's escrow, ``CASH`` the platform's provider cash, ``FZ``/``UF`` the
vendor's frozen/unfrozen funds at the provider, ``FEE`` the platform's fee expense:

================  ==================================  ==================================
event             charges on platform                 frozen in the payee's account
================  ==================================  ==================================
capture           Dr CASH t; Cr E t                   Dr FZ(vendor) part; Cr E t
fee               Dr FEE f; Cr CASH f                 the same
refund            Dr E r; Cr CASH r                   Dr E r; Cr FZ(vendor) part
settlement        (``settlement_batch``)              + Dr CASH p+n; Dr UF v−n;
                                                      Cr FZ v+p
refund after      (``settlement.rebook_vendor_        + Dr FZ r; Cr UF a;
settlement        order``)                            Cr CASH r−a
payout paid       Dr T; Cr CASH                       Dr T; Cr UF (``withdrawals``)
================  ==================================  ==================================

Replaying any of these books nothing twice. The processing fee is a platform
expense in both shapes; the sandbox charges it to the platform's account.
"""

from __future__ import annotations

from marketplace.common.money import allocate
from marketplace.ledger.models import Account
from marketplace.ledger.services import get_or_create_account, record_entry
from marketplace.payments.port import FundsFlow
from marketplace.payments.providers import get_provider

PLATFORM = ("platform", "platform")
Kind = Account.Kind


def funds_frozen(provider_name: str = "") -> bool:
    """Return whether the provider (by default the deployment's) freezes each
    vendor's part in the vendor's own account (``FUNDS_FROZEN_IN_PAYEE_ACCOUNT``)."""
    provider = get_provider(provider_name or None)
    return provider.capabilities.funds_flow == FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT


def vendor_parts(order, amount: int, vendor_order=None) -> list[tuple[object, int]]:
    """Split ``amount`` of an order over its vendor orders: ``[(vendor order, part)]``.

    The one split the provider call and the books share: all of it to
    ``vendor_order`` when given, else in proportion to the vendor orders' totals
    (``money.allocate``, in id order, as the payment's splits were made).
    """
    if vendor_order is not None:
        return [(vendor_order, amount)]
    vendor_orders = list(order.vendor_orders.select_related("vendor").order_by("id"))
    parts = allocate(amount, [vo.total for vo in vendor_orders])
    return [(vo, part) for vo, part in zip(vendor_orders, parts, strict=True) if part]


def platform_account(kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type=PLATFORM[0], owner_id=PLATFORM[1], kind=kind, currency=currency
    )


def vendor_account(vendor_id: int, kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type="vendor", owner_id=vendor_id, kind=kind, currency=currency
    )


_platform = platform_account


def _escrow(order) -> Account:
    return get_or_create_account(
        owner_type="order",
        owner_id=order.pk,
        kind=Kind.ORDER_ESCROW,
        currency=order.currency,
    )


def _backing(order, amount: int, vendor_order=None) -> list[tuple[Account, int]]:
    """Return where ``amount`` of the order's escrow sits at the provider, as debit
    postings: the platform's cash, or each vendor's frozen funds."""
    if not funds_frozen(order.payment_provider):
        return [(_platform(Kind.PROVIDER_CASH, order.currency), amount)]
    return [
        (vendor_account(vo.vendor_id, Kind.VENDOR_FROZEN, order.currency), part)
        for vo, part in vendor_parts(order, amount, vendor_order)
    ]


def book_payment_captured(*, order, amount: int, fee: int, payment_id: str) -> None:
    """Book a captured payment into the order's escrow, and the provider's fee."""
    record_entry(
        idempotency_key=f"payment:{payment_id}:captured",
        kind="payment_captured",
        postings=[*_backing(order, amount), (_escrow(order), -amount)],
        reference=("order", order.pk),
    )
    if fee > 0:
        record_entry(
            idempotency_key=f"payment:{payment_id}:fee",
            kind="provider_fee",
            postings=[
                (_platform(Kind.PLATFORM_FEE_EXPENSE, order.currency), fee),
                (_platform(Kind.PROVIDER_CASH, order.currency), -fee),
            ],
            reference=("order", order.pk),
        )


def book_refund(*, refund) -> None:
    """Book a refund the provider confirmed: out of the order's escrow, and out of
    the platform's cash or the vendors' frozen funds (after settlement, a return has
    put it back there first)."""
    order = refund.order
    record_entry(
        idempotency_key=f"refund:{refund.pk}:succeeded",
        kind="refund",
        postings=[
            (_escrow(order), refund.amount),
            *(
                (account, -amount)
                for account, amount in _backing(
                    order, refund.amount, refund.vendor_order
                )
            ),
        ],
        reference=("order", order.pk),
    )


def frozen_settlement_moves(
    *,
    frozen: Account,
    unfrozen: Account,
    cash: Account,
    vendor: int,
    platform: int,
    netted: int,
) -> list[tuple[Account, int]]:
    """Return the frozen shape's extra postings of a settlement (分账 + 解冻).

    The vendor order's parts ``vendor + platform`` leave the vendor's frozen funds:
    the commission ``platform + netted`` to the platform's cash, the rest
    ``vendor - netted`` unfrozen to the vendor, backing its available balance.
    """
    moves = [
        (cash, platform + netted),
        (unfrozen, vendor - netted),
        (frozen, -(vendor + platform)),
    ]
    return [move for move in moves if move[1]]


def frozen_accounts(vendor_id: int, currency: str) -> list[Account]:
    """Return the accounts a frozen-shape return moves (to lock them up front)."""
    return [
        vendor_account(vendor_id, Kind.VENDOR_FROZEN, currency),
        vendor_account(vendor_id, Kind.VENDOR_UNFROZEN, currency),
        platform_account(Kind.PROVIDER_CASH, currency),
    ]


def frozen_return_moves(
    *, vendor_id: int, currency: str, amount: int, from_unfrozen: int
) -> list[tuple[Account, int]]:
    """Return the frozen shape's extra postings of a refund after settlement.

    ``amount`` goes back into the vendor's frozen funds for the refund to take: its
    part ``from_unfrozen`` (what its available balance gives) from its unfrozen
    funds, the rest from the platform's cash (the profit-sharing return).
    """
    frozen, unfrozen, cash = frozen_accounts(vendor_id, currency)
    moves = [
        (frozen, amount),
        (unfrozen, -from_unfrozen),
        (cash, -(amount - from_unfrozen)),
    ]
    return [move for move in moves if move[1]]
