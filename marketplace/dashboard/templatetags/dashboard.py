"""Template tags of the vendor dashboard pages."""

from django import template
from django.urls import NoReverseMatch, reverse

from marketplace.catalog.models import localized as localized_field
from marketplace.common import web

register = template.Library()
register.filter("money", web.money)
register.filter("localized", localized_field)
register.filter("thumbnail_url", web.thumbnail_url)
register.simple_tag(web.url_with, takes_context=True, name="url_with")


@register.filter
def choice_label(value, choices):
    """Return the translated label of ``value`` among a ``TextChoices`` class."""
    try:
        return choices(value).label
    except ValueError:
        return value


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
    return web.field_context(bound_field, attrs)
