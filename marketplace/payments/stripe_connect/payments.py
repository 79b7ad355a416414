"""A payment as Stripe holds it: a Checkout Session, its PaymentIntent and charge,
the transfers of its ``transfer_group`` and its refunds, read back as ``PaymentInfo``.

Stripe knows nothing of our splits, so they travel with the payment: the Checkout
Session's metadata holds ``splits_<n>`` values of ``payee|sub_reference|amount``
joined by ``;`` (up to 500 characters each, Stripe's limit). Transfers carry their
``commission`` and refunds their ``allocations`` (``payee|amount;...``) in metadata,
which is how a split's ``settled`` and ``refunded`` are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from marketplace.payments import port
from marketplace.payments.port import PaymentStatus
from marketplace.payments.stripe_connect.wire import as_dict, query

EXPAND = ["payment_intent.latest_charge.balance_transaction"]
METADATA_VALUE = 500


def encode_splits(splits) -> dict[str, str]:
    """Return the metadata entries that carry ``splits``."""
    chunks, current = [], ""
    for split in splits:
        item = f"{split.payee_ref}|{split.sub_reference}|{split.amount}"
        if current and len(current) + 1 + len(item) > METADATA_VALUE:
            chunks.append(current)
            current = ""
        current = f"{current};{item}" if current else item
    chunks.append(current)
    if len(chunks) > 45:
        raise ValueError("too many payees for one Stripe payment")
    return {f"splits_{index}": chunk for index, chunk in enumerate(chunks)}


def decode_splits(metadata: dict) -> list[tuple[str, str, int]]:
    keys = sorted(
        (k for k in metadata if k.startswith("splits_")),
        key=lambda k: int(k.removeprefix("splits_")),
    )
    found = []
    for key in keys:
        for item in metadata[key].split(";"):
            payee, sub_reference, amount = item.split("|")
            found.append((payee, sub_reference, int(amount)))
    return found


def encode_allocations(allocations) -> str:
    return ";".join(f"{a.payee_ref}|{a.amount}" for a in allocations)


def decode_allocations(value: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in filter(None, (value or "").split(";")):
        payee, amount = item.split("|")
        found[payee] = found.get(payee, 0) + int(amount)
    return found


def when(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def status_of(session: dict) -> PaymentStatus:
    """Map a Checkout Session (with its PaymentIntent expanded) onto the port.

    A declined card leaves the session open for another try; the port calls that
    ``FAILED`` (the order records it and waits) until the shopper pays after all.
    """
    if session["status"] == "expired":
        return PaymentStatus.CANCELED
    if session["status"] == "complete":
        if session["payment_status"] in ("paid", "no_payment_required"):
            return PaymentStatus.SUCCEEDED
        return PaymentStatus.PROCESSING
    intent = session.get("payment_intent")
    if not isinstance(intent, dict):
        return PaymentStatus.REQUIRES_PAYMENT
    if intent["status"] == "requires_action":
        return PaymentStatus.REQUIRES_ACTION
    if intent["status"] == "processing":
        return PaymentStatus.PROCESSING
    if intent["status"] == "canceled":
        return PaymentStatus.CANCELED
    if intent["status"] == "requires_payment_method" and intent.get(
        "last_payment_error"
    ):
        return PaymentStatus.FAILED
    return PaymentStatus.REQUIRES_PAYMENT


@dataclass
class StripePayment:
    """Everything Stripe holds about one payment, as plain dicts."""

    session: dict
    transfers: list[dict]
    refunds: list[dict]

    @property
    def intent(self) -> dict | None:
        intent = self.session.get("payment_intent")
        return intent if isinstance(intent, dict) else None

    @property
    def charge(self) -> dict | None:
        charge = (self.intent or {}).get("latest_charge")
        return charge if isinstance(charge, dict) else None

    @property
    def reference(self) -> str:
        return self.session.get("client_reference_id") or ""

    def transfer_with_key(self, key: str) -> dict | None:
        return next(
            (t for t in self.transfers if t["metadata"].get("idempotency_key") == key),
            None,
        )

    def refund_with_key(self, key: str) -> dict | None:
        return next(
            (r for r in self.refunds if r["metadata"].get("idempotency_key") == key),
            None,
        )

    def splits(self) -> tuple[port.SplitInfo, ...]:
        refunded: dict[str, int] = {}
        for refund in self.refunds:
            if refund["status"] in ("succeeded", "pending", "requires_action"):
                for payee, amount in decode_allocations(
                    refund["metadata"].get("allocations", "")
                ).items():
                    refunded[payee] = refunded.get(payee, 0) + amount
        settled: dict[str, int] = {}
        for transfer in self.transfers:
            gross = (
                transfer["amount"]
                - transfer["amount_reversed"]
                + int(transfer["metadata"].get("commission", 0))
            )
            settled[transfer["destination"]] = (
                settled.get(transfer["destination"], 0) + gross
            )
        return tuple(
            port.SplitInfo(
                payee_ref=payee,
                sub_reference=sub_reference,
                amount=amount,
                refunded=refunded.get(payee, 0),
                settled=settled.get(payee, 0),
            )
            for payee, sub_reference, amount in decode_splits(
                self.session.get("metadata") or {}
            )
        )

    def info(self) -> port.PaymentInfo:
        charge = self.charge or {}
        balance_transaction = charge.get("balance_transaction")
        fee = balance_transaction["fee"] if isinstance(balance_transaction, dict) else 0
        return port.PaymentInfo(
            payment_id=self.session["id"],
            merchant_reference=self.reference,
            status=status_of(self.session),
            amount=self.session["amount_total"],
            currency=self.session["currency"].upper(),
            amount_captured=charge.get("amount_captured", 0),
            amount_refunded=charge.get("amount_refunded", 0),
            fee=fee,
            splits=self.splits(),
            created_at=when(self.session["created"]),
        )


def session_of_intent(client, intent_id: str) -> str:
    """Return the Checkout Session that created PaymentIntent ``intent_id``."""
    found = query(
        lambda: client.v1.checkout.sessions.list(
            params={"payment_intent": intent_id, "limit": 1}
        )
    )
    if not found.data:
        raise port.ProviderObjectNotFound(f"No Checkout Session for {intent_id}")
    return found.data[0].id


def load_payment(client, payment_id: str) -> StripePayment:
    """Read a payment by its Checkout Session id (or its PaymentIntent's id)."""
    if payment_id.startswith("pi_"):
        payment_id = session_of_intent(client, payment_id)
    session = as_dict(
        query(
            lambda: client.v1.checkout.sessions.retrieve(
                payment_id, params={"expand": EXPAND}
            )
        )
    )
    transfers, refunds = [], []
    if session.get("client_reference_id"):
        transfers = [
            as_dict(t)
            for t in query(
                lambda: list(
                    client.v1.transfers.list(
                        params={
                            "transfer_group": session["client_reference_id"],
                            "limit": 100,
                        }
                    ).auto_paging_iter()
                )
            )
        ]
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        refunds = [
            as_dict(r)
            for r in query(
                lambda: list(
                    client.v1.refunds.list(
                        params={"payment_intent": intent["id"], "limit": 100}
                    ).auto_paging_iter()
                )
            )
        ]
    return StripePayment(session=session, transfers=transfers, refunds=refunds)
