"""Checkout under contention, on PostgreSQL: one thread and one connection per buyer.

All threads are released together at a barrier. ``.ci/run`` raises PostgreSQL's
``max_connections`` so that 200 buyers (plus a parallel test worker) fit.
"""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.catalog.models import Variant
from marketplace.payments.sandbox.models import SandboxPayment
from orders.models import Order, VendorOrder
from tests import factories
from tests.orders.conftest import lines, sellable

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("funds_flow"),
]


def run_concurrently(jobs) -> list:
    """Run each job (a callable) on its own thread and database connection, all
    released together at a barrier; return their results in order."""
    threads = len(jobs)
    results = [None] * len(jobs)
    barrier = threading.Barrier(threads)

    def worker(offset):
        try:
            barrier.wait(timeout=30)
            for index in range(offset, len(jobs), threads):
                try:
                    results[index] = jobs[index]()
                except Exception as error:
                    results[index] = error
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    return results


def checkout_job(shopper, address, body, key=None):
    def job():
        client = APIClient()
        client.force_authenticate(shopper)
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        response = client.post(
            reverse("store-checkout"),
            {"address_id": address.pk, **body},
            format="json",
            **headers,
        )
        return response.status_code, response.json()

    return job


def shoppers_with_addresses(count):
    shoppers = factories.UserFactory.create_batch(count)
    return [(s, factories.AddressFactory(user=s)) for s in shoppers]


def test_flash_sale_sells_exactly_the_stock_and_refuses_the_rest_cleanly():
    # given a variant with 50 in stock and 200 shoppers wanting one each
    variant = sellable(stock=50)
    body = {"lines": lines((variant, 1))}
    jobs = [checkout_job(s, a, body) for s, a in shoppers_with_addresses(200)]

    # when they all check out at once
    results = run_concurrently(jobs)

    # then exactly 50 orders, 150 clean "sold out", no 5xx, stock fully reserved
    statuses = Counter(r[0] if isinstance(r, tuple) else repr(r) for r in results)
    assert statuses == {201: 50, 409: 150}
    assert {r[1]["code"] for r in results if r[0] == 409} == {"sold_out"}
    assert Order.objects.count() == 50
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (50, 50)
    assert variant.stock_available == 0


def test_opposite_line_orders_never_deadlock():
    # given two scarce variants of two vendors, and 100 carts holding both, half in
    # one line order and half in the other
    first, second = sellable(stock=30), sellable(stock=30)
    forward = {"lines": lines((first, 1), (second, 1))}
    backward = {"lines": lines((second, 1), (first, 1))}
    jobs = [
        checkout_job(s, a, forward if i % 2 else backward)
        for i, (s, a) in enumerate(shoppers_with_addresses(100))
    ]

    # when all check out at once
    results = run_concurrently(jobs)

    # then no deadlock and no 500: 30 orders, the rest sold out
    statuses = Counter(r[0] if isinstance(r, tuple) else repr(r) for r in results)
    assert statuses == {201: 30, 409: 70}
    assert VendorOrder.objects.count() == 60
    assert list(
        Variant.objects.order_by("pk").values_list("stock_reserved", flat=True)
    ) == [30, 30]


def test_concurrent_checkouts_with_one_key_make_one_order_and_one_payment():
    # given one shopper sending the same checkout 50 times with one key
    variant = sellable(stock=100)
    [(shopper, address)] = shoppers_with_addresses(1)
    body = {"lines": lines((variant, 2))}
    jobs = [checkout_job(shopper, address, body, key="checkout-1") for _ in range(50)]

    # when all arrive at once
    results = run_concurrently(jobs)

    # then one order and one provider payment; every answer is that order
    assert {r[0] for r in results} == {201}
    assert len({r[1]["number"] for r in results}) == 1
    assert Order.objects.count() == 1
    assert SandboxPayment.objects.count() == 1
    variant.refresh_from_db()
    assert variant.stock_reserved == 2
