"""A vendor's statement for a period, read from the ledger so that it ties exactly.

The vendor's balance is what the platform owes it: payable + available + payout in
transit − receivable. Opening and closing are ``ledger.balance_at`` of those
accounts at the period's bounds (business time zone); each line sums the postings
on them of the entries posted in between, by what the entry is. So opening + the
lines = closing, to the fen. The deposit is shown apart: it is not order money.
Its own lines (paid, used, released) tie its opening to its closing the same way;
``deposit_frozen_*`` is the part of it frozen in the vendor's own account at the
provider (``orders.services.deposits``), the rest being held by the platform.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.ledger.models import Account, JournalEntry, Posting
from marketplace.ledger.selectors import balance_at
from vendors.models import Vendor

Kind = Account.Kind
# kind -> sign of the account's normal-side balance in the vendor's balance
BALANCE_KINDS = {
    Kind.VENDOR_PAYABLE: 1,
    Kind.VENDOR_AVAILABLE: 1,
    Kind.VENDOR_PAYOUT_IN_TRANSIT: 1,
    Kind.VENDOR_RECEIVABLE: -1,
}
LINES = (
    ("sales", _("Sales")),
    ("shipping", _("Shipping fees")),
    ("commission", _("Commission or margin")),
    ("refunds", _("Refunds")),
    ("adjustments", _("Adjustments")),
    ("withdrawal_fees", _("Withdrawal fees")),
    ("payouts", _("Payouts")),
    ("deposit", _("From the security deposit")),
)
DEPOSIT_LINES = (
    ("paid", _("Deposit paid")),
    ("used", _("Deposit used")),
    ("released", _("Deposit released")),
)
DEPOSIT_LINE_OF_KIND = {
    "deposit_paid": "paid",
    "deposit_receivable": "used",
    "deposit_penalty": "used",
    "deposit_released": "released",
}
# entry kind -> statement line, for the entries that are not split further
LINE_OF_KIND = {
    "vendor_order_rebooked": "refunds",
    "withdrawal": "withdrawal_fees",
    "payout_paid": "payouts",
    "deposit_released": "deposit",
    "deposit_receivable": "deposit",
}


@dataclass
class Statement:
    vendor_id: int
    currency: str
    start: date
    end: date  # exclusive
    opening: int
    closing: int
    lines: dict[str, int] = field(default_factory=dict)
    deposit_opening: int = 0
    deposit_closing: int = 0
    deposit_lines: dict[str, int] = field(default_factory=dict)
    deposit_frozen_opening: int = 0
    deposit_frozen_closing: int = 0

    @property
    def ties(self) -> bool:
        return self.opening + sum(self.lines.values()) == self.closing

    @property
    def deposit_ties(self) -> bool:
        return (
            self.deposit_opening + sum(self.deposit_lines.values())
            == self.deposit_closing
        )


def _bound(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return start, end


def get_vendor_statement(*, vendor: Vendor, start: date, end: date) -> Statement:
    """Return the vendor's statement for ``[start, end)`` (days, business time)."""
    since, until = _bound(start), _bound(end)
    accounts = list(
        Account.objects.filter(
            owner_type="vendor",
            owner_id=str(vendor.pk),
            currency=vendor.currency,
            kind__in=[*BALANCE_KINDS, Kind.VENDOR_DEPOSIT, Kind.VENDOR_DEPOSIT_FROZEN],
        )
    )
    statement = Statement(
        vendor_id=vendor.pk,
        currency=vendor.currency,
        start=start,
        end=end,
        opening=0,
        closing=0,
        lines={key: 0 for key, _label in LINES},
        deposit_lines={key: 0 for key, _label in DEPOSIT_LINES},
    )
    signs = {}
    for account in accounts:
        opening = balance_at(account=account, at=since).amount
        closing = balance_at(account=account, at=until).amount
        if account.kind == Kind.VENDOR_DEPOSIT:
            statement.deposit_opening, statement.deposit_closing = opening, closing
            _add_deposit_lines(statement, account, since, until)
            continue
        if account.kind == Kind.VENDOR_DEPOSIT_FROZEN:
            statement.deposit_frozen_opening = opening
            statement.deposit_frozen_closing = closing
            continue
        sign = BALANCE_KINDS[account.kind]
        signs[account.pk] = sign * (1 if account.normal_side == "credit" else -1)
        statement.opening += sign * opening
        statement.closing += sign * closing
    _add_lines(statement, signs, since, until)
    return statement


def _add_lines(statement: Statement, signs: dict, since, until) -> None:
    """Add each posted entry's effect on the vendor's balance to its line."""
    rows = (
        Posting.objects.filter(
            account_id__in=list(signs),
            entry__status=JournalEntry.Status.POSTED,
            entry__posted_at__gte=since,
            entry__posted_at__lt=until,
        )
        .values("entry_id", "entry__kind", "entry__metadata", "account_id")
        .annotate(total=Sum("amount"))
    )
    effect: dict[int, int] = defaultdict(int)
    kinds: dict[int, tuple[str, dict]] = {}
    for row in rows:
        # a credit (negative amount) raises a credit-normal balance
        effect[row["entry_id"]] += -row["total"] * signs[row["account_id"]]
        kinds[row["entry_id"]] = (row["entry__kind"], row["entry__metadata"])
    lines = statement.lines
    for entry_id, amount in effect.items():
        kind, metadata = kinds[entry_id]
        if kind == "vendor_order_completed" and "sales" in metadata:
            lines["sales"] += metadata["sales"]
            lines["shipping"] += metadata["shipping"]
            lines["commission"] -= metadata["platform"]
            lines["refunds"] -= metadata["refunded"]
            lines["adjustments"] += amount - (
                metadata["sales"]
                + metadata["shipping"]
                - metadata["platform"]
                - metadata["refunded"]
            )
        else:
            lines[LINE_OF_KIND.get(kind, "adjustments")] += amount


def _add_deposit_lines(statement: Statement, deposit: Account, since, until) -> None:
    """Add each posted entry's effect on the deposit (credit-normal) to its line."""
    rows = (
        Posting.objects.filter(
            account=deposit,
            entry__status=JournalEntry.Status.POSTED,
            entry__posted_at__gte=since,
            entry__posted_at__lt=until,
        )
        .values("entry__kind")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        line = DEPOSIT_LINE_OF_KIND.get(row["entry__kind"], "used")
        statement.deposit_lines[line] -= row["total"]


def statement_csv(statement: Statement) -> str:
    """Return the statement as CSV: one row per figure, minor units and currency."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "amount", "currency"])
    rows = [
        ("period_start", statement.start.isoformat()),
        ("period_end_exclusive", statement.end.isoformat()),
        ("opening", statement.opening),
        *((key, statement.lines[key]) for key, _label in LINES),
        ("closing", statement.closing),
        ("deposit_opening", statement.deposit_opening),
        *(
            (f"deposit_{key}", statement.deposit_lines[key])
            for key, _label in DEPOSIT_LINES
        ),
        ("deposit_closing", statement.deposit_closing),
        ("deposit_frozen_at_provider", statement.deposit_frozen_closing),
    ]
    for name, value in rows:
        writer.writerow([name, value, statement.currency])
    return out.getvalue()
