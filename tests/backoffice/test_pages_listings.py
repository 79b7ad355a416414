"""Listing moderation: the queue, approve, reject with a reason, revisions."""

import pytest
from django.urls import reverse

from marketplace.catalog.models import Product, ProductRevision
from tests.backoffice.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def test_the_queue_lists_pending_listings_and_revisions(web, operators, world):
    page = web(operators["support"]).get(reverse("backoffice:listings"))

    assert page.status_code == 200
    assert {p.pk for p in page.context["page"].object_list} == {
        world.pending_product.pk,
        world.revision.product_id,
    }
    assert page.context["review_required"] is True


def test_a_reviewer_approves_a_listing(web, operators, world):
    response = web(operators["reviewer"]).post(
        reverse("backoffice:listing-approve", args=[world.pending_product.pk])
    )

    assert response.status_code == 302
    world.pending_product.refresh_from_db()
    assert world.pending_product.status == Product.Status.LIVE


def test_a_rejection_needs_a_reason_named_on_the_field(web, operators, world):
    url = reverse("backoffice:listing-reject", args=[world.pending_product.pk])

    refused = web(operators["reviewer"]).post(url, {"reject-reason": ""})
    rejected = web(operators["reviewer"]).post(url, {"reject-reason": "Blurry"})

    assert refused.status_code == 400
    assert list(refused.context["reject_form"].errors) == ["reason"]
    assert rejected.status_code == 302
    world.pending_product.refresh_from_db()
    assert (world.pending_product.status, world.pending_product.status_reason) == (
        Product.Status.REJECTED,
        "Blurry",
    )


def test_a_revision_is_shown_and_approved(web, operators, world):
    client = web(operators["reviewer"])
    page = client.get(reverse("backoffice:listing", args=[world.revision.product_id]))

    response = client.post(
        reverse("backoffice:revision-approve", args=[world.revision.pk])
    )

    assert page.context["revision"] == world.revision
    assert "新标题" in page.content.decode()
    assert response.status_code == 302
    world.revision.refresh_from_db()
    assert world.revision.status == ProductRevision.Status.APPROVED
    assert Product.objects.get(pk=world.revision.product_id).title_zh == "新标题"


def test_approving_twice_says_why_on_the_page(web, operators, world):
    client = web(operators["reviewer"])
    url = reverse("backoffice:listing-approve", args=[world.pending_product.pk])
    client.post(url)

    again = client.post(url)

    assert again.status_code == 400
    assert again.context["approve_errors"]


def test_a_reviewer_sets_a_supply_price_variants_retail_price(web, operators, world):
    variant = world.supply_variant
    url = reverse("backoffice:variant-retail-price", args=[variant.pk])
    client = web(operators["reviewer"])

    below = client.post(url, {f"v{variant.pk}-retail_price": "59.99"})
    saved = client.post(url, {f"v{variant.pk}-retail_price": "88.00"})

    assert below.status_code == 400
    forms = {v.pk: f for v, f in below.context["variant_rows"]}
    assert list(forms[variant.pk].errors) == ["retail_price"]
    assert saved.status_code == 302
    variant.refresh_from_db()
    assert (variant.retail_price, variant.retail_price_by_operator) == (8800, True)
