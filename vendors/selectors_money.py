"""Reads of a vendor's money: balances from the ledger, and its withdrawals."""

from __future__ import annotations

from django.db.models import QuerySet

from marketplace.common.errors import NotFound
from marketplace.ledger.models import Account
from marketplace.ledger.selectors import get_balance
from vendors.models import DepositPayment, Vendor, Withdrawal

Kind = Account.Kind


def get_vendor_balances(*, vendor: Vendor) -> dict[str, int]:
    """Return the vendor's balances in minor units of its currency, from the ledger.

    ``pending``: earned, still in its holding period; ``available``: may be
    withdrawn; ``in_withdrawal``: asked for, not yet paid out; ``receivable``: what
    it owes the platform (netted against its next earnings); ``deposit``: its
    security deposit, of which ``deposit_frozen`` is frozen in its own account at
    the provider (the rest is held by the platform).
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
        "deposit_frozen": read(Kind.VENDOR_DEPOSIT_FROZEN),
    }


def get_vendor_deposit(*, vendor: Vendor) -> dict:
    """Return the vendor's security deposit: what is required, held (of which
    frozen in its own account at the provider), still owed, its payments newest
    first, and the link of the one awaiting payment, if any."""
    balances = get_vendor_balances(vendor=vendor)
    payments = list(DepositPayment.objects.filter(vendor=vendor).order_by("-id"))
    waiting = next(
        (
            p
            for p in payments
            if p.status == DepositPayment.Status.PENDING and p.payment_url
        ),
        None,
    )
    return {
        "currency": vendor.currency,
        "required": vendor.deposit_required,
        "held": balances["deposit"],
        "frozen_at_provider": balances["deposit_frozen"],
        "owed": max(vendor.deposit_required - balances["deposit"], 0),
        "payment_url": waiting.payment_url if waiting else "",
        "payments": payments,
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
