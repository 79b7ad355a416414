"""Two reviewers deciding the same application at once: one wins, the other gets 409."""

import threading
import time

import pytest
from django.db import connection

from marketplace.common.errors import InvalidTransition
from marketplace.common.models import OutboxMessage
from tests import factories
from vendors import services
from vendors.models import Vendor, VendorEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_apply_one_after_the_other(monkeypatch):
    # given a submitted application, two reviewers, and a pause after each reads the
    # status (the window a double decision needs)
    vendor = factories.VendorFactory(status=Vendor.Status.SUBMITTED)
    reviewers = [factories.OperatorFactory(operator_role="reviewer") for _ in "ab"]
    can_move_to = Vendor.can_move_to

    def slow_can_move_to(self, target):
        allowed = can_move_to(self, target)
        time.sleep(0.3)
        return allowed

    monkeypatch.setattr(Vendor, "can_move_to", slow_can_move_to)
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(name, reviewer):
        try:
            barrier.wait(timeout=10)
            if name == "approve":
                services.approve_vendor(vendor=Vendor(pk=vendor.pk), actor=reviewer)
            else:
                services.reject_vendor(
                    vendor=Vendor(pk=vendor.pk), actor=reviewer, reason="No"
                )
            outcomes[name] = "done"
        except InvalidTransition:
            outcomes[name] = "409"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(name, reviewer))
        for name, reviewer in zip(["approve", "reject"], reviewers, strict=True)
    ]
    # when both decide at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then exactly one decision took effect, with one event and one outbox row
    assert sorted(outcomes.values()) == ["409", "done"]
    event = VendorEvent.objects.get()
    vendor.refresh_from_db()
    assert vendor.status == event.to_status
    assert OutboxMessage.objects.count() == 1
