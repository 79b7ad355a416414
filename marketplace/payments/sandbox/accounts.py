"""The sandbox's payee accounts: creation, hosted onboarding, balances, payouts."""

from django.db import transaction

from marketplace.payments.sandbox.engine import book, get_account
from marketplace.payments.sandbox.errors import SandboxApiError
from marketplace.payments.sandbox.models import (
    SandboxAccount,
    SandboxFault,
    SandboxPayout,
    new_id,
)
from marketplace.payments.sandbox.webhooks import emit_event


def account_object(account: SandboxAccount) -> dict:
    return {
        "object": "account",
        "id": account.account_id,
        "livemode": False,
        "display_name": account.display_name,
        "currency": account.currency,
        "details_submitted": account.details_submitted,
        "payouts_enabled": account.payouts_enabled,
        "available": account.available,
        "pending": account.pending,
    }


def payout_object(payout: SandboxPayout) -> dict:
    return {
        "object": "payout",
        "id": payout.payout_id,
        "livemode": False,
        "account": payout.account.account_id,
        "amount": payout.amount,
        "currency": payout.currency,
        "status": payout.status,
        "failure_code": payout.failure_code,
    }


def create_account(params: dict) -> dict:
    account = SandboxAccount.objects.create(
        account_id=new_id("acct"),
        display_name=params["display_name"],
        email=params["email"],
        country=params["country"],
        currency=params["currency"],
    )
    return account_object(account)


@transaction.atomic
def complete_onboarding(account_id: str) -> dict:
    """The payee finished the hosted onboarding: payouts are enabled."""
    account = get_account(account_id, lock=True)
    if not account.payouts_enabled:
        account.details_submitted = account.payouts_enabled = True
        account.save(update_fields=["details_submitted", "payouts_enabled"])
        emit_event("account.updated", account_object(account))
    return account_object(account)


def _take_payout_fault() -> bool:
    fault = (
        SandboxFault.objects.select_for_update(skip_locked=True)
        .filter(kind=SandboxFault.Kind.FAIL_PAYOUT, remaining__gt=0)
        .first()
    )
    if fault is None:
        return False
    fault.remaining -= 1
    fault.save(update_fields=["remaining"])
    return True


def payout(params: dict) -> dict:
    """Pay out at once; with a ``fail_payout`` fault the bank rejects it and the
    money returns to the available balance."""
    account = get_account(params["payee_ref"], lock=True)
    if not account.payouts_enabled:
        raise SandboxApiError(
            400, "payouts_not_enabled", f"{account.account_id} cannot be paid out yet."
        )
    if account.currency != params["currency"]:
        raise SandboxApiError(
            400, "currency_mismatch", f"{account.account_id} holds {account.currency}."
        )
    if account.available < params["amount"]:
        raise SandboxApiError(
            402,
            "balance_insufficient",
            f"{account.account_id} has {account.available} available.",
        )
    created = SandboxPayout.objects.create(
        payout_id=new_id("po"),
        account=account,
        amount=params["amount"],
        currency=account.currency,
        status="paid",
    )
    book(account, type="payout", amount=-created.amount, source_id=created.payout_id)
    if _take_payout_fault():
        created.status, created.failure_code = "failed", "account_closed"
        created.save(update_fields=["status", "failure_code"])
        book(
            account,
            type="payout_failure",
            amount=created.amount,
            source_id=created.payout_id,
        )
    emit_event(f"payout.{created.status}", payout_object(created))
    return payout_object(created)
