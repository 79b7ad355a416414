"""Money fixtures: a journey helper from checkout to completion on the sandbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.common.models import OutboxMessage
from marketplace.common.services import deliver_outbox_message
from marketplace.ledger.models import Account
from marketplace.ledger.selectors import get_balance
from marketplace.ledger.services import get_or_create_account
from marketplace.outbox import HANDLERS
from marketplace.payments.sandbox import control
from orders.models import Refund, VendorOrder
from orders.services import fulfilment, payment, refunds
from orders.services.settlement import settle_due_vendor_orders
from tests import factories
from tests.orders.conftest import lines, sellable

Kind = Account.Kind
LATER = timedelta(days=400)


def owner(vendor):
    return vendor.members.get().user


def vendor_balance(vendor, kind) -> int:
    account = get_or_create_account(
        owner_type="vendor", owner_id=vendor.pk, kind=kind, currency="CNY"
    )
    return get_balance(account=account).available.amount


def platform_balance(kind) -> int:
    account = get_or_create_account(
        owner_type="platform", owner_id="platform", kind=kind, currency="CNY"
    )
    return get_balance(account=account).posted.amount


def escrow_balance(order) -> int:
    account = get_or_create_account(
        owner_type="order", owner_id=order.pk, kind=Kind.ORDER_ESCROW, currency="CNY"
    )
    return get_balance(account=account).posted.amount


def deliver(topic: str) -> list[bool]:
    """Deliver every undelivered outbox row of ``topic`` (what the worker does)."""
    ids = OutboxMessage.objects.filter(
        topic=topic, delivered_at__isnull=True
    ).values_list("pk", flat=True)
    return [
        deliver_outbox_message(message_id=pk, handlers=HANDLERS) for pk in list(ids)
    ]


def run_refunds() -> None:
    for refund in Refund.objects.filter(status=Refund.Status.PENDING):
        refunds.execute_refund(refund_id=refund.pk)


def ship(vendor_order) -> None:
    vendor = vendor_order.vendor
    kwargs = {"vendor": vendor, "vendor_order_id": vendor_order.pk}
    fulfilment.accept_vendor_order(**kwargs, actor=owner(vendor))
    fulfilment.ship_vendor_order(
        **kwargs, actor=owner(vendor), carrier="SF", tracking_number="SF1"
    )


def complete(vendor_order) -> VendorOrder:
    ship(vendor_order)
    fulfilment.confirm_receipt(
        shopper=vendor_order.order.shopper, vendor_order_id=vendor_order.pk
    )
    vendor_order.refresh_from_db()
    return vendor_order


def settle(now=None) -> int:
    done = settle_due_vendor_orders(now=now or timezone.now() + LATER)
    deliver("order.settlement_due")
    return done


@pytest.fixture
def shopper(db):
    return factories.UserFactory()


@pytest.fixture
def paid_order(shopper):
    """Return a factory: place and pay (on the sandbox, fee booked) an order of
    ``(variant, quantity)`` pairs."""
    from orders.services.checkout import place_order

    address = factories.AddressFactory(user=shopper)

    def make(*pairs):
        order = place_order(shopper=shopper, address_id=address.pk, lines=lines(*pairs))
        control.pay(order.payment_reference)
        payment.sync_payment(payment_id=order.payment_reference, source="test")
        order.refresh_from_db()
        return order

    return make


@pytest.fixture
def commission_vendor(db):
    return factories.VendorFactory()


@pytest.fixture
def supply_vendor(db):
    return factories.SupplyVendorFactory()


__all__ = ["sellable"]
