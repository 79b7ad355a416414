"""What the three web faces (store, dashboard, back office) share.

Faces never import each other, so the pieces every one of them needs live here: the
money form field, putting a service's errors on a form, the accessible field
context, and the template filters each face's library registers under its own name.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from marketplace.common.errors import DomainError, ValidationFailed
from marketplace.common.money import MAX_AMOUNT, format_amount, minor_unit_exponent


# --- Forms ------------------------------------------------------------------------
class MoneyField(forms.DecimalField):
    """An amount typed in major units (12.50) and cleaned to minor units (1250).

    An ``int`` initial value is taken as minor units and shown in major units.
    """

    def __init__(self, *, currency: str = settings.DEFAULT_CURRENCY, **kwargs):
        self.currency = currency
        exponent = minor_unit_exponent(currency)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(MAX_AMOUNT) / 10**exponent)
        kwargs.setdefault("decimal_places", exponent)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return major(value, self.currency)
        return value

    def clean(self, value):
        amount = super().clean(value)
        if amount is None:
            return None
        try:
            return int(amount * 10 ** minor_unit_exponent(self.currency))
        except InvalidOperation:  # pragma: no cover - DecimalField checked it
            raise forms.ValidationError(_("Enter a number.")) from None


def major(amount: int | None, currency: str) -> Decimal | None:
    """Return minor units as the decimal a ``MoneyField`` shows."""
    if amount is None:
        return None
    return Decimal(amount).scaleb(-minor_unit_exponent(currency))


def add_domain_errors(form, error: DomainError, *, prefix: str = "") -> None:
    """Put a service's per-field messages on the form; unknown fields go on top.

    ``prefix`` is stripped from the service's field names (``variants[0].sku`` on a
    form for one variant). An error without fields shows its detail on top.
    """
    errors = error.errors if isinstance(error, ValidationFailed) else {}
    for field, texts in errors.items():
        name = field[len(prefix) :] if prefix and field.startswith(prefix) else field
        name = name if name in form.fields else None
        for text in texts if isinstance(texts, list) else [texts]:
            form.add_error(name, str(text))
    if not errors:
        form.add_error(None, error.detail)


def field_context(bound_field, attrs: dict) -> dict:
    """Return the template context of one field: its widget, label, help and errors.

    An invalid field gets ``aria-invalid`` and points at its messages with
    ``aria-describedby``; ``attrs`` are extra widget attributes. Each face's ``field``
    inclusion tag renders this with its own ``_field.html``.
    """
    error_id = f"{bound_field.auto_id}-errors"
    help_id = f"{bound_field.auto_id}-help"
    described = [help_id] if bound_field.help_text else []
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
        described.append(error_id)
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return {
        "field": bound_field,
        "widget": bound_field.as_widget(attrs=attrs),
        "error_id": error_id,
        "help_id": help_id,
        "is_checkbox": bound_field.widget_type == "checkbox",
        "is_radio": bound_field.widget_type == "radioselect",
    }


# --- Template filters and tags (registered by each face's library) ----------------
def money(amount, currency=None) -> str:
    """Format minor units: ``{{ order.total|money:order.currency }}``; an empty
    amount (a price not set yet) renders as an empty string."""
    if amount is None or amount == "":
        return ""
    return format_amount(int(amount), currency or settings.DEFAULT_CURRENCY)


def thumbnail_url(image, width) -> str:
    """Return the URL of ``image``'s WebP thumbnail ``width`` pixels wide, or of the
    image itself when it was too small to need that thumbnail."""
    name = image.thumbnails.get(str(width)) or image.image.name
    return image.image.storage.url(name)


def url_with(context, **changes) -> str:
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
