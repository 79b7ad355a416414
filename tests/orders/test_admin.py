"""The orders admin: raw records read-only, no add or delete, audited address fixes."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from marketplace.common.models import AuditEvent
from orders.models import Order
from orders.services import fulfilment
from tests import factories
from tests.orders.conftest import pay, sellable

pytestmark = [pytest.mark.django_db, pytest.mark.money]


@pytest.fixture
def admin_client_(client, db):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def shipped(place):
    order = place((sellable(), 2))
    pay(order)
    vendor_order = order.vendor_orders.get()
    owner = vendor_order.vendor.members.get().user
    vendor = {"vendor": vendor_order.vendor, "vendor_order_id": vendor_order.pk}
    fulfilment.accept_vendor_order(**vendor, actor=owner)
    fulfilment.ship_vendor_order(
        **vendor, actor=owner, carrier="SF", tracking_number="1"
    )
    return vendor_order


def test_an_order_shows_money_and_status_read_only_with_its_parts(
    admin_client_, shipped
):
    page = admin_client_.get(
        reverse("admin:orders_order_change", args=[shipped.order_id])
    )

    assert page.status_code == 200
    readonly = set(page.context["adminform"].readonly_fields)
    assert {"status", "grand_total", "refunded_total", "payment_reference"} <= readonly
    assert "recipient" not in readonly
    assert page.context["has_delete_permission"] is False
    assert [f.formset.prefix for f in page.context["inline_admin_formsets"]] == [
        "vendor_orders",
        "refunds",
        "events",
    ]


def test_correcting_the_address_is_audited_and_the_status_cannot_change(
    admin_client_, shipped
):
    order = shipped.order
    data = {
        k: v for k, v in model_to_dict(order).items() if v is not None and k != "id"
    }
    data.update(
        {"detail": "Room 2, 1 New Street", "postal_code": "100001", "status": "paid"}
    )
    for prefix in ("vendor_orders", "refunds", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})

    response = admin_client_.post(
        reverse("admin:orders_order_change", args=[order.pk]), data
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert (order.detail, order.status) == ("Room 2, 1 New Street", "paid")
    audit = AuditEvent.objects.get(action="order.admin_edited")
    assert audit.old == {"detail": "(personal data)", "postal_code": ""}
    assert audit.new == {"detail": "(personal data)", "postal_code": "100001"}


def test_a_vendor_order_is_view_only_with_lines_shipments_and_events(
    admin_client_, shipped
):
    page = admin_client_.get(
        reverse("admin:orders_vendororder_change", args=[shipped.pk])
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert [f.formset.prefix for f in page.context["inline_admin_formsets"]] == [
        "lines",
        "shipments",
        "events",
    ]


@pytest.mark.parametrize("model", ["order", "vendororder", "refundrequest", "refund"])
def test_no_order_record_is_added_or_deleted_in_the_admin(
    admin_client_, shipped, model
):
    deletable = {"order": shipped.order_id, "vendororder": shipped.pk}
    listing = admin_client_.get(reverse(f"admin:orders_{model}_changelist"))
    add = admin_client_.get(reverse(f"admin:orders_{model}_add"))

    assert listing.status_code == 200
    assert listing.context["has_add_permission"] is False
    assert add.status_code == 403
    if model in deletable:
        delete = admin_client_.post(
            reverse(f"admin:orders_{model}_delete", args=[deletable[model]]),
            {"post": "yes"},
        )
        assert delete.status_code == 403
    assert Order.objects.filter(pk=shipped.order_id).exists()
