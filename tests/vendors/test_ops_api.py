"""Operator API for vendors: who may do what, the queue, detail and terms."""

import pytest
from django.urls import reverse

from marketplace.common.models import AuditEvent
from tests import factories
from vendors.models import Vendor, VendorEvent

pytestmark = pytest.mark.django_db
Status = Vendor.Status
ROLES = ["admin", "reviewer", "finance", "support", "shopper", "vendor", "anonymous"]
ANYONE = {"admin", "reviewer", "finance", "support"}
# endpoint: (method, body, status the vendor starts in, roles allowed)
ENDPOINTS = {
    "ops-vendors": ("get", None, Status.SUBMITTED, ANYONE),
    "ops-vendor-detail": ("get", None, Status.SUBMITTED, ANYONE),
    "ops-vendor-approve": ("post", {}, Status.SUBMITTED, {"admin", "reviewer"}),
    "ops-vendor-reject": (
        "post",
        {"reason": "Blurry scan"},
        Status.SUBMITTED,
        {"admin", "reviewer"},
    ),
    "ops-vendor-suspend": (
        "post",
        {"reason": "Complaints"},
        Status.APPROVED,
        {"admin", "reviewer"},
    ),
    "ops-vendor-reinstate": ("post", {}, Status.SUSPENDED, {"admin", "reviewer"}),
    "ops-vendor-close": ("post", {}, Status.APPROVED, {"admin"}),
    "ops-vendor-terms": (
        "patch",
        {"commission_bps_override": 800, "reason": "Negotiated"},
        Status.APPROVED,
        {"admin", "finance"},
    ),
    "ops-rules": ("get", None, Status.APPROVED, ANYONE),
    "ops-rules-history": ("get", None, Status.APPROVED, ANYONE),
}


def _client(api, client_for, role):
    if role == "anonymous":
        return api
    if role == "shopper":
        return client_for(factories.UserFactory())
    if role == "vendor":
        return client_for(factories.VendorFactory().members.get().user)
    return client_for(factories.OperatorFactory(operator_role=role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_operator_role_matrix(api, client_for, name, role):
    # given a vendor in the state the endpoint acts on
    method, body, start, allowed = ENDPOINTS[name]
    vendor = factories.VendorFactory(status=start)
    kwargs = {"vendor_id": vendor.pk} if name.startswith("ops-vendor-") else {}
    # when a user in ``role`` calls it
    response = getattr(_client(api, client_for, role), method)(
        reverse(name, kwargs=kwargs), body, format="json"
    )
    # then only the allowed roles get through; the others change nothing
    assert response.status_code == (200 if role in allowed else 403)
    if role not in allowed:
        vendor.refresh_from_db()
        assert vendor.status == start
        assert VendorEvent.objects.count() == AuditEvent.objects.count() == 0


def test_the_ops_vendor_endpoints_are_all_in_the_matrix():
    from tests.urlwalk import routes_under

    names = {r.name for r in routes_under("api/ops/") if "vendor" in (r.name or "")}
    # each of these two has its own test file (the licence; orders: delivery)
    assert names - set(ENDPOINTS) == {"ops-vendor-licence", "ops-vendor-order-deliver"}


@pytest.mark.parametrize(
    "name", ["ops-vendor-detail", "ops-vendor-approve", "ops-vendor-terms"]
)
def test_an_unknown_vendor_is_not_found(client_for, operator, name):
    method = "patch" if name == "ops-vendor-terms" else "post"
    method = "get" if name == "ops-vendor-detail" else method
    response = getattr(client_for(operator), method)(
        reverse(name, kwargs={"vendor_id": 999_999}), {"reason": "x"}, format="json"
    )
    assert response.status_code == 404


def test_the_queue_filters_by_status_and_searches(client_for, operator):
    # given vendors in several states
    waiting = factories.VendorFactory(
        status=Status.SUBMITTED, company_name="Hangzhou Tea Co"
    )
    factories.VendorFactory(status=Status.SUBMITTED, company_name="Shenzhen Phones")
    factories.VendorFactory(status=Status.APPROVED, company_name="Hangzhou Silk")
    client = client_for(operator)
    # when the operator filters and searches
    queue = client.get(reverse("ops-vendors"), {"status": "submitted"})
    found = client.get(reverse("ops-vendors"), {"status": "submitted", "q": "hangzhou"})
    bad = client.get(reverse("ops-vendors"), {"status": "pending"})
    # then
    assert queue.json()["count"] == 2
    assert [v["id"] for v in found.json()["results"]] == [waiting.pk]
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["status"]


def test_the_detail_shows_members_and_the_history_with_actors(client_for, operator):
    vendor = factories.VendorFactory(status=Status.SUBMITTED)
    client = client_for(operator)
    client.post(
        reverse("ops-vendor-reject", kwargs={"vendor_id": vendor.pk}),
        {"reason": "Blurry scan"},
        format="json",
    )
    detail = client.get(reverse("ops-vendor-detail", kwargs={"vendor_id": vendor.pk}))
    body = detail.json()
    assert body["status"] == "rejected"
    assert [m["role"] for m in body["members"]] == ["owner"]
    assert [
        (e["actor_email"], e["from_status"], e["to_status"], e["reason"])
        for e in body["events"]
    ] == [(operator.email, "submitted", "rejected", "Blurry scan")]


def test_terms_changes_are_audited_with_old_and_new_values(client_for):
    # given an approved vendor and a finance operator
    vendor = factories.VendorFactory(deposit_required=0)
    finance = factories.OperatorFactory(operator_role="finance")
    # when finance changes the commission override and the deposit
    response = client_for(finance).patch(
        reverse("ops-vendor-terms", kwargs={"vendor_id": vendor.pk}),
        {
            "commission_bps_override": 800,
            "deposit_required": 2000_00,
            "reason": "Negotiated",
        },
        format="json",
    )
    # then the terms changed and the audit trail says who, old, new and why
    assert response.status_code == 200
    vendor.refresh_from_db()
    assert (vendor.commission_bps_override, vendor.deposit_required) == (800, 2000_00)
    audit = AuditEvent.objects.get()
    assert (audit.actor, audit.action, audit.object_id, audit.reason) == (
        finance,
        "vendor.terms_changed",
        str(vendor.pk),
        "Negotiated",
    )
    assert audit.old == {
        "commission_bps_override": None,
        "deposit_required": 0,
        "deposit_overridden": False,
    }
    assert audit.new == {
        "commission_bps_override": 800,
        "deposit_required": 2000_00,
        "deposit_overridden": True,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"commission_bps_override": 10_001}, "commission_bps_override"),
        ({"deposit_required": -1}, "deposit_required"),
        ({"shipping_fee": 10**20}, "shipping_fee"),
        ({"shipping_fee": "1e3"}, "shipping_fee"),
        ({"free_shipping_threshold": "NaN"}, "free_shipping_threshold"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 10_240}, "reason"),
    ],
)
def test_bad_terms_are_refused_and_nothing_changes(client_for, operator, body, field):
    vendor = factories.VendorFactory()
    response = client_for(operator).patch(
        reverse("ops-vendor-terms", kwargs={"vendor_id": vendor.pk}),
        {"reason": "Negotiated", **body},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert AuditEvent.objects.count() == 0
