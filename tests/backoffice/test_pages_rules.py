"""The rules page: platform rules with their history (who, when, old, new, why),
commission by category (audited), vendors' overrides."""

import pytest
from django.urls import reverse

from marketplace.common.models import AuditEvent
from marketplace.rules.models import PlatformRules
from tests import factories
from tests.backoffice.test_permissions_matrix import RULES_FORM

pytestmark = pytest.mark.django_db


def test_an_admin_changes_rules_and_the_history_shows_who_when_old_and_new(
    web, operators
):
    admin = operators["admin"]
    client = web(admin)

    response = client.post(
        reverse("backoffice:rules-change"),
        {
            **RULES_FORM,
            "holding_days": "14",
            "withdrawal_fee": "2.50",
            "reason": "Longer returns window",
        },
    )
    page = client.get(reverse("backoffice:rules"))

    assert response.status_code == 302
    version = PlatformRules.objects.get()
    assert (version.holding_days, version.withdrawal_fee) == (14, 250)
    assert (version.changed_by, version.reason) == (admin, "Longer returns window")
    history = page.context["history"]
    assert [
        (c["name"], c["old"], c["new"]) for row in history for c in row["changes"]
    ] == [("holding_days", "7", "14"), ("withdrawal_fee", "¥0.00", "¥2.50")]
    assert history[0]["version"].changed_by == admin
    assert history[0]["version"].created_at == version.created_at
    text = page.content.decode()
    assert admin.email in text
    assert 'data-rule-change="holding_days"' in text


def test_a_rule_change_without_a_reason_names_the_field(web, operators):
    response = web(operators["admin"]).post(
        reverse("backoffice:rules-change"),
        {**RULES_FORM, "holding_days": "400", "withdrawal_fee": "-1", "reason": ""},
    )

    assert response.status_code == 400
    assert sorted(response.context["rules_form"].errors) == [
        "holding_days",
        "reason",
        "withdrawal_fee",
    ]
    assert 'id="id_holding_days-errors"' in response.content.decode()
    assert not PlatformRules.objects.exists()


def test_other_roles_see_the_rules_but_no_form(web, operators):
    page = web(operators["finance"]).get(reverse("backoffice:rules"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Only administrators change the platform rules." in text
    assert reverse("backoffice:rules-change") not in text


def test_a_reviewer_sets_a_category_commission_recorded_with_old_and_new(
    web, operators
):
    category = factories.CategoryFactory(commission_bps=500)
    reviewer = operators["reviewer"]

    response = web(reviewer).post(
        reverse("backoffice:category-commission", args=[category.pk]),
        {f"c{category.pk}-commission_bps": "800", f"c{category.pk}-reason": "Tea"},
    )

    assert response.status_code == 302
    category.refresh_from_db()
    assert category.commission_bps == 800
    audit = AuditEvent.objects.get(action="catalog.category.update")
    assert (audit.actor, audit.old, audit.new, audit.reason) == (
        reviewer,
        {"commission_bps": 500},
        {"commission_bps": 800},
        "Tea",
    )
    page = web(reviewer).get(reverse("backoffice:rules"))
    assert list(page.context["terms_changes"]) == [audit]


def test_a_category_commission_above_100_percent_names_the_field(web, operators):
    category = factories.CategoryFactory(commission_bps=None)

    response = web(operators["reviewer"]).post(
        reverse("backoffice:category-commission", args=[category.pk]),
        {f"c{category.pk}-commission_bps": "10001"},
    )

    assert response.status_code == 400
    forms = {c.pk: f for c, f in response.context["categories"]}
    assert list(forms[category.pk].errors) == ["commission_bps"]
    category.refresh_from_db()
    assert category.commission_bps is None


def test_vendor_overrides_are_listed(web, operators):
    vendor = factories.VendorFactory(commission_bps_override=350)

    page = web(operators["support"]).get(reverse("backoffice:rules"))

    assert list(page.context["overrides"]) == [vendor]
    assert "3.5%" in page.content.decode()
