from django.contrib import admin

from marketplace.rules.models import PlatformRules


@admin.register(PlatformRules)
class PlatformRulesAdmin(admin.ModelAdmin):
    """Read-only: rules change through the back office, which keeps the history."""

    list_display = ["id", "created_at", "changed_by", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
