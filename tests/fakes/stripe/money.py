"""The fake Stripe's money movements: refunds, transfers and their reversals, the
connected accounts' balances and payouts, and the balance transactions.
"""

from __future__ import annotations

from tests.fakes.stripe.resources import (
    _amount,
    _created_filter,
    _currency,
    _list,
    _metadata,
)
from tests.fakes.stripe.server import ApiError


# --- Refunds --------------------------------------------------------------------------
def create_refund(server, request):
    p = request.params
    intent = server.get(p.get("payment_intent"), "payment_intent", "payment_intent")
    if intent["status"] != "succeeded":
        raise ApiError(
            400,
            f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",  # noqa: E501 (Stripe's message)
            param="payment_intent",
        )
    charge = server.objects[intent["latest_charge"]]
    left = charge["amount"] - charge["amount_refunded"]
    amount = _amount(p) if "amount" in p else left
    if left == 0:
        raise ApiError(
            400,
            f"Charge {charge['id']} has already been refunded.",
            code="charge_already_refunded",
        )
    if amount > left:
        raise ApiError(
            400,
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",  # noqa: E501 (Stripe's message)
            code="amount_too_large",
            param="amount",
        )
    refund = server.store(
        {
            "id": server.new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": charge["currency"],
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "reason": p.get("reason"),
            "metadata": _metadata(p),
            "created": server.now(),
        }
    )
    txn = server.book(
        "",
        type="refund",
        amount=-amount,
        currency=charge["currency"],
        source=refund["id"],
    )
    refund["balance_transaction"] = txn["id"]
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    server.emit("refund.created", refund, request=request)
    server.emit("charge.refunded", charge, request=request)
    return server.snapshot(refund)


def list_refunds(server, request):
    p = request.params
    items = [
        o
        for o in server.objects.values()
        if o["object"] == "refund"
        and (not p.get("payment_intent") or o["payment_intent"] == p["payment_intent"])
    ]
    return _list(server, items, p, "/v1/refunds")


# --- Transfers and reversals ----------------------------------------------------------
def create_transfer(server, request):
    p = request.params
    amount, currency = _amount(p), _currency(p)
    destination = server.get(p.get("destination"), "account", "destination")
    if destination["capabilities"].get("transfers") != "active":
        raise ApiError(
            400,
            "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",  # noqa: E501 (Stripe's message)
            code="insufficient_capabilities_for_transfer",
            param="destination",
        )
    source = p.get("source_transaction")
    if source:
        charge = server.get(source, "charge", "source_transaction")
        used = sum(
            o["amount"] - o["amount_reversed"]
            for o in server.objects.values()
            if o["object"] == "transfer" and o["source_transaction"] == source
        )
        if (
            charge["status"] != "succeeded"
            or amount > charge["amount"] - charge["amount_refunded"] - used
        ):
            raise ApiError(
                400,
                "Insufficient funds from the source transaction for this transfer.",
                code="balance_insufficient",
                param="amount",
            )
    elif server.balances[""][currency] < amount:
        raise ApiError(
            400,
            "You have insufficient available funds in your Stripe account.",
            code="balance_insufficient",
        )
    transfer = server.store(
        {
            "id": server.new_id("tr"),
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": currency,
            "destination": destination["id"],
            "destination_payment": server.new_id("py"),
            "source_transaction": source,
            "transfer_group": p.get("transfer_group"),
            "reversed": False,
            "reversals": {"object": "list", "data": [], "has_more": False},
            "metadata": _metadata(p),
            "created": server.now(),
        }
    )
    txn = server.book(
        "", type="transfer", amount=-amount, currency=currency, source=transfer["id"]
    )
    transfer["balance_transaction"] = txn["id"]
    server.book(
        destination["id"],
        type="payment",
        amount=amount,
        currency=currency,
        source=transfer["destination_payment"],
    )
    server.emit("transfer.created", transfer, request=request)
    return server.snapshot(transfer)


def retrieve_transfer(server, request):
    transfer = server.get(request.match["id"], "transfer")
    return server.snapshot(transfer, request.params.get("expand", []))


