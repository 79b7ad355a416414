"""The errors of the payment-provider port (``port.py`` re-exports them)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status as http_status

from marketplace.common.errors import DomainError


class PaymentProviderError(DomainError):
    title = _("The payment provider refused the request.")
    code = "provider_error"


class InvalidWebhook(PaymentProviderError):
    """The body is not a genuine, fresh event from the provider: answer 400."""

    title = _("The webhook is not valid.")
    code = "invalid_webhook"


class ProviderIdempotencyError(PaymentProviderError):
    """The idempotency key was first used with different parameters."""

    status_code = http_status.HTTP_422_UNPROCESSABLE_ENTITY
    title = _("This idempotency key was used with different parameters.")
    code = "provider_idempotency_error"


class ProviderObjectNotFound(PaymentProviderError):
    status_code = http_status.HTTP_404_NOT_FOUND
    title = _("The payment provider has no such object.")
    code = "provider_not_found"


class ProviderUnavailable(PaymentProviderError):
    """A query could not reach the provider; try again later."""

    status_code = http_status.HTTP_503_SERVICE_UNAVAILABLE
    title = _("The payment provider cannot be reached.")
    code = "provider_unavailable"
