"""What orders book in the ledger, each entry keyed by its business operation.

The sandbox and Stripe take the whole payment on the platform
(``CHARGES_ON_PLATFORM_THEN_TRANSFERS``): a capture moves money into the provider
cash account and the order's escrow; the processing fee is a platform expense; a
refund takes money back out of escrow. Replaying any of these books nothing twice.
"""

from __future__ import annotations

from marketplace.ledger.models import Account
from marketplace.ledger.services import get_or_create_account, record_entry

PLATFORM = ("platform", "platform")
Kind = Account.Kind


def _platform(kind: str, currency: str) -> Account:
    return get_or_create_account(
        owner_type=PLATFORM[0], owner_id=PLATFORM[1], kind=kind, currency=currency
    )


def _escrow(order) -> Account:
    return get_or_create_account(
        owner_type="order",
        owner_id=order.pk,
        kind=Kind.ORDER_ESCROW,
        currency=order.currency,
    )


def book_payment_captured(*, order, amount: int, fee: int, payment_id: str) -> None:
    """Book a captured payment into the order's escrow, and the provider's fee."""
    cash = _platform(Kind.PROVIDER_CASH, order.currency)
    record_entry(
        idempotency_key=f"payment:{payment_id}:captured",
        kind="payment_captured",
        postings=[(cash, amount), (_escrow(order), -amount)],
        reference=("order", order.pk),
    )
    if fee > 0:
        record_entry(
            idempotency_key=f"payment:{payment_id}:fee",
            kind="provider_fee",
            postings=[
                (_platform(Kind.PLATFORM_FEE_EXPENSE, order.currency), fee),
                (cash, -fee),
            ],
            reference=("order", order.pk),
        )


def book_refund(*, refund) -> None:
    """Book a refund the provider confirmed: out of the order's escrow."""
    order = refund.order
    record_entry(
        idempotency_key=f"refund:{refund.pk}:succeeded",
        kind="refund",
        postings=[
            (_escrow(order), refund.amount),
            (_platform(Kind.PROVIDER_CASH, order.currency), -refund.amount),
        ],
        reference=("order", order.pk),
    )
