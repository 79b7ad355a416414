"""The cart: one list grouped by shop, with each shop's shipping fee."""

from __future__ import annotations

from contextlib import suppress

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.catalog.models import Product
from marketplace.catalog.selectors import get_live_product, get_variant
from marketplace.common.errors import NotFound, ValidationFailed
from marketplace.storefront.carts import cart_for
from marketplace.storefront.forms import AddToCartForm, CartLineForm
from marketplace.storefront.views.common import found, is_fragment
from orders.selectors import summarize_cart
from orders.services import cart as cart_services
from vendors.models import Vendor


def _problem(line) -> str:
    """Say why a line cannot be bought as it is, or return ``""``."""
    variant = line.variant
    product = variant.product
    if (
        not variant.is_active
        or product.status != Product.Status.LIVE
        or product.vendor.status != Vendor.Status.APPROVED
    ):
        return _("No longer for sale: remove it to check out.")
    if variant.stock_available <= 0:
        return _("Sold out: the shop has none left. Remove it to check out.")
    if line.quantity > variant.stock_available:
        return _("Only %(n)s left: lower the quantity to check out.") % {
            "n": variant.stock_available
        }
    return ""


def cart_context(cart, *, errors: dict | None = None) -> dict:
    """Return the cart summary with each line's problem and each shop's shipping hint.

    ``errors`` maps a line id to a message from a failed change.
    """
    summary = summarize_cart(cart=cart)
    errors = errors or {}
    for group in summary["vendors"]:
        threshold = group["vendor"].free_shipping_threshold
        group["free_shipping_gap"] = (
            threshold - group["items_total"]
            if threshold is not None and group["shipping_fee"]
            else None
        )
        for item in group["lines"]:
            item["problem"] = _problem(item["line"])
            item["error"] = errors.get(item["line"].pk, "")
    summary["blocked"] = any(
        item["problem"] for g in summary["vendors"] for item in g["lines"]
    )
    summary["count"] = sum(
        item["line"].quantity for g in summary["vendors"] for item in g["lines"]
    )
    return summary


def _render_cart(request, *, errors=None, status=200):
    context = {"cart": cart_context(cart_for(request), errors=errors)}
    if is_fragment(request):
        return render(request, "storefront/cart/_cart.html", context)
    return render(request, "storefront/cart/page.html", context, status=status)


@require_GET
def cart(request):
    return _render_cart(request)


@require_POST
def add_to_cart(request):
    """Add a variant; htmx gets a confirmation, a plain form goes to the cart."""
    form = AddToCartForm(request.POST)
    if form.is_valid():
        try:
            cart_services.add_cart_line(
                cart=cart_for(request, create=True), **form.cleaned_data
            )
        except ValidationFailed as error:
            for name, messages in error.errors.items():
                form.add_error(
                    "quantity" if name == "quantity" else None, " ".join(messages)
                )
    if is_fragment(request):
        return render(request, "storefront/cart/_added.html", {"form": form})
    if form.is_valid():
        return redirect("storefront:cart")
    variant_id = form.cleaned_data.get("variant_id")
    if variant_id is None:
        raise Http404()
    with found():
        variant = get_variant(variant_id=variant_id)
        product = get_live_product(product_id=variant.product_id)
    context = {
        "product": product,
        "variant": next(
            (v for v in product.variants.all() if v.pk == variant.pk), None
        ),
        "images": list(product.images.all()),
        "form": form,
    }
    return render(request, "storefront/product/page.html", context, status=400)


@require_POST
def update_line(request, line_id: int):
    form = CartLineForm(request.POST)
    errors = {}
    if form.is_valid():
        try:
            with found():
                cart_services.update_cart_line(
                    cart=cart_for(request, create=True),
                    line_id=line_id,
                    quantity=form.cleaned_data["quantity"],
                )
        except ValidationFailed as error:
            errors[line_id] = " ".join(m for ms in error.errors.values() for m in ms)
    else:
        errors[line_id] = " ".join(form.errors["quantity"])
    if not errors and not is_fragment(request):
        return redirect("storefront:cart")
    return _render_cart(request, errors=errors, status=400 if errors else 200)


@require_POST
def remove_line(request, line_id: int):
    with suppress(NotFound):  # already gone: the cart shows what is left
        cart_services.remove_cart_line(
            cart=cart_for(request, create=True), line_id=line_id
        )
    if is_fragment(request):
        return _render_cart(request)
    return redirect("storefront:cart")
