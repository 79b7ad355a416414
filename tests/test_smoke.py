"""The embedded default, run the way ``make run`` runs it.

``python -m marketplace.devserver`` in a fresh ``DATA_DIR`` with no database or Redis
configured: it starts the embedded PostgreSQL, migrates, loads the demo, starts a
Celery worker with beat and the web server. The test fetches the home page and the
product API, waits for beat's outbox sweep to run on the worker, then stops it all
with Ctrl-C (SIGINT to the process group) and checks nothing is left running,
including the embedded PostgreSQL.

Select it alone with ``pytest -m smoke``.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.smoke, pytest.mark.timeout(400)]

BASE_DIR = Path(__file__).resolve().parent.parent
SEEDED_PRODUCT = "West Lake Longjing"
SWEEP_DONE = "Task marketplace.outbox.deliver_pending_outbox_task"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def embedded_environment(data_dir: Path, port: int) -> dict:
    """Return this environment without any service configured, as on a fresh clone.

    ``DATABASE_URL`` and ``REDIS_URL`` are set empty rather than left out, so a
    developer's ``.env`` cannot point the test at a real service.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "PYTEST_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT"}
    }
    env.update(
        DATABASE_URL="",
        REDIS_URL="",
        DATA_DIR=str(data_dir),
        HOST="127.0.0.1",
        PORT=str(port),
        OUTBOX_SWEEP_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def get(url: str, timeout: float = 10) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": "en"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body = response.read().decode()
        return response.status, response.headers.get_content_type(), body


def wait_until(predicate, *, seconds: float, what: str, log: Path, process) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"devserver exited ({process.returncode}):\n{tail(log)}")
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"no {what} within {seconds:.0f} s:\n{tail(log)}")


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def sweep_ran(log: Path) -> bool:
    return any(
        SWEEP_DONE in line and "succeeded" in line
        for line in log.read_text(errors="replace").splitlines()
    )


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def postgres_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "pg" / "postmaster.pid"
    try:
        return int(pid_file.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def stop(process, data_dir: Path) -> list[str]:
    """Ctrl-C the devserver's group, wait, and return what had to be killed."""
    leftovers = []
    if group_alive(process.pid):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        leftovers.append("devserver")
    deadline = time.monotonic() + 20
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if group_alive(process.pid):
        leftovers.append("processes of the devserver's group")
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    pid = postgres_pid(data_dir)
    if pid is not None:
        leftovers.append(f"embedded PostgreSQL (pid {pid})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
    return leftovers


@pytest.fixture
def data_dir():
    # Not tmp_path: pytest keeps its tree 0700 while the embedded PostgreSQL runs as
    # another user when the tests run as root.
    path = Path(tempfile.mkdtemp(prefix="marketplace-smoke-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_make_run_serves_the_seeded_store_and_runs_the_worker(data_dir):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = data_dir / "devserver.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "marketplace.devserver"],
            cwd=BASE_DIR,
            env=embedded_environment(data_dir, port),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(
            lambda: get(f"{base}/", timeout=5)[0] == 200,
            seconds=240,
            what="home page",
            log=log,
            process=process,
        )
        status, _type, home = get(f"{base}/")
        status_api, content_type, body = get(f"{base}/api/store/products/")
        wait_until(
            lambda: sweep_ran(log),
            seconds=60,
            what="outbox sweep by beat on the worker",
            log=log,
            process=process,
        )
    finally:
        leftovers = stop(process, data_dir)

    assert status == 200
    assert SEEDED_PRODUCT in home
    assert status_api == 200
    assert content_type == "application/json"
    assert json.loads(body)["count"] >= 40
    assert leftovers == [], tail(log)
