"""The fake Stripe's resources: one function per endpoint, plus the shopper's and
the connected account's actions on Stripe's hosted pages (``pay``, ``onboard``...).
Money movements are in ``money``, the URL table in ``routes``.

Each endpoint takes ``(server, request)``, validates like the API reference says,
changes the state, queues the events Stripe would send, and returns the object.
"""

from __future__ import annotations

from tests.fakes.stripe.forms import as_int
from tests.fakes.stripe.server import ApiError

CURRENCIES = {"cny", "usd", "eur", "gbp", "hkd", "jpy", "sgd"}


def _amount(params: dict, name: str = "amount", *, minimum: int = 1) -> int:
    raw = params.get(name)
    if raw is None:
        raise ApiError(
            400,
            f"Missing required param: {name}.",
            code="parameter_missing",
            param=name,
        )
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
        ) from None
    if value < minimum:
        raise ApiError(
            400,
            f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer",
            param=name,
        )
    return value


def _currency(params: dict, name: str = "currency") -> str:
    value = params.get(name)
    if not value:
        raise ApiError(
            400,
            f"Missing required param: {name}.",
            code="parameter_missing",
            param=name,
        )
    if value not in CURRENCIES:
        raise ApiError(
            400,
            f"Invalid currency: {value}.",
            code="parameter_invalid_string",
            param=name,
        )
    return value


def _metadata(params: dict) -> dict:
    metadata = params.get("metadata") or {}
    if not isinstance(metadata, dict) or len(metadata) > 50:
        raise ApiError(
            400, "Invalid metadata.", code="parameter_invalid_string", param="metadata"
        )
    for key, value in metadata.items():
        if len(key) > 40 or len(value) > 500:
            raise ApiError(
                400,
                f"Metadata values can have up to 500 characters, but you passed in a value that is {len(value)} characters.",  # noqa: E501 (Stripe's message)
                code="parameter_invalid_string",
                param=f"metadata[{key}]",
            )
    return dict(metadata)


def _list(server, items: list[dict], params: dict, url: str) -> dict:
    # newest first; within one second, the later one first
    items = list(items)[::-1]
    items.sort(key=lambda o: o["created"], reverse=True)
    limit = min(max(as_int(params.get("limit"), 10), 1), 100)
    after = params.get("starting_after")
    if after:
        ids = [o["id"] for o in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    expand = [
        p.removeprefix("data.")
        for p in params.get("expand", [])
        if p.startswith("data.")
    ]
    return {
        "object": "list",
        "data": [server.snapshot(o, expand) for o in page],
        "has_more": len(items) > limit,
        "url": url,
    }


def _created_filter(params: dict):
    created = params.get("created") or {}
    if isinstance(created, str):
        return lambda t: t == int(created)
    bounds = {k: int(v) for k, v in created.items()}
    return lambda t: (
        t >= bounds.get("gte", t)
        and t > bounds.get("gt", t - 1)
        and t < bounds.get("lt", t + 1)
        and t <= bounds.get("lte", t)
    )


# --- Accounts -----------------------------------------------------------------------
def create_account(server, request):
    p = request.params
    kind = p.get("type", "express")
    if kind not in ("express", "custom", "standard"):
        raise ApiError(
            400, f"Invalid type: {kind}.", code="parameter_invalid_string", param="type"
        )
    country = p.get("country", "US")
    if len(country) != 2:
        raise ApiError(
            400,
            f"Country '{country}' is unknown.",
            code="country_unsupported",
            param="country",
        )
    requested = (p.get("capabilities") or {}).get("transfers", {}).get(
        "requested"
    ) == "true"
    interval = (
        ((p.get("settings") or {}).get("payouts") or {})
        .get("schedule", {})
        .get("interval", "daily")
    )
    account = server.store(
        {
            "id": server.new_id("acct"),
            "object": "account",
            "type": kind,
            "country": country.upper(),
            "email": p.get("email"),
            "default_currency": p.get("default_currency", "usd"),
            "business_profile": {"name": (p.get("business_profile") or {}).get("name")},
            "capabilities": {"transfers": "inactive"} if requested else {},
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "settings": {"payouts": {"schedule": {"interval": interval}}},
            "metadata": _metadata(p),
            "created": server.now(),
        }
    )
    return server.snapshot(account)


def retrieve_account(server, request):
    return server.snapshot(server.get(request.match["id"], "account"))


def create_account_link(server, request):
    p = request.params
    server.get(p.get("account"), "account", "account")
    for name in ("refresh_url", "return_url"):
        if not str(p.get(name, "")).startswith(("https://", "http://")):
            raise ApiError(
                400, f"Not a valid URL: {name}", code="url_invalid", param=name
            )
    if p.get("type") not in ("account_onboarding", "account_update"):
        raise ApiError(
            400, "Invalid type.", code="parameter_invalid_string", param="type"
        )
    return {
        "object": "account_link",
        "created": server.now(),
        "expires_at": server.now() + 300,
        "url": f"https://connect.stripe.com/setup/e/{p['account']}/{server.new_id('link')}",
    }


def onboard(server, account_id: str) -> dict:
    """The connected account finishes Stripe's hosted onboarding."""
    with server.lock:
        account = server.get(account_id, "account")
        account.update(
            charges_enabled=True, payouts_enabled=True, details_submitted=True
        )
        if "transfers" in account["capabilities"]:
            account["capabilities"]["transfers"] = "active"
        server.emit("account.updated", account, account=account_id)
        return server.snapshot(account)


def restrict(server, account_id: str) -> dict:
    """Stripe needs more information: payouts and transfers are paused."""
    with server.lock:
        account = server.get(account_id, "account")
        account.update(payouts_enabled=False)
        if "transfers" in account["capabilities"]:
            account["capabilities"]["transfers"] = "inactive"
        server.emit("account.updated", account, account=account_id)
        return server.snapshot(account)


# --- Checkout Sessions, PaymentIntents, Charges ---------------------------------------
def create_checkout_session(server, request):
    p = request.params
    if p.get("mode") != "payment":
        raise ApiError(
            400, "Missing required param: mode.", code="parameter_missing", param="mode"
        )
    if not p.get("success_url"):
        raise ApiError(
            400,
            "Missing required param: success_url.",
            code="parameter_missing",
            param="success_url",
        )
    lines = p.get("line_items") or []
    if not isinstance(lines, list) or not lines:
        raise ApiError(
            400,
            "Missing required param: line_items.",
            code="parameter_missing",
            param="line_items",
        )
    total, currencies = 0, set()
    for index, line in enumerate(lines):
        price = line.get("price_data") or {}
        currencies.add(_currency(price, "currency"))
        total += _amount(price, "unit_amount", minimum=0) * _amount(line, "quantity")
        if not (price.get("product_data") or {}).get("name"):
            raise ApiError(
                400,
                "Missing required param: line_items[0][price_data][product_data][name].",  # noqa: E501 (Stripe's message)
                code="parameter_missing",
                param=f"line_items[{index}][price_data][product_data][name]",
            )
    if len(currencies) != 1:
        raise ApiError(
            400,
            "All line items must have the same currency.",
            code="parameter_invalid_string",
            param="line_items",
        )
    intent_data = p.get("payment_intent_data") or {}
    _metadata(intent_data)
    session = server.store(
        {
            "id": server.new_id("cs_test"),
            "object": "checkout.session",
            "amount_total": total,
            "currency": currencies.pop(),
            "client_reference_id": p.get("client_reference_id"),
            "metadata": _metadata(p),
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": p["success_url"],
            "cancel_url": p.get("cancel_url"),
            "expires_at": as_int(p.get("expires_at"), server.now() + 86400),
            "created": server.now(),
            "livemode": False,
        }
    )
    session["url"] = f"https://checkout.stripe.com/c/pay/{session['id']}"
    server.private[session["id"]] = {"payment_intent_data": intent_data}
    return server.snapshot(session)


def retrieve_checkout_session(server, request):
    session = server.get(request.match["id"], "checkout.session")
    return server.snapshot(session, request.params.get("expand", []))


def list_checkout_sessions(server, request):
    p = request.params
    created = _created_filter(p)
    items = [
        o
        for o in server.objects.values()
        if o["object"] == "checkout.session"
        and created(o["created"])
        and (not p.get("payment_intent") or o["payment_intent"] == p["payment_intent"])
    ]
    return _list(server, items, p, "/v1/checkout/sessions")


def expire_checkout_session(server, request):
    session = server.get(request.match["id"], "checkout.session")
    if session["status"] != "open":
        raise ApiError(
            400,
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "{session["status"]}".',  # noqa: E501 (Stripe's message)
        )
    session["status"] = "expired"
    server.emit("checkout.session.expired", session, request=request)
    return server.snapshot(session)


