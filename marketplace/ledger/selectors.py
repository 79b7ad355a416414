"""Reads of the ledger: balances, entries, and a balance as of a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum

from marketplace.common.money import Money
from marketplace.ledger.models import Account, JournalEntry, Posting


@dataclass(frozen=True, slots=True)
class Balance:
    """An account's balance in terms of its normal side (positive = normal).

    ``pending_in`` and ``pending_out`` are what pending entries will add and take;
    ``available`` already excludes ``pending_out`` but not yet ``pending_in``.
    """

    posted: Money
    pending_in: Money
    pending_out: Money
    available: Money


def get_balance(*, account: Account) -> Balance:
    """Return the account's balance, read fresh from the database."""
    row = Account.objects.values(
        "debits_pending", "credits_pending", "debits_posted", "credits_posted"
    ).get(pk=account.pk)
    posted = account.in_normal_terms(row["debits_posted"], row["credits_posted"])
    incoming, outgoing = (
        (row["debits_pending"], row["credits_pending"])
        if account.normal_side == "debit"
        else (row["credits_pending"], row["debits_pending"])
    )
    currency = account.currency
    return Balance(
        posted=Money(posted, currency),
        pending_in=Money(incoming, currency),
        pending_out=Money(outgoing, currency),
        available=Money(posted - outgoing, currency),
    )


def list_entries(
    *,
    reference: tuple[str, str | int] | None = None,
    owner: tuple[str, str | int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[JournalEntry]:
    """Return entries, oldest first, with their postings and accounts prefetched.

    ``reference`` is ``(type, id)`` of what the entries are about; ``owner`` keeps the
    entries with a posting on one of that owner's accounts; ``since`` (inclusive) and
    ``until`` (exclusive) bound ``created_at``.
    """
    entries = JournalEntry.objects.all()
    if reference is not None:
        entries = entries.filter(
            reference_type=reference[0], reference_id=str(reference[1])
        )
    if owner is not None:
        entries = entries.filter(
            Exists(
                Posting.objects.filter(
                    entry=OuterRef("pk"),
                    account__owner_type=owner[0],
                    account__owner_id=str(owner[1]),
                )
            )
        )
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    postings = Posting.objects.select_related("account").order_by("id")
    return entries.order_by("created_at", "id").prefetch_related(
        Prefetch("postings", queryset=postings)
    )


def balance_at(*, account: Account, at: datetime) -> Money:
    """Return the posted balance (normal side positive) just before ``at``.

    Counts the postings of entries posted before ``at`` (by ``posted_at``, when the
    money moved), so a period ``[start, end)`` opens with ``balance_at(at=start)`` and
    closes with ``balance_at(at=end)``. Pending and voided entries count nothing.
    """
    totals = Posting.objects.filter(
        account=account,
        entry__status=JournalEntry.Status.POSTED,
        entry__posted_at__lt=at,
    ).aggregate(total=Sum("amount", default=0))
    signed = totals["total"]  # debits - credits
    return Money(account.in_normal_terms(signed, 0), account.currency)


def get_ledger_size() -> tuple[int, int]:
    """Return the number of journal entries and of postings."""
    return JournalEntry.objects.count(), Posting.objects.count()
