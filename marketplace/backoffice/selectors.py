"""Reads the back-office pages need beyond the domain selectors: the audit trail of
commission and terms changes, and rule changes laid out for display."""

from __future__ import annotations

from decimal import Decimal

from marketplace.catalog.models import Category
from marketplace.common.models import AuditEvent
from marketplace.common.money import format_amount
from marketplace.rules.models import PlatformRules
from marketplace.rules.selectors import list_rule_changes
from vendors.models import Vendor

TERMS_ACTIONS = ("catalog.category.update", "vendor.terms_changed")
RULE_AMOUNTS = frozenset(
    {
        "default_deposit_amount",
        "withdrawal_min_amount",
        "withdrawal_max_per_day",
        "withdrawal_fee",
        "withdrawal_approval_threshold",
    }
)
RULE_RATES = frozenset({"default_commission_bps", "default_supply_margin_bps"})


def list_terms_changes(*, limit: int = 50) -> list[AuditEvent]:
    """Return the newest changes of category commissions and vendor terms.

    Each carries ``subject`` (the category or vendor changed, None if gone) and
    ``fields`` (label, old, new); one query per kind of subject, whatever the rows.
    """
    events = list(
        AuditEvent.objects.filter(action__in=TERMS_ACTIONS)
        .select_related("actor")
        .order_by("-id")[:limit]
    )
    models = {"catalog.category": Category, "vendors.vendor": Vendor}
    subjects = {}
    for label, model in models.items():
        ids = {e.object_id for e in events if e.object_type == label}
        if ids:
            subjects[label] = model.objects.in_bulk([int(i) for i in ids])
    for event in events:
        model = models.get(event.object_type)
        event.subject = subjects.get(event.object_type, {}).get(int(event.object_id))
        event.fields = [
            (_label(model, name), event.old.get(name), event.new.get(name))
            for name in sorted({*event.old, *event.new})
        ]
    return events


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (AttributeError, LookupError):
        return name


def format_rule(name: str, value, currency: str) -> str:
    if name in RULE_AMOUNTS:
        return format_amount(int(value), currency)
    if name in RULE_RATES:
        return f"{Decimal(value).scaleb(-2).normalize():f}%"
    return str(value)


def list_rule_history(*, limit: int = 50) -> list[dict]:
    """Return the rule versions, newest first: who, when, why, and each change's
    label with its old and new values formatted."""
    rows = []
    for change in list_rule_changes(limit=limit):
        version = change["version"]
        rows.append(
            {
                "version": version,
                "changes": [
                    {
                        "name": name,
                        "label": PlatformRules._meta.get_field(name).verbose_name,
                        "old": format_rule(name, values["old"], version.currency),
                        "new": format_rule(name, values["new"], version.currency),
                    }
                    for name, values in change["changes"].items()
                ],
            }
        )
    return rows
