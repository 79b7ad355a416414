"""The processes a benchmark talks to: gunicorn and a real Celery worker.

Both run the bench settings (production plus ``/bench/hello/``) with the environment
from ``bench.env.django_env``. gunicorn gets ``2 x cores + 1`` sync workers, as the
README's "Running in production" says, on a free loopback port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

import httpx

from bench.env import ROOT, VENV_BIN, data_dir, django_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_workers() -> int:
    return int(os.environ.get("BENCH_GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1))


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn(environment: dict[str, str] | None = None, ready: str = "/bench/hello/"):
    """Serve ``marketplace.wsgi`` with the bench settings; yield the base URL.

    ``environment`` replaces ``django_env()`` (another settings module or database);
    ``ready`` is the path polled until it answers 200.
    """
    port = free_port()
    log_path = data_dir() / "gunicorn.log"
    log = open(log_path, "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "marketplace.wsgi",
            "--workers",
            str(gunicorn_workers()),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "4096",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env={**os.environ, **(environment or django_env())},
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log_path}")
            try:
                if httpx.get(f"{base}{ready}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        _stop(process)
        log.close()


@contextmanager
def celery_worker():
    """Run one real Celery worker on the bench Redis; yield once it is ready."""
    log_path = data_dir() / "celery.log"
    log = open(log_path, "ab")  # noqa: SIM115
    start = log_path.stat().st_size
    process = subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "marketplace",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--hostname",
            f"bench-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, **django_env()},
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log_path.read_bytes()[start:]:
            if process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited; see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError("the Celery worker was not ready within 60 s")
            time.sleep(0.2)
        yield process
    finally:
        _stop(process)
        log.close()
