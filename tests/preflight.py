"""Check that the tests' PostgreSQL and Redis are reachable; say how to fix it."""

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/marketplace",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
}
HOW = {
    "DATABASE_URL": "start PostgreSQL, e.g. `pg_ctlcluster --skip-systemctl-redirect "
    "$(ls /etc/postgresql) main start` (Debian) or `brew services start postgresql`",
    "REDIS_URL": "start Redis, e.g. `redis-server --daemonize yes --port 6379`",
}


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=3):
            return True
    except OSError:
        return False


def main() -> int:
    failed = False
    for name, default in DEFAULTS.items():
        url = os.environ.get(name, default)
        if not reachable(url):
            failed = True
            host = urlparse(url).netloc.rsplit("@", 1)[-1]
            print(
                f"The tests need {name.split('_')[0].title()} at {host}, and it is not "
                f"reachable.\n  Either {HOW[name]},\n  or set {name} to one that runs.",
                file=sys.stderr,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
