"""Checks the catalog services share: they collect per-field messages only."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from marketplace.catalog.models import MAX_STOCK
from marketplace.common.errors import ValidationFailed
from marketplace.common.money import MAX_AMOUNT


class _Unset:
    """Marks a keyword argument the caller did not pass: leave the field as it is."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET = _Unset()

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
MAX_ATTRIBUTES = 20
MAX_ATTRIBUTE_LENGTH = 100
MAX_WEIGHT_GRAMS = 1_000_000
TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
REASON_MAX = 2_000


def given(value) -> bool:
    return value is not UNSET


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(errors=errors)


def check_int(
    errors: dict, field: str, value, *, low: int, high: int, required: bool = False
) -> None:
    """Add a message under ``field`` unless ``value`` is an int within bounds."""
    if value is None:
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(field, []).append(_("Enter a whole number."))
    elif value < low:
        errors.setdefault(field, []).append(
            _("Ensure this value is at least %(low)s.") % {"low": low}
        )
    elif value > high:
        errors.setdefault(field, []).append(
            _("Ensure this value is at most %(high)s.") % {"high": high}
        )


def check_price(errors: dict, field: str, value, *, required: bool = False) -> None:
    check_int(errors, field, value, low=1, high=MAX_AMOUNT, required=required)


def check_stock(errors: dict, field: str, value) -> None:
    check_int(errors, field, value, low=0, high=MAX_STOCK, required=True)


def check_text(errors: dict, field: str, value, *, limit: int) -> None:
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("Enter text."))
    elif len(value) > limit:
        errors.setdefault(field, []).append(
            _("Ensure this field has at most %(limit)s characters.") % {"limit": limit}
        )


def check_sku(errors: dict, field: str, value) -> None:
    if not isinstance(value, str) or not SKU.match(value):
        errors.setdefault(field, []).append(
            _(
                "Use 1 to 64 letters, digits, dots, dashes, slashes or underscores, "
                "starting with a letter or digit."
            )
        )


def check_attributes(errors: dict, field: str, value) -> None:
    """Attributes are a flat object of short texts, such as colour and size."""
    if not isinstance(value, dict):
        errors.setdefault(field, []).append(_("Enter an object of names and values."))
        return
    if len(value) > MAX_ATTRIBUTES:
        errors.setdefault(field, []).append(
            _("Use at most %(limit)s attributes.") % {"limit": MAX_ATTRIBUTES}
        )
        return
    for name, text in value.items():
        if (
            not isinstance(name, str)
            or not isinstance(text, str)
            or not name.strip()
            or len(name) > MAX_ATTRIBUTE_LENGTH
            or len(text) > MAX_ATTRIBUTE_LENGTH
        ):
            errors.setdefault(field, []).append(
                _(
                    "Each attribute is a name and a value of at most %(limit)s "
                    "characters."
                )
                % {"limit": MAX_ATTRIBUTE_LENGTH}
            )
            return
