"""Shopper web pages: thin views over the catalog selectors."""

from django.shortcuts import render

from marketplace.catalog.selectors import (
    category_tree,
    list_categories,
    list_live_products,
)

HOME_PRODUCTS = 24


def home(request):
    """The front page: the top categories and the newest listings on sale."""
    products = list_live_products(sort="newest")[:HOME_PRODUCTS]
    categories = [node["category"] for node in category_tree(list_categories())]
    return render(
        request,
        "storefront/home.html",
        {"products": products, "categories": categories},
    )
