"""The daily reconciliation runs at a fixed business time, on the previous day."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from marketplace.celery import app
from marketplace.payments.sandbox.models import SandboxBalanceTransaction
from orders.models import ReconciliationItem
from orders.tasks import reconcile_yesterday_task

PRINT_SCHEDULE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CELERY_BEAT_SCHEDULE['reconcile-yesterday']['schedule'])"
)


def _schedule_with(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECONCILIATION_TIME": value}
    env["DJANGO_SETTINGS_MODULE"] = "marketplace.settings.test"
    return subprocess.run(
        [sys.executable, "-c", PRINT_SCHEDULE],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def test_it_is_a_crontab_at_03_30_in_the_business_time_zone():
    schedule = settings.CELERY_BEAT_SCHEDULE["reconcile-yesterday"]["schedule"]

    assert schedule == crontab(hour=3, minute=30)
    assert str(app.conf.timezone) == settings.TIME_ZONE == "Asia/Shanghai"


def test_the_time_comes_from_reconciliation_time_and_is_checked():
    moved, wrong = _schedule_with("01:05"), _schedule_with("25:00")

    assert moved.stdout.strip() == "<crontab: 5 1 * * * (m/h/dM/MY/d)>"
    assert "RECONCILIATION_TIME='25:00' is not HH:MM" in wrong.stderr


@pytest.mark.django_db
@pytest.mark.money
def test_the_task_reconciles_the_previous_business_day(paid_order, commission_vendor):
    from tests.orders.conftest import sellable

    # given a payment of yesterday (business day) the ledger never booked
    order = paid_order((sellable(vendor=commission_vendor), 1))
    yesterday = timezone.localdate() - timedelta(days=1)
    SandboxBalanceTransaction.objects.filter(source_id=order.payment_reference).update(
        created_at=timezone.now() - timedelta(days=1), source_id="pay_elsewhere"
    )

    # when the task runs
    found = reconcile_yesterday_task()

    # then the differences (the payment and its fee) are found on that day
    items = ReconciliationItem.objects.order_by("id")
    assert found == 2
    assert [(i.day, i.kind, i.source_id) for i in items] == [
        (yesterday, "missing_in_ledger", "pay_elsewhere"),
        (yesterday, "amount_mismatch", "pay_elsewhere"),
    ]
