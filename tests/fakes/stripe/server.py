"""A stateful, in-memory Stripe API (the parts a Connect platform uses), for tests.

It answers what ``stripe.StripeClient`` sends through its HTTP client
(``tests.fakes.stripe.transport``): form-encoded v1 requests with
``Authorization: Bearer sk_test_...``, ``Idempotency-Key`` and ``Stripe-Account``
headers, and JSON answers shaped like the API reference, errors included
(``{"error": {"type", "code", "message", "param"}}`` with Stripe's status codes).

Idempotency follows Stripe's rules: a POST's result (success or 4xx) is saved under
its key, per account; the same key with the same method, path and parameters
replays it (``Idempotent-Replayed: true``), with anything else it is a 400
``idempotency_error``. A request turned away before it ran (401, 429, an injected
5xx) saves nothing.

Simplifications, each stated: one fee rule (``fee_bps`` + ``fee_fixed`` of the
charge, rounded half up, never returned on refunds); funds are available at once
(no pending period); payouts are accepted as ``pending`` and reach ``paid`` right
after (as in test mode), queueing ``payout.paid``. Webhook events are queued in
``queue`` and delivered by the harness, signed with Stripe's scheme (``sign``).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.fakes.stripe.forms import decode

API_VERSION = "2026-10-28.endive"


class ApiError(Exception):
    """An error answer of the API."""

    def __init__(
        self, status, message, *, type="invalid_request_error", code=None, param=None
    ):
        super().__init__(message)
        self.status, self.message = status, message
        self.type, self.code, self.param = type, code, param

    def body(self) -> dict:
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def missing(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def sign(payload: str, *, secret: str, timestamp: int | None = None) -> str:
    """Return a ``Stripe-Signature`` header value for ``payload``: ``t=<unix>,v1=<hex
    HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint secret>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass
class Request:
    method: str
    path: str
    params: dict
    account: str  # "" for the platform, else the Stripe-Account header
    idempotency_key: str
    request_id: str
    match: dict = field(default_factory=dict)


@dataclass
class Fault:
    kind: str
    operation: str
    remaining: int


