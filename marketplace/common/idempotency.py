"""Idempotency keys: the same key and body give the same result, exactly once.

A client sends ``Idempotency-Key`` with a mutating request. ``run_idempotently``
records the key in the caller's transaction before doing the work, so:

- the same key and the same body return the stored response without doing it again;
- a concurrent duplicate waits on the row (the unique index) until the first request
  commits, then returns its stored response; if the first rolled back (its work was
  refused), the duplicate does the work itself;
- the same key with a different body raises ``IdempotencyKeyReused`` (422).

Only successful results are stored: a refused request writes nothing, so retrying it
with the same key is safe and runs it again. Keys expire after ``TTL``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.common.db import update_rows
from marketplace.common.errors import IdempotencyKeyReused, ValidationFailed
from marketplace.common.models import IdempotencyKey

TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: Any
    replayed: bool


def request_fingerprint(body: Any) -> str:
    """Return the SHA-256 of ``body`` as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def clean_key(key: str | None) -> str | None:
    """Return the key, or raise ``ValidationFailed`` when it is not printable ASCII."""
    if key is None:
        return None
    if not _KEY.match(key):
        raise ValidationFailed(
            errors={HEADER: [_("Use 1 to 255 printable ASCII characters.")]}
        )
    return key


def run_idempotently(
    *,
    user_id: int,
    scope: str,
    key: str,
    body: Any,
    operation: Callable[[], tuple[int, Any]],
) -> StoredResponse:
    """Run ``operation`` once for (user, scope, key) and return its stored response.

    ``operation`` returns ``(status, json_body)`` and runs inside this transaction;
    if it raises, nothing is stored and the exception propagates (inside a caller's
    transaction no savepoint is taken: the caller's whole transaction rolls back).
    """
    key = clean_key(key)
    now = timezone.now()
    request_hash = request_fingerprint(body)
    with transaction.atomic(savepoint=False):
        record = _claim(user_id, scope, key, request_hash, now)
        if record.response_status is not None and record.expires_at > now:
            if record.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    errors={HEADER: [_("This key was used with a different request.")]}
                )
            return StoredResponse(record.response_status, record.response_body, True)
        status, response_body = operation()
        update_rows(
            IdempotencyKey,
            {
                "request_hash": request_hash,
                "response_status": status,
                "response_body": response_body,
                "created_at": now,
                "expires_at": now + TTL,
            },
            '"id" = %s',
            [record.pk],
        )
        return StoredResponse(status, response_body, False)


def _claim(user_id, scope, key, request_hash, now) -> IdempotencyKey:
    """Insert the key row, or lock the existing one; return it.

    ``INSERT ... ON CONFLICT DO NOTHING`` blocks while another transaction holds an
    uncommitted row for the same key, which is what makes a duplicate wait. A fresh
    row is ours (one statement); only on a conflict is the existing row read, locked.
    """
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, scope, key, request_hash, created_at,"  # noqa: S608
            " expires_at) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (user_id, scope, key) DO NOTHING RETURNING id",
            [user_id, scope, key, request_hash, now, now + TTL],
        )
        row = cursor.fetchone()
    if row is not None:
        return IdempotencyKey(
            pk=row[0],
            user_id=user_id,
            scope=scope,
            key=key,
            request_hash=request_hash,
            created_at=now,
            expires_at=now + TTL,
        )
    return IdempotencyKey.objects.select_for_update().get(
        user_id=user_id, scope=scope, key=key
    )


def purge_expired_keys(*, now=None, batch: int = 5000) -> int:
    """Delete up to ``batch`` expired keys; return how many were deleted."""
    now = now or timezone.now()
    ids = list(
        IdempotencyKey.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[
            :batch
        ]
    )
    if not ids:
        return 0
    deleted, _counts = IdempotencyKey.objects.filter(pk__in=ids).delete()
    return deleted
