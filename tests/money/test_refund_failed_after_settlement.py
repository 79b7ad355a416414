"""A refund after settlement that the provider refuses for good leaves the provider
and the ledger agreeing: the settlement is reversed at the provider only once the
refund has succeeded, so a failed refund has pulled nothing from the vendor.

(Charges on the platform, then transfers: the frozen shape returns the shared part
right before its refund, in ``refunds.execute_refund``.)
"""

import pytest

from marketplace.common.models import OutboxMessage
from marketplace.payments.sandbox.models import SandboxTransfer
from orders.models import Refund, VendorOrderSettlement
from orders.services.refunds import complete_refund
from tests.money.conftest import (
    Kind,
    complete,
    deliver,
    run_refunds,
    settle,
    vendor_balance,
)
from tests.money.test_refunds_after_completion import provider_available, refund
from tests.orders.conftest import sellable

pytestmark = [pytest.mark.django_db, pytest.mark.money]
REVERSAL = "order.settlement_reversal"


@pytest.fixture
def settled(paid_order, commission_vendor):
    vendor_order = complete(
        paid_order(
            (sellable(vendor=commission_vendor, price=12900), 2)
        ).vendor_orders.get()
    )
    settle()
    row = VendorOrderSettlement.objects.get()
    assert provider_available(commission_vendor) == row.vendor_amount > 0
    return vendor_order


def test_a_refund_refused_for_good_reverses_nothing_at_the_provider(settled):
    vendor = settled.vendor
    before = vendor_balance(vendor, Kind.VENDOR_AVAILABLE)

    # given a refund after settlement, its reversal due before the refund is done
    made = refund(settled, 5000)
    assert deliver(REVERSAL) == [False]  # it waits for the refund
    assert vendor_balance(vendor, Kind.VENDOR_AVAILABLE) < before

    # when the provider refuses the refund for good (its refund.failed event)
    Refund.objects.filter(pk=made.pk).update(provider_reference="re_refused")
    complete_refund(provider_reference="re_refused", succeeded=False, reason="x")
    delivered = deliver(REVERSAL)

    # then nothing was reversed, and the vendor has its whole part on both sides
    message = OutboxMessage.objects.get(topic=REVERSAL)
    assert delivered == [True]
    assert message.delivered_at is not None
    assert SandboxTransfer.objects.get().amount_reversed == 0
    assert vendor_balance(vendor, Kind.VENDOR_AVAILABLE) == before
    assert provider_available(vendor) == before
    assert vendor_balance(vendor, Kind.VENDOR_RECEIVABLE) == 0


def test_a_refund_that_succeeds_is_then_reversed_at_the_provider(settled):
    vendor = settled.vendor
    before = vendor_balance(vendor, Kind.VENDOR_AVAILABLE)

    refund(settled, 5000)
    waited = deliver(REVERSAL)
    run_refunds()
    reversed_ = deliver(REVERSAL)

    taken = before - vendor_balance(vendor, Kind.VENDOR_AVAILABLE)
    assert (waited, reversed_) == ([False], [True])
    assert taken > 0
    assert SandboxTransfer.objects.get().amount_reversed == taken
    assert provider_available(vendor) == before - taken
