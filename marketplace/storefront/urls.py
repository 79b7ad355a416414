"""Shopper web pages."""

from django.urls import path

from marketplace.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
]
