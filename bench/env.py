"""Where the benchmarks run: the environment, the tools they need, the machine.

Every run uses its own database (``BENCH_DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/bench_marketplace``), dropped and recreated,
and its own Redis database (``BENCH_REDIS_URL``, by default db 13), so it never
touches the development or test data of anyone else on the machine.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
PGBENCH_DIR = BENCH_DIR / "pgbench"
VENV_BIN = Path(sys.executable).parent

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_marketplace"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


class MissingTool(SystemExit):
    """A tool the benchmarks need is not installed; the message says how to get it."""


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def parts(self):
        return urlsplit(self.url)

    @property
    def name(self) -> str:
        return self.parts.path.lstrip("/")

    @property
    def host(self) -> str:
        return self.parts.hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return self.parts.port or 5432

    @property
    def user(self) -> str:
        return self.parts.username or "postgres"

    @property
    def password(self) -> str:
        return self.parts.password or ""

    def maintenance_url(self) -> str:
        """The same server's ``postgres`` database, to drop and create ours from."""
        return urlunsplit(self.parts._replace(path="/postgres"))

    def libpq_env(self) -> dict[str, str]:
        """``PG*`` variables for pgbench and psql."""
        env = {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": self.name,
        }
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def database() -> Database:
    return Database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def data_dir() -> Path:
    default = Path(tempfile.gettempdir()) / "marketplace-bench"
    path = Path(os.environ.get("BENCH_DATA_DIR", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def django_env() -> dict[str, str]:
    """The environment of every Django process of a run (harness, gunicorn, Celery)."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 50,
        "DATABASE_URL": database().url,
        "REDIS_URL": redis_url(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATA_DIR": str(data_dir()),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "PYTHONPATH": str(ROOT),
    }


def setup_django() -> None:
    """Configure Django in this process with the bench settings."""
    os.environ.update(django_env())
    import django

    django.setup()


def find_pgbench() -> str:
    """Return the pgbench path, or stop with how to install it."""
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench")):
        return str(candidate)
    raise MissingTool(
        "bench: pgbench is missing. Install it with "
        "`apt-get install -y postgresql-client-15` (Debian) or put it on PATH."
    )


def check_tools(names: list[str]) -> None:
    """Stop with a clear message when a tool a chosen benchmark needs is missing."""
    if "ceiling" in names or "checkout" in names:
        find_pgbench()
    if "lighthouse" in names:
        from bench import lighthouse

        lighthouse.check_tools()
    for module in ("httpx", "psutil", "gunicorn", "celery", "redis"):
        try:
            __import__(module)
        except ImportError:
            raise MissingTool(
                f"bench: the Python package {module!r} is missing from {sys.prefix}; "
                "run `make install`."
            ) from None


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except Exception:
        return "?"


def memory_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def postgres_version() -> str:
    import psycopg

    with psycopg.connect(database().maintenance_url()) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def machine() -> dict:
    """The machine and the versions, for every result."""
    pgbench = ""
    with contextlib.suppress(MissingTool):
        pgbench = subprocess.run(
            [find_pgbench(), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gib": memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": _version("django"),
        "djangorestframework": _version("rest_framework"),
        "postgresql": postgres_version(),
        "psycopg": _version("psycopg"),
        "gunicorn": _version("gunicorn"),
        "celery": _version("celery"),
        "httpx": _version("httpx"),
        "pgbench": pgbench,
    }
