"""The adapters of the payment-provider port, and the one the settings choose."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from marketplace.payments.port import PaymentProvider
from marketplace.payments.sandbox.provider import SandboxProvider
from marketplace.payments.stripe_connect.provider import StripeConnectProvider
from marketplace.payments.wechatpay.provider import WeChatPayProvider

# Add an adapter here (issue 5: "stripe_connect", "wechatpay"); grep finds what runs.
PROVIDERS: dict[str, type] = {
    "sandbox": SandboxProvider,
    "stripe_connect": StripeConnectProvider,
    "wechatpay": WeChatPayProvider,
}


def get_provider(name: str | None = None) -> PaymentProvider:
    """Return the adapter named ``name``, by default ``settings.PAYMENT_PROVIDER``."""
    name = name or settings.PAYMENT_PROVIDER
    try:
        adapter = PROVIDERS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"PAYMENT_PROVIDER={name!r} is not one of {sorted(PROVIDERS)}"
        ) from None
    return adapter()
