"""Run the embedded demo: migrate, load demo data once, then web, worker and beat.

``make run`` calls this. With nothing configured it uses the embedded PostgreSQL and
the filesystem broker under ``DATA_DIR``; Ctrl-C (or SIGTERM) stops every process it
started, and the embedded PostgreSQL stops when the last of them has exited.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time


class Stop(Exception):
    """Ctrl-C or SIGTERM: stop the children and exit."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum, frame):
    raise Stop(signum)


def _terminate(processes: list[subprocess.Popen], *, own_grace: float = 0) -> None:
    """Stop the children as Ctrl-C would, then harder if they do not exit.

    Ctrl-C in a terminal reaches the whole process group, so the children may be
    stopping already: they get ``own_grace`` seconds first (a second SIGINT would turn
    Celery's warm shutdown into a cold one). Then SIGINT: runserver exits normally
    (its exit handlers release its handle on the embedded PostgreSQL, which a SIGTERM
    would skip) and Celery shuts down warm. SIGTERM and SIGKILL follow if need be.
    """
    steps = ((None, own_grace), (signal.SIGINT, 20), (signal.SIGTERM, 10))
    for sig, grace in (*steps, (signal.SIGKILL, 5)):
        running = [p for p in processes if p.poll() is None]
        if not running:
            return
        for process in running:
            if sig is not None:
                process.send_signal(sig)
        deadline = time.monotonic() + grace
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))


def main() -> int:
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.base")
    host = env.get("HOST", "127.0.0.1")
    port = env.get("PORT", "8000")
    # Links in emails and the sandbox's webhooks go to SITE_URL: this server's address
    # unless set (0.0.0.0 listens everywhere; the processes here reach it on loopback).
    loopback = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    env.setdefault("SITE_URL", f"http://{loopback}:{port}")
    python = sys.executable
    manage = [python, "manage.py"]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    # Hold a handle on the embedded database for the whole run, so it is not stopped
    # and restarted between the steps below.
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    connection.close()

    processes: list[subprocess.Popen] = []
    own_grace = 0.0
    try:
        for step in (["migrate", "--noinput"], ["seed_demo", "--if-empty"]):
            processes = [subprocess.Popen([*manage, *step], env=env)]
            if processes[0].wait() != 0:
                return processes[0].returncode
        processes = [
            subprocess.Popen(
                [
                    *(python, "-m", "celery", "-A", "marketplace", "worker", "--beat"),
                    *("--loglevel", "INFO", "--concurrency", "2"),
                ],
                env=env,
            ),
            subprocess.Popen(
                [*manage, "runserver", f"{host}:{port}", "--noreload"], env=env
            ),
        ]
        print(
            f"\nThe marketplace is at http://{host}:{port}/ (Ctrl-C to stop)\n",
            flush=True,
        )
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        return 1
    except Stop as stop:
        own_grace = 10.0 if stop.signum == signal.SIGINT else 0.0
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _terminate(processes, own_grace=own_grace)


if __name__ == "__main__":
    sys.exit(main())
