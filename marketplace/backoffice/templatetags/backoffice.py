"""Template tags of the back-office pages: money, rates, roles, forms."""

from django import template
from django.conf import settings

from marketplace.backoffice import access
from marketplace.catalog.models import localized as localized_field
from marketplace.common.forms import field_context
from marketplace.common.money import BPS, format_amount
from orders.models import Order, VendorOrder

register = template.Library()


@register.filter
def money(amount, currency=None):
    """Format minor units: ``{{ withdrawal.amount|money:withdrawal.currency }}``."""
    if amount is None or amount == "":
        return ""
    return format_amount(int(amount), currency or settings.DEFAULT_CURRENCY)


@register.filter
def percent(bps):
    """Format basis points as a percentage: 550 -> ``5.5%``."""
    if bps is None or bps == "":
        return ""
    whole, rest = divmod(int(bps) * 100, BPS)
    decimals = f"{rest:04d}".rstrip("0")
    return f"{whole}.{decimals}%" if decimals else f"{whole}%"


@register.filter
def localized(obj, field):
    """Return ``obj.<field>_zh`` or ``_en`` for the active language, else the other."""
    return localized_field(obj, field)


@register.filter
def order_status(value: str) -> str:
    """Return the translated label of an order's or a vendor order's status value."""
    for choices in (VendorOrder.Status, Order.Status):
        if value in choices.values:
            return choices(value).label
    return value or "—"


@register.filter
def indent(category) -> str:
    """Return a dash per level below the top, to show a category's depth."""
    return "— " * max(category.depth - 1, 0)


@register.filter
def may(user, name):
    """Whether ``user`` may use the back-office page or action ``name``."""
    return access.may(user, name)


@register.simple_tag(takes_context=True)
def navigation(context):
    """Return the navigation entries the signed-in operator may open."""
    user = context["request"].user
    return [
        (name, label) for name, label in access.NAVIGATION if access.may(user, name)
    ]


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


@register.inclusion_tag("backoffice/_field.html")
def field(bound_field, **attrs):
    """Render a form field with its label, help and errors next to it."""
    return field_context(bound_field, attrs)
