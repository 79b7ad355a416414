"""Money pages (owner only): balances, payout schedule, withdrawals, statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.ledger.services import get_or_create_account, record_entry
from vendors.models import Withdrawal

pytestmark = [pytest.mark.django_db, pytest.mark.money]


def fund(vendor, amount: int, key: str = "1") -> None:
    """Put ``amount`` in the vendor's available balance (as a settlement would)."""

    def account(owner_type, owner_id, kind):
        return get_or_create_account(
            owner_type=owner_type, owner_id=owner_id, kind=kind, currency="CNY"
        )

    record_entry(
        idempotency_key=f"test-fund-{vendor.pk}-{key}",
        kind="test_funding",
        postings=[
            (account("platform", "platform", "provider_cash"), amount),
            (account("vendor", vendor.pk, "vendor_available"), -amount),
        ],
    )


@pytest.mark.parametrize(
    "name",
    [
        "dashboard:money",
        "dashboard:withdrawals",
        "dashboard:statement",
        "dashboard:statement-csv",
    ],
)
def test_money_pages_are_the_owners(staff_web, owner_web, name):
    assert staff_web.get(reverse(name)).status_code == 403
    assert owner_web.get(reverse(name)).status_code == 200


def test_balance_shows_each_part_from_the_ledger(owner_web, vendor):
    fund(vendor, 250_00)

    response = owner_web.get(reverse("dashboard:money"))

    balances = response.context["balances"]
    parts = ("currency", "pending", "available", "in_withdrawal", "receivable")
    assert {part: balances[part] for part in parts} == {
        "currency": "CNY",
        "pending": 0,
        "available": 250_00,
        "in_withdrawal": 0,
        "receivable": 0,
    }
    assert 'data-balance="available">¥250.00<' in response.content.decode()


def test_withdraw_from_the_available_balance(owner_web, vendor):
    fund(vendor, 250_00)

    response = owner_web.post(
        reverse("dashboard:withdrawals"), {"amount": "120.50", "key": "form-key-1"}
    )
    again = owner_web.post(
        reverse("dashboard:withdrawals"), {"amount": "120.50", "key": "form-key-1"}
    )

    withdrawal = Withdrawal.objects.get(vendor=vendor)
    assert response["Location"] == reverse("dashboard:withdrawal", args=[withdrawal.pk])
    assert again["Location"] == response["Location"]  # a double submit withdraws once
    assert (withdrawal.amount, withdrawal.status) == (120_50, "pending")
    page = owner_web.get(response["Location"])
    assert page.context["withdrawal"] == withdrawal


@pytest.mark.parametrize("amount", ["300.00", "0", "abc", "1.001"])
def test_a_refused_withdrawal_names_the_amount(owner_web, vendor, amount):
    fund(vendor, 250_00)

    response = owner_web.post(reverse("dashboard:withdrawals"), {"amount": amount})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["amount"]
    assert not Withdrawal.objects.filter(vendor=vendor).exists()


def test_statement_page_and_csv_show_the_same_month(owner_web, vendor):
    fund(vendor, 250_00)
    month = timezone.localdate().strftime("%Y-%m")

    page = owner_web.get(reverse("dashboard:statement"), {"month": month})
    csv = owner_web.get(reverse("dashboard:statement-csv"), {"month": month})

    statement = page.context["statement"]
    assert f'href="{reverse("dashboard:statement-csv")}?month={month}"' in (
        page.content.decode()
    )
    assert (statement.opening, statement.closing) == (0, 250_00)
    assert csv["Content-Type"] == "text/csv"
    assert f'filename="statement-{month}.csv"' in csv["Content-Disposition"]
    assert "closing,25000,CNY" in csv.content.decode()


def test_a_bad_month_is_refused_on_its_field(owner_web):
    response = owner_web.get(reverse("dashboard:statement"), {"month": "2026-13"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["month"]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_withdrawal_list_runs_the_same_queries_for_1_or_many_rows(owner_web, vendor):
    from vendors.services.withdrawals import request_withdrawal

    owner = vendor.members.get().user
    fund(vendor, 5_000_00)
    request_withdrawal(vendor=vendor, actor=owner, amount=100_00)
    one = count_queries(owner_web, reverse("dashboard:withdrawals"))
    for _ in range(8):
        request_withdrawal(vendor=vendor, actor=owner, amount=100_00)
    many = count_queries(owner_web, reverse("dashboard:withdrawals"))

    assert many == one
    assert many <= 12


def test_set_up_payouts_opens_the_providers_onboarding_page(owner_web, staff_web):
    refused = staff_web.post(reverse("dashboard:payee-onboarding"))
    response = owner_web.post(reverse("dashboard:payee-onboarding"))

    assert refused.status_code == 403
    assert response.status_code == 302
    assert response["Location"].startswith("/sandbox/onboard/")
    page = owner_web.get(reverse("dashboard:money"))
    assert page.context["payee"].payouts_enabled is not True
    assert "Set up payouts" in page.content.decode()
