"""The URL map: the three faces, their APIs, the schema and Django admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("api/store/", include("marketplace.storefront.api_urls")),
    path("api/vendor/", include("marketplace.dashboard.api_urls")),
    path("api/ops/", include("marketplace.backoffice.api_urls")),
    path("sandbox/", include("marketplace.payments.sandbox.urls")),
    path("dashboard/", include("marketplace.dashboard.urls")),
    path("backoffice/", include("marketplace.backoffice.urls")),
    path("", include("orders.urls")),
    path("", include("marketplace.storefront.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
