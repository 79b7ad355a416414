"""The embedded default: a PostgreSQL from ``pgserver`` and a local secret key.

Used only when ``DATABASE_URL`` or ``DJANGO_SECRET_KEY`` is not set, so a fresh clone
runs with no service installed. Every process (web, worker, beat) calls
``embedded_database``; ``pgserver`` starts the server once and shares it.
"""

import json
import secrets
from pathlib import Path


def embedded_database(data_dir: Path) -> dict:
    """Start (or join) the embedded PostgreSQL under ``data_dir``; return its settings.

    The server listens only on a Unix socket in its data directory. Processes (web,
    worker, beat) share it; it stops when the last of them exits.
    """
    import pgserver

    pgdata = data_dir / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    pgserver.get_server(str(pgdata), cleanup_mode="stop")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": str(pgdata),
    }


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the ids of exited processes from ``pgserver``'s list of handle holders.

    ``pgserver`` stops the server when the last process on its list exits normally;
    a process that was killed (SIGKILL, a crash) stays on the list and would keep the
    server running for good. Uses ``pgserver``'s own inter-process lock.
    """
    import psutil
    from pgserver.postgres_server import PostgresServer

    handles = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not handles.exists():
            return
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def local_secret_key(data_dir: Path) -> str:
    """Return a random key kept in ``data_dir``, made on first use; never committed."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
