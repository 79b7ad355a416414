"""The product's URLs plus ``/bench/hello/``: the bare Django reference view."""

from django.http import JsonResponse
from django.urls import include, path


def hello(request):
    """Return a tiny JSON body: Django's own floor for a request, no database."""
    return JsonResponse({"hello": "world"})


urlpatterns = [
    path("bench/hello/", hello, name="bench-hello"),
    path("", include("marketplace.urls")),
]
