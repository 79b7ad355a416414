"""Checkout: one order, a vendor order per vendor, snapshots, shipping, tampering."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.catalog.models import Product, Variant
from orders.models import CartLine, Order, OrderLine, VendorPayee
from orders.services import checkout
from tests import factories
from tests.orders.conftest import lines, sellable
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_a_cart_from_two_vendors_becomes_one_order_with_two_vendor_orders(
    client_for, shopper, address
):
    # given a cart with 2 × 12900 from vendor A (free shipping from 9900) and
    # 1 × 5000 from vendor B (fee 1000 below 9900)
    a, b = sellable(stock=5), sellable(stock=5, price=5000)
    client = client_for(shopper)
    for variant, quantity in ((a, 2), (b, 1)):
        response = client.post(
            reverse("store-cart-lines"),
            {"variant_id": variant.pk, "quantity": quantity},
            format="json",
        )
        assert response.status_code == 201, response.json()
    cart = client.get(reverse("store-cart")).json()
    assert [g["shipping_fee"] for g in cart["vendors"]] == [0, 1000]
    assert cart["grand_total"] == 2 * 12900 + 5000 + 1000

    # when the shopper checks out
    response = client.post(
        reverse("store-checkout"), {"address_id": address.pk}, format="json"
    )

    # then one order, two vendor orders, lines with snapshots, stock reserved
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(number=body["number"])
    assert (order.items_total, order.shipping_total, order.grand_total) == (
        30800,
        1000,
        31800,
    )
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.recipient == address.recipient
    assert order.detail == address.detail
    vendor_orders = {vo.vendor_id: vo for vo in order.vendor_orders.all()}
    assert set(vendor_orders) == {a.product.vendor_id, b.product.vendor_id}
    va, vb = vendor_orders[a.product.vendor_id], vendor_orders[b.product.vendor_id]
    assert (va.items_total, va.shipping_fee, va.total) == (25800, 0, 25800)
    assert (vb.items_total, vb.shipping_fee, vb.total) == (5000, 1000, 6000)
    line = va.lines.get()
    assert (line.sku, line.unit_price, line.quantity, line.line_total) == (
        a.sku,
        12900,
        2,
        25800,
    )
    assert line.product_title_en == a.product.title_en
    assert line.attributes == a.attributes == {"colour": "red"}
    assert line.pricing_model == Vendor.PricingModel.COMMISSION
    assert line.commission_bps == 500
    assert line.vendor_share == 25800 - 1290
    assert order.payment_reference.startswith("pay_")
    assert body["payment_url"]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock_on_hand, a.stock_reserved, b.stock_reserved) == (5, 2, 1)
    assert not CartLine.objects.filter(cart__user=shopper).exists()


def test_supply_price_lines_snapshot_the_supply_price(place):
    vendor = factories.SupplyVendorFactory()
    variant = sellable(vendor=vendor, price=None, supply_price=8000)

    order = place((variant, 3))

    line = OrderLine.objects.get(vendor_order__order=order)
    assert line.pricing_model == Vendor.PricingModel.SUPPLY_PRICE
    assert (line.unit_price, line.supply_price, line.vendor_share) == (
        10000,
        8000,
        24000,
    )


def test_catalog_edits_after_placing_change_no_placed_order(place):
    # given a placed order
    variant = sellable()
    order = place((variant, 1))
    before = list(OrderLine.objects.filter(vendor_order__order=order).values())

    # when the vendor renames the product, reprices and re-SKUs the variant
    Product.objects.filter(pk=variant.product_id).update(title_en="Renamed")
    Variant.objects.filter(pk=variant.pk).update(retail_price=1, sku="NEW")
    Vendor.objects.filter(pk=variant.product.vendor_id).update(shipping_fee=99999)

    # then the order and its lines are as placed
    assert list(OrderLine.objects.filter(vendor_order__order=order).values()) == before
    order.refresh_from_db()
    assert order.grand_total == 12900 + 0


def test_a_client_sent_price_vendor_and_status_are_ignored(
    client_for, shopper, address
):
    variant = sellable()
    other_vendor = factories.VendorFactory()

    response = client_for(shopper).post(
        reverse("store-checkout"),
        {
            "address_id": address.pk,
            "lines": [
                {
                    "variant_id": variant.pk,
                    "quantity": 1,
                    "unit_price": 1,
                    "vendor_id": other_vendor.pk,
                }
            ],
            "discount_total": 12900,
            "status": "paid",
            "grand_total": 1,
        },
        format="json",
    )

    assert response.status_code == 201
    order = Order.objects.get(number=response.json()["number"])
    assert (order.grand_total, order.discount_total, order.status) == (
        12900 + 0,
        0,
        "pending_payment",
    )
    assert order.vendor_orders.get().vendor_id == variant.product.vendor_id


@pytest.mark.parametrize(
    ("quantity", "field"),
    [
        (0, "lines[0].quantity"),
        (-1, "lines[0].quantity"),
        (1.5, "lines[0].quantity"),
        ("1.5", "lines[0].quantity"),
        (10**9, "lines[0].quantity"),
        ("NaN", "lines[0].quantity"),
        (None, "lines[0].quantity"),
    ],
)
def test_a_bad_quantity_is_refused_naming_the_field_and_nothing_is_written(
    client_for, shopper, address, row_counts, quantity, field
):
    variant = sellable()
    before = row_counts()

    response = client_for(shopper).post(
        reverse("store-checkout"),
        {
            "address_id": address.pk,
            "lines": [{"variant_id": variant.pk, "quantity": quantity}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert row_counts() == before
    variant.refresh_from_db()
    assert variant.stock_reserved == 0


def _suspended_vendor_variant():
    variant = sellable()
    Vendor.objects.filter(pk=variant.product.vendor_id).update(
        status=Vendor.Status.SUSPENDED
    )
    return variant


def _paused_listing_variant():
    variant = sellable()
    Product.objects.filter(pk=variant.product_id).update(status=Product.Status.PAUSED)
    return variant


def _inactive_variant():
    return sellable(is_active=False)


@pytest.mark.parametrize(
    "make_variant",
    [_suspended_vendor_variant, _paused_listing_variant, _inactive_variant],
    ids=["suspended-vendor", "paused-listing", "inactive-variant"],
)
def test_an_unsellable_line_is_refused_naming_the_line_and_nothing_is_written(
    client_for, shopper, address, row_counts, make_variant
):
    good, bad = sellable(), make_variant()
    before = row_counts()

    response = client_for(shopper).post(
        reverse("store-checkout"),
        {"address_id": address.pk, "lines": lines((good, 1), (bad, 1))},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["lines[1].variant_id"]
    assert row_counts() == before
    assert Variant.objects.filter(stock_reserved__gt=0).count() == 0


@pytest.mark.parametrize("whose", ["missing", "another-shopper", "no-such-id"])
def test_an_address_not_in_the_shoppers_book_is_refused(
    client_for, shopper, row_counts, whose
):
    variant = sellable()
    body = {"lines": lines((variant, 1))}
    if whose == "another-shopper":
        body["address_id"] = factories.AddressFactory().pk
    elif whose == "no-such-id":
        body["address_id"] = 10**9
    before = row_counts()

    response = client_for(shopper).post(reverse("store-checkout"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["address_id"]
    assert row_counts() == before


def test_checkout_of_an_empty_cart_is_refused(client_for, shopper, address, row_counts):
    before = row_counts()

    response = client_for(shopper).post(
        reverse("store-checkout"), {"address_id": address.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["lines"]
    assert row_counts() == before


def test_a_sold_out_line_is_a_409_naming_the_sku_and_nothing_is_written(
    client_for, shopper, address, row_counts
):
    plenty, scarce = sellable(stock=10), sellable(stock=1)
    before = row_counts()

    response = client_for(shopper).post(
        reverse("store-checkout"),
        {"address_id": address.pk, "lines": lines((plenty, 3), (scarce, 2))},
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "sold_out"
    assert scarce.sku in body["detail"]
    assert list(body["errors"]) == ["lines[1].quantity"]
    assert row_counts() == before
    assert list(
        Variant.objects.order_by("pk").values_list("stock_reserved", flat=True)
    ) == [0, 0]


def _statements(shopper, address, pairs, key) -> list[str]:
    """The SQL of a full placement (with an idempotency key)."""
    with CaptureQueriesContext(connection) as captured:
        checkout.place_order(
            shopper=shopper,
            address_id=address.pk,
            lines=lines(*pairs),
            idempotency_key=key,
        )
    return [q["sql"] for q in captured]


def _ours(statements: list[str]) -> int:
    """Count the statements on our tables.

    The sandbox provider keeps its state in this database too; its statements stand
    for the provider's side of the network call and are not counted, nor are
    savepoints.
    """
    return len(
        [
            sql
            for sql in statements
            if "payments_sandbox" not in sql
            and not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]
    )


def _sandbox(statements: list[str]) -> int:
    return len([sql for sql in statements if "payments_sandbox" in sql])


QUERY_BUDGET = 15


@pytest.fixture
def small_and_large(shopper, address):
    """1 line of 1 vendor, and 10 lines across 5 vendors (in 5 categories), the
    vendors having sold before (their provider payee accounts exist: a one-time
    cost), each placed with an idempotency key: their statements."""
    one = [(sellable(), 1)]
    vendors = [factories.VendorFactory() for _ in range(5)]
    ten = [(sellable(vendor=vendors[i % 5]), 1) for i in range(10)]
    checkout.place_order(
        shopper=shopper, address_id=address.pk, lines=lines(*one, *ten[:5])
    )
    return (
        _statements(shopper, address, one, key="small"),
        _statements(shopper, address, ten, key="large"),
    )


def test_placing_an_order_runs_the_same_bounded_number_of_queries(small_and_large):
    small, large = small_and_large

    # both run the same number of queries, within the budget
    assert _ours(small) == _ours(large)
    assert _ours(large) <= QUERY_BUDGET


def test_the_payee_accounts_are_read_with_the_locked_variants(small_and_large):
    for statements in small_and_large:
        reads = [sql for sql in statements if '"orders_vendorpayee"' in sql]
        assert len(reads) == 1
        assert reads[0].startswith('SELECT "catalog_variant"."id"')
        assert "FOR UPDATE OF" in reads[0]


def test_a_vendors_first_sale_opens_its_payee_account(shopper, address):
    line = sellable()
    vendor = line.product.vendor
    assert not VendorPayee.objects.filter(vendor=vendor).exists()

    order = checkout.place_order(
        shopper=shopper, address_id=address.pk, lines=lines((line, 1))
    )

    assert order.payment_reference
    assert VendorPayee.objects.filter(vendor=vendor, provider="sandbox").count() == 1


def test_the_provider_side_of_a_placement_is_the_same_few_statements_for_any_cart(
    small_and_large,
):
    small, large = small_and_large

    # the payment with 1 split and with 5 costs the same (no read per payee, no
    # write per split, no read-back of the splits)
    assert _sandbox(small) == _sandbox(large) == 6


def test_the_checkout_answer_is_the_order_as_the_order_api_shows_it(
    client_for, shopper, address
):
    # given lines from two vendors
    a, b = sellable(stock=5), sellable(stock=5, price=5000)
    client = client_for(shopper)
    body = {"address_id": address.pk, "lines": lines((a, 2), (b, 1))}

    # when the order is placed (built in memory, not read back), and placed again
    # with the same key (read back)
    placed = client.post(
        reverse("store-checkout"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    replayed = client.post(
        reverse("store-checkout"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    # then both answers are exactly what the order API reads from the database
    assert placed.status_code == replayed.status_code == 201, placed.json()
    stored = client.get(reverse("store-order", args=[placed.json()["number"]]))
    assert stored.status_code == 200
    assert placed.json() == replayed.json() == stored.json()
    assert len(placed.json()["vendor_orders"]) == 2
