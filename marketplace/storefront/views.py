"""Shopper web pages: thin views over the catalog selectors."""

from django.shortcuts import render


def home(request):
    return render(request, "storefront/home.html", {})
