"""Stripe's answers mapped onto the port: results for mutations, errors for queries.

A mutation's outcome follows the port's rules: an answer lost to a timeout or a
connection error, a 5xx or a 409 is ``UNKNOWN`` (Stripe may have acted; repeat with
the same key); a 429 is a retryable ``FAILED`` (Stripe turned it away before acting);
a 4xx is ``FAILED`` with Stripe's error code; an ``idempotency_error`` raises
``ProviderIdempotencyError``. A query that cannot reach Stripe raises
``ProviderUnavailable``, and one for an object Stripe does not have raises
``ProviderObjectNotFound``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import stripe

from marketplace.payments import port
from marketplace.payments.port import Outcome

logger = logging.getLogger(__name__)

# Codes of a 4xx that Stripe may accept later under the same key (it saves a
# refusal under its key, so most refusals are final for that key).
RETRYABLE_CODES = frozenset({"rate_limit", "lock_timeout"})


def as_dict(obj: Any) -> dict:
    """Return a StripeObject (or a dict) as plain nested dicts and lists."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj or {})


def mutate(
    result: type[port.Result],
    call: Callable[[], Any],
    build: Callable[[dict], port.Result],
) -> port.Result:
    """Run one mutating call and map what came back (or did not) onto ``result``."""
    try:
        answer = call()
    except stripe.IdempotencyError as error:
        raise port.ProviderIdempotencyError(error.user_message or str(error)) from error
    except stripe.RateLimitError as error:
        return result(
            outcome=Outcome.FAILED,
            failure_code="rate_limited",
            failure_message=error.user_message or "",
            retryable=True,
        )
    except stripe.APIConnectionError as error:
        logger.warning("Stripe did not answer: %s", error)
        return result(
            outcome=Outcome.UNKNOWN,
            failure_code="timeout",
            failure_message="No answer from Stripe.",
            retryable=True,
        )
    except (stripe.InvalidRequestError, stripe.CardError) as error:
        code = error.code or "invalid_request"
        return result(
            outcome=Outcome.FAILED,
            failure_code=code,
            failure_message=error.user_message or "",
            retryable=code in RETRYABLE_CODES,
        )
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        # Nothing was done and nothing will be until the keys are fixed: retry.
        logger.error("Stripe refused our credentials: %s", error)
        return result(
            outcome=Outcome.FAILED,
            failure_code="authentication_error",
            failure_message=error.user_message or "",
            retryable=True,
        )
    except stripe.StripeError as error:  # APIError: 5xx, 409 and the like
        return result(
            outcome=Outcome.UNKNOWN,
            failure_code="server_error",
            failure_message=f"HTTP {error.http_status}: {error.user_message or ''}",
            retryable=True,
        )
    return build(as_dict(answer))


def query(call: Callable[[], Any]) -> Any:
    """Run one read; raise the port's errors when it cannot answer."""
    try:
        return call()
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise port.ProviderObjectNotFound(error.user_message or "") from error
        raise port.PaymentProviderError(error.user_message or "") from error
    except stripe.StripeError as error:
        raise port.ProviderUnavailable() from error
