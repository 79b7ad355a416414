"""The contract-suite harness for ``stripe_connect`` (``ProviderHarness``).

``activate`` makes a fresh ``FakeStripe``, puts it behind the SDK's transport
(``stripe_connect.client.install_http_client``) and sets test-mode credentials.
Webhooks queue at the fake and are delivered, signed with the endpoint's secret as
Stripe does (Connect events with the Connect endpoint's, the platform's own with
the account endpoint's), by ``deliver_webhooks``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from marketplace.payments.stripe_connect import client as stripe_client
from tests.fakes.stripe import money, resources
from tests.fakes.stripe.server import FakeStripe, sign
from tests.fakes.stripe.transport import KINDS, FakeHTTPClient
from tests.payments.contract.harness import Effects, ordered, post_webhook

API_KEY = "sk_test_fake_platform_key"
CONNECT_SECRET = "whsec_test_fake_connect"
ACCOUNT_SECRET = "whsec_test_fake_account"


class StripeHarness:
    name = "stripe_connect"

    def __init__(self):
        self.server: FakeStripe | None = None
        self.transport: FakeHTTPClient | None = None

    @contextmanager
    def activate(self, settings) -> Iterator[StripeHarness]:
        self.server = FakeStripe(api_key=API_KEY)
        settings.PAYMENT_PROVIDER = self.name
        settings.STRIPE_SECRET_KEY = API_KEY
        settings.STRIPE_WEBHOOK_SECRET = CONNECT_SECRET
        settings.STRIPE_ACCOUNT_WEBHOOK_SECRET = ACCOUNT_SECRET
        settings.STRIPE_CONNECT_COUNTRY = ""
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        self.transport = FakeHTTPClient(
            self.server, deliver_webhooks=self.deliver_webhooks
        )
        stripe_client.install_http_client(self.transport)
        try:
            yield self
        finally:
            stripe_client.install_http_client(None)

    # --- The shopper and the payee -------------------------------------------------
    def onboard_payee(self, payee_ref):
        resources.onboard(self.server, payee_ref)

    def restrict_payee(self, payee_ref):
        """Stripe pauses the account (more information needed)."""
        resources.restrict(self.server, payee_ref)

    def complete_payment(self, payment_id, *, outcome="succeeded"):
        action = {"succeeded": resources.pay, "failed": resources.decline}[outcome]
        action(self.server, payment_id)

    # --- Webhooks ------------------------------------------------------------------
    def signed(
        self, event: dict, *, timestamp: int | None = None
    ) -> tuple[bytes, dict]:
        """Return the body and headers Stripe would POST for ``event``."""
        payload = json.dumps(event, indent=2)
        secret = CONNECT_SECRET if event.get("account") else ACCOUNT_SECRET
        return payload.encode(), {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, secret=secret, timestamp=timestamp),
        }

    def deliver_webhooks(self, client=None, *, order="as-sent", duplicates=0):
        statuses = []
        for event in ordered(self.server.take_queue(), order):
            for _ in range(1 + duplicates):
                body, headers = self.signed(event)
                statuses.append(post_webhook(client, self.name, body, headers))
        return statuses

    def queued_event_types(self) -> list[str]:
        return [event["type"] for event in self.server.queue]

    # --- Counting and faults -------------------------------------------------------
    def count(self, kind: str) -> int:
        return sum(1 for o in self.server.objects.values() if o["object"] == kind)

    def effects(self):
        objects = self.server.objects.values()
        return Effects(
            captures=sum(
                1 for o in objects if o["object"] == "charge" and o["captured"]
            ),
            transfers=self.count("transfer"),
            reversals=self.count("transfer_reversal"),
            refunds=self.count("refund"),
            payouts=sum(
                1
                for o in objects
                if o["object"] == "payout" and not o.get("_exhaust", False)
            ),
        )

    def inject_fault(self, fault, *, operation, times=1):
        if fault not in KINDS:
            raise ValueError(f"unknown fault {fault!r}")
        self.server.inject(fault, operation=operation, times=times)

    def drop_transaction(self, *, source_id):
        """Hide the platform balance transaction of ``source_id``: a Checkout
        Session's charge, a refund, a transfer."""
        server = self.server
        sources = {source_id}
        session = server.objects.get(source_id)
        if session and session["object"] == "checkout.session":
            intent = server.objects[session["payment_intent"]]
            sources.add(intent["latest_charge"])
        for account, txn_id in server.ledger:
            if account == "" and server.objects[txn_id]["source"] in sources:
                server.hidden.add(txn_id)

    def exhaust_payee_balance(self, payee_ref):
        server = self.server
        with server.lock:
            for currency, available in list(server.balances[payee_ref].items()):
                if available > 0:
                    payout = money.payout_now(server, payee_ref, available, currency)
                    server.objects[payout["id"]]["_exhaust"] = True


def make_harness() -> StripeHarness:
    return StripeHarness()
