"""Vendor dashboard web pages (独立后台), under /dashboard/."""

app_name = "dashboard"

urlpatterns: list = []
