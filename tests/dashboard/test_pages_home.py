"""The overview page and its sales charts: the numbers are the ledger's."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import VendorOrder
from orders.services.checkout import place_order
from orders.services.fulfilment import (
    accept_vendor_order,
    confirm_receipt,
    ship_vendor_order,
)
from tests import factories
from tests.orders.conftest import lines, pay, sellable
from vendors.selectors_sales import bucket_of, get_sales_series
from vendors.selectors_statements import get_vendor_statement, month_bounds

pytestmark = [pytest.mark.django_db, pytest.mark.money]


def completed_order(vendor, *, price: int, quantity: int = 1) -> VendorOrder:
    """Place, pay, accept, ship and confirm one order of ``vendor``."""
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=lines((sellable(vendor=vendor, price=price, stock=9), quantity)),
    )
    pay(order)
    vendor_order = order.vendor_orders.get()
    owner = vendor.members.get(role="owner").user
    accept_vendor_order(vendor=vendor, vendor_order_id=vendor_order.pk, actor=owner)
    ship_vendor_order(
        vendor=vendor,
        vendor_order_id=vendor_order.pk,
        actor=owner,
        carrier="SF",
        tracking_number=f"SF{vendor_order.pk:08d}",
    )
    return confirm_receipt(shopper=shopper, vendor_order_id=vendor_order.pk)


def test_sales_series_counts_completed_orders_and_their_revenue(vendor):
    completed_order(vendor, price=100_00)
    completed_order(vendor, price=50_00, quantity=2)
    completed_order(factories.VendorFactory(), price=999_00)  # another shop's

    series = get_sales_series(vendor=vendor, period="day")

    today = timezone.localdate().isoformat()
    assert (len(series.labels), series.labels[-1]) == (30, today)
    assert series.orders[-1] == 2
    # 100.00 + 2 × 50.00, both free of shipping (from 99.00)
    assert series.revenue[-1] == 200_00
    assert sum(series.orders) == 2
    assert series.refunds[-1] == 0


def test_a_month_of_the_series_ties_to_the_statement(vendor):
    completed_order(vendor, price=120_00)
    completed_order(vendor, price=30_00)
    today = timezone.localdate()

    series = get_sales_series(vendor=vendor, period="month")
    statement = get_vendor_statement(
        vendor=vendor,
        start=month_bounds(today.year, today.month)[0],
        end=month_bounds(today.year, today.month)[1],
    )

    assert series.labels[-1] == bucket_of(today, "month").isoformat()
    lines_ = statement.lines
    assert series.revenue[-1] == lines_["sales"] + lines_["shipping"]
    assert series.refunds[-1] == -lines_["refunds"]


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_overview_draws_the_series_from_json_script(owner_web, vendor, period):
    completed_order(vendor, price=100_00)

    response = owner_web.get(reverse("dashboard:home"), {"period": period})

    html = response.content.decode()
    start = html.index('<script id="sales-data" type="application/json">')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data == get_sales_series(vendor=vendor, period=period).as_chart_data()
    assert data["orders"][-1] == 1
    assert "vendor/chartjs/chart.umd.min.js" in html


def test_staff_see_the_overview_without_the_balance(staff_web):
    response = staff_web.get(reverse("dashboard:home"))

    assert response.status_code == 200
    assert response.context["balances"] is None
    assert "data-balances" not in response.content.decode()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["dashboard:home", "dashboard:money"])
def test_overview_and_payout_schedule_run_the_same_queries_for_1_or_many_orders(
    owner_web, vendor, name
):
    completed_order(vendor, price=100_00)
    one = count_queries(owner_web, reverse(name))
    for _ in range(4):
        completed_order(vendor, price=100_00)
    many = count_queries(owner_web, reverse(name))

    assert many == one
    assert many <= 15
    if name == "dashboard:money":
        assert len(owner_web.get(reverse(name)).context["schedule"]) == 5
