"""The payment provider's webhook endpoint: verify on the raw body, store, answer.

The event is applied by a task (``orders.tasks.process_webhook_event_task``), so the
endpoint answers fast; a duplicate delivery is stored once and applied once.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.common.errors import DomainError
from marketplace.payments.services import verify_and_store


@csrf_exempt
@require_POST
def provider_webhook(request, provider: str):
    """Verify and store one provider event; 400 for a bad signature or stale time."""
    from orders.tasks import process_webhook_event_task

    try:
        with transaction.atomic():
            row, created = verify_and_store(
                provider_name=provider, body=request.body, headers=request.headers
            )
            if created:
                transaction.on_commit(lambda: process_webhook_event_task.delay(row.pk))
    except DomainError as error:
        return JsonResponse(
            {"code": error.code, "detail": error.detail},
            status=error.status_code,
            content_type="application/problem+json",
        )
    return HttpResponse(status=200)


urlpatterns = [
    path(
        "payments/webhooks/<str:provider>/",
        provider_webhook,
        name="payments-webhook",
    ),
]
