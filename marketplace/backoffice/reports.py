"""Report figures per business day, read from the ledger (and new vendors).

- GMV: what shoppers paid, the debits of ``payment_captured`` entries;
- revenue: the net credits to the platform's revenue account (commission, supply
  margin, withdrawal fees), so take rate = revenue / GMV in basis points;
- refunds: the debits of ``refund`` entries (money back to shoppers);
- payouts: the debits of ``payout_paid`` entries (money paid to vendors);
- new vendors: applications approved that day.

Only posted entries count, on the business day they were posted, in one currency.
Two grouped queries whatever the period or the number of entries.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from marketplace.common.money import BPS
from marketplace.ledger.models import Account, JournalEntry, Posting
from vendors.models import Vendor

FIGURES = ("gmv", "revenue", "take_rate_bps", "refunds", "payouts", "new_vendors")


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def take_rate_bps(revenue: int, gmv: int) -> int | None:
    """Return revenue / GMV in basis points (rounded half up), or None without GMV."""
    if gmv <= 0:
        return None
    return (revenue * BPS * 2 + gmv) // (2 * gmv)


def get_daily_report(*, since: date, until: date, currency: str = "") -> dict:
    """Return ``{"days": [...], "totals": {...}, "currency"}`` for ``[since, until]``.

    Each day is a dict of ``FIGURES`` plus ``day``; every day of the period is
    present, with zeros when nothing happened.
    """
    currency = currency or settings.DEFAULT_CURRENCY
    zone = ZoneInfo(settings.TIME_ZONE)
    start, end = _start(since), _start(until + timedelta(days=1))
    positive = Q(amount__gt=0)
    money = (
        Posting.objects.filter(
            currency=currency,
            entry__status=JournalEntry.Status.POSTED,
            entry__posted_at__gte=start,
            entry__posted_at__lt=end,
        )
        .annotate(day=TruncDate("entry__posted_at", tzinfo=zone))
        .values("day")
        .annotate(
            gmv=Sum("amount", filter=positive & Q(entry__kind="payment_captured")),
            refunds=Sum("amount", filter=positive & Q(entry__kind="refund")),
            payouts=Sum("amount", filter=positive & Q(entry__kind="payout_paid")),
            revenue_signed=Sum(
                "amount", filter=Q(account__kind=Account.Kind.PLATFORM_REVENUE)
            ),
        )
    )
    by_day = {row["day"]: row for row in money}
    approved = (
        Vendor.objects.filter(approved_at__gte=start, approved_at__lt=end)
        .annotate(day=TruncDate("approved_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
    )
    new_vendors = {row["day"]: row["n"] for row in approved}
    days = []
    day = since
    while day <= until:
        row = by_day.get(day, {})
        figures = {
            "day": day,
            "gmv": row.get("gmv") or 0,
            "revenue": -(row.get("revenue_signed") or 0),
            "refunds": row.get("refunds") or 0,
            "payouts": row.get("payouts") or 0,
            "new_vendors": new_vendors.get(day, 0),
        }
        figures["take_rate_bps"] = take_rate_bps(figures["revenue"], figures["gmv"])
        days.append(figures)
        day += timedelta(days=1)
    totals = {
        name: sum(d[name] for d in days)
        for name in ("gmv", "revenue", "refunds", "payouts", "new_vendors")
    }
    totals["take_rate_bps"] = take_rate_bps(totals["revenue"], totals["gmv"])
    return {"days": days, "totals": totals, "currency": currency}
