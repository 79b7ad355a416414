"""Operators' catalog API: who may moderate, review decisions, prices, categories."""

import pytest
from django.urls import reverse

from marketplace.catalog import services
from marketplace.catalog.models import Category, Product, ProductEvent
from marketplace.common.models import AuditEvent
from tests.catalog.conftest import make_product
from tests.factories import (
    CategoryFactory,
    OperatorFactory,
    SupplyVendorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(client_for):
    def make(role):
        if role == "shopper":
            client = client_for(UserFactory())
        else:
            client = client_for(OperatorFactory(operator_role=role))
        client.default_format = "json"
        return client

    return make


@pytest.fixture
def pending(vendor, review_on):
    product = make_product(vendor=vendor, status="draft")
    services.submit_product(product=product, actor=None)
    return product


@pytest.mark.parametrize(
    ("role", "status_code", "final"),
    [
        ("admin", 200, "live"),
        ("reviewer", 200, "live"),
        ("support", 403, "pending_review"),
        ("finance", 403, "pending_review"),
        ("shopper", 403, "pending_review"),
    ],
)
def test_only_reviewers_and_admins_approve(as_role, pending, role, status_code, final):
    response = as_role(role).post(reverse("ops-product-approve", args=[pending.pk]))
    assert response.status_code == status_code
    assert Product.objects.get(pk=pending.pk).status == final


@pytest.mark.parametrize(
    ("role", "status_code"),
    [("support", 200), ("finance", 200), ("reviewer", 200), ("shopper", 403)],
)
def test_any_operator_reads_the_review_queue(as_role, pending, role, status_code):
    response = as_role(role).get(reverse("ops-products"))
    assert response.status_code == status_code
    if status_code == 200:
        assert [p["id"] for p in response.json()["results"]] == [pending.pk]


def test_anonymous_gets_403_or_401(api, pending):
    response = api.post(reverse("ops-product-approve", args=[pending.pk]))
    assert response.status_code in (401, 403)


def test_reject_needs_a_reason(as_role, pending):
    client = as_role("reviewer")
    url = reverse("ops-product-reject", args=[pending.pk])
    missing = client.post(url, {})
    rejected = client.post(url, {"reason": "Photos are blurry"})
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["reason"]
    assert rejected.json()["status"] == "rejected"
    assert ProductEvent.objects.filter(to_status="rejected").count() == 1


def test_approving_twice_is_409(as_role, pending):
    client = as_role("reviewer")
    client.post(reverse("ops-product-approve", args=[pending.pk]))
    again = client.post(reverse("ops-product-approve", args=[pending.pk]))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_revision_appears_in_the_queue_and_is_approved(as_role, vendor, review_on):
    product = make_product(vendor=vendor, title_zh="绿茶")
    revision = services.update_product_content(
        product=product, actor=None, title_zh="龙井"
    )
    client = as_role("reviewer")
    queue = client.get(reverse("ops-products")).json()["results"]
    assert [(p["id"], p["pending_revision"]["id"]) for p in queue] == [
        (product.pk, revision.pk)
    ]
    response = client.post(reverse("ops-revision-approve", args=[revision.pk]))
    assert response.json()["title_zh"] == "龙井"
    assert response.json()["pending_revision"] is None


def test_revision_reject_keeps_live_content(as_role, vendor, review_on):
    product = make_product(vendor=vendor, title_zh="绿茶")
    revision = services.update_product_content(
        product=product, actor=None, title_zh="龙井"
    )
    response = as_role("reviewer").post(
        reverse("ops-revision-reject", args=[revision.pk]), {"reason": "No"}
    )
    assert response.status_code == 200
    assert Product.objects.get(pk=product.pk).title_zh == "绿茶"


@pytest.mark.parametrize(
    ("retail_price", "status_code", "stored"),
    [
        (9900, 200, 9900),
        (8000, 200, 8000),  # equal to supply is allowed
        (7999, 400, 10000),  # below supply
        (0, 400, 10000),
        (10**20, 400, 10000),
        ("1e3", 400, 10000),
        (None, 200, 10000),  # back to the default margin
    ],
)
def test_operator_sets_supply_model_retail_price(
    as_role, retail_price, status_code, stored
):
    product = make_product(vendor=SupplyVendorFactory(), price=None)
    variant = product.variants.get()
    type(variant).objects.filter(pk=variant.pk).update(
        supply_price=8000, retail_price=10000
    )
    response = as_role("reviewer").put(
        reverse("ops-variant-retail-price", args=[variant.pk]),
        {"retail_price": retail_price},
    )
    assert response.status_code == status_code, response.content
    if status_code == 400:
        assert list(response.json()["errors"]) == ["retail_price"]
    variant.refresh_from_db()
    assert variant.retail_price == stored


def test_support_cannot_change_a_category(as_role):
    category = CategoryFactory(commission_bps=500)
    response = as_role("support").patch(
        reverse("ops-category", args=[category.pk]), {"commission_bps": 900}
    )
    assert response.status_code == 403
    assert Category.objects.get(pk=category.pk).commission_bps == 500


def test_category_create_and_commission_change_are_audited(as_role):
    client = as_role("admin")
    created = client.post(
        reverse("ops-categories"),
        {"name_en": "Tea", "name_zh": "茶", "slug": "tea", "commission_bps": 500},
    )
    assert created.status_code == 201, created.content
    category_id = created.json()["id"]
    changed = client.patch(
        reverse("ops-category", args=[category_id]), {"commission_bps": None}
    )
    assert changed.json()["commission_bps"] is None
    audit = AuditEvent.objects.get(action="catalog.category.update")
    assert (audit.old, audit.new) == ({"commission_bps": 500}, {"commission_bps": None})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "x", "commission_bps": 10_001}, "commission_bps"),
        ({"slug": "x", "commission_bps": -1}, "commission_bps"),
        ({"slug": "bad slug"}, "slug"),
        ({"slug": "x", "name_en": "n" * 10_240}, "name_en"),
        ({"slug": "x", "parent": 999_999}, "parent"),
        ({"slug": "x"}, "name_en"),
    ],
)
def test_bad_category_input_is_400_and_writes_nothing(as_role, body, field):
    response = as_role("admin").post(reverse("ops-categories"), body)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert Category.objects.count() == 0
