"""Orders across all vendors: search, disputes, the timeline, and arbitration."""

import pytest
from django.urls import reverse

from orders.models import Refund, RefundRequest
from tests.backoffice.world import build_world

pytestmark = [pytest.mark.django_db, pytest.mark.money]


@pytest.fixture
def world(db):
    return build_world()


def test_search_by_number_start_returns_a_fragment_for_htmx(web, operators, world):
    page = web(operators["support"]).get(
        reverse("backoffice:orders"),
        {"q": world.order.number[:10]},
        HTTP_HX_REQUEST="true",
    )

    assert page.status_code == 200
    assert next(t.name for t in page.templates) == "backoffice/orders/_results.html"
    assert [o.number for o in page.context["orders"]] == [world.order.number]


def test_a_search_that_matches_nothing_says_so(web, operators, world):
    page = web(operators["support"]).get(reverse("backoffice:orders"), {"q": "ZZZ"})

    assert page.context["orders"] == []
    assert "No orders found." in page.content.decode()


def test_disputes_lists_orders_with_an_open_request(web, operators, world):
    page = web(operators["support"]).get(reverse("backoffice:orders"), {"disputes": 1})

    assert [o.number for o in page.context["orders"]] == [world.order.number]


def test_the_order_page_shows_the_timeline_and_the_request(web, operators, world):
    page = web(operators["reviewer"]).get(
        reverse("backoffice:order", args=[world.order.number])
    )

    assert page.status_code == 200
    statuses = [e.to_status for e in page.context["order"].events.all()]
    assert "paid" in statuses
    text = page.content.decode()
    assert "Changed my mind" in text
    assert f'name="r{world.refund_request.pk}-decision"' not in text  # reviewer


def test_support_refuses_a_request_without_a_reason_and_the_field_says_so(
    web, operators, world
):
    pk = world.refund_request.pk

    response = web(operators["support"]).post(
        reverse("backoffice:refund-decide", args=[pk]),
        {f"r{pk}-decision": "refuse", f"r{pk}-reason": ""},
    )

    assert response.status_code == 400
    forms = {r.pk: f for r, f in response.context["requests"]}
    assert list(forms[pk].errors) == ["reason"]
    world.refund_request.refresh_from_db()
    assert world.refund_request.status == RefundRequest.Status.REQUESTED


def test_support_accepts_a_request_and_a_refund_is_made(web, operators, world):
    pk = world.refund_request.pk
    support = operators["support"]

    response = web(support).post(
        reverse("backoffice:refund-decide", args=[pk]),
        {f"r{pk}-decision": "accept", f"r{pk}-reason": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "backoffice:order", args=[world.order.number]
    )
    world.refund_request.refresh_from_db()
    assert (
        world.refund_request.status,
        world.refund_request.decided_by,
        world.refund_request.decided_by_operator,
    ) == (RefundRequest.Status.ACCEPTED, support, True)
    assert Refund.objects.get(request=world.refund_request).amount == (
        world.refund_request.amount
    )


def test_an_unknown_order_is_404(web, operators, world):
    response = web(operators["support"]).get(reverse("backoffice:order", args=["NOPE"]))

    assert response.status_code == 404
