"""The sandbox pages plus a webhook endpoint shaped like the one orders will own."""

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from marketplace.common.errors import DomainError
from marketplace.payments.services import verify_and_store


@csrf_exempt
def receive_webhook(request, provider):
    try:
        row, created = verify_and_store(
            provider_name=provider, body=request.body, headers=request.headers
        )
    except DomainError as error:
        return JsonResponse({"code": error.code}, status=error.status_code)
    return JsonResponse({"event_id": row.event_id, "created": created})


urlpatterns = [
    path("sandbox/", include("marketplace.payments.sandbox.urls")),
    path("payments/webhooks/<str:provider>/", receive_webhook),
]