class FakeStripe:
    """The provider's state and its HTTP API; ``handle`` is one request."""

    def __init__(self, *, api_key: str, fee_bps: int = 290, fee_fixed: int = 30):
        from tests.fakes.stripe.routes import ROUTES

        self.api_key = api_key
        self.fee_bps, self.fee_fixed = fee_bps, fee_fixed
        self.lock = threading.RLock()
        self.objects: dict[str, dict] = {}
        self.private: dict[str, dict] = {}
        # balances[account][currency] = available; "" is the platform
        self.balances: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.ledger: list[tuple[str, str]] = []  # (account, balance transaction id)
        self.hidden: set[str] = set()
        self.saved: dict[tuple[str, str], tuple[tuple, int, dict]] = {}
        self.events: list[dict] = []
        self.queue: list[dict] = []
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []  # (method, path, status)
        self.routes = ROUTES

    # --- Identifiers, time, objects -----------------------------------------------
    @staticmethod
    def new_id(prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(12)}"

    @staticmethod
    def now() -> int:
        return int(time.time())

    def store(self, obj: dict) -> dict:
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, kind: str, param: str = "id") -> dict:
        obj = self.objects.get(object_id or "")
        if obj is None or obj["object"] != kind:
            raise missing(kind, object_id, param)
        return obj

    def snapshot(self, obj: dict, expand: list[str] | None = None) -> dict:
        copied = copy.deepcopy(obj)
        for path in expand or []:
            self._expand(copied, path.split("."))
        return copied

    def _expand(self, obj, parts: list[str]) -> None:
        if not parts or not isinstance(obj, dict):
            return
        head, rest = parts[0], parts[1:]
        if head == "data" and isinstance(obj.get("data"), list):
            for item in obj["data"]:
                self._expand(item, rest)
            return
        value = obj.get(head)
        if isinstance(value, str) and value in self.objects:
            obj[head] = value = copy.deepcopy(self.objects[value])
        self._expand(value, rest)

    # --- Balances and events --------------------------------------------------------
    def book(
        self,
        account: str,
        *,
        type: str,
        amount: int,
        currency: str,
        source: str,
        fee: int = 0,
    ) -> dict:
        """Move ``amount`` on ``account``'s available balance; return the balance
        transaction."""
        self.balances[account][currency] += amount - fee
        txn = self.store(
            {
                "id": self.new_id("txn"),
                "object": "balance_transaction",
                "amount": amount,
                "currency": currency,
                "fee": fee,
                "fee_details": [
                    {
                        "amount": fee,
                        "currency": currency,
                        "type": "stripe_fee",
                        "description": "Stripe processing fees",
                    }
                ]
                if fee
                else [],
                "net": amount - fee,
                "type": type,
                "source": source,
                "status": "available",
                "created": self.now(),
                "available_on": self.now(),
                "description": None,
            }
        )
        self.ledger.append((account, txn["id"]))
        return txn

    def emit(
        self, type: str, obj: dict, *, account: str = "", request: Request | None = None
    ) -> dict:
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": {"object": self.snapshot(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {
                "id": request.request_id if request else None,
                "idempotency_key": request.idempotency_key if request else None,
            },
            "type": type,
        }
        if account:
            event["account"] = account
        self.events.append(event)
        self.queue.append(event)
        return event

    # --- Faults ---------------------------------------------------------------------
    def inject(self, kind: str, *, operation: str, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(kind, operation, times))

    def operation_of(self, method: str, url: str) -> str:
        path = urlsplit(url).path
        for route_method, pattern, operation, _handler in self.routes:
            if route_method == method.upper() and re.fullmatch(pattern, path):
                return operation
        return ""

    def take_fault(self, operation: str, kinds: tuple[str, ...]) -> str:
        with self.lock:
            for fault in self.faults:
                if (
                    fault.remaining > 0
                    and fault.operation == operation
                    and fault.kind in kinds
                ):
                    fault.remaining -= 1
                    return fault.kind
        return ""

    # --- One request ------------------------------------------------------------------
    def handle(
        self, method: str, url: str, headers: dict, body: str | None
    ) -> tuple[int, dict, dict]:
        """Answer one request: ``(status, JSON body, response headers)``."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        parts = urlsplit(url)
        method = method.upper()
        request_id = self.new_id("req")
        answer = {
            "request-id": request_id,
            "stripe-version": headers.get("stripe-version", API_VERSION),
        }
        with self.lock:
            status, payload, extra = self._handle(
                method, parts, headers, body, request_id
            )
            self.log.append((method, parts.path, status))
        return status, payload, {**answer, **extra}

    def _handle(self, method, parts, headers, body, request_id):
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, ApiError(401, "Invalid API Key provided.").body(), {}
        for route_method, pattern, _operation, handler in self.routes:  # noqa: B007
            found = re.fullmatch(pattern, parts.path)
            if route_method == method and found:
                break
        else:
            return (
                404,
                ApiError(
                    404, f"Unrecognized request URL ({method}: {parts.path})."
                ).body(),
                {},
            )
        params = decode(body if method == "POST" else parts.query)
        request = Request(
            method=method,
            path=parts.path,
            params=params,
            account=headers.get("stripe-account", ""),
            idempotency_key=headers.get("idempotency-key", ""),
            request_id=request_id,
            match=found.groupdict(),
        )
        if request.account and request.account not in self.objects:
            return (
                403,
                ApiError(
                    403,
                    "The provided key does not have access to account "
                    f"'{request.account}' (or that account does not exist).",
                    type="invalid_request_error",
                    code="account_invalid",
                ).body(),
                {},
            )
        if method != "POST" or not request.idempotency_key:
            return self._run(handler, request)
        saved_key = (request.account, request.idempotency_key)
        fingerprint = (method, parts.path, json.dumps(params, sort_keys=True))
        if saved_key in self.saved:
            first, status, payload = self.saved[saved_key]
            if first != fingerprint:
                return (
                    400,
                    ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other "
                        f"than '{request.idempotency_key}' if you meant to execute a "
                        "different request.",
                        type="idempotency_error",
                    ).body(),
                    {},
                )
            return (
                status,
                copy.deepcopy(payload),
                {
                    "idempotency-key": request.idempotency_key,
                    "idempotent-replayed": "true",
                },
            )
        status, payload, extra = self._run(handler, request)
        self.saved[saved_key] = (fingerprint, status, copy.deepcopy(payload))
        return status, payload, {**extra, "idempotency-key": request.idempotency_key}

    def _run(self, handler: Callable, request: Request):
        try:
            answer = handler(self, request)
        except ApiError as error:
            return error.status, error.body(), {}
        expand = request.params.get("expand") if request.method == "POST" else None
        if expand and answer.get("id") in self.objects:
            answer = self.snapshot(self.objects[answer["id"]], expand)
        return 200, answer, {}

    # --- Delivery ---------------------------------------------------------------------
    def take_queue(self) -> list[dict]:
        with self.lock:
            queued, self.queue = self.queue, []
            return queued
