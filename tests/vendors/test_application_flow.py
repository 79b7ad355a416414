"""The application's journey: sign up, apply, submit, review, and every refusal."""

import pytest
from django.urls import reverse

from marketplace.accounts.models import User
from marketplace.common.models import AuditEvent, OutboxMessage
from marketplace.rules.services import change_rules
from tests import factories
from tests.vendors.helpers import application_data, licence_upload
from vendors import services
from vendors.models import Vendor, VendorEvent, VendorMember

pytestmark = pytest.mark.django_db
Status = Vendor.Status


def _sign_up(api, email="seller@example.test") -> User:
    response = api.post(
        reverse("store-signup"),
        {
            "email": email,
            "password": "a long enough pass phrase",
            "display_name": "Wang Fang",
            "preferred_language": "zh-hans",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return User.objects.get(email=email)


def _apply(client, **overrides):
    data = {**application_data(**overrides), "licence_image": licence_upload()}
    return client.post(reverse("vendor-application"), data, format="multipart")


def _ops(action: str, vendor: Vendor) -> str:
    return reverse(f"ops-vendor-{action}", kwargs={"vendor_id": vendor.pk})


def test_a_new_user_applies_submits_and_is_approved_with_history_and_outbox(
    api, client_for
):
    # given a platform that asks for a deposit, and a reviewer
    change_rules(actor=None, changes={"default_deposit_amount": 1000_00})
    reviewer = factories.OperatorFactory(operator_role=User.OperatorRole.REVIEWER)
    # when a visitor signs up, applies with a licence scan and submits
    owner = _sign_up(api)
    applied = _apply(api)
    submitted = api.post(reverse("vendor-application-submit"))
    # and the reviewer approves
    vendor = Vendor.objects.get()
    approved = client_for(reviewer).post(
        _ops("approve", vendor), {"reason": "Documents verified"}, format="json"
    )
    # then each step answered with the new status
    assert (applied.status_code, applied.json()["status"]) == (201, "draft")
    assert (submitted.status_code, submitted.json()["status"]) == (200, "submitted")
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    # and the vendor is approved, owned by the applicant, with the default deposit
    vendor.refresh_from_db()
    assert vendor.status == Status.APPROVED
    assert vendor.deposit_required == 1000_00
    assert vendor.licence_image.name.endswith(".webp")
    assert list(VendorMember.objects.values_list("user", "role")) == [
        (owner.pk, "owner")
    ]
    # and both changes are recorded with who, from, to and why
    events = list(VendorEvent.objects.order_by("id"))
    assert [(e.actor, e.from_status, e.to_status, e.reason) for e in events] == [
        (owner, "draft", "submitted", ""),
        (reviewer, "submitted", "approved", "Documents verified"),
    ]
    # and each change wrote its outbox row with a deterministic key
    assert [
        (m.topic, m.key, m.payload) for m in OutboxMessage.objects.order_by("id")
    ] == [
        (
            "vendor.status_changed",
            f"vendor:{vendor.pk}:event:{e.pk}",
            {
                "vendor_id": vendor.pk,
                "event_id": e.pk,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
            },
        )
        for e in events
    ]


def test_a_rejected_application_is_corrected_and_submitted_again(vendor_owner):
    # given a submitted application that a reviewer rejects
    vendor = vendor_owner.vendor_membership.vendor
    Vendor.objects.filter(pk=vendor.pk).update(status=Status.SUBMITTED)
    vendor.refresh_from_db()
    reviewer = factories.OperatorFactory(operator_role=User.OperatorRole.REVIEWER)
    services.reject_vendor(vendor=vendor, actor=reviewer, reason="Licence is blurry")
    # when the owner fixes the licence number and submits again
    services.update_application(
        vendor=vendor,
        actor=vendor_owner,
        data={"business_licence_number": "91330106MA2H3K4L5Y"},
        licence_image=licence_upload(),
    )
    services.submit_application(vendor=vendor, actor=vendor_owner)
    # then it is back in the queue with the whole history
    vendor.refresh_from_db()
    assert (vendor.status, vendor.business_licence_number) == (
        Status.SUBMITTED,
        "91330106MA2H3K4L5Y",
    )
    assert list(
        VendorEvent.objects.order_by("id").values_list(
            "from_status", "to_status", "reason"
        )
    ) == [
        ("submitted", "rejected", "Licence is blurry"),
        ("rejected", "submitted", ""),
    ]


@pytest.mark.parametrize("action", ["reject", "suspend"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_and_suspend_need_a_reason(client_for, operator, action, reason):
    # given a vendor in the state the action starts from
    start = Status.SUBMITTED if action == "reject" else Status.APPROVED
    vendor = factories.VendorFactory(status=start)
    body = {} if reason is None else {"reason": reason}
    # when the operator acts without a reason
    response = client_for(operator).post(_ops(action, vendor), body, format="json")
    # then 400 names the reason and nothing is written
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["reason"]
    vendor.refresh_from_db()
    assert vendor.status == start
    assert VendorEvent.objects.count() == OutboxMessage.objects.count() == 0


ACTIONS = {
    "submit": Status.SUBMITTED,
    "approve": Status.APPROVED,
    "reject": Status.REJECTED,
    "suspend": Status.SUSPENDED,
    "reinstate": Status.APPROVED,
    "close": Status.CLOSED,
}
INVALID = [
    (current, action)
    for current in Status
    for action, target in ACTIONS.items()
    if target not in Vendor.TRANSITIONS[current]
]


@pytest.mark.parametrize(("current", "action"), INVALID)
def test_every_move_outside_the_transition_table_is_409_and_writes_nothing(
    client_for, operator, current, action
):
    # given a vendor in ``current``
    vendor = factories.VendorFactory(status=current)
    owner = vendor.members.get().user
    # when its owner submits, or an admin applies the action
    if action == "submit":
        url, client = reverse("vendor-application-submit"), client_for(owner)
    else:
        url, client = _ops(action, vendor), client_for(operator)
    response = client.post(url, {"reason": "because"}, format="json")
    # then 409 and nothing changed
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    vendor.refresh_from_db()
    assert vendor.status == current
    assert VendorEvent.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("current", "action"),
    [(Status.SUSPENDED, "approve"), (Status.SUBMITTED, "reinstate")],
)
def test_approve_and_reinstate_each_start_from_their_own_status(
    client_for, operator, current, action
):
    # given a vendor whose status may reach "approved", but not through this action
    vendor = factories.VendorFactory(status=current)
    # when the operator uses the other action's endpoint
    response = client_for(operator).post(_ops(action, vendor), {}, format="json")
    # then 409 and nothing changed
    assert response.status_code == 409
    vendor.refresh_from_db()
    assert vendor.status == current
    assert VendorEvent.objects.count() == 0


def test_submitting_without_a_licence_names_the_missing_field(client_for):
    # given a draft whose owner never uploaded the licence
    owner = factories.UserFactory()
    client = client_for(owner)
    created = client.post(
        reverse("vendor-application"), application_data(), format="multipart"
    )
    assert created.status_code == 201, created.json()
    # when the owner submits
    response = client.post(reverse("vendor-application-submit"))
    # then 400 names the licence image and the draft stays a draft
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["licence_image"]
    assert Vendor.objects.get().status == Status.DRAFT
    assert VendorEvent.objects.count() == 0


def test_a_member_of_a_shop_cannot_apply_again(client_for, vendor_owner):
    # given the owner of an approved shop
    # when they apply for a second one
    response = client_for(vendor_owner).post(
        reverse("vendor-application"),
        {**application_data(), "licence_image": licence_upload()},
        format="multipart",
    )
    # then 409 and no second shop
    assert response.status_code == 409
    assert Vendor.objects.count() == 1


def test_an_operator_cannot_apply(client_for, operator):
    response = client_for(operator).post(
        reverse("vendor-application"), application_data(), format="multipart"
    )
    assert response.status_code == 403
    assert Vendor.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.DRAFT, 200),
        (Status.REJECTED, 200),
        (Status.SUBMITTED, 409),
        (Status.APPROVED, 409),
        (Status.SUSPENDED, 409),
        (Status.CLOSED, 409),
    ],
)
def test_the_application_is_editable_only_while_draft_or_rejected(
    client_for, status, expected
):
    # given an application in ``status``
    vendor = factories.VendorFactory(status=status)
    owner = vendor.members.get().user
    # when the owner changes the company name
    response = client_for(owner).patch(
        reverse("vendor-application"), {"company_name": "New Name Ltd"}, format="json"
    )
    # then only a draft or rejected application changes
    assert response.status_code == expected
    vendor.refresh_from_db()
    changed = vendor.company_name == "New Name Ltd"
    assert changed is (expected == 200)


