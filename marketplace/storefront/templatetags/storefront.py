"""Template filters of the shopper pages."""

from django import template

from marketplace.catalog.models import localized as localized_field
from marketplace.common import web

register = template.Library()
register.filter("money", web.money)
register.filter("localized", localized_field)
register.filter("thumbnail_url", web.thumbnail_url)
register.simple_tag(web.url_with, takes_context=True, name="url_with")


@register.filter
def srcset(image):
    """Return the ``srcset`` of ``image``: its WebP thumbnails, then the image."""
    storage = image.image.storage
    candidates = [
        f"{storage.url(name)} {width}w"
        for width, name in sorted(image.thumbnails.items(), key=lambda t: int(t[0]))
        if int(width) < image.width
    ]
    candidates.append(f"{storage.url(image.image.name)} {image.width}w")
    return ", ".join(candidates)


@register.filter
def variant_label(variant):
    """Return a variant's attributes as ``red · L``, else its SKU."""
    attributes = getattr(variant, "attributes", None) or {}
    values = [str(value) for value in attributes.values() if value not in ("", None)]
    return " · ".join(values) or variant.sku


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    """Return how many items the visitor's cart holds (one query, none when empty)."""
    from marketplace.storefront.carts import count_items

    request = context.get("request")
    return count_items(request) if request is not None else 0


@register.inclusion_tag("storefront/_field.html")
def field(bound_field, **attrs):
    """Render a form field with its label, help and errors next to it."""
    return web.field_context(bound_field, attrs)


@register.filter
def indent(category) -> str:
    """Return a dash per level below the top, to show a category's depth in a list."""
    return "— " * max(category.depth - 1, 0)


@register.filter
def status_label(value: str) -> str:
    """Return the translated label of a vendor order's or an order's status value."""
    from orders.models import Order, VendorOrder

    for choices in (VendorOrder.Status, Order.Status):
        if value in choices.values:
            return choices(value).label
    return value
