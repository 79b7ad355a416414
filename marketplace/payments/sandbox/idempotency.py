"""The sandbox's idempotency store, shaped after Stripe's.

The first request with a key runs and its response (success or error) is saved; a
retry with the same key and parameters gets that response back and changes nothing; a
retry with other parameters is an ``idempotency_error``. A concurrent duplicate waits
on the key row's unique index until the first request commits, then replays it.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from marketplace.common.db import update_rows
from marketplace.payments.sandbox.errors import SandboxApiError
from marketplace.payments.sandbox.models import SandboxIdempotencyKey


def fingerprint(operation: str, params: dict) -> str:
    canonical = json.dumps([operation, params], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_idempotent(
    *,
    key: str,
    operation: str,
    params: dict,
    perform: Callable[[], dict],
    checks_first: bool = False,
) -> tuple[int, dict]:
    """Run ``perform`` once per ``key``; return ``(status_code, body)``.

    Call outside the caller's transaction, as with a real provider: the key row and
    the effect commit together. ``perform`` runs in a savepoint, so an API error
    keeps none of its writes but its answer is stored; ``checks_first`` says it
    raises only before its first write (creating a payment), which needs none.
    """
    digest = fingerprint(operation, params)
    with transaction.atomic():
        row = _claim(key, operation, digest)
        if row is not None:
            if row.fingerprint != digest:
                raise SandboxApiError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same "
                    f"parameters they were first used with (key {key!r}).",
                )
            return row.status_code, row.response
        try:
            if checks_first:
                status_code, body = 200, perform()
            else:
                with transaction.atomic():
                    status_code, body = 200, perform()
        except SandboxApiError as error:
            status_code, body = error.status_code, error.body()
        update_rows(
            SandboxIdempotencyKey,
            {"status_code": status_code, "response": body},
            '"key" = %s',
            [key],
        )
        return status_code, body


def _claim(key: str, operation: str, digest: str) -> SandboxIdempotencyKey | None:
    """Insert the key's row and return None, or return the row stored before.

    ``INSERT ... ON CONFLICT DO NOTHING`` waits while another transaction holds an
    uncommitted row for the key, so a concurrent duplicate reads the first one's
    response once it commits (or inserts its own if the first rolled back). A new
    key is one statement; only a repeat reads the stored row.
    """
    table = SandboxIdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, operation, fingerprint, status_code,"  # noqa: S608
            " response, created_at) VALUES (%s, %s, %s, 0, '{}', %s)"
            " ON CONFLICT (key) DO NOTHING RETURNING id",
            [key, operation, digest, timezone.now()],
        )
        if cursor.fetchone() is not None:
            return None
    return SandboxIdempotencyKey.objects.get(key=key)
