"""The numbers a line settles at, for both pricing models."""

import pytest

from marketplace.catalog.pricing import (
    commission_bps_for,
    default_retail_price,
    platform_share,
    settlement_terms,
    vendor_share,
)
from marketplace.common.errors import ValidationFailed
from marketplace.rules.models import PlatformRules
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    SupplyVendorFactory,
    VariantFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


def _terms(variant):
    product = variant.product
    return settlement_terms(variant, vendor=product.vendor, category=product.category)


def test_supply_model_pays_the_vendor_supply_times_quantity():
    # given a supply-price variant with a retail price set by the platform
    variant = VariantFactory(
        product=ProductFactory(vendor=SupplyVendorFactory()),
        supply_price=8000,
        retail_price=9900,
    )
    # when
    terms = _terms(variant)
    # then
    assert (terms.pricing_model, terms.unit_price, terms.supply_price) == (
        "supply_price",
        9900,
        8000,
    )
    assert terms.commission_bps is None
    assert terms.currency == "CNY"
    assert vendor_share(terms, 3) == 24000
    assert platform_share(terms, 3) == 5700


def test_supply_model_default_retail_is_supply_plus_margin_rounded_half_up():
    # given the platform margin of 25 % and no retail price from the platform
    PlatformRules.objects.create(default_supply_margin_bps=2500)
    variant = VariantFactory(
        product=ProductFactory(vendor=SupplyVendorFactory()),
        supply_price=1002,
        retail_price=None,
    )
    # when / then: 1002 × 25 % = 250.5 → 251
    assert default_retail_price(1002) == 1253
    assert _terms(variant).unit_price == 1253


def test_supply_model_without_supply_price_is_refused():
    variant = VariantFactory(
        product=ProductFactory(vendor=SupplyVendorFactory()), supply_price=None
    )
    with pytest.raises(ValidationFailed) as error:
        _terms(variant)
    assert list(error.value.errors) == ["supply_price"]


@pytest.mark.parametrize(
    ("override", "child", "parent", "platform", "expected"),
    [
        (300, 700, 900, 500, 300),  # the vendor's override wins
        (None, 700, 900, 500, 700),  # then the product's own category
        (None, None, 900, 500, 900),  # then the nearest ancestor with a rate
        (None, None, None, 450, 450),  # then the platform rule
        (0, 700, 900, 500, 0),  # a zero override is an override
    ],
)
def test_commission_rate_resolution(override, child, parent, platform, expected):
    # given a three-level tree where only some levels set a rate
    PlatformRules.objects.create(default_commission_bps=platform)
    root = CategoryFactory(commission_bps=parent)
    middle = CategoryFactory(parent=root, commission_bps=None)
    leaf = CategoryFactory(parent=middle, commission_bps=child)
    vendor = VendorFactory(commission_bps_override=override)
    # when / then
    assert commission_bps_for(vendor=vendor, category=leaf) == expected


@pytest.mark.parametrize(
    ("unit_price", "quantity", "bps", "vendor_gets"),
    [
        (10000, 1, 500, 9500),
        (333, 3, 500, 949),  # commission on the line total: 999 × 5 % = 49.95 → 50
        (10, 1, 500, 9),  # 0.5 rounds half up to 1
        (10, 1, 499, 10),  # 0.499 rounds down to 0
        (12345, 0, 500, 0),
    ],
)
def test_commission_model_share_is_line_total_less_commission_rounded_half_up(
    unit_price, quantity, bps, vendor_gets
):
    # given
    category = CategoryFactory(commission_bps=bps)
    variant = VariantFactory(
        product=ProductFactory(category=category), retail_price=unit_price
    )
    # when
    terms = _terms(variant)
    # then
    assert terms.commission_bps == bps
    assert terms.supply_price is None
    assert vendor_share(terms, quantity) == vendor_gets
    assert vendor_share(terms, quantity) + platform_share(terms, quantity) == (
        unit_price * quantity
    )


def test_commission_model_without_retail_price_is_refused():
    variant = VariantFactory(retail_price=None)
    with pytest.raises(ValidationFailed) as error:
        _terms(variant)
    assert list(error.value.errors) == ["retail_price"]
