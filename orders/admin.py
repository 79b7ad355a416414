"""Django admin for raw order records.

Statuses, money, payment references and history are read-only: they change through
``orders.services`` (the APIs), so each change keeps its event, ledger entry and
outbox message. Nothing here is added or deleted. The only edit is an order's
shipping address (a support correction), and it is audited.
"""

from django.contrib import admin

from marketplace.common.admin import NoAddOrDelete, ReadOnly
from marketplace.common.services import record_audit
from orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    ReconciliationItem,
    Refund,
    RefundRequest,
    RefundRequestLine,
    Shipment,
    VendorOrder,
    VendorOrderSettlement,
)

ADDRESS_FIELDS = [
    "recipient",
    "phone",
    "country_code",
    "province_code",
    "city_code",
    "district_code",
    "detail",
    "postal_code",
]
# Personal data stays out of the audit trail: only the fact of the change is kept.
PERSONAL_FIELDS = {"recipient", "phone", "detail"}


def _fields(model, *, exclude=()) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name not in exclude]


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fk_name = "order"
    fields = [
        "created_at",
        "vendor_order",
        "actor",
        "from_status",
        "to_status",
        "reason",
    ]
    show_change_link = False


class VendorOrderEventInline(OrderEventInline):
    fk_name = "vendor_order"
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]


class VendorOrderInline(ReadOnlyInline):
    model = VendorOrder
    fields = ["vendor", "status", "total", "refunded_total", "shipped_at"]


class RefundInline(ReadOnlyInline):
    model = Refund
    fk_name = "order"
    fields = ["vendor_order", "kind", "status", "amount", "currency", "created_at"]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "unit_price", "quantity", "line_total", "vendor_share"]
    show_change_link = False


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["carrier", "tracking_number", "shipped_at"]
    show_change_link = False


class RefundRequestLineInline(ReadOnlyInline):
    model = RefundRequestLine
    fields = ["order_line", "quantity"]
    show_change_link = False


@admin.register(Order)
class OrderAdmin(NoAddOrDelete, admin.ModelAdmin):
    list_display = ["number", "status", "grand_total", "refunded_total", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "payment_reference"]
    date_hierarchy = "created_at"
    readonly_fields = _fields(Order, exclude=ADDRESS_FIELDS)
    inlines = [VendorOrderInline, RefundInline, OrderEventInline]

    def save_model(self, request, obj, form, change):
        """Save a corrected shipping address and audit which fields changed."""
        changed = form.changed_data
        old = {n: _audit_value(n, form.initial.get(n)) for n in changed}
        new = {n: _audit_value(n, form.cleaned_data.get(n)) for n in changed}
        super().save_model(request, obj, form, change)
        if changed:
            record_audit(
                actor=request.user,
                action="order.admin_edited",
                target=obj,
                old=old,
                new=new,
            )


def _audit_value(name, value) -> str:
    return "(personal data)" if name in PERSONAL_FIELDS else str(value)


@admin.register(VendorOrder)
class VendorOrderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "order", "vendor", "status", "total", "refunded_total"]
    list_filter = ["status"]
    list_select_related = ["order", "vendor"]
    search_fields = ["order__number"]
    inlines = [OrderLineInline, ShipmentInline, VendorOrderEventInline]


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "vendor_order", "type", "status", "amount", "created_at"]
    list_filter = ["status", "type", "decided_by_operator"]
    search_fields = ["vendor_order__order__number"]
    inlines = [RefundRequestLineInline]


@admin.register(Refund)
class RefundAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "order", "kind", "status", "amount", "currency"]
    list_filter = ["status", "kind"]
    list_select_related = ["order"]
    search_fields = ["order__number", "provider_reference", "idempotency_key"]


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnly, admin.ModelAdmin):
    """Resolved in the back office, which books the correcting entry."""

    list_display = ["id", "day", "kind", "status", "provider_amount", "ledger_amount"]
    list_filter = ["status", "kind"]
    search_fields = ["source_id", "provider_transaction_id", "reference"]


@admin.register(VendorOrderSettlement)
class VendorOrderSettlementAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "vendor_order", "vendor", "status", "vendor_amount"]
    list_filter = ["status"]
    list_select_related = ["vendor_order", "vendor"]
