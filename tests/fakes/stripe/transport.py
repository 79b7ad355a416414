"""The fake Stripe behind the SDK's pluggable transport (``stripe.HTTPClient``).

``FakeHTTPClient.request`` is where the network would be, so the network faults
strike here: a 429 or a 5xx before the fake acts (nothing saved), a timeout after
it committed (the answer is lost: the SDK raises ``APIConnectionError`` as
``RequestsClient`` does on a read timeout), and webhooks delivered before the
answer returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import stripe

from tests.fakes.stripe.server import ApiError, FakeStripe

TIMEOUT_AFTER_COMMIT = "timeout_after_commit"
SERVER_ERROR = "server_error"
RATE_LIMITED = "rate_limited"
WEBHOOK_BEFORE_RESPONSE = "webhook_before_response"
KINDS = (TIMEOUT_AFTER_COMMIT, SERVER_ERROR, RATE_LIMITED, WEBHOOK_BEFORE_RESPONSE)


class FakeHTTPClient(stripe.HTTPClient):
    name = "fake_stripe"

    def __init__(self, server: FakeStripe, *, deliver_webhooks: Callable[[], object]):
        super().__init__()
        self.server = server
        self.deliver_webhooks = deliver_webhooks

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        fault = self.server.take_fault(self.server.operation_of(method, url), KINDS)
        if fault == RATE_LIMITED:
            error = ApiError(
                429,
                "Request rate limit exceeded. Learn more about rate limits here "
                "https://stripe.com/docs/rate-limits.",
                code="rate_limit",
            )
            return json.dumps(error.body()), 429, {"request-id": "req_fault"}
        if fault == SERVER_ERROR:
            error = ApiError(500, "An unknown error occurred", type="api_error")
            return json.dumps(error.body()), 500, {"request-id": "req_fault"}
        status, body, response_headers = self.server.handle(
            method, url, dict(headers or {}), post_data
        )
        if fault == WEBHOOK_BEFORE_RESPONSE:
            self.deliver_webhooks()
        if fault == TIMEOUT_AFTER_COMMIT:
            raise stripe.APIConnectionError(
                "Request to Stripe timed out (fake: the answer was lost).",
                should_retry=True,
            )
        return json.dumps(body, indent=2), status, response_headers

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError("the fake does not stream")

    def close(self):
        pass
