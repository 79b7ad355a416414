"""A stateful property test over the money services, with a fixed seed.

Steps: place and pay, ship, complete, refund partly or fully before or after
completion and settlement, settle, withdraw, make the next payout fail, use the
deposit. After every step every ledger invariant (``ledger_check``) holds.
"""

import contextlib

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from marketplace.common.errors import DomainError
from marketplace.payments.providers import get_provider
from marketplace.payments.sandbox import control
from orders.models import VendorOrder, VendorOrderSettlement, VendorPayee
from orders.services import refunds
from orders.services.late_refunds import refund_completed_vendor_order
from orders.services.payment import payee_refs
from tests import factories
from tests.ledger.checking import fail_on_ledger_problems
from tests.money.conftest import (
    Kind,
    deliver,
    owner,
    run_refunds,
    settle,
    ship,
    vendor_balance,
)
from tests.orders.conftest import sellable
from vendors.services import withdrawals

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]
STEPS = {"count": 0}


class MoneyMachine(RuleBasedStateMachine):
    vendor_orders = Bundle("vendor_orders")

    @initialize()
    def setup(self):
        self.vendors = [factories.VendorFactory(), factories.SupplyVendorFactory()]
        self.operator = factories.OperatorFactory()
        self.shopper = factories.UserFactory()
        self.address = factories.AddressFactory(user=self.shopper, is_default=False)
        refs = payee_refs(vendors=self.vendors, provider=get_provider())
        for ref in refs.values():
            control.complete_onboarding(ref)
        self.keys = 0

    def _key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"

    @rule(
        target=vendor_orders,
        which=st.integers(0, 1),
        price=st.integers(1, 50_000),
        quantity=st.integers(1, 4),
    )
    def place_and_pay(self, which, price, quantity):
        from orders.services.checkout import place_order
        from orders.services.payment import sync_payment

        vendor = self.vendors[which]
        extra = {"supply_price": max(1, price * 7 // 10)} if which else {}
        variant = sellable(vendor=vendor, price=price, stock=10, **extra)
        order = place_order(
            shopper=self.shopper,
            address_id=self.address.pk,
            lines=[{"variant_id": variant.pk, "quantity": quantity}],
        )
        control.pay(order.payment_reference)
        sync_payment(payment_id=order.payment_reference, source="test")
        return order.vendor_orders.get().pk

    @rule(pk=vendor_orders, cut=st.integers(1, 100), after=st.booleans())
    def refund(self, pk, cut, after):
        vendor_order = VendorOrder.objects.get(pk=pk)
        amount = max(1, vendor_order.refundable * cut // 100)
        try:
            if vendor_order.status == "completed" and after:
                refund_completed_vendor_order(
                    operator=self.operator,
                    vendor_order_id=pk,
                    amount=amount,
                    reason="state machine",
                    key=self._key(),
                )
            elif vendor_order.status in ("paid", "shipped"):
                request = refunds.request_refund(
                    shopper=self.shopper,
                    vendor_order_id=pk,
                    type="refund_only",
                    reason="state machine",
                    amount=amount,
                )
                refunds.decide_refund(
                    operator=self.operator,
                    request_id=request.pk,
                    accept=True,
                    reason="ok",
                )
        except DomainError:
            pass
        run_refunds()
        deliver("order.settlement_reversal")

    @rule(pk=vendor_orders)
    def ship_and_complete(self, pk):
        vendor_order = VendorOrder.objects.get(pk=pk)
        try:
            if vendor_order.status == "paid":
                ship(vendor_order)
            elif vendor_order.status == "shipped":
                complete_shipped(vendor_order)
        except DomainError:
            pass

    @rule()
    def settle_due(self):
        settle()

    @rule(which=st.integers(0, 1), share=st.integers(1, 100), fail=st.booleans())
    def withdraw(self, which, share, fail):
        vendor = self.vendors[which]
        available = vendor_balance(vendor, Kind.VENDOR_AVAILABLE)
        if available < 100_00:
            return
        if fail:
            control.inject_fault("fail_payout")
        with contextlib.suppress(DomainError):
            withdrawals.request_withdrawal(
                vendor=vendor,
                actor=owner(vendor),
                amount=max(100_00, available * share // 100),
            )
        deliver("vendor.withdrawal_payout")
        control.clear_faults()

    @invariant()
    def books_hold(self):
        STEPS["count"] += 1
        fail_on_ledger_problems()
        for vendor in getattr(self, "vendors", []):
            for kind in (Kind.VENDOR_AVAILABLE, Kind.VENDOR_PAYABLE):
                assert vendor_balance(vendor, kind) >= 0


def complete_shipped(vendor_order):
    from orders.services import fulfilment

    fulfilment.confirm_receipt(
        shopper=vendor_order.order.shopper, vendor_order_id=vendor_order.pk
    )


def test_money_services_keep_every_invariant(capsys):
    STEPS["count"] = 0
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    with capsys.disabled():
        print(f"\nmoney state machine: {STEPS['count']} steps checked")
    assert STEPS["count"] > 100
    assert VendorPayee.objects.exists()
    assert VendorOrderSettlement.objects.filter(status="settled").exists()