def list_transfers(server, request):
    p = request.params
    items = [
        o
        for o in server.objects.values()
        if o["object"] == "transfer"
        and (not p.get("transfer_group") or o["transfer_group"] == p["transfer_group"])
        and (not p.get("destination") or o["destination"] == p["destination"])
    ]
    return _list(server, items, p, "/v1/transfers")


def create_transfer_reversal(server, request):
    p = request.params
    transfer = server.get(request.match["id"], "transfer")
    left = transfer["amount"] - transfer["amount_reversed"]
    amount = _amount(p) if "amount" in p else left
    if amount > left:
        raise ApiError(
            400,
            f"Reversal amount ({amount}) is greater than the amount left on the transfer ({left}).",  # noqa: E501 (Stripe's message)
            param="amount",
        )
    destination = transfer["destination"]
    if server.balances[destination][transfer["currency"]] < amount:
        raise ApiError(
            400,
            "Insufficient funds in the destination account to reverse this transfer.",
            code="balance_insufficient",
            param="amount",
        )
    reversal = server.store(
        {
            "id": server.new_id("trr"),
            "object": "transfer_reversal",
            "amount": amount,
            "currency": transfer["currency"],
            "transfer": transfer["id"],
            "metadata": _metadata(p),
            "created": server.now(),
        }
    )
    txn = server.book(
        "",
        type="transfer_refund",
        amount=amount,
        currency=transfer["currency"],
        source=reversal["id"],
    )
    reversal["balance_transaction"] = txn["id"]
    server.book(
        destination,
        type="payment_refund",
        amount=-amount,
        currency=transfer["currency"],
        source=reversal["id"],
    )
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    transfer["reversals"]["data"].insert(0, server.snapshot(reversal))
    server.emit("transfer.reversed", transfer, request=request)
    return server.snapshot(reversal)


# --- Connected accounts' balances and payouts -----------------------------------------
def _connected(server, request) -> dict:
    if not request.account:
        raise ApiError(400, "This call needs the Stripe-Account header in this fake.")
    return server.objects[request.account]


def retrieve_balance(server, request):
    account = request.account
    amounts = server.balances[account]
    currencies = sorted(
        set(amounts)
        | ({_connected(server, request)["default_currency"]} if account else set())
    )
    return {
        "object": "balance",
        "available": [{"amount": amounts[c], "currency": c} for c in currencies],
        "pending": [{"amount": 0, "currency": c} for c in currencies],
        "livemode": False,
    }


def create_payout(server, request):
    p = request.params
    account = _connected(server, request)
    amount, currency = _amount(p), _currency(p)
    if not account["payouts_enabled"]:
        raise ApiError(
            400, "Payouts are not enabled for this account.", code="payouts_not_allowed"
        )
    if server.balances[account["id"]][currency] < amount:
        raise ApiError(
            400,
            "You have insufficient funds in your Stripe account for this transfer.",
            code="balance_insufficient",
            param="amount",
        )
    return server.snapshot(payout_now(server, account["id"], amount, currency, request))


def payout_now(
    server, account_id: str, amount: int, currency: str, request=None
) -> dict:
    """Create a payout, answer ``pending``, then let it arrive (``payout.paid``)."""
    payout = server.store(
        {
            "id": server.new_id("po"),
            "object": "payout",
            "amount": amount,
            "currency": currency,
            "status": "pending",
            "method": "standard",
            "type": "bank_account",
            "failure_code": None,
            "arrival_date": server.now(),
            "created": server.now(),
        }
    )
    txn = server.book(
        account_id,
        type="payout",
        amount=-amount,
        currency=currency,
        source=payout["id"],
    )
    payout["balance_transaction"] = txn["id"]
    answer = server.snapshot(payout)
    server.emit("payout.created", payout, account=account_id, request=request)
    payout["status"] = "paid"
    server.emit("payout.paid", payout, account=account_id)
    return answer


def list_balance_transactions(server, request):
    p = request.params
    created = _created_filter(p)
    items = [
        server.objects[txn_id]
        for account, txn_id in server.ledger
        if account == request.account
        and txn_id not in server.hidden
        and created(server.objects[txn_id]["created"])
        and (not p.get("type") or server.objects[txn_id]["type"] == p["type"])
    ]
    return _list(server, items, p, "/v1/balance_transactions")
