"""Catalog test helpers: the review rule, and searchable products with variants."""

import io

import pytest
from PIL import Image

from marketplace.catalog.search import index_product
from marketplace.rules.models import PlatformRules
from tests.factories import ProductFactory, VariantFactory


@pytest.fixture
def review_on(db):
    return PlatformRules.objects.create(listing_review_required=True)


@pytest.fixture
def review_off(db):
    return PlatformRules.objects.create(listing_review_required=False)


def make_product(*, price=12900, stock=10, variants=1, **fields):
    """Create a live, indexed product with ``variants`` priced variants."""
    product = ProductFactory(**fields)
    for _ in range(variants):
        VariantFactory(product=product, retail_price=price, stock_on_hand=stock)
    index_product(product)
    return product


def png_bytes(size=(800, 600), mode="RGB", colour="red", fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()
