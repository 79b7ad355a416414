"""Template tags of the back-office pages: money, rates, roles, forms."""

from django import template

from marketplace.backoffice import access
from marketplace.catalog.models import localized as localized_field
from marketplace.common import web
from marketplace.common.money import BPS
from orders.models import Order, VendorOrder

register = template.Library()
register.filter("money", web.money)
register.filter("localized", localized_field)
register.simple_tag(web.url_with, takes_context=True, name="url_with")


@register.filter
def percent(bps):
    """Format basis points as a percentage: 550 -> ``5.5%``."""
    if bps is None or bps == "":
        return ""
    whole, rest = divmod(int(bps) * 100, BPS)
    decimals = f"{rest:04d}".rstrip("0")
    return f"{whole}.{decimals}%" if decimals else f"{whole}%"


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


@register.inclusion_tag("backoffice/_field.html")
def field(bound_field, **attrs):
    """Render a form field with its label, help and errors next to it."""
    return web.field_context(bound_field, attrs)
