"""Versioned caches: whole answers kept with the namespace's version they were built in.

Each answer is stored with the version number it was built under; a reader reads
the namespace's current version and the answer in one round trip (``MGET``) and
uses the answer only if the versions match. A writer calls ``bump(namespace)`` and
every answer cached before it stops being used, and is replaced when next built.
Nothing is deleted, so invalidation is one ``INCR`` whatever was cached.

``bump`` increments twice, now and after the writer's transaction commits. A reader
that read the new version before the commit but the old rows (not yet committed)
would otherwise keep a stale answer under the new version until it expires.

The version starts from the clock the first time, so a cache that was emptied or
restarted never reuses a version number an old entry could still be stored under.

An answer may also depend on one item of a finer namespace (a product's stock): it
is then stored with that item's token too, read in the same ``MGET``. A writer calls
``changed(namespace, items)`` and, once its transaction commits, each item gets a new
random token (one ``MSET``), which no answer was stored under. Only after the
commit: a reader that read the old token and the old rows stores its answer under
the old token, which is then no longer used. A token that is missing (never set,
or lost with the cache) is replaced by a new random one, never reused.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

# What the public catalog shows: products, variants, prices and stock, images,
# categories, and the vendors' shop names, terms and status. (Stock moved by orders
# does not bump it: see orders/services/stock.py.) (Retail prices are stored
# when written, so a rule change reprices nothing already listed.)
CATALOG = "catalog"
# The platform rules in force (rules/selectors.py), bumped by rules/services.py.
RULES = "rules"
# Per product: the stock available of its variants, as orders move it (``changed``
# by orders/services/stock.py). Product pages are cached under it and CATALOG.
STOCK = "stock"


def _version_key(namespace: str) -> str:
    return f"version:{namespace}"


def _started(key: str, first: int) -> int:
    """Store ``first`` under ``key`` unless a value is there; return the value."""
    cache.add(key, first, timeout=None)
    return cache.get(key)


def _read(found: dict, key: str, first: Callable[[], int]) -> int:
    """The value of ``key`` read into ``found``, or one started now (``first()``)."""
    value = found.get(key)
    return _started(key, first()) if value is None else value


def _increment(namespace: str) -> None:
    key = _version_key(namespace)
    try:
        cache.incr(key)
    except ValueError:  # no version yet: any new one is newer than every entry
        _started(key, time.time_ns())


def bump(namespace: str) -> None:
    """Make every answer cached so far in ``namespace`` unreachable (see above)."""
    _increment(namespace)
    transaction.on_commit(functools.partial(_increment, namespace))


def bumped_here(namespace: str) -> bool:
    """Return whether the current transaction bumped ``namespace``, not yet committed.

    A reader in that transaction sees its uncommitted writes: it must neither cache
    them (a rollback would leave them cached) nor read the cache (others fill it
    with the committed rows). (Reads Django's pending on-commit callbacks, which a
    rollback drops.)
    """
    return any(
        isinstance(func, functools.partial)
        and func.func is _increment
        and func.args == (namespace,)
        for _, func, _ in transaction.get_connection().run_on_commit
    )


def _token_key(namespace: str, item: object) -> str:
    return f"token:{namespace}:{item}"


def _new_token() -> int:
    return int.from_bytes(os.urandom(8), "big")


def _retoken(namespace: str, items: frozenset) -> None:
    token = _new_token()
    cache.set_many({_token_key(namespace, item): token for item in items}, None)


def changed(namespace: str, items: Iterable) -> None:
    """Once the current transaction commits, stop using every answer cached under
    ``items`` of ``namespace`` (see above). Nothing happens if it rolls back.

    A cache that cannot be reached then does not fail the committed writer (an
    order placed): Django logs the error, and those answers live until they expire.
    """
    if not items:
        return
    items = frozenset(items)

    def renew_tokens():  # a function: Django logs a robust callback's __qualname__
        _retoken(namespace, items)

    transaction.on_commit(renew_tokens, robust=True)


def cached(
    namespace: str,
    parts: tuple,
    build: Callable[[], T],
    *,
    timeout: int,
    item: tuple[str, object] | None = None,
) -> T:
    """Return the answer for ``parts`` in the namespace's current version, building
    and storing it on a miss. ``timeout <= 0`` turns the cache off (always builds).

    ``parts`` must name everything the answer depends on besides the namespace's
    data: the full URL, the language, the currency... ``item``, a (namespace, item)
    pair such as ``(STOCK, product_id)``, is one item of another namespace the
    answer also depends on. Any answer is cached, None included (it is stored beside
    its version).
    """
    if timeout <= 0:
        return build()
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    key, version_key = f"{namespace}:{digest}", _version_key(namespace)
    token_key = _token_key(*item) if item else None
    found = cache.get_many([k for k in (version_key, key, token_key) if k])
    version = _read(found, version_key, time.time_ns)
    token = _read(found, token_key, _new_token) if token_key else None
    stored = found.get(key)
    if stored is not None and stored[:2] == (version, token):
        return stored[2]
    answer = build()
    cache.set(key, (version, token, answer), timeout)
    return answer
