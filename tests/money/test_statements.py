"""Vendor statements tie to the ledger exactly; CSV download."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.payments.sandbox import control
from orders.models import VendorOrderSettlement, VendorPayee
from tests.money.conftest import Kind, complete, deliver, owner, settle, vendor_balance
from tests.money.test_refunds_after_completion import refund
from tests.orders.conftest import sellable
from vendors.selectors_statements import get_vendor_statement, month_bounds
from vendors.services import withdrawals

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


def vendor_total(vendor) -> int:
    return (
        vendor_balance(vendor, Kind.VENDOR_PAYABLE)
        + vendor_balance(vendor, Kind.VENDOR_AVAILABLE)
        - vendor_balance(vendor, Kind.VENDOR_RECEIVABLE)
    )


@pytest.fixture
def busy_month(paid_order, commission_vendor):
    """Sales, a refund after settlement, a paid withdrawal and an unsettled sale."""
    vendor = commission_vendor
    first = complete(
        paid_order((sellable(vendor=vendor, price=30000), 2)).vendor_orders.get()
    )
    settle()
    control.complete_onboarding(VendorPayee.objects.get(vendor=vendor).account_ref)
    refund(first, 10000)
    deliver("order.settlement_reversal")
    withdrawals.request_withdrawal(vendor=vendor, actor=owner(vendor), amount=200_00)
    deliver("vendor.withdrawal_payout")
    complete(paid_order((sellable(vendor=vendor, price=5000), 3)).vendor_orders.get())
    return vendor


def test_this_months_statement_ties_to_the_ledger(busy_month):
    today = timezone.localdate()
    start, end = month_bounds(today.year, today.month)

    statement = get_vendor_statement(vendor=busy_month, start=start, end=end)

    rows = VendorOrderSettlement.objects.filter(vendor=busy_month)
    platform = sum(row.platform_amount for row in rows)
    assert statement.opening == 0
    assert statement.closing == vendor_total(busy_month)
    assert statement.ties
    assert statement.lines["sales"] == 60000 + 15000
    assert statement.lines["payouts"] == -200_00
    assert statement.lines["refunds"] < 0
    assert statement.lines["commission"] <= -platform


def test_next_months_statement_opens_with_this_months_closing(busy_month):
    today = timezone.localdate()
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    start, end = month_bounds(following.year, following.month)

    statement = get_vendor_statement(vendor=busy_month, start=start, end=end)

    assert statement.opening == statement.closing == vendor_total(busy_month)
    assert set(statement.lines.values()) == {0}


def test_statement_api_and_csv_download(client_for, busy_month):
    api = client_for(owner(busy_month))
    month = timezone.localdate().strftime("%Y-%m")

    data = api.get(reverse("vendor-statement"), {"month": month}).json()
    csv = api.get(reverse("vendor-statement-csv"), {"month": month})
    bad = api.get(reverse("vendor-statement"), {"month": "2026-13"})

    assert data["closing"] == vendor_total(busy_month)
    assert data["opening"] + sum(data["lines"].values()) == data["closing"]
    assert csv["Content-Type"] == "text/csv"
    assert f"closing,{data['closing']},CNY" in csv.content.decode()
    assert bad.status_code == 400
