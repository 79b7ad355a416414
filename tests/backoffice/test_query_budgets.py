"""Query budgets: each list page runs the same bounded number of queries with one
row as with many."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.catalog.models import Product
from marketplace.catalog.services import update_category
from marketplace.rules.services import change_rules
from orders.models import ReconciliationItem
from orders.services.checkout import place_order
from orders.services.refunds import request_refund
from tests import factories
from tests.backoffice.conftest import fund
from tests.orders.conftest import lines, pay, sellable
from vendors.models import Vendor
from vendors.services import set_vendor_terms
from vendors.services.withdrawals import request_withdrawal

pytestmark = [pytest.mark.django_db, pytest.mark.money]
MANY = 30
SERIAL = itertools.count(100)


def vendors(n):
    for _ in range(n):
        factories.VendorFactory(
            status=Vendor.Status.SUBMITTED,
            approved_at=None,
            submitted_at=timezone.now(),
        )


def listings(n):
    vendor = factories.VendorFactory()
    for _ in range(n):
        product = factories.ProductFactory(
            vendor=vendor, status=Product.Status.PENDING_REVIEW
        )
        factories.VariantFactory(product=product)


def orders(n):
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    variant = sellable(stock=1000)
    for _ in range(n):
        order = place_order(
            shopper=shopper, address_id=address.pk, lines=lines((variant, 1))
        )
        pay(order)


def disputes(n):
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    variant = sellable(stock=1000)
    for _ in range(n):
        order = place_order(
            shopper=shopper, address_id=address.pk, lines=lines((variant, 1))
        )
        pay(order)
        request_refund(
            shopper=shopper,
            vendor_order_id=order.vendor_orders.get().pk,
            type="refund_only",
            reason="Not as described",
        )


def payouts(n):
    owner_vendor = None
    for index in range(n):
        if index % 4 == 0:
            owner_vendor = factories.VendorFactory()
            fund(owner_vendor, 4 * 1_000_001)
        request_withdrawal(
            vendor=owner_vendor,
            actor=owner_vendor.members.get().user,
            amount=1_000_001,
        )


def reconciliation(n):
    ReconciliationItem.objects.bulk_create(
        ReconciliationItem(
            day=timezone.localdate(),
            kind=ReconciliationItem.Kind.MISSING_AT_PROVIDER,
            transaction_type="payment",
            source_id=f"pay_{next(SERIAL)}",
            currency="CNY",
            ledger_amount=100,
        )
        for _ in range(n)
    )


def ledger(n):
    vendor = Vendor.objects.filter(pk=999_999).first()
    vendor = vendor or factories.VendorFactory(pk=999_999)
    for _ in range(n):
        fund(vendor, next(SERIAL))


def rules(n):
    admin = factories.OperatorFactory()
    for index in range(n):
        change_rules(actor=admin, changes={"holding_days": index}, reason=f"v{index}")
        factories.CategoryFactory(commission_bps=index)
        vendor = factories.VendorFactory(commission_bps_override=index)
        category = factories.CategoryFactory(commission_bps=index)
        update_category(category=category, actor=admin, commission_bps=index + 1)
        set_vendor_terms(vendor=vendor, actor=admin, deposit_required=index, reason="x")


# page -> (URL name, query string, how to make n rows, budget)
PAGES = {
    "vendors": ("vendors", {}, vendors, 5),
    "vendors search": ("vendors", {"status": "all", "q": "Shop"}, vendors, 5),
    "listings": ("listings", {}, listings, 9),
    "orders": ("orders", {}, orders, 7),
    "disputes": ("orders", {"disputes": "1"}, disputes, 7),
    "payouts": ("payouts", {}, payouts, 4),
    "reconciliation": ("reconciliation", {}, reconciliation, 4),
    "ledger": ("ledger", {"vendor": "999999"}, ledger, 6),
    "rules": ("rules", {}, rules, 10),
    "reports": ("reports", {}, orders, 5),
    "home": ("home", {}, disputes, 8),
}


def queries(client, name, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"backoffice:{name}"), query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_list_page_costs_the_same_with_one_row_as_with_many(page, operators, web):
    name, query, make, budget = PAGES[page]
    client = web(operators["admin"])
    make(1)
    client.get(reverse(f"backoffice:{name}"), query)  # warm the session and caches
    few = queries(client, name, query)

    make(MANY)
    many = queries(client, name, query)

    assert (few, many) == (few, few)
    assert few <= budget
