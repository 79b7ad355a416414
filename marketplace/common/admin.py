"""Django admin's shared permission mixins, and the audit trail and the outbox,
read-only: both are written only by the services, in the transaction of the change
they record."""

from django.contrib import admin

from marketplace.common.models import AuditEvent, OutboxMessage


class NoAdd:
    """Rows are created only by the services; mix in before ``ModelAdmin`` or an
    inline (both permission signatures are met)."""

    def has_add_permission(self, request, obj=None):
        return False


class NoAddOrDelete(NoAdd):
    """Nothing here is added or deleted; some fields may still be edited."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(NoAddOrDelete):
    """A record the services write and Django admin only shows."""

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor"]
    search_fields = ["object_id", "action"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "topic", "key", "attempts", "created_at", "delivered_at"]
    list_filter = ["topic"]
    search_fields = ["key"]
