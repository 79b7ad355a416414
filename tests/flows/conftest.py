"""A real Celery worker (with embedded beat) for whole-journey tests.

The worker is a subprocess on this xdist worker's Redis database, using the test
database by its real name, so the test must commit what the worker reads:
``@pytest.mark.django_db(transaction=True)``. The sandbox's webhooks go over HTTP to
pytest-django's ``live_server``; the worker's mail goes to files in a temporary
folder. The worker is always stopped at teardown, even when the test fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from marketplace.celery import app

READY_TIMEOUT = 30
STOP_TIMEOUT = 10
# How often the worker's beat runs each sweep in these tests, in seconds.
FAST_SWEEPS = {
    "OUTBOX_SWEEP_SECONDS": "1",
    "AUTO_COMPLETE_SWEEP_SECONDS": "1",
    "EXPIRE_UNPAID_SWEEP_SECONDS": "1",
}


def wait_for(condition: Callable[[], object], *, timeout: float = 60, what: str = ""):
    """Return ``condition()``'s first truthy value, polling until ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.2)


def current_database_url() -> str:
    """Return a ``DATABASE_URL`` naming the database this test runs on."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    mail_dir: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def emails(self) -> list[Message]:
        """Return every message the worker sent (the file backend's files)."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            separator = b"\n" + b"-" * 79 + b"\n"
            for chunk in path.read_bytes().split(separator):
                if chunk.strip():
                    messages.append(message_from_bytes(chunk.strip()))
        return messages


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the worker's process group (worker and beat), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
    except ProcessLookupError:
        pass


@pytest.fixture
def celery_worker(transactional_db, live_server, tmp_path):
    """Start ``celery worker --beat --pool solo`` on the test database; stop it after.

    Sweeps run every second; the sandbox posts its webhooks to ``live_server``.
    """
    mail_dir = tmp_path / "mail"
    data_dir = tmp_path / "data"
    mail_dir.mkdir()
    data_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        **FAST_SWEEPS,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
        "DATABASE_URL": current_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATA_DIR": str(data_dir),
        "SITE_URL": live_server.url,
        "PAYMENT_WEBHOOK_URL": (
            f"{live_server.url}/payments/webhooks/{settings.PAYMENT_PROVIDER}/"
        ),
        "SANDBOX_WEBHOOK_TRANSPORT": "http",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONUNBUFFERED": "1",
    }
    app.control.purge()  # tasks left on this Redis database by earlier tests
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "--beat",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--schedule",
                str(data_dir / "celerybeat-schedule"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process=process, log=log, mail_dir=mail_dir)
    try:
        wait_for(
            lambda: process.poll() is not None or " ready." in worker.log_text(),
            timeout=READY_TIMEOUT,
            what="the Celery worker to start",
        )
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited:\n{worker.log_text()[-4000:]}")
        yield worker
    finally:
        _stop(process)
