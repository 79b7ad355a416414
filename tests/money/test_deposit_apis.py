"""Asking a vendor for its deposit (ops API), paying it (vendor API), the webhook."""

import pytest
from django.urls import reverse

from marketplace.accounts.models import User
from marketplace.common.models import AuditEvent
from marketplace.payments.models import WebhookEvent
from marketplace.payments.sandbox import control
from marketplace.payments.sandbox.models import SandboxEvent
from marketplace.payments.sandbox.webhooks import body_of
from orders.services.provider_events import process_webhook_event
from tests import factories
from tests.orders.test_webhooks import deliver
from vendors.models import DepositPayment, VendorMember

pytestmark = [pytest.mark.django_db, pytest.mark.money]
DEPOSIT = 500_00


@pytest.fixture
def vendor_owing(commission_vendor):
    commission_vendor.deposit_required = DEPOSIT
    commission_vendor.save()
    return commission_vendor


@pytest.fixture
def finance_api(client_for):
    return client_for(factories.UserFactory(operator_role=User.OperatorRole.FINANCE))


def ops_url(vendor) -> str:
    return reverse("ops-deposit-payments", kwargs={"vendor_id": vendor.pk})


def test_finance_asks_for_the_rules_amount_or_another_once(
    client_for, finance_api, vendor_owing
):
    support = client_for(factories.UserFactory(operator_role=User.OperatorRole.SUPPORT))

    refused = support.post(ops_url(vendor_owing), {}, format="json")
    first = finance_api.post(ops_url(vendor_owing), {}, format="json")
    again = finance_api.post(ops_url(vendor_owing), {}, format="json")
    other = finance_api.post(ops_url(vendor_owing), {"amount": 100_00}, format="json")
    bad = finance_api.post(ops_url(vendor_owing), {"amount": 0}, format="json")
    listed = finance_api.get(ops_url(vendor_owing))
    missing = finance_api.post(
        reverse("ops-deposit-payments", kwargs={"vendor_id": 999_999}), {}
    )

    assert refused.status_code == 403
    assert (first.status_code, first.json()["amount"]) == (201, DEPOSIT)
    assert first.json()["payment_url"].startswith("/sandbox/pay/")
    assert again.json()["id"] == first.json()["id"]
    assert (other.status_code, other.json()["amount"]) == (201, 100_00)
    assert bad.status_code == 400
    assert "amount" in bad.json()["errors"]
    assert [p["id"] for p in listed.json()] == [other.json()["id"], first.json()["id"]]
    assert missing.status_code == 404
    assert AuditEvent.objects.filter(action="deposit.request").count() == 2


@pytest.mark.parametrize("hold", [False, True], ids=["on_platform", "frozen"])
def test_the_vendor_pays_on_the_link_and_the_webhook_books_it(
    hold, settings, client, client_for, finance_api, vendor_owing
):
    # given finance asked for the deposit
    settings.SANDBOX_HOLD_DEPOSITS = hold
    owner = client_for(vendor_owing.members.get().user)
    asked = finance_api.post(ops_url(vendor_owing), {}, format="json").json()
    before = owner.get(reverse("vendor-deposit")).json()

    # when the vendor pays on the hosted page and the provider's webhook arrives
    payment = DepositPayment.objects.get(pk=asked["id"])
    control.pay(payment.payment_reference)
    event = SandboxEvent.objects.get(type="payment.succeeded")
    assert deliver(client, body_of(event)).status_code == 200
    outcome = process_webhook_event(event_row_id=WebhookEvent.objects.get().pk)

    # then the deposit is booked once, on the path the provider allows
    after = owner.get(reverse("vendor-deposit")).json()
    assert outcome == "deposit_paid"
    assert (before["owed"], before["payment_url"]) == (DEPOSIT, asked["payment_url"])
    assert (after["held"], after["owed"], after["payment_url"]) == (DEPOSIT, 0, "")
    assert after["frozen_at_provider"] == (DEPOSIT if hold else 0)
    assert [(p["status"], p["held_at_provider"]) for p in after["payments"]] == [
        ("paid", hold)
    ]
    assert process_webhook_event(event_row_id=WebhookEvent.objects.get().pk) == (
        "already_processed"
    )


def test_the_vendor_gets_a_pay_link_when_missing_and_staff_cannot(
    client_for, vendor_owing
):
    owner = client_for(vendor_owing.members.get().user)
    staff = client_for(
        factories.VendorMemberFactory(
            vendor=vendor_owing, role=VendorMember.Role.STAFF
        ).user
    )

    made = owner.post(reverse("vendor-deposit-pay"))
    again = owner.post(reverse("vendor-deposit-pay"))
    hidden = staff.get(reverse("vendor-deposit"))
    control.pay(DepositPayment.objects.get().payment_reference)
    from orders.services.deposits import apply_deposit_payment

    apply_deposit_payment(deposit_id=made.json()["id"])
    paid = owner.post(reverse("vendor-deposit-pay"))

    assert (made.status_code, made.json()["amount"]) == (201, DEPOSIT)
    assert again.json()["id"] == made.json()["id"]
    assert hidden.status_code == 403
    assert paid.status_code == 409
