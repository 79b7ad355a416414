"""The rules cache: a repeat get_rules runs no SQL, and change_rules shows at once
(it bumps the rules version now and on commit; common/cache.py).

The tests commit for real (``transaction=True``): what a change shows depends on
when it commits.
"""

import threading

import pytest
from django.db import connection, transaction

from marketplace.common import cache
from marketplace.rules.selectors import get_rules
from marketplace.rules.services import change_rules
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.RULES_CACHE_SECONDS = 60
    cache.bump(cache.RULES)  # nothing another test cached is reachable


@pytest.fixture
def admin():
    return factories.OperatorFactory()


@pytest.mark.parametrize("stored", [True, False], ids=["a version", "the defaults"])
def test_a_repeat_read_runs_no_sql_and_returns_the_same_rules(
    django_assert_num_queries, admin, stored
):
    # given the rules in force, read once
    if stored:
        change_rules(actor=admin, changes={"holding_days": 12}, reason="r")
    with django_assert_num_queries(1):
        first = get_rules()
    # when they are read again, then no SQL runs and the answer is the same
    with django_assert_num_queries(0):
        again = get_rules()
    assert (again.pk is None, again.holding_days) == (
        (False, 12) if stored else (True, 7)
    )
    assert (again.pk, again.values()) == (first.pk, first.values())


def test_without_the_cache_every_read_runs_its_query(
    settings, django_assert_num_queries
):
    settings.RULES_CACHE_SECONDS = 0
    get_rules()
    with django_assert_num_queries(1):
        get_rules()


def test_a_caller_changing_its_copy_changes_nobody_elses():
    get_rules()
    mine = get_rules()
    mine.holding_days = 99
    assert get_rules().holding_days == 7


def test_a_change_shows_at_once_then_is_cached(admin, django_assert_num_queries):
    # given rules read (and cached) before the change
    assert get_rules().holding_days == 7
    # when an admin changes them
    version = change_rules(actor=admin, changes={"holding_days": 14}, reason="r")
    # then the next read sees the change, and the one after reads the cache
    assert (get_rules().pk, get_rules().holding_days) == (version.pk, 14)
    with django_assert_num_queries(0):
        assert get_rules().holding_days == 14


def test_a_change_rolled_back_leaves_the_old_rules(admin):
    # given rules read (and cached)
    before = change_rules(actor=admin, changes={"holding_days": 12}, reason="r")
    assert get_rules().holding_days == 12
    # when a change is made, read in its own transaction, and rolled back
    with transaction.atomic():
        change_rules(actor=admin, changes={"holding_days": 30}, reason="r")
        assert [get_rules().holding_days for _ in range(2)] == [30, 30]
        transaction.set_rollback(True)
    # then the old rules are in force, and stay so once cached
    assert [(r.pk, r.holding_days) for r in (get_rules(), get_rules())] == [
        (before.pk, 12),
        (before.pk, 12),
    ]


def test_a_reader_caching_the_old_rules_before_the_commit_does_not_keep_them(admin):
    # given an admin's change written but not yet committed
    written, commit = threading.Event(), threading.Event()
    errors = []

    def change():
        try:
            with transaction.atomic():
                change_rules(actor=admin, changes={"holding_days": 21}, reason="r")
                written.set()
                commit.wait(timeout=10)
        except Exception as error:
            errors.append(error)
        finally:
            written.set()
            connection.close()

    thread = threading.Thread(target=change)
    thread.start()
    assert written.wait(timeout=10)
    # when another request reads (and caches) the rules still committed
    assert [get_rules().holding_days for _ in range(2)] == [7, 7]
    commit.set()
    thread.join(timeout=30)
    # then once the change commits, every read sees it
    assert errors == []
    assert [get_rules().holding_days for _ in range(2)] == [21, 21]
