"""``list_transactions`` from Stripe's balance transactions.

Each movement names its Stripe source (a charge, refund, transfer, reversal,
payout); the port names the object the marketplace knows: the payment's Checkout
Session for a charge, the refund, the transfer for a transfer and its reversals.
Charges are matched to their sessions through the sessions created in the day
before the window (a session lives 24 hours at most), then one by one.
"""

from __future__ import annotations

from marketplace.payments import port
from marketplace.payments.port import TransactionType
from marketplace.payments.stripe_connect.payments import session_of_intent, when
from marketplace.payments.stripe_connect.wire import as_dict, query

DAY = 86_400
PLATFORM_TYPES = {
    "charge": TransactionType.PAYMENT,
    "payment": TransactionType.PAYMENT,
    "refund": TransactionType.REFUND,
    "payment_refund": TransactionType.REFUND,
    "transfer": TransactionType.SETTLEMENT,
    "transfer_refund": TransactionType.SETTLEMENT_REVERSAL,
    "transfer_cancel": TransactionType.SETTLEMENT_REVERSAL,
    "payout": TransactionType.PAYOUT,
    "payout_failure": TransactionType.PAYOUT_FAILURE,
}
# On a connected account, an incoming transfer is a "payment" and its reversal a
# "payment_refund".
PAYEE_TYPES = {
    "payment": TransactionType.SETTLEMENT,
    "payment_refund": TransactionType.SETTLEMENT_REVERSAL,
    "transfer_refund": TransactionType.SETTLEMENT_REVERSAL,
    "payout": TransactionType.PAYOUT,
    "payout_failure": TransactionType.PAYOUT_FAILURE,
}


def _list(call) -> list[dict]:
    return [as_dict(o) for o in query(lambda: list(call().auto_paging_iter()))]


class _Sessions:
    """PaymentIntent id -> (Checkout Session id, merchant reference)."""

    def __init__(self, client, since: int, until: int):
        self.client = client
        self.found = {
            s["payment_intent"]: (s["id"], s.get("client_reference_id") or "")
            for s in _list(
                lambda: client.v1.checkout.sessions.list(
                    params={
                        "created": {"gte": since - DAY, "lt": until},
                        "limit": 100,
                    }
                )
            )
            if s.get("payment_intent")
        }

    def of(self, intent_id: str) -> tuple[str, str]:
        if intent_id not in self.found:
            session = as_dict(
                query(
                    lambda: self.client.v1.checkout.sessions.retrieve(
                        session_of_intent(self.client, intent_id)
                    )
                )
            )
            self.found[intent_id] = (
                session["id"],
                session.get("client_reference_id") or "",
            )
        return self.found[intent_id]


def _platform_source(client, sessions: _Sessions, row: dict) -> tuple[str, str]:
    """Return ``(source_id, reference)`` of a platform movement."""
    source = row["source"]
    if not isinstance(source, dict):
        return str(source or ""), ""
    kind = source.get("object")
    if kind == "charge":
        return sessions.of(source["payment_intent"])
    if kind == "refund":
        return source["id"], sessions.of(source["payment_intent"])[1]
    if kind == "transfer":
        return source["id"], source.get("transfer_group") or ""
    if kind == "transfer_reversal":
        transfer = as_dict(
            query(lambda: client.v1.transfers.retrieve(source["transfer"]))
        )
        return transfer["id"], transfer.get("transfer_group") or ""
    return source["id"], ""


def list_balance_movements(
    client, *, since: int, until: int, payee_ref: str | None
) -> list[port.Transaction]:
    """Return the movements created in ``[since, until)`` (unix seconds), oldest
    first, of the platform or of connected account ``payee_ref``."""
    options = {"stripe_account": payee_ref} if payee_ref else {}
    rows = _list(
        lambda: client.v1.balance_transactions.list(
            params={
                "created": {"gte": since, "lt": until},
                "limit": 100,
                "expand": ["data.source"],
            },
            options=options,
        )
    )
    types = PAYEE_TYPES if payee_ref else PLATFORM_TYPES
    sessions = None if payee_ref else _Sessions(client, since, until)
    found = []
    for row in reversed(rows):  # Stripe lists newest first
        kind = types.get(row["type"])
        if kind is None:
            continue
        if sessions is None:
            source = row["source"]
            source_id = source["id"] if isinstance(source, dict) else str(source)
            reference = ""
        else:
            source_id, reference = _platform_source(client, sessions, row)
        found.append(
            port.Transaction(
                transaction_id=row["id"],
                type=kind,
                amount=row["amount"],
                fee=row["fee"],
                currency=row["currency"].upper(),
                created_at=when(row["created"]),
                source_id=source_id,
                reference=reference,
            )
        )
    found.sort(key=lambda t: t.created_at)
    return found
