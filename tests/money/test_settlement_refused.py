"""A settlement transfer the provider will not make goes to the back office.

It is retried a bounded number of times (or not at all when the refusal is final),
then becomes an open reconciliation item; finance resolves it by sending the
transfer again, which the provider makes exactly once.
"""

import pytest
from django.db.models import F
from django.urls import reverse

from marketplace.accounts.models import User
from marketplace.common.models import OutboxMessage
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxSplit, SandboxTransfer
from orders.models import ReconciliationItem, VendorOrderSettlement
from orders.services.reconciliation import SETTLEMENT_MAX_ATTEMPTS, STUCK_SETTLEMENT
from tests import factories
from tests.money.conftest import LATER, complete, deliver
from tests.orders.conftest import sellable

pytestmark = [pytest.mark.django_db, pytest.mark.money]
TOPIC = "order.settlement_due"


@pytest.fixture
def due(paid_order, commission_vendor):
    """A completed vendor order settled in the ledger, its transfer not yet sent."""
    from django.utils import timezone

    from orders.services.settlement import settle_due_vendor_orders

    complete(paid_order((sellable(vendor=commission_vendor), 2)).vendor_orders.get())
    assert settle_due_vendor_orders(now=timezone.now() + LATER) == 1
    return VendorOrderSettlement.objects.get()


def _resolve(client_for, item):
    finance = client_for(factories.UserFactory(operator_role=User.OperatorRole.FINANCE))
    return finance.post(
        reverse("ops-reconciliation-resolve", kwargs={"item_id": item.pk}),
        {"reason": "the payee account is fixed"},
        format="json",
    )


def test_a_final_refusal_becomes_an_item_at_once_and_finance_retries_it(
    due, client_for
):
    # given the provider has less left of the payee's part than the transfer
    SandboxSplit.objects.update(refunded=F("amount"))

    # when the transfer is delivered
    assert deliver(TOPIC) == [True]

    # then no retry is left pending: an open item names the missing transfer
    message = OutboxMessage.objects.get(topic=TOPIC)
    item = ReconciliationItem.objects.get()
    assert (message.attempts, message.delivered_at is not None) == (1, True)
    assert (item.status, item.kind, item.transaction_type) == (
        "open",
        "missing_at_provider",
        STUCK_SETTLEMENT,
    )
    assert (item.source_id, item.provider_amount, item.ledger_amount) == (
        f"settle-{due.vendor_order_id}",
        0,
        due.transfer_amount,
    )
    assert not SandboxTransfer.objects.exists()

    # when the provider's side is fixed and finance resolves the item
    SandboxSplit.objects.update(refunded=0)
    resolved = _resolve(client_for, item)
    deliver(TOPIC)
    deliver(TOPIC)

    # then the transfer is made once, under a new key, and nothing is booked
    due.refresh_from_db()
    transfer = SandboxTransfer.objects.get()
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolution_entry_id"]) == (
        "resolved",
        None,
    )
    assert due.provider_settlement_id == transfer.transfer_id
    assert transfer.amount == due.transfer_amount


def test_a_transfer_still_failing_after_the_bounded_tries_becomes_an_item(
    due, client_for
):
    # given the provider answers 429 to every transfer for now
    control.inject_fault("rate_limited", operation="settle", times=100)

    # when the outbox tries one less than the bound, then once more
    for _ in range(SETTLEMENT_MAX_ATTEMPTS - 1):
        assert deliver(TOPIC) == [False]
    assert not ReconciliationItem.objects.exists()
    assert deliver(TOPIC) == [True]

    # then it stops, as an open item; finance retries with the same key
    item = ReconciliationItem.objects.get()
    assert OutboxMessage.objects.get(topic=TOPIC).attempts == SETTLEMENT_MAX_ATTEMPTS
    assert item.provider_transaction_id == ""
    control.clear_faults()
    assert _resolve(client_for, item).status_code == 200
    deliver(TOPIC)
    due.refresh_from_db()
    assert SandboxTransfer.objects.get().transfer_id == due.provider_settlement_id
