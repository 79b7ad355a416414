from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from marketplace.accounts.models import User


@admin.register(User)
class EmailUserAdmin(UserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "operator_role",
        "is_active",
        "date_joined",
    ]
    list_filter = ["operator_role", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "phone", "preferred_language"]}),
        (
            "Roles",
            {"fields": ["operator_role", "is_active", "is_staff", "is_superuser"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
