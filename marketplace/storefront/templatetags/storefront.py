"""Template filters of the shopper pages."""

from django import template
from django.conf import settings

from marketplace.catalog.models import localized as localized_field
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
