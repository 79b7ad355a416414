"""Browsing: the front page, search with filters and facets, products and shops."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from marketplace.catalog.selectors import (
    category_facets,
    category_tree,
    get_category,
    get_live_product,
    list_categories,
    list_live_products,
)
from marketplace.common.errors import NotFound
from marketplace.storefront.forms import AddToCartForm, SearchForm
from marketplace.storefront.views.common import found, is_fragment
from vendors.selectors import get_public_vendor

HOME_PRODUCTS = 12
PAGE_SIZE = 24


@require_GET
def home(request):
    """The front page: top categories, featured listings and the newest ones."""
    newest = list_live_products(sort="newest")
    categories = [node["category"] for node in category_tree(list_categories())]
    return render(
        request,
        "storefront/home.html",
        {
            "categories": categories,
            "featured": newest.filter(is_featured=True)[:HOME_PRODUCTS],
            "products": newest[:HOME_PRODUCTS],
        },
    )


def _page(request, queryset, size: int = PAGE_SIZE):
    number = request.GET.get("page") or 1
    return Paginator(queryset, size).get_page(number)


@require_GET
def search(request):
    """Search results: every filter, the sort and the page live in the query string.

    An invalid filter is shown next to its field and left out of the search. htmx
    requests get only the results, the filters and the facets.
    """
    form = SearchForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    category = None
    if data.get("category"):
        try:
            category = get_category(category_id=data["category"])
        except NotFound:
            form.add_error("category", NotFound.title)
    query = (data.get("q") or "").strip()
    filters = {
        "query": query,
        "min_price": data.get("min_price"),
        "max_price": data.get("max_price"),
        "in_stock": True if data.get("in_stock") else None,
    }
    sort = data.get("sort") or ("relevance" if query else "newest")
    products = list_live_products(category=category, sort=sort, **filters)
    context = {
        "form": form,
        "query": query,
        "category": category,
        "sort": sort,
        "page": _page(request, products),
        "facets": category_facets(list_live_products(**filters)),
        "categories": list_categories(),
    }
    template = "storefront/search/_results.html" if is_fragment(request) else None
    return render(request, template or "storefront/search/page.html", context)


def _chosen_variant(product, variant_id):
    variants = list(product.variants.all())
    chosen = next((v for v in variants if str(v.pk) == str(variant_id)), None)
    if chosen is None:
        chosen = next((v for v in variants if v.stock_available > 0), None)
    return chosen or (variants[0] if variants else None)


@require_GET
def product(request, product_id: int):
    """A product with its variant picker; htmx swaps the buy box per variant."""
    with found():
        item = get_live_product(product_id=product_id)
    variant = _chosen_variant(item, request.GET.get("variant"))
    context = {
        "product": item,
        "variant": variant,
        "images": list(item.images.all()),
        "form": AddToCartForm(initial={"variant_id": variant.pk if variant else None}),
    }
    if is_fragment(request):
        return render(request, "storefront/product/_buy_box.html", context)
    return render(request, "storefront/product/page.html", context)


@require_GET
def vendor(request, slug: str):
    """A shop: its profile, its listings and the business-licence information."""
    with found():
        shop = get_public_vendor(slug=slug)
    products = list_live_products(vendor=shop, sort="newest")
    return render(
        request,
        "storefront/vendor.html",
        {"shop": shop, "page": _page(request, products)},
    )
