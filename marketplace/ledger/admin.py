"""Read-only admin for the raw ledger rows; every change goes through the services."""

from django.contrib import admin

from marketplace.common.admin import ReadOnly
from marketplace.ledger.models import Account, JournalEntry, Posting


class PostingInline(ReadOnly, admin.TabularInline):
    model = Posting
    fields = ["id", "account", "amount", "currency", "created_at"]
    readonly_fields = fields
    ordering = ["id"]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


@admin.register(Account)
class AccountAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "owner_type",
        "owner_id",
        "kind",
        "currency",
        "guard",
        "debits_posted",
        "credits_posted",
        "debits_pending",
        "credits_pending",
    ]
    list_filter = ["kind", "currency", "owner_type", "guard"]
    search_fields = ["owner_id"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "reference_type",
        "reference_id",
        "created_at",
        "posted_at",
        "voided_at",
    ]
    list_filter = ["status", "kind", "reference_type"]
    search_fields = ["idempotency_key", "reference_id"]
    date_hierarchy = "created_at"
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "entry", "account", "amount", "currency", "created_at"]
    list_filter = ["currency"]
    list_select_related = ["entry", "account"]
    raw_id_fields = ["entry", "account"]
