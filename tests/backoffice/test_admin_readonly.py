"""Django admin stays for raw records: status and money fields are read-only there
(they change only through the services), and the raw money records open."""

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from tests import factories
from tests.backoffice.world import build_world
from vendors.models import Vendor

pytestmark = [pytest.mark.django_db, pytest.mark.money]
MONEY_WORDS = ("amount", "price", "total", "fee", "bps", "share", "deposit", "balance")


def guarded(field) -> bool:
    """Whether a field is a status or an amount of money (or its currency)."""
    name = field.name
    return (
        "status" in name
        or name == "currency"
        or any(word in name for word in MONEY_WORDS)
        or (isinstance(field, models.BigIntegerField) and not field.primary_key)
    )


def test_status_and_money_fields_are_read_only_in_every_admin():
    request = RequestFactory().get("/")
    request.user = factories.OperatorFactory.build(is_superuser=True)
    editable = {}
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_change_permission(request):
            continue
        read_only = set(model_admin.get_readonly_fields(request))
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if f.editable and guarded(f) and f.name not in read_only
        ]
        if fields:
            editable[model._meta.label] = fields

    assert editable == {}


def test_a_superuser_cannot_change_a_vendors_status_in_admin(client):
    vendor = factories.VendorFactory()
    client.force_login(factories.OperatorFactory(is_superuser=True))
    url = reverse("admin:vendors_vendor_change", args=[vendor.pk])
    form = client.get(url).context["adminform"].form

    client.post(url, {**form.initial, "status": "closed", "deposit_required": 1})

    vendor.refresh_from_db()
    assert (vendor.status, vendor.deposit_required) == (Vendor.Status.APPROVED, 0)
    assert "status" not in form.fields


@pytest.mark.parametrize(
    "model",
    [
        "vendors_withdrawal",
        "vendors_depositpayment",
        "orders_reconciliationitem",
        "orders_vendorordersettlement",
        "common_auditevent",
        "common_outboxmessage",
    ],
)
def test_the_raw_money_records_open_read_only(client, model):
    build_world()
    client.force_login(factories.OperatorFactory(is_superuser=True))

    listing = client.get(reverse(f"admin:{model}_changelist"))
    adding = client.get(reverse(f"admin:{model}_add"))

    assert (listing.status_code, adding.status_code) == (200, 403)
