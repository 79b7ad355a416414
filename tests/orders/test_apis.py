"""The vendor and operator order APIs: scope, isolation, after-sales, idempotency."""

import pytest
from django.urls import reverse

from marketplace.common.models import IdempotencyKey
from orders.models import Order, RefundRequest
from tests import factories
from tests.orders.conftest import lines, pay, sellable

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


@pytest.fixture
def paid_vendor_order(place):
    order = place((sellable(stock=5), 2))
    pay(order)
    return order.vendor_orders.get()


def owner_of(vendor):
    return vendor.members.get().user


def test_a_vendor_lists_only_its_own_orders_filtered_by_status(
    client_for, paid_vendor_order, place
):
    place((sellable(), 1))  # another vendor's order
    client = client_for(owner_of(paid_vendor_order.vendor))

    everything = client.get(reverse("vendor-orders")).json()["results"]
    paid = client.get(reverse("vendor-orders"), {"status": "paid"}).json()["results"]
    shipped = client.get(reverse("vendor-orders"), {"status": "shipped"}).json()

    assert [vo["id"] for vo in everything] == [paid_vendor_order.pk]
    assert [vo["id"] for vo in paid] == [paid_vendor_order.pk]
    assert shipped["results"] == []
    assert everything[0]["shipping_address"]["recipient"] == "Han Meimei"


def test_the_vendor_accepts_and_ships_through_the_api(client_for, paid_vendor_order):
    client = client_for(owner_of(paid_vendor_order.vendor))
    kwargs = {"vendor_order_id": paid_vendor_order.pk}

    accepted = client.post(reverse("vendor-order-accept", kwargs=kwargs))
    shipped = client.post(
        reverse("vendor-order-ship", kwargs=kwargs),
        {"carrier": "SF Express", "tracking_number": "SF100200300"},
        format="json",
    )
    again = client.post(reverse("vendor-order-accept", kwargs=kwargs))

    assert accepted.status_code == 200
    assert shipped.status_code == 200
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["shipments"][0]["tracking_number"] == "SF100200300"
    assert again.status_code == 409


