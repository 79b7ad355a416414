"""Money arithmetic: shares + revenue + refunds = captured, to the fen."""

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.catalog.pricing import SettlementTerms, platform_share, vendor_share
from orders.services.settlement import net_shares

pytestmark = [pytest.mark.django_db, pytest.mark.money]

line = st.one_of(
    st.builds(
        lambda price, qty, bps: (
            SettlementTerms("commission", price, None, bps, "CNY"),
            qty,
        ),
        st.integers(1, 10**7),
        st.integers(1, 99),
        st.integers(0, 10_000),
    ),
    st.builds(
        lambda supply, margin, qty: (
            SettlementTerms("supply_price", supply + margin, supply, None, "CNY"),
            qty,
        ),
        st.integers(1, 10**7),
        st.integers(0, 10**6),
        st.integers(1, 99),
    ),
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    lines=st.lists(line, min_size=1, max_size=6),
    shipping=st.integers(0, 5000),
    discount_share=st.integers(0, 100),
    refund_cuts=st.lists(st.integers(1, 10**6), max_size=5),
)
def test_vendor_shares_plus_revenue_plus_refunds_equal_captured(
    lines, shipping, discount_share, refund_cuts
):
    # given a vendor order of these lines, shipping and a discount
    items = sum(terms.unit_price * qty for terms, qty in lines)
    for terms, qty in lines:
        assert vendor_share(terms, qty) + platform_share(terms, qty) == (
            terms.unit_price * qty
        )
    discount = items * discount_share // 100
    vendor_order = SimpleNamespace(
        vendor_share_total=sum(vendor_share(t, q) for t, q in lines),
        shipping_fee=shipping,
        total=items + shipping - discount,
    )
    captured = vendor_order.total

    # when refunds come one after another (never past what was captured) and each
    # re-books the difference, as completion and rebooking do
    refunded = 0
    booked_vendor, booked_platform = net_shares(vendor_order, 0)
    for cut in refund_cuts:
        amount = min(cut, captured - refunded)
        if amount == 0:
            break
        refunded += amount
        vendor_now, platform_now = net_shares(vendor_order, refunded)
        assert vendor_now <= booked_vendor
        assert platform_now <= booked_platform
        booked_vendor, booked_platform = vendor_now, platform_now

    # then the parts and the refunds add up to what was captured, none negative
    assert booked_vendor + booked_platform + refunded == captured
    assert min(booked_vendor, booked_platform) >= 0
    if refunded == captured:
        assert booked_vendor == booked_platform == 0
