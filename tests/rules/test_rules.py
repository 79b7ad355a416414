"""Platform rules: administrators change them with a reason, every version is kept."""

import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from marketplace.rules.models import PlatformRules
from marketplace.rules.selectors import get_rules, list_rule_changes
from marketplace.rules.services import change_rules
from tests import factories


@pytest.mark.django_db
def test_an_admin_changes_the_rules_and_the_history_shows_old_and_new(
    client_for, operator
):
    # given the default rules
    client = client_for(operator)
    # when the admin changes two rules, then one of them again
    first = client.patch(
        reverse("ops-rules"),
        {"holding_days": 14, "withdrawal_fee": 200, "reason": "New provider terms"},
        format="json",
    )
    second = client.patch(
        reverse("ops-rules"), {"holding_days": 10, "reason": "Too long"}, format="json"
    )
    # then the rules in force carry both changes
    assert (first.status_code, second.status_code) == (200, 200)
    current = client.get(reverse("ops-rules")).json()
    assert (current["version"], current["holding_days"], current["withdrawal_fee"]) == (
        second.json()["version"],
        10,
        200,
    )
    # and the history lists who, why and exactly what changed, newest first
    history = client.get(reverse("ops-rules-history")).json()
    assert [(h["changed_by"], h["reason"], h["changes"]) for h in history] == [
        (operator.email, "Too long", {"holding_days": {"old": 14, "new": 10}}),
        (
            operator.email,
            "New provider terms",
            {
                "holding_days": {"old": 7, "new": 14},
                "withdrawal_fee": {"old": 0, "new": 200},
            },
        ),
    ]
    assert all(h["created_at"] for h in history)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"holding_days": 14}, "reason"),
        ({"holding_days": 14, "reason": "   "}, "reason"),
        ({"holding_days": -1, "reason": "r"}, "holding_days"),
        ({"holding_days": 366, "reason": "r"}, "holding_days"),
        ({"withdrawal_fee": -5, "reason": "r"}, "withdrawal_fee"),
        ({"withdrawal_min_amount": 10**20, "reason": "r"}, "withdrawal_min_amount"),
        ({"default_deposit_amount": "1e3", "reason": "r"}, "default_deposit_amount"),
        ({"default_commission_bps": "NaN", "reason": "r"}, "default_commission_bps"),
        ({"default_commission_bps": 10_001, "reason": "r"}, "default_commission_bps"),
        ({"no_such_rule": 1, "reason": "r"}, "no_such_rule"),
        ({"holding_days": 14, "reason": "x" * 10_240}, "reason"),
    ],
)
def test_bad_rule_changes_are_named_and_write_no_version(
    client_for, operator, body, field
):
    response = client_for(operator).patch(reverse("ops-rules"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert PlatformRules.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "finance", "support"])
def test_only_admins_change_the_rules(client_for, role):
    user = factories.OperatorFactory(operator_role=role)
    response = client_for(user).patch(
        reverse("ops-rules"), {"holding_days": 1, "reason": "r"}, format="json"
    )
    assert response.status_code == 403
    assert PlatformRules.objects.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_a_non_admin_too():
    from marketplace.common.errors import Forbidden

    with pytest.raises(Forbidden):
        change_rules(
            actor=factories.OperatorFactory(operator_role="finance"),
            changes={"holding_days": 1},
            reason="r",
        )
    assert PlatformRules.objects.count() == 0


@pytest.mark.django_db
def test_a_change_that_changes_nothing_writes_no_version(operator):
    change_rules(actor=operator, changes={"holding_days": 9}, reason="r")
    again = change_rules(actor=operator, changes={"holding_days": 9}, reason="r")
    assert PlatformRules.objects.count() == 1
    assert again == get_rules()


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_each_apply_on_the_others_version(monkeypatch):
    # given two admins changing different rules at the same moment, each pausing
    # after reading the rules in force (the window a lost update needs)
    from marketplace.rules import services

    def slow_get_rules(**kwargs):
        rules = get_rules(**kwargs)
        time.sleep(0.3)
        return rules

    monkeypatch.setattr(services, "get_rules", slow_get_rules)
    admins = [factories.OperatorFactory(), factories.OperatorFactory()]
    changes = [{"holding_days": 21}, {"withdrawal_fee": 300}]
    barrier = threading.Barrier(2)
    errors = []

    def change(index):
        try:
            barrier.wait(timeout=10)
            change_rules(actor=admins[index], changes=changes[index], reason="r")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(i,)) for i in range(2)]
    # when both run
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then neither change is lost: two versions, the newest holding both
    assert errors == []
    assert PlatformRules.objects.count() == 2
    current = get_rules()
    assert (current.holding_days, current.withdrawal_fee) == (21, 300)
    diffs = [c["changes"] for c in list_rule_changes()]
    assert sorted(map(sorted, diffs)) == [["holding_days"], ["withdrawal_fee"]]