def test_staff_cannot_edit_or_submit_the_application(client_for):
    # given a draft shop with a staff member
    vendor = factories.VendorFactory(status=Status.DRAFT, company_name="Shop Ltd")
    staff = factories.VendorMemberFactory(vendor=vendor, role="staff").user
    client = client_for(staff)
    # when the staff member edits and submits
    edited = client.patch(
        reverse("vendor-application"), {"company_name": "Mine Ltd"}, format="json"
    )
    submitted = client.post(reverse("vendor-application-submit"))
    # then both are refused and nothing changed
    assert (edited.status_code, submitted.status_code) == (403, 403)
    vendor.refresh_from_db()
    assert (vendor.status, vendor.company_name) == (Status.DRAFT, "Shop Ltd")


def test_approval_keeps_a_deposit_finance_set_before(operator):
    # given a platform default deposit and a submitted vendor whose deposit finance
    # waived
    change_rules(actor=None, changes={"default_deposit_amount": 500_00})
    vendor = factories.VendorFactory(status=Status.SUBMITTED)
    services.set_vendor_terms(
        vendor=vendor, actor=operator, deposit_required=0, reason="Waived"
    )
    # when it is approved
    services.approve_vendor(vendor=vendor, actor=operator)
    # then the waived deposit stands
    vendor.refresh_from_db()
    assert (vendor.status, vendor.deposit_required) == (Status.APPROVED, 0)


def test_an_operator_may_set_the_deposit_when_approving(client_for, operator):
    vendor = factories.VendorFactory(status=Status.SUBMITTED)
    response = client_for(operator).post(
        _ops("approve", vendor), {"deposit_required": 300_00}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["deposit_required"] == 300_00
