"""Routes orders serves itself: the payment provider's webhook endpoint."""

from orders.webhooks import urlpatterns

__all__ = ["urlpatterns"]
