"""A vendor's sales over time, read from the ledger: what its charts draw.

Each point sums the vendor's completion and rebooking entries posted in that day,
week or month (business time zone), the same way the statement's lines do
(``selectors_statements``), so a chart and a statement of the same period agree:

- ``orders``: vendor orders completed (one completion entry each);
- ``revenue``: their sales and shipping (the statement's sales + shipping lines);
- ``refunds``: refunded before completion plus what refunds after completion took
  back from the vendor (the statement's refunds line, as a positive amount).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Sum
from django.utils import timezone

from marketplace.ledger.models import Account, JournalEntry, Posting
from vendors.models import Vendor

COMPLETED_KIND = "vendor_order_completed"
REBOOKED_KIND = "vendor_order_rebooked"
PERIODS = {"day": 30, "week": 12, "month": 12}
NOT_ORDER_MONEY = (Account.Kind.VENDOR_DEPOSIT, Account.Kind.VENDOR_DEPOSIT_FROZEN)


@dataclass
class SalesSeries:
    period: str
    currency: str
    labels: list[str]
    orders: list[int]
    revenue: list[int]
    refunds: list[int]

    def as_chart_data(self) -> dict:
        """Return the series for ``json_script``: amounts stay minor units."""
        return {
            "period": self.period,
            "currency": self.currency,
            "labels": self.labels,
            "orders": self.orders,
            "revenue": self.revenue,
            "refunds": self.refunds,
        }


def bucket_of(day: date, period: str) -> date:
    """Return the first day of the day, week (Monday) or month holding ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _next(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def _previous(start: date, period: str) -> date:
    if period == "month":
        return bucket_of(start - timedelta(days=1), "month")
    return start - timedelta(days=7 if period == "week" else 1)


def _bound(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def get_sales_series(
    *, vendor: Vendor, period: str = "day", today: date | None = None
) -> SalesSeries:
    """Return ``vendor``'s orders, revenue and refunds per ``period`` (day, week or
    month), the last ``PERIODS[period]`` of them up to ``today``, oldest first.

    One query, whatever the number of orders. Amounts are minor units of the
    vendor's currency.
    """
    if period not in PERIODS:
        period = "day"
    starts = [bucket_of(today or timezone.localdate(), period)]
    while len(starts) < PERIODS[period]:
        starts.insert(0, _previous(starts[0], period))
    rows = (
        Posting.objects.filter(
            account__owner_type="vendor",
            account__owner_id=str(vendor.pk),
            account__currency=vendor.currency,
            entry__status=JournalEntry.Status.POSTED,
            entry__kind__in=[COMPLETED_KIND, REBOOKED_KIND],
            entry__posted_at__gte=_bound(starts[0]),
            entry__posted_at__lt=_bound(_next(starts[-1], period)),
        )
        .exclude(account__kind__in=NOT_ORDER_MONEY)
        .values("entry_id", "entry__kind", "entry__metadata", "entry__posted_at")
        .annotate(total=Sum("amount"))
    )
    points = defaultdict(lambda: {"orders": 0, "revenue": 0, "refunds": 0})
    for row in rows:
        start = bucket_of(timezone.localdate(row["entry__posted_at"]), period)
        point, metadata = points[start], row["entry__metadata"] or {}
        effect = -row["total"]  # a credit raises what the platform owes the vendor
        if row["entry__kind"] == COMPLETED_KIND:
            point["orders"] += 1
            if "sales" in metadata:
                point["revenue"] += metadata["sales"] + metadata["shipping"]
                point["refunds"] += metadata["refunded"]
            else:
                point["revenue"] += effect
        else:
            point["refunds"] -= effect
    return SalesSeries(
        period=period,
        currency=vendor.currency,
        labels=[start.isoformat() for start in starts],
        orders=[points[s]["orders"] for s in starts],
        revenue=[points[s]["revenue"] for s in starts],
        refunds=[points[s]["refunds"] for s in starts],
    )
