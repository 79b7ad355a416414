"""The sandbox's idempotency store, shaped after Stripe's.

The first request with a key runs and its response (success or error) is saved; a
retry with the same key and parameters gets that response back and changes nothing; a
retry with other parameters is an ``idempotency_error``. A concurrent duplicate waits
on the key row's unique index until the first request commits, then replays it.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import transaction

from marketplace.payments.sandbox.errors import SandboxApiError
from marketplace.payments.sandbox.models import SandboxIdempotencyKey


def fingerprint(operation: str, params: dict) -> str:
    canonical = json.dumps([operation, params], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_idempotent(
    *, key: str, operation: str, params: dict, perform: Callable[[], dict]
) -> tuple[int, dict]:
    """Run ``perform`` once per ``key``; return ``(status_code, body)``.

    Call outside the caller's transaction, as with a real provider: the key row and
    the effect commit together.
    """
    digest = fingerprint(operation, params)
    with transaction.atomic():
        row, created = SandboxIdempotencyKey.objects.get_or_create(
            key=key, defaults={"operation": operation, "fingerprint": digest}
        )
        if not created:
            if row.fingerprint != digest:
                raise SandboxApiError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same "
                    f"parameters they were first used with (key {key!r}).",
                )
            return row.status_code, row.response
        try:
            with transaction.atomic():
                status_code, body = 200, perform()
        except SandboxApiError as error:
            status_code, body = error.status_code, error.body()
        row.status_code, row.response = status_code, body
        row.save(update_fields=["status_code", "response"])
        return status_code, body
