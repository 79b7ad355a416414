"""The payouts queue: withdrawals awaiting approval; approve, hold, reject."""

import pytest
from django.urls import reverse

from marketplace.common.models import OutboxMessage
from vendors.models import Withdrawal, WithdrawalEvent

pytestmark = [pytest.mark.django_db, pytest.mark.money]
Status = Withdrawal.Status


def url(name, *args):
    return reverse(f"backoffice:{name}", args=args)


def test_the_queue_shows_withdrawals_awaiting_approval(
    web, operators, awaiting_withdrawal
):
    page = web(operators["finance"]).get(url("payouts"))

    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-withdrawal="{awaiting_withdrawal.pk}"' in text
    assert "¥20,000.00" in text


def test_finance_approves_a_withdrawal_and_the_payout_is_queued(
    web, operators, awaiting_withdrawal
):
    finance = operators["finance"]

    response = web(finance).post(
        url("payout-approve", awaiting_withdrawal.pk),
        {f"w{awaiting_withdrawal.pk}-reason": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == url("payouts")
    awaiting_withdrawal.refresh_from_db()
    assert awaiting_withdrawal.status == Status.PENDING
    event = WithdrawalEvent.objects.filter(withdrawal=awaiting_withdrawal).last()
    assert (event.actor, event.to_status) == (finance, Status.PENDING)
    assert OutboxMessage.objects.filter(
        topic="vendor.withdrawal_payout",
        payload={"withdrawal_id": awaiting_withdrawal.pk},
    ).exists()


@pytest.mark.parametrize("action", ["payout-hold", "payout-reject"])
def test_hold_and_reject_need_a_reason_named_on_the_field(
    web, operators, awaiting_withdrawal, action
):
    prefix = f"w{awaiting_withdrawal.pk}"

    response = web(operators["finance"]).post(
        url(action, awaiting_withdrawal.pk), {f"{prefix}-reason": ""}
    )

    assert response.status_code == 400
    forms = {w.pk: f for w, f in response.context["rows"]}
    assert list(forms[awaiting_withdrawal.pk].errors) == ["reason"]
    assert f'id="id_{prefix}-reason-errors"' in response.content.decode()
    awaiting_withdrawal.refresh_from_db()
    assert awaiting_withdrawal.status == Status.PENDING_APPROVAL


def test_hold_then_reject_restores_the_balance(web, operators, awaiting_withdrawal):
    client = web(operators["finance"])
    prefix = f"w{awaiting_withdrawal.pk}"

    held = client.post(
        url("payout-hold", awaiting_withdrawal.pk),
        {f"{prefix}-reason": "Checking the bank account"},
    )
    awaiting_withdrawal.refresh_from_db()
    status_after_hold = awaiting_withdrawal.status
    rejected = client.post(
        url("payout-reject", awaiting_withdrawal.pk),
        {f"{prefix}-reason": "Bank account does not match the company"},
    )
    awaiting_withdrawal.refresh_from_db()

    assert (held.status_code, rejected.status_code) == (302, 302)
    assert (status_after_hold, awaiting_withdrawal.status) == (
        Status.ON_HOLD,
        Status.REJECTED,
    )
    assert awaiting_withdrawal.ledger_entry.status == "voided"


def test_a_decided_withdrawal_cannot_be_decided_again(
    web, operators, awaiting_withdrawal
):
    client = web(operators["finance"])
    prefix = f"w{awaiting_withdrawal.pk}"
    client.post(url("payout-approve", awaiting_withdrawal.pk), {})

    again = client.post(
        url("payout-reject", awaiting_withdrawal.pk), {f"{prefix}-reason": "Oops"}
    )

    assert again.status_code == 400
    awaiting_withdrawal.refresh_from_db()
    assert awaiting_withdrawal.status == Status.PENDING


def test_an_unknown_withdrawal_is_404(web, operators):
    response = web(operators["finance"]).post(
        url("payout-approve", 999999), {"w999999-reason": ""}
    )

    assert response.status_code == 404
