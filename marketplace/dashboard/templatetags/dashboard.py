"""Template tags of the vendor dashboard pages."""

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from marketplace.catalog.models import localized as localized_field
from marketplace.common.forms import field_context
from marketplace.common.money import format_amount

register = template.Library()


@register.filter
def money(amount, currency=None):
    """Format minor units: ``{{ balance.available|money:vendor.currency }}``."""
    if amount is None or amount == "":
        return ""
    return format_amount(int(amount), currency or settings.DEFAULT_CURRENCY)


@register.filter
def localized(obj, field):
    """Return ``obj.<field>_zh`` or ``_en`` for the active language, else the other."""
    return localized_field(obj, field)


@register.filter
def thumbnail_url(image, width):
    """Return the URL of ``image``'s WebP thumbnail ``width`` pixels wide."""
    name = image.thumbnails.get(str(width)) or image.image.name
    return image.image.storage.url(name)


@register.filter
def choice_label(value, choices):
    """Return the translated label of ``value`` among a ``TextChoices`` class."""
    try:
        return choices(value).label
    except ValueError:
        return value


@register.simple_tag(takes_context=True)
def url_with(context, **changes):
    """Return the current path with query parameters changed (None removes one)."""
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


@register.simple_tag
def optional_url(name, *args, **kwargs):
    """Return the URL named ``name``, or "" while that page does not exist.

    For the links to pages another part of the dashboard provides (documents,
    imports): the link shows once its route is there.
    """
    try:
        return reverse(name, args=args, kwargs=kwargs)
    except NoReverseMatch:
        return ""


@register.inclusion_tag("dashboard/_field.html")
def field(bound_field, **attrs):
    """Render a form field with its label, help and errors next to it."""
    return field_context(bound_field, attrs)
