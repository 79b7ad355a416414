"""Fixtures of the shopper page tests: listings, a signed-in shopper, query counts."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories


def listing(*, prices=(12900, 9900), stock=10, **fields):
    """A live product with a variant per price and a picture."""
    product = factories.ProductFactory(**fields)
    for price in prices:
        factories.VariantFactory(
            product=product, retail_price=price, stock_on_hand=stock
        )
    factories.ProductImageFactory(product=product)
    return product


def count_queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return len(queries)


@pytest.fixture
def shopper(db):
    return factories.UserFactory(preferred_language="en")


@pytest.fixture
def signed_in(shopper):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(shopper)
    return client


@pytest.fixture
def english(db):
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def chinese(db):
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture
def strict(db):
    """A client that sends no CSRF token and has the checks enforced."""
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