def retrieve_payment_intent(server, request):
    intent = server.get(request.match["id"], "payment_intent")
    return server.snapshot(intent, request.params.get("expand", []))


def _intent_for(server, session: dict) -> dict:
    if session["payment_intent"]:
        return server.objects[session["payment_intent"]]
    data = server.private[session["id"]]["payment_intent_data"]
    intent = server.store(
        {
            "id": server.new_id("pi"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": 0,
            "currency": session["currency"],
            "status": "requires_payment_method",
            "latest_charge": None,
            "last_payment_error": None,
            "transfer_group": data.get("transfer_group"),
            "metadata": dict(data.get("metadata") or {}),
            "description": data.get("description"),
            "created": server.now(),
            "livemode": False,
        }
    )
    session["payment_intent"] = intent["id"]
    return intent


def _charge(server, intent: dict, *, paid: bool) -> dict:
    charge = server.store(
        {
            "id": server.new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "balance_transaction": None,
            "captured": paid,
            "currency": intent["currency"],
            "paid": paid,
            "refunded": False,
            "status": "succeeded" if paid else "failed",
            "failure_code": None if paid else "card_declined",
            "payment_intent": intent["id"],
            "transfer_group": intent["transfer_group"],
            "metadata": dict(intent["metadata"]),
            "created": server.now(),
        }
    )
    intent["latest_charge"] = charge["id"]
    return charge


def pay(server, session_id: str) -> None:
    """The shopper pays on the hosted Checkout page with a card that works."""
    with server.lock:
        session = server.get(session_id, "checkout.session")
        if session["status"] != "open":
            raise ApiError(400, f"The session is {session['status']}.")
        intent = _intent_for(server, session)
        charge = _charge(server, intent, paid=True)
        fee = (charge["amount"] * server.fee_bps + 5000) // 10000 + server.fee_fixed
        txn = server.book(
            "",
            type="charge",
            amount=charge["amount"],
            currency=charge["currency"],
            source=charge["id"],
            fee=fee,
        )
        charge["balance_transaction"] = txn["id"]
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            last_payment_error=None,
        )
        session.update(status="complete", payment_status="paid")
        server.emit("charge.succeeded", charge)
        server.emit("payment_intent.succeeded", intent)
        server.emit("checkout.session.completed", session)


def decline(server, session_id: str) -> None:
    """The shopper's card is declined; the Checkout page stays open for a retry."""
    with server.lock:
        session = server.get(session_id, "checkout.session")
        intent = _intent_for(server, session)
        charge = _charge(server, intent, paid=False)
        intent.update(
            status="requires_payment_method",
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "charge": charge["id"],
            },
        )
        server.emit("charge.failed", charge)
        server.emit("payment_intent.payment_failed", intent)
