"""The ``stripe.StripeClient`` the adapter talks through, and the wire's errors.

Retries: ``STRIPE_MAX_NETWORK_RETRIES`` (default 0). A mutating call that times out
or meets a 5xx is reported ``UNKNOWN`` at once rather than retried in-process: the
callers are outbox handlers and services that already repeat the call with the
same idempotency key, durably and with backoff, so an SDK retry would only hold a
web or worker thread asleep. Set it above 0 to let the SDK retry too (it reuses
the request's ``Idempotency-Key``, so that is safe).

Transport: the SDK's pluggable HTTP client. ``install_http_client`` replaces the
default ``RequestsClient`` (tests install the fake Stripe there, and nothing else).
"""

from __future__ import annotations

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_installed: stripe.HTTPClient | None = None
_default: stripe.HTTPClient | None = None


def install_http_client(client: stripe.HTTPClient | None) -> None:
    """Send every request through ``client`` (``None``: the default again)."""
    global _installed
    _installed = client


def _http_client() -> stripe.HTTPClient:
    global _default
    if _installed is not None:
        return _installed
    if _default is None:
        _default = stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS)
    return _default


def get_client() -> stripe.StripeClient:
    """Return a client for the platform account with the configured secret key."""
    key = settings.STRIPE_SECRET_KEY
    if not key:
        raise ImproperlyConfigured(
            "PAYMENT_PROVIDER=stripe_connect needs STRIPE_SECRET_KEY"
        )
    return stripe.StripeClient(
        key,
        http_client=_http_client(),
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def is_test_key(key: str) -> bool:
    return key.startswith(("sk_test_", "rk_test_"))
