"""Exactly-once settlement when the worker process is killed mid-task.

A real Celery worker on Redis takes the settlement's delivery task and SIGKILLs
itself at a fixed point (``marketplace.common.crashpoints``): after the provider call
but before its transaction commits, or after the commit but before the broker ack.
The task is acknowledged late, so Redis keeps it among the unacknowledged messages;
after the (test-short) visibility timeout a second worker, with no beat and so no
outbox sweep, gets it from the broker again. The vendor is credited once, the
provider shows one transfer, and the ledger checks pass (``money`` marker).

The sandbox keeps its tables in our database, so a kill before our commit also
undoes its transfer; the case of a provider that acted while our side did not
commit is the sandbox's idempotency key (``test_exactly_once``, the sandbox's
``timeout_after_commit`` fault).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from marketplace.celery import app
from marketplace.common.crashpoints import ENV_VAR
from marketplace.common.models import OutboxMessage
from marketplace.ledger.models import JournalEntry
from marketplace.payments.sandbox.models import SandboxAccount, SandboxTransfer
from orders.models import VendorOrderSettlement
from orders.services.settlement import settle_due_vendor_orders
from tests.flows.conftest import (
    READY_TIMEOUT,
    Worker,
    _stop,
    current_database_url,
    wait_for,
)
from tests.money.conftest import (  # noqa: F401 (fixtures)
    LATER,
    Kind,
    commission_vendor,
    complete,
    paid_order,
    sellable,
    shopper,
    vendor_balance,
)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.money,
    pytest.mark.django_db(transaction=True),
]
VISIBILITY_TIMEOUT = 2
DEADLINE = 60
TASK = "marketplace.outbox.deliver_outbox_messages_task"


def start_worker(tmp_path, live_server, redis_url, name, **env_extra) -> Worker:
    """Start a solo-pool worker without beat, with a short visibility timeout."""
    folder = tmp_path / name
    (folder / "mail").mkdir(parents=True)
    env = {
        **{key: value for key, value in os.environ.items() if key != ENV_VAR},
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
        "DATABASE_URL": current_database_url(),
        "REDIS_URL": redis_url,
        # the test settings derive the Redis database from these two: keep ours
        "MARKETPLACE_TEST_REDIS_BASE": redis_url,
        "PYTEST_XDIST_WORKER": f"gw{int(redis_url.rsplit('/', 1)[1]) - 1}",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATA_DIR": str(folder),
        "SITE_URL": live_server.url,
        "PAYMENT_WEBHOOK_URL": (
            f"{live_server.url}/payments/webhooks/{settings.PAYMENT_PROVIDER}/"
        ),
        "SANDBOX_WEBHOOK_TRANSPORT": "http",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder / "mail"),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "PYTHONUNBUFFERED": "1",
        **env_extra,
    }
    log = folder / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "--pool",
                "solo",
                "--hostname",
                f"{name}@%h",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process=process, log=log, mail_dir=folder / "mail")
    wait_for(
        lambda: process.poll() is not None or " ready." in worker.log_text(),
        timeout=READY_TIMEOUT,
        what=f"worker {name} to start",
    )
    return worker


def _own_redis_url() -> str:
    """A Redis database of this test's own (15, 14, ... by xdist worker), so no
    other worker or beat on the suite's databases takes or adds tasks."""
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return f"{settings.REDIS_URL.rsplit('/', 1)[0]}/{15 - index % 8}"


def _publish_to(url: str) -> None:
    """Point this process's Celery app (what ``send_task`` uses) at ``url``."""
    app._pool = None  # kombu keeps one pool per broker URL; the app picks it again
    app.amqp._producer_pool = None
    app.conf.broker_url = url


@pytest.fixture
def broker():
    """This test's own Redis database, emptied of queued and unacknowledged tasks;
    the test process publishes there too."""
    url, saved = _own_redis_url(), app.conf.broker_url
    client = redis.Redis.from_url(url)
    client.flushdb()
    _publish_to(url)
    yield url, client
    _publish_to(saved)
    client.flushdb()


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        _stop(worker.process)


@pytest.mark.parametrize(
    ("crash_at", "transfers_after_crash"),
    [("settlement.after_provider_call", 0), ("outbox.after_commit", 1)],
)
def test_a_worker_killed_mid_settlement_credits_the_vendor_once(
    crash_at,
    transfers_after_crash,
    tmp_path,
    live_server,
    broker,
    workers,
    paid_order,  # noqa: F811
    commission_vendor,  # noqa: F811
):
    # given a completed vendor order whose holding period is over
    order = paid_order((sellable(vendor=commission_vendor, price=8800), 2))
    complete(order.vendor_orders.get())
    url, redis_client = broker
    redis_client.flushdb()  # the setup's own tasks (emails, webhooks) are not tested
    first = start_worker(tmp_path, live_server, url, "first", **{ENV_VAR: crash_at})
    workers.append(first)

    # when the settlement is due and the first worker dies at the crash point
    assert settle_due_vendor_orders(now=timezone.now() + LATER) == 1
    wait_for(
        lambda: first.process.poll() is not None,
        timeout=DEADLINE,
        what=f"the first worker to die at {crash_at}\n{first.log_text()[-3000:]}",
    )
    assert first.process.returncode == -9

    # then the task is held unacknowledged by the broker, not lost
    assert redis_client.hlen("unacked") == 1
    assert SandboxTransfer.objects.count() == transfers_after_crash

    # when a second worker starts: it takes the task again once it is visible
    second = start_worker(tmp_path, live_server, url, "second")
    workers.append(second)
    done = re.compile(rf"Task {re.escape(TASK)}\[[^\]]+\] succeeded in ")
    wait_for(
        lambda: done.search(second.log_text()),
        timeout=DEADLINE,
        what=f"the second worker to run the task\n{second.log_text()[-3000:]}",
    )

    # then the vendor is credited once and the provider transferred once
    row = VendorOrderSettlement.objects.get()
    message = OutboxMessage.objects.get(topic="order.settlement_due")
    transfer = SandboxTransfer.objects.get()
    assert (message.delivered_at is not None, message.attempts) == (True, 1)
    assert row.provider_settlement_id == transfer.transfer_id
    assert transfer.amount == row.transfer_amount == row.vendor_amount > 0
    assert JournalEntry.objects.filter(kind="vendor_order_settled").count() == 1
    assert vendor_balance(commission_vendor, Kind.VENDOR_AVAILABLE) == (
        row.vendor_amount
    )
    payee = SandboxAccount.objects.get(pk=transfer.split.account_id)
    assert payee.available == row.vendor_amount
