from django.contrib import admin

from marketplace.common.admin import ReadOnly
from marketplace.payments.models import WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly, admin.ModelAdmin):
    """The inbox, read-only: the endpoint stores events and tasks process them."""

    list_display = ["event_id", "provider", "type", "received_at", "processed_at"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id"]
