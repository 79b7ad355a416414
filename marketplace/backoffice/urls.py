"""Operator back-office web pages, under /backoffice/."""

app_name = "backoffice"

urlpatterns: list = []
