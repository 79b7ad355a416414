"""Fixtures for the orders tests: a shopper with an address, and row counting."""

import pytest

from marketplace.common.models import IdempotencyKey, OutboxMessage
from orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    Refund,
    RefundRequest,
    Shipment,
    VendorOrder,
)
from tests import factories

WRITTEN = (
    Order,
    VendorOrder,
    OrderLine,
    OrderEvent,
    Shipment,
    Refund,
    RefundRequest,
    OutboxMessage,
    IdempotencyKey,
)


@pytest.fixture
def shopper(db):
    return factories.UserFactory()


@pytest.fixture
def address(shopper):
    return factories.AddressFactory(user=shopper)


@pytest.fixture
def row_counts():
    """Return a function giving the row count of every table orders writes."""

    def counts() -> dict[str, int]:
        return {model.__name__: model.objects.count() for model in WRITTEN}

    return counts


def sellable(*, vendor=None, stock: int = 10, price: int = 12900, **kwargs):
    """Return a live, active variant of an approved vendor with ``stock`` on hand."""
    product = factories.ProductFactory(**({"vendor": vendor} if vendor else {}))
    return factories.VariantFactory(
        product=product, stock_on_hand=stock, retail_price=price, **kwargs
    )


def lines(*pairs) -> list[dict]:
    """``lines((variant, 2), (other, 1))`` → the checkout body's lines."""
    return [{"variant_id": v.pk, "quantity": q} for v, q in pairs]


def pay(order):
    """Apply a provider-confirmed payment of the whole order (as a webhook would)."""
    from orders.services.payment import mark_order_paid

    order.refresh_from_db()
    return mark_order_paid(
        order_number=order.number,
        payment_id=order.payment_reference or f"pay_test_{order.pk}",
        amount=order.grand_total,
        currency=order.currency,
        source="test",
    )


@pytest.fixture
def place(shopper, address):
    """Place an order for the ``shopper`` at ``address`` from (variant, qty) pairs."""
    from orders.services.checkout import place_order

    def make(*pairs, **kwargs):
        return place_order(
            shopper=kwargs.pop("shopper", shopper),
            address_id=kwargs.pop("address_id", address.pk),
            lines=lines(*pairs),
            **kwargs,
        )

    return make
