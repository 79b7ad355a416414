"""Reports with charts (GMV, take rate, refunds, payouts, new vendors) and their
CSV export. The figures come from ``backoffice.reports`` (the ledger)."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render

from marketplace.backoffice.forms import PeriodForm, with_period
from marketplace.backoffice.reports import get_daily_report
from marketplace.backoffice.views.common import operator_view
from marketplace.common.services import record_audit
from marketplace.common.web import major

AMOUNTS = ("gmv", "revenue", "refunds", "payouts")


def _major(amount: int, currency: str) -> str:
    return str(major(amount, currency))


def _percent(bps: int | None) -> str | None:
    return None if bps is None else str(Decimal(bps).scaleb(-2))


def _chart_data(report: dict) -> dict:
    currency = report["currency"]
    days = report["days"]
    return {
        "labels": [d["day"].isoformat() for d in days],
        "currency": currency,
        **{name: [_major(d[name], currency) for d in days] for name in AMOUNTS},
        "take_rate": [_percent(d["take_rate_bps"]) for d in days],
        "new_vendors": [d["new_vendors"] for d in days],
    }


@operator_view("reports")
def reports(request):
    form = PeriodForm(request.GET)
    report = None
    if form.is_valid():
        form = with_period(form)
        report = get_daily_report(
            since=form.cleaned_data["since"], until=form.cleaned_data["until"]
        )
    context = {
        "form": form,
        "report": report,
        "chart_data": _chart_data(report) if report else None,
    }
    return render(
        request, "backoffice/reports.html", context, status=200 if report else 400
    )


@operator_view("reports-csv")
def reports_csv(request):
    """The report's days as CSV (amounts in major units); the export is audited."""
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    report = get_daily_report(since=since, until=until)
    currency = report["currency"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"report-{since.isoformat()}-{until.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["day", "currency", *AMOUNTS, "take_rate_percent", "new_vendors"])
    for row in [*report["days"], {"day": "total", **report["totals"]}]:
        writer.writerow(
            [
                row["day"],
                currency,
                *(_major(row[name], currency) for name in AMOUNTS),
                _percent(row["take_rate_bps"]) or "",
                row["new_vendors"],
            ]
        )
    record_audit(
        actor=request.user,
        action="backoffice.report_exported",
        target=request.user,
        new={"since": since.isoformat(), "until": until.isoformat()},
    )
    return response
