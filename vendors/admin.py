"""Django admin for raw vendor records.

Status, money and terms are read-only here: they change through ``vendors.services``
(the back-office API, or the admin actions below, which call the same services), so
every change keeps its event, audit row and outbox message. Other edits are audited.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from marketplace.common.admin import NoAdd, NoAddOrDelete, ReadOnly
from marketplace.common.errors import DomainError
from marketplace.common.services import record_audit
from vendors import services
from vendors.models import (
    DepositPayment,
    StaffInvitation,
    Vendor,
    VendorEvent,
    VendorMember,
    Withdrawal,
    WithdrawalEvent,
)

SERVICE_FIELDS = [
    "status",
    "status_reason",
    "pricing_model",
    "commission_bps_override",
    "deposit_required",
    "deposit_overridden",
    "currency",
    "shipping_fee",
    "free_shipping_threshold",
    "holding_days_override",
    "licence_image",
    "created_at",
    "submitted_at",
    "approved_at",
]
# Personal data stays out of the audit trail: only the fact of the change is kept.
PERSONAL_FIELDS = {
    "contact_name",
    "contact_phone",
    "contact_email",
    "recipient",
    "phone",
    "detail",
}


def _audit_value(name, value) -> str:
    return "(personal data)" if name in PERSONAL_FIELDS else str(value)


class VendorMemberInline(NoAdd, admin.TabularInline):
    model = VendorMember
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    can_delete = False


class VendorEventInline(NoAdd, admin.TabularInline):
    model = VendorEvent
    extra = 0
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Vendor)
class VendorAdmin(NoAddOrDelete, admin.ModelAdmin):
    list_display = ["id", "__str__", "company_name", "pricing_model", "status"]
    list_filter = ["status", "pricing_model"]
    search_fields = ["name_en", "name_zh", "company_name", "slug"]
    readonly_fields = SERVICE_FIELDS
    inlines = [VendorMemberInline, VendorEventInline]
    actions = ["approve_selected"]

    def save_model(self, request, obj, form, change):
        """Save an edit of the descriptive fields and audit its old and new values."""
        changed = form.changed_data
        old = {n: _audit_value(n, form.initial.get(n)) for n in changed}
        new = {n: _audit_value(n, form.cleaned_data.get(n)) for n in changed}
        super().save_model(request, obj, form, change)
        if changed:
            record_audit(
                actor=request.user,
                action="vendor.admin_edited",
                target=obj,
                old=old,
                new=new,
            )

    @admin.action(description=_("Approve the selected submitted applications"))
    def approve_selected(self, request, queryset):
        for vendor in queryset:
            try:
                services.approve_vendor(vendor=vendor, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{vendor}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{vendor}: {vendor.get_status_display()}")


@admin.register(VendorEvent)
class VendorEventAdmin(ReadOnly, admin.ModelAdmin):
    """Append-only history."""

    list_display = ["id", "vendor", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["to_status"]
    list_select_related = ["vendor", "actor"]


@admin.register(VendorMember)
class VendorMemberAdmin(ReadOnly, admin.ModelAdmin):
    """Membership changes go through invitations and the staff services."""

    list_display = ["id", "vendor", "user", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["vendor", "user"]
    search_fields = ["user__email", "vendor__slug"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "vendor", "email", "role", "status", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["vendor"]
    exclude = ["token"]


class WithdrawalEventInline(NoAdd, admin.TabularInline):
    model = WithdrawalEvent
    extra = 0
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "vendor", "amount", "fee", "status", "business_date"]
    list_filter = ["status"]
    list_select_related = ["vendor"]
    inlines = [WithdrawalEventInline]


@admin.register(DepositPayment)
class DepositPaymentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "vendor", "amount", "status", "paid_at"]
    list_filter = ["status"]
    list_select_related = ["vendor"]
