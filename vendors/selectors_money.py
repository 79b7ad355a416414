"""Reads of a vendor's money: balances from the ledger, and its withdrawals."""

from __future__ import annotations

from django.db.models import QuerySet

from marketplace.common.errors import NotFound
from marketplace.ledger.models import Account
from marketplace.ledger.selectors import get_balance
from vendors.models import Vendor, Withdrawal

Kind = Account.Kind


def get_vendor_balances(*, vendor: Vendor) -> dict[str, int]:
    """Return the vendor's balances in minor units of its currency, from the ledger.

    ``pending``: earned, still in its holding period; ``available``: may be
    withdrawn; ``in_withdrawal``: asked for, not yet paid out; ``receivable``: what
    it owes the platform (netted against its next earnings); ``deposit``: its
    security deposit held by the platform.
    """
    accounts = {
        a.kind: a
        for a in Account.objects.filter(
            owner_type="vendor", owner_id=str(vendor.pk), currency=vendor.currency
        )
    }

    def read(kind: str, what: str = "available") -> int:
        account = accounts.get(kind)
        if account is None:
            return 0
        return getattr(get_balance(account=account), what).amount

    return {
        "currency": vendor.currency,
        "pending": read(Kind.VENDOR_PAYABLE),
        "available": read(Kind.VENDOR_AVAILABLE),
        "in_withdrawal": read(Kind.VENDOR_PAYOUT_IN_TRANSIT, "pending_in"),
        "receivable": read(Kind.VENDOR_RECEIVABLE),
        "deposit": read(Kind.VENDOR_DEPOSIT),
    }


def list_withdrawals(*, vendor: Vendor) -> QuerySet[Withdrawal]:
    """Return the vendor's withdrawals, newest first."""
    return Withdrawal.objects.filter(vendor=vendor).order_by("-id")


def get_withdrawal(*, vendor: Vendor, withdrawal_id: int) -> Withdrawal:
    """Return one of the vendor's withdrawals with its events; 404 otherwise."""
    withdrawal = (
        Withdrawal.objects.filter(vendor=vendor, pk=withdrawal_id)
        .prefetch_related("events")
        .first()
    )
    if withdrawal is None:
        raise NotFound()
    return withdrawal


def list_withdrawal_queue(*, status: str | None = None) -> QuerySet[Withdrawal]:
    """Return withdrawals for finance, oldest first: by default those awaiting a
    decision (awaiting approval or on hold)."""
    statuses = (
        [status]
        if status
        else [Withdrawal.Status.PENDING_APPROVAL, Withdrawal.Status.ON_HOLD]
    )
    return (
        Withdrawal.objects.filter(status__in=statuses)
        .select_related("vendor")
        .order_by("id")
    )
