"""Template filters of the shopper pages."""

from django import template
from django.conf import settings

from marketplace.catalog.models import localized as localized_field
from marketplace.common.forms import field_context
from marketplace.common.money import format_amount

register = template.Library()


@register.filter
def money(amount, currency=None):
    """Format minor units: ``{{ product.min_price|money:vendor.currency }}``.

    An empty amount (a price not set yet) renders as an empty string.
    """
    if amount is None or amount == "":
        return ""
    return format_amount(int(amount), currency or settings.DEFAULT_CURRENCY)


@register.filter
def localized(obj, field):
    """Return ``obj.<field>_zh`` or ``_en`` for the active language, else the other."""
    return localized_field(obj, field)


@register.filter
def thumbnail_url(image, width):
    """Return the URL of ``image``'s WebP thumbnail ``width`` pixels wide.

    Falls back to the image itself when it was too small to need that thumbnail.
    """
    name = image.thumbnails.get(str(width)) or image.image.name
    return image.image.storage.url(name)


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
def url_with(context, **changes):
    """Return the current path with query parameters changed (None removes one).

    Changing anything but ``page`` starts again from the first page.
    """
    request = context["request"]
    query = request.GET.copy()
    if "page" not in changes:
        query.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    """Return how many items the visitor's cart holds (one query, none when empty)."""
    from marketplace.storefront.carts import count_items

    request = context.get("request")
    return count_items(request) if request is not None else 0


@register.inclusion_tag("storefront/_field.html")
def field(bound_field, **attrs):
    """Render a form field with its label, help and errors next to it."""
    return field_context(bound_field, attrs)


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
