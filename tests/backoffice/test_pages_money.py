"""Finance's pages: reconciliation with its correcting entry, the ledger explorer,
and the reports with charts and CSV, read from the ledger."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.backoffice.reports import get_daily_report, take_rate_bps
from marketplace.common.models import AuditEvent
from marketplace.ledger.models import JournalEntry
from marketplace.payments.sandbox import control
from orders.models import ReconciliationItem
from orders.services import payment, refunds
from orders.services.checkout import place_order
from tests import factories
from tests.backoffice.conftest import fund
from tests.money.conftest import complete, run_refunds
from tests.orders.conftest import lines, pay, sellable

pytestmark = [pytest.mark.django_db, pytest.mark.money]
TAIL = ("take_rate_percent", "new_vendors")


@pytest.fixture
def item(db):
    return ReconciliationItem.objects.create(
        day=timezone.localdate(),
        kind=ReconciliationItem.Kind.MISSING_IN_LEDGER,
        transaction_type="payment",
        source_id="pay_missing_1",
        currency="CNY",
        provider_amount=1500,
        ledger_amount=0,
    )


def test_finance_resolves_a_difference_with_a_correcting_entry(web, operators, item):
    finance = operators["finance"]
    client = web(finance)
    listed = client.get(reverse("backoffice:reconciliation"))

    response = client.post(
        reverse("backoffice:reconciliation-resolve", args=[item.pk]),
        {f"i{item.pk}-reason": "Capture webhook was lost"},
    )

    assert [i.pk for i, _ in listed.context["rows"]] == [item.pk]
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.resolved_by, item.resolution_note) == (
        ReconciliationItem.Status.RESOLVED,
        finance,
        "Capture webhook was lost",
    )
    entry = item.resolution_entry
    assert entry.kind == "reconciliation_adjustment"
    assert sorted(p.amount for p in entry.postings.all()) == [-1500, 1500]


def test_resolving_without_a_reason_names_the_field(web, operators, item):
    response = web(operators["finance"]).post(
        reverse("backoffice:reconciliation-resolve", args=[item.pk]),
        {f"i{item.pk}-reason": " "},
    )

    assert response.status_code == 400
    forms = {i.pk: f for i, f in response.context["rows"]}
    assert list(forms[item.pk].errors) == ["reason"]
    assert not JournalEntry.objects.filter(kind="reconciliation_adjustment").exists()


@pytest.fixture
def completed_order(db):
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    variant = sellable(price=12900)
    order = place_order(
        shopper=shopper, address_id=address.pk, lines=lines((variant, 1))
    )
    pay(order)
    complete(order.vendor_orders.get())
    order.refresh_from_db()
    return order


def test_the_ledger_shows_an_orders_entries(web, operators, completed_order):
    page = web(operators["finance"]).get(
        reverse("backoffice:ledger"), {"order": completed_order.number}
    )

    assert page.status_code == 200
    kinds = [e.kind for e in page.context["entries"]]
    assert kinds[:1] == ["payment_captured"]
    assert "vendor_order_completed" in kinds
    assert page.context["subject"] == completed_order


def test_the_ledger_by_vendor_and_period(web, operators):
    vendor = factories.VendorFactory()
    fund(vendor, 5000)
    today = timezone.localdate()

    page = web(operators["finance"]).get(
        reverse("backoffice:ledger"),
        {"vendor": vendor.pk, "since": today.isoformat(), "until": today.isoformat()},
    )
    earlier = web(operators["finance"]).get(
        reverse("backoffice:ledger"),
        {"vendor": vendor.pk, "until": (today - timedelta(days=1)).isoformat()},
    )

    assert [e.kind for e in page.context["entries"]] == ["test_funding"]
    assert earlier.context["entries"] == []


def test_the_ledger_names_a_wrong_field(web, operators):
    response = web(operators["finance"]).get(
        reverse("backoffice:ledger"),
        {"order": "NOPE", "since": "2026-02-01", "until": "2026-01-01"},
    )

    assert response.status_code == 400
    assert sorted(response.context["form"].errors) == ["until"]
    unknown = web(operators["finance"]).get(
        reverse("backoffice:ledger"), {"order": "NOPE"}
    )
    assert list(unknown.context["form"].errors) == ["order"]


def test_take_rate_is_rounded_basis_points():
    assert [take_rate_bps(645, 12900), take_rate_bps(1, 3), take_rate_bps(5, 0)] == [
        500,
        3333,
        None,
    ]


def test_the_report_reads_gmv_revenue_and_new_vendors_from_the_ledger(
    web, operators, completed_order
):
    today = timezone.localdate()

    report = get_daily_report(since=today - timedelta(days=1), until=today)
    page = web(operators["finance"]).get(reverse("backoffice:reports"))

    assert report["days"][0]["gmv"] == 0
    assert report["totals"] == {
        "gmv": 12900,
        "revenue": 645,
        "take_rate_bps": 500,
        "refunds": 0,
        "payouts": 0,
        "new_vendors": 1,
    }
    assert page.status_code == 200
    assert page.context["chart_data"]["gmv"][-1] == "129.00"
    assert 'id="report-data"' in page.content.decode()


def test_the_csv_export_has_a_row_per_day_and_is_audited(
    web, operators, completed_order
):
    today = timezone.localdate()
    finance = operators["finance"]

    response = web(finance).get(
        reverse("backoffice:reports-csv"),
        {"since": today.isoformat(), "until": today.isoformat()},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [*("day", "currency", "gmv", "revenue", "refunds", "payouts"), *TAIL],
        [today.isoformat(), "CNY", "129.00", "6.45", "0.00", "0.00", "5.00", "1"],
        ["total", "CNY", "129.00", "6.45", "0.00", "0.00", "5.00", "1"],
    ]
    audit = AuditEvent.objects.get(action="backoffice.report_exported")
    assert (audit.actor, audit.new) == (
        finance,
        {"since": today.isoformat(), "until": today.isoformat()},
    )


def test_a_too_long_period_names_the_field(web, operators):
    response = web(operators["finance"]).get(
        reverse("backoffice:reports"), {"since": "2024-01-01", "until": "2026-01-01"}
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["since"]


def test_the_report_counts_refunds_confirmed_by_the_provider(web, operators):
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=lines((sellable(price=20000), 1)),
    )
    control.pay(order.payment_reference)
    payment.sync_payment(payment_id=order.payment_reference, source="test")
    request = refunds.request_refund(
        shopper=shopper,
        vendor_order_id=order.vendor_orders.get().pk,
        type="refund_only",
        reason="Broken",
        amount=5000,
    )
    web(operators["support"]).post(
        reverse("backoffice:refund-decide", args=[request.pk]),
        {f"r{request.pk}-decision": "accept"},
    )
    run_refunds()
    today = timezone.localdate()

    report = get_daily_report(since=today, until=today)

    assert (report["totals"]["gmv"], report["totals"]["refunds"]) == (20000, 5000)
