"""Database helpers shared by every app."""

import zlib

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    """Take a PostgreSQL advisory lock named ``name`` until the transaction ends.

    For serialising writers where there is no row to lock yet (the first version of
    something). Call inside ``transaction.atomic``.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])