def test_after_sales_request_accepted_by_the_vendor_becomes_a_refund(
    client_for, paid_vendor_order
):
    order = paid_vendor_order.order
    line = paid_vendor_order.lines.get()
    response = client_for(order.shopper).post(
        reverse(
            "store-vendor-order-refunds",
            kwargs={"number": order.number, "vendor_order_id": paid_vendor_order.pk},
        ),
        {
            "type": "return_and_refund",
            "reason": "Wrong size",
            "lines": [{"order_line_id": line.pk, "quantity": 1}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == 12900

    decided = client_for(owner_of(paid_vendor_order.vendor)).post(
        reverse("vendor-refund-accept", kwargs={"request_id": response.json()["id"]}),
        {},
        format="json",
    )

    assert decided.status_code == 200
    assert decided.json()["status"] == "accepted"
    refund = RefundRequest.objects.get().refund
    assert (refund.kind, refund.amount, refund.allocations) == (
        "after_sales",
        12900,
        {"lines": {str(line.pk): 12900}, "shipping": 0},
    )
    paid_vendor_order.refresh_from_db()
    assert paid_vendor_order.refunded_total == 12900


@pytest.mark.parametrize("amount", [0, -1, 25801, "NaN", 1.5])
def test_a_refund_request_above_what_is_refundable_is_refused(
    client_for, paid_vendor_order, row_counts, amount
):
    order = paid_vendor_order.order
    before = row_counts()

    response = client_for(order.shopper).post(
        reverse(
            "store-vendor-order-refunds",
            kwargs={"number": order.number, "vendor_order_id": paid_vendor_order.pk},
        ),
        {"type": "refund_only", "reason": "Broken", "amount": amount},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["amount"]
    assert row_counts() == before


def test_an_operator_decides_instead_of_the_vendor(client_for, paid_vendor_order):
    from orders.services.refunds import request_refund

    request = request_refund(
        shopper=paid_vendor_order.order.shopper,
        vendor_order_id=paid_vendor_order.pk,
        type="refund_only",
        reason="Never arrived",
        amount=5000,
    )
    operator = factories.OperatorFactory()

    response = client_for(operator).post(
        reverse("ops-refund-decide", kwargs={"request_id": request.pk}),
        {"accept": True, "reason": "Carrier lost it"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["decided_by_operator"] is True
    request.refresh_from_db()
    assert (request.status, request.decided_by_id) == ("accepted", operator.pk)


def test_the_operator_sees_any_order_with_its_timeline(client_for, paid_vendor_order):
    operator = factories.OperatorFactory()
    number = paid_vendor_order.order.number

    listed = client_for(operator).get(reverse("ops-orders"), {"search": number[:12]})
    detail = client_for(operator).get(reverse("ops-order", kwargs={"number": number}))

    assert [o["number"] for o in listed.json()["results"]] == [number]
    assert [e["to_status"] for e in detail.json()["timeline"]] == [
        "pending_payment",
        "pending_payment",
        "paid",
        "paid",
    ]


def test_a_shopper_is_not_an_operator(client_for, shopper):
    assert client_for(shopper).get(reverse("ops-orders")).status_code == 403


def test_the_same_key_and_body_return_the_same_order(client_for, shopper, address):
    variant = sellable()
    body = {"address_id": address.pk, "lines": lines((variant, 1))}
    client = client_for(shopper)

    first = client.post(
        reverse("store-checkout"), body, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    second = client.post(
        reverse("store-checkout"), body, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] == second.json()["number"]
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get().response_status == 201


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(
    client_for, shopper, address, row_counts
):
    variant = sellable()
    client = client_for(shopper)
    client.post(
        reverse("store-checkout"),
        {"address_id": address.pk, "lines": lines((variant, 1))},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    before = row_counts()

    response = client.post(
        reverse("store-checkout"),
        {"address_id": address.pk, "lines": lines((variant, 2))},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert row_counts() == before


def test_keys_are_scoped_to_the_shopper(client_for, address, shopper):
    variant = sellable()
    other = factories.UserFactory()
    other_address = factories.AddressFactory(user=other)

    for user, addr in ((shopper, address), (other, other_address)):
        response = client_for(user).post(
            reverse("store-checkout"),
            {"address_id": addr.pk, "lines": lines((variant, 1))},
            format="json",
            HTTP_IDEMPOTENCY_KEY="same-key",
        )
        assert response.status_code == 201

    assert Order.objects.count() == 2


def test_an_anonymous_cart_merges_into_the_shoppers_cart_after_sign_in(
    api, shopper, client_for
):
    from rest_framework.test import APIClient

    variant = sellable()
    api.post(
        reverse("store-cart-lines"),
        {"variant_id": variant.pk, "quantity": 2},
        format="json",
    )
    client_for(shopper).post(
        reverse("store-cart-lines"),
        {"variant_id": variant.pk, "quantity": 1},
        format="json",
    )

    signed_in = APIClient()
    signed_in.cookies = api.cookies
    signed_in.force_authenticate(shopper)
    cart = signed_in.get(reverse("store-cart")).json()

    assert [line["quantity"] for g in cart["vendors"] for line in g["lines"]] == [3]


def test_the_shoppers_order_body_is_what_its_schema_serializer_renders(
    paid_vendor_order, place, shopper
):
    """``order_body`` renders by hand what ``StoreOrderOut`` declares (the schema)."""
    from marketplace.storefront.apis.orders import StoreOrderOut, order_body
    from orders import selectors
    from orders.services import fulfilment

    owner = owner_of(paid_vendor_order.vendor)
    vendor = {
        "vendor": paid_vendor_order.vendor,
        "vendor_order_id": paid_vendor_order.pk,
    }
    fulfilment.accept_vendor_order(**vendor, actor=owner)
    for tracking in ("SF1", "SF2"):
        fulfilment.ship_vendor_order(
            **vendor, actor=owner, carrier="SF Express", tracking_number=tracking
        )
    unpaid = place((sellable(), 1), (sellable(), 2))
    for number in (paid_vendor_order.order.number, unpaid.number):
        order = selectors.get_shopper_order(shopper=shopper, number=number)

        assert order_body(order) == StoreOrderOut(order).data
    assert order_body(order)["vendor_orders"][0]["lines"][0]["attributes"] is not None
