"""Answers cached under an item's token (common/cache.py): a writer's change to the
item, once committed, makes every answer cached under it unused, including one a
reader built from the old rows while the writer committed."""

import pytest
from django.core.cache import cache as django_cache
from django.db import transaction

from marketplace.common import cache

pytestmark = pytest.mark.django_db

NAMESPACE = "tokens-test"


class Builds:
    """A build that counts its calls and can run a writer's commit in the middle."""

    def __init__(self, during=None):
        self.calls = 0
        self.during = during

    def __call__(self):
        self.calls += 1
        if self.during and self.calls == 1:
            self.during()
        return self.calls


def _read(build, item=7):
    return cache.cached(
        NAMESPACE, ("page", item), build, timeout=60, item=(cache.STOCK, item)
    )


def _commit_change(*items):
    cache._retoken(cache.STOCK, frozenset(items))  # what changed() runs on commit


@pytest.fixture(autouse=True)
def _fresh():
    cache.bump(NAMESPACE)
    _commit_change(7, 8)


def test_an_answer_is_kept_until_its_item_changes_and_other_items_are_untouched():
    seven, eight = Builds(), Builds()
    assert (_read(seven), _read(seven), _read(eight, 8)) == (1, 1, 1)
    _commit_change(7)
    assert (_read(seven), _read(seven), _read(eight, 8)) == (2, 2, 1)


def test_an_answer_built_from_old_rows_while_a_writer_committed_is_not_kept():
    # the reader read the token, then the old rows; the writer commits and renews
    # the token before the reader stores its answer under the old one
    build = Builds(during=lambda: _commit_change(7))
    assert _read(build) == 1
    assert _read(build) == 2  # built again from the new rows
    assert _read(build) == 2


def test_a_lost_token_is_replaced_by_a_new_one_never_by_an_old_one():
    build = Builds()
    _read(build)
    django_cache.delete(cache._token_key(cache.STOCK, 7))  # evicted, or a restart
    assert _read(build) == 2
    assert _read(build) == 2


def test_a_change_renews_the_token_on_commit_and_never_on_rollback(
    django_capture_on_commit_callbacks,
):
    build = Builds()
    _read(build)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                cache.changed(cache.STOCK, {7})
                raise RuntimeError
        except RuntimeError:
            pass
        cache.changed(cache.STOCK, set())
    assert _read(build) == 1  # rolled back, or nothing changed: still cached
    with django_capture_on_commit_callbacks(execute=False) as pending:
        cache.changed(cache.STOCK, {7, 8})
    assert _read(build) == 1  # not committed yet
    for callback in pending:
        callback()
    assert _read(build) == 2


def test_an_unreachable_cache_does_not_fail_the_committed_writer(
    settings, django_capture_on_commit_callbacks, caplog
):
    # the order is committed: a cache down at that moment is logged, not raised
    settings.CACHES = {
        "default": {
            "BACKEND": "marketplace.common.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }
    with django_capture_on_commit_callbacks(execute=True) as renewed:
        cache.changed(cache.STOCK, {7})
    assert len(renewed) == 1
    assert "renew_tokens" in caplog.text
