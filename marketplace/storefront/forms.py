"""Forms of the shopper pages: they parse input; the services decide and write.

A service's ``ValidationFailed`` is copied onto the form (``add_domain_errors``), so
its messages show next to the field they name, with what the shopper typed kept.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.selectors import SORTS
from marketplace.common.web import MoneyField
from orders.models import MAX_LINE_QUANTITY, Address, RefundRequest

SORT_CHOICES = [
    ("relevance", _("Best match")),
    ("newest", _("Newest")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
]
assert {value for value, _label in SORT_CHOICES} == set(SORTS)


class SearchForm(forms.Form):
    """The search page's filters, read from the query string (so a URL is a state)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.IntegerField(label=_("Category"), required=False, min_value=1)
    min_price = MoneyField(label=_("Lowest price"), required=False)
    max_price = MoneyField(label=_("Highest price"), required=False)
    in_stock = forms.BooleanField(label=_("In stock only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_price", _("The highest price must not be below the lowest.")
            )
        return data


class AddToCartForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY, initial=1
    )


class CartLineForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY
    )


class SignUpForm(forms.Form):
    mark_optional = True
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form, labelled for an email address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs["autocomplete"] = "email"


class AddressForm(forms.ModelForm):
    """The address book's fields; ``orders.services.addresses`` saves them."""

    mark_optional = True

    class Meta:
        model = Address
        fields = [
            "label",
            "recipient",
            "phone",
            "province_code",
            "city_code",
            "district_code",
            "detail",
            "postal_code",
            "is_default",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "recipient": forms.TextInput(attrs={"autocomplete": "name"}),
            "detail": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }

    def address_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("is_default", None)
        return data

    def _post_clean(self):
        """Leave model validation to the service, which has the user to check."""


class CheckoutForm(forms.Form):
    address_id = forms.IntegerField(
        label=_("Ship to"),
        min_value=1,
        error_messages={"required": _("Choose an address from your address book.")},
    )
    # One per checkout page: a repeated submit returns the same order.
    idempotency_key = forms.CharField(
        max_length=64, min_length=16, widget=forms.HiddenInput
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=2000, required=False
    )


class RefundRequestForm(forms.Form):
    """A refund of a whole vendor part, or of chosen lines (``line_<id>`` counts)."""

    mark_optional = True
    type = forms.ChoiceField(
        label=_("What you want"),
        choices=RefundRequest.Type.choices,
        widget=forms.RadioSelect,
        initial=RefundRequest.Type.REFUND_ONLY,
    )
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines = list(lines)
        for line in self.order_lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.product_title,
                min_value=0,
                max_value=line.quantity,
                required=False,
                initial=0,
            )

    def line_fields(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.order_lines]

    def chosen_lines(self) -> list[dict] | None:
        chosen = [
            {"order_line_id": line.pk, "quantity": self.cleaned_data[f"line_{line.pk}"]}
            for line in self.order_lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]
        return chosen or None


class ProfileForm(forms.Form):
    mark_optional = True
    display_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES
    )
