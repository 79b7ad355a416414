"""Support records a delivery the carrier confirmed (``ops-vendor-order-deliver``)."""

import pytest
from django.urls import reverse

from marketplace.accounts.models import User
from orders.models import OrderEvent, VendorOrder
from orders.services import fulfilment
from tests import factories
from tests.orders.conftest import pay, sellable

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]
Role = User.OperatorRole


@pytest.fixture
def paid_vendor_order(place):
    order = place((sellable(), 1))
    pay(order)
    return order.vendor_orders.get()


def _ship(vendor_order):
    owner = vendor_order.vendor.members.get().user
    vendor = {"vendor": vendor_order.vendor, "vendor_order_id": vendor_order.pk}
    fulfilment.accept_vendor_order(**vendor, actor=owner)
    fulfilment.ship_vendor_order(
        **vendor, actor=owner, carrier="SF Express", tracking_number="SF1"
    )


def _deliver(client, vendor_order_id):
    return client.post(
        reverse("ops-vendor-order-deliver", kwargs={"vendor_order_id": vendor_order_id})
    )


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ADMIN])
def test_support_records_the_delivery_of_a_shipped_vendor_order(
    client_for, paid_vendor_order, role
):
    _ship(paid_vendor_order)
    operator = factories.OperatorFactory(operator_role=role)

    response = _deliver(client_for(operator), paid_vendor_order.pk)

    assert response.status_code == 200
    assert response.json()["status"] == "delivered"
    paid_vendor_order.refresh_from_db()
    assert paid_vendor_order.status == VendorOrder.Status.DELIVERED
    assert paid_vendor_order.delivered_at is not None
    event = OrderEvent.objects.filter(vendor_order=paid_vendor_order).last()
    assert (event.from_status, event.to_status, event.actor_id) == (
        "shipped",
        "delivered",
        operator.pk,
    )


def test_an_unshipped_vendor_order_is_a_409_and_unchanged(
    client_for, paid_vendor_order
):
    events = OrderEvent.objects.count()

    response = _deliver(
        client_for(factories.OperatorFactory(operator_role=Role.SUPPORT)),
        paid_vendor_order.pk,
    )

    assert response.status_code == 409
    paid_vendor_order.refresh_from_db()
    assert paid_vendor_order.status == VendorOrder.Status.PAID
    assert OrderEvent.objects.count() == events


def test_an_unknown_vendor_order_is_a_404(client_for, db):
    operator = factories.OperatorFactory(operator_role=Role.SUPPORT)

    assert _deliver(client_for(operator), 999_999).status_code == 404


@pytest.mark.parametrize("who", ["reviewer", "finance", "shopper", "vendor"])
def test_only_support_and_admins_may_record_a_delivery(
    client_for, paid_vendor_order, who
):
    _ship(paid_vendor_order)
    user = {
        "reviewer": lambda: factories.OperatorFactory(operator_role=Role.REVIEWER),
        "finance": lambda: factories.OperatorFactory(operator_role=Role.FINANCE),
        "shopper": lambda: paid_vendor_order.order.shopper,
        "vendor": lambda: paid_vendor_order.vendor.members.get().user,
    }[who]()

    response = _deliver(client_for(user), paid_vendor_order.pk)

    assert response.status_code == 403
    paid_vendor_order.refresh_from_db()
    assert paid_vendor_order.status == VendorOrder.Status.SHIPPED
