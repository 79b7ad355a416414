"""Raw catalog records for staff. Status, prices and stock are read-only here:
changing them goes through the catalog services, which check and record each change.
"""

from django.contrib import admin

from marketplace.catalog.models import (
    Category,
    Product,
    ProductEvent,
    ProductImage,
    ProductRevision,
    Variant,
)
from marketplace.common.admin import NoAdd, NoAddOrDelete, ReadOnly

MONEY_AND_STOCK = (
    "currency",
    "retail_price",
    "retail_price_by_operator",
    "supply_price",
    "stock_on_hand",
    "stock_reserved",
)


@admin.register(Category)
class CategoryAdmin(NoAddOrDelete, admin.ModelAdmin):
    list_display = ["id", "name_zh", "name_en", "slug", "path", "commission_bps"]
    list_filter = ["is_active"]
    search_fields = ["name_en", "name_zh", "slug"]
    readonly_fields = ["parent", "path", "commission_bps", "is_active"]


class VariantInline(NoAdd, admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "attributes", *MONEY_AND_STOCK, "is_active"]
    readonly_fields = [*MONEY_AND_STOCK, "is_active"]
    can_delete = False


class ProductImageInline(NoAdd, admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["image", "width", "height", "variant", "position", "alt_en", "alt_zh"]
    readonly_fields = ["image", "width", "height", "variant"]


class ProductEventInline(NoAdd, admin.TabularInline):
    model = ProductEvent
    extra = 0
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Product)
class ProductAdmin(NoAddOrDelete, admin.ModelAdmin):
    list_display = ["id", "title_zh", "title_en", "vendor", "category", "status"]
    list_filter = ["status", "is_featured"]
    search_fields = ["title_en", "title_zh", "vendor__name_en", "vendor__name_zh"]
    list_select_related = ["vendor", "category"]
    raw_id_fields = ["vendor", "category"]
    readonly_fields = [
        "vendor",
        "category",
        "status",
        "status_reason",
        "title_en",
        "title_zh",
        "description_en",
        "description_zh",
        "created_at",
        "updated_at",
        "published_at",
    ]
    inlines = [VariantInline, ProductImageInline, ProductEventInline]


@admin.register(ProductRevision)
class ProductRevisionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "product", "status", "created_at", "reviewed_at"]
    list_filter = ["status"]
    raw_id_fields = ["product"]


@admin.register(Variant)
class VariantAdmin(NoAddOrDelete, admin.ModelAdmin):
    list_display = ["id", "sku", "product", *MONEY_AND_STOCK, "is_active"]
    search_fields = ["sku"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    readonly_fields = ["product", "sku", *MONEY_AND_STOCK, "is_active"]
