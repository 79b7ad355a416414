"""The daily reconciliation of the provider's transactions with the ledger."""

import pytest
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxBalanceTransaction
from orders.models import ReconciliationItem
from orders.services.checkout import place_order
from orders.services.reconciliation import (
    reconcile_day,
    resolve_reconciliation_item,
)
from tests import factories
from tests.money.conftest import complete, run_refunds, settle
from tests.money.test_refunds_after_completion import refund
from tests.orders.conftest import lines, sellable

pytestmark = [pytest.mark.django_db, pytest.mark.money]
# the tests that move money run in both of the sandbox's shapes
both_shapes = pytest.mark.usefixtures("funds_flow")


@both_shapes
def test_a_day_of_payments_refunds_and_settlements_reconciles(
    paid_order, commission_vendor
):
    vendor_order = complete(
        paid_order((sellable(vendor=commission_vendor), 2)).vendor_orders.get()
    )
    refund(vendor_order, 1000)
    run_refunds()
    settle()

    found = reconcile_day(day=timezone.localdate())

    assert found == 0
    assert (
        SandboxBalanceTransaction.objects.filter(
            type__in=["payment", "refund", "settlement"]
        ).count()
        >= 3
    )


@both_shapes
def test_differences_become_items_once_and_are_resolved_by_an_entry(
    paid_order, commission_vendor, shopper
):
    # given a payment the ledger booked but the provider dropped, and one the
    # provider took that the ledger never heard of
    booked = paid_order((sellable(vendor=commission_vendor), 1))
    for dropped in SandboxBalanceTransaction.objects.filter(
        source_id=booked.payment_reference
    ):
        control.drop_transaction(dropped.transaction_id)
    other = factories.UserFactory()
    unheard = place_order(
        shopper=other,
        address_id=factories.AddressFactory(user=other).pk,
        lines=lines((sellable(vendor=commission_vendor), 1)),
    )
    control.pay(unheard.payment_reference)
    finance = factories.UserFactory(operator_role=User.OperatorRole.FINANCE)

    # when the day is reconciled, twice
    first = reconcile_day(day=timezone.localdate())
    second = reconcile_day(day=timezone.localdate())

    # then three differences (the unheard payment, its fee, the dropped one),
    # recorded once, resolved with correcting entries
    items = {
        i.kind: i for i in ReconciliationItem.objects.exclude(transaction_type="fee")
    }
    fee = ReconciliationItem.objects.get(transaction_type="fee")
    assert (first, second) == (3, 0)
    assert (fee.source_id, fee.ledger_amount) == (unheard.payment_reference, 0)
    assert items["missing_at_provider"].source_id == booked.payment_reference
    assert items["missing_in_ledger"].source_id == unheard.payment_reference
    assert items["missing_in_ledger"].provider_amount == unheard.grand_total
    resolved = resolve_reconciliation_item(
        item_id=items["missing_in_ledger"].pk, operator=finance, reason="booked late"
    )
    assert resolved.status == "resolved"
    assert resolved.resolution_entry.kind == "reconciliation_adjustment"


def test_finance_lists_and_resolves_items_through_the_ops_api(client_for):
    from django.urls import reverse

    item = ReconciliationItem.objects.create(
        day=timezone.localdate(),
        kind="missing_in_ledger",
        transaction_type="payment",
        source_id="pay_x",
        currency="CNY",
        provider_amount=500,
    )
    finance = client_for(factories.UserFactory(operator_role=User.OperatorRole.FINANCE))
    support = client_for(factories.UserFactory(operator_role=User.OperatorRole.SUPPORT))
    resolve = reverse("ops-reconciliation-resolve", kwargs={"item_id": item.pk})

    listed = finance.get(reverse("ops-reconciliation")).json()
    refused = support.post(resolve, {"reason": "x"}, format="json")
    resolved = finance.post(resolve, {"reason": "found it"}, format="json")
    again = finance.post(resolve, {"reason": "found it"}, format="json")

    assert [row["id"] for row in listed] == [item.pk]
    assert refused.status_code == 403
    assert resolved.json()["status"] == "resolved"
    assert again.status_code == 409


def test_reconciling_a_day_costs_the_same_queries_however_many_orders(
    paid_order, commission_vendor, funds_flow
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # in the frozen shape a refund after settlement needs the commission returned,
    # which costs the reconciliation a few queries per refund (documented in
    # reconciliation_expected._returns): there the sale refunds before settling
    frozen = funds_flow == "funds_frozen_in_payee_account"

    def a_sale():
        vendor_order = complete(
            paid_order((sellable(vendor=commission_vendor), 2)).vendor_orders.get()
        )
        if not frozen:
            settle()
        refund(vendor_order, 1000, key=str(vendor_order.pk))
        run_refunds()
        if frozen:
            settle()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reconcile_day(day=timezone.localdate()) == 0
        return len(captured)

    a_sale()
    one = queries()
    for _ in range(3):
        a_sale()

    assert queries() == one
