"""Forms of the dashboard pages: they parse input; the services decide and write.

A service's ``ValidationFailed`` is copied onto the form (``add_domain_errors``), so
its messages show next to the field they name, with what the vendor typed kept.
Amounts are typed in major units (12.50) and cleaned to minor units (1250).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import MAX_STOCK, Product, localized
from marketplace.catalog.services._checks import MAX_WEIGHT_GRAMS
from marketplace.common.web import MoneyField
from orders.models import RefundRequest, VendorOrder
from vendors.models import Vendor, VendorMember
from vendors.services.application import APPLICATION_FIELDS

REASON_MAX = 2000


class ApplicationForm(forms.ModelForm):
    """The application's fields; ``vendors.services`` checks and saves them."""

    mark_optional = True
    licence_image = forms.ImageField(
        label=_("Business-licence image"),
        required=False,
        help_text=_("A photo or scan of the licence; it stays private."),
    )

    class Meta:
        model = Vendor
        fields = [name for name in APPLICATION_FIELDS if name != "slug"]
        widgets = {
            "contact_phone": forms.TextInput(attrs={"type": "tel"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "description_zh": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the service decides what is required to submit; a draft may be partial
        for name in ("name_en", "name_zh", "description_en", "description_zh"):
            self.fields[name].required = False

    def _post_clean(self):
        """Leave model validation to the service, which names each field."""

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        return data


class ProductContentForm(forms.Form):
    mark_optional = True
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    title_zh = forms.CharField(
        label=_("Title (Chinese)"), max_length=200, required=False
    )
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, required=False
    )
    description_zh = forms.CharField(
        label=_("Description (Chinese)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", "---------"),
            *(
                (c.pk, "— " * max(c.depth - 1, 0) + localized(c, "name"))
                for c in categories
            ),
        ]


def parse_attributes(text: str) -> dict[str, str]:
    """Parse ``colour: red, size: L`` into ``{"colour": "red", "size": "L"}``."""
    attributes = {}
    for part in (text or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        name, sep, value = part.replace("：", ":").partition(":")
        if not sep or not name.strip():
            raise forms.ValidationError(
                _("Write each option as name: value, separated by commas.")
            )
        attributes[name.strip()] = value.strip()
    return attributes


def format_attributes(attributes: dict) -> str:
    return ", ".join(f"{name}: {value}" for name, value in (attributes or {}).items())


class VariantForm(forms.Form):
    """One variant: the price the vendor's pricing model lets it set, and stock."""

    mark_optional = True
    sku = forms.CharField(label=_("SKU"), max_length=64)
    attributes = forms.CharField(
        label=_("Options"),
        required=False,
        max_length=500,
        help_text=_("For example: colour: red, size: L"),
    )
    price = MoneyField(label=_("Price"), required=False)
    stock_on_hand = forms.IntegerField(
        label=_("Stock on hand"), min_value=0, max_value=MAX_STOCK, initial=0
    )
    weight_grams = forms.IntegerField(
        label=_("Weight (g)"), min_value=0, max_value=MAX_WEIGHT_GRAMS, initial=0
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, vendor: Vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.fields["price"] = MoneyField(
            label=self.price_label(vendor), required=False, currency=vendor.currency
        )

    @staticmethod
    def price_label(vendor: Vendor):
        if vendor.pricing_model == Vendor.PricingModel.SUPPLY_PRICE:
            return _("Supply price")
        return _("Retail price")

    @property
    def price_field(self) -> str:
        if self.vendor.pricing_model == Vendor.PricingModel.SUPPLY_PRICE:
            return "supply_price"
        return "retail_price"

    def clean_attributes(self):
        return parse_attributes(self.cleaned_data["attributes"])

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data[self.price_field] = data.pop("price")
        return data

    def add_service_errors(self, errors: dict, prefix: str = "") -> None:
        """Name the price field as the form does (``price``)."""
        for key, texts in errors.items():
            name = key[len(prefix) :] if key.startswith(prefix) else key
            if name in ("supply_price", "retail_price"):
                name = "price"
            for text in texts:
                self.add_error(name if name in self.fields else None, str(text))


class VariantUpdateForm(VariantForm):
    sku = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_active"].initial = None


class ImageForm(forms.Form):
    mark_optional = True
    image = forms.ImageField(label=_("Image"))
    alt_zh = forms.CharField(
        label=_("Description (Chinese)"), max_length=200, required=False
    )
    alt_en = forms.CharField(
        label=_("Description (English)"), max_length=200, required=False
    )


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Product.Status.choices],
    )


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *VendorOrder.Status.choices],
    )


class RefundFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *RefundRequest.Status.choices],
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OptionalReasonForm(ReasonForm):
    mark_optional = True
    reason = forms.CharField(
        label=_("Note to the shopper"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=50)
    tracking_number = forms.RegexField(
        label=_("Tracking number"),
        regex=r"^[A-Za-z0-9-]{4,64}$",
        error_messages={
            "invalid": _("Use 4 to 64 letters, digits or dashes."),
        },
    )


class BulkShipForm(forms.Form):
    """Several accepted orders, each with its own tracking number, one carrier."""

    carrier = forms.CharField(label=_("Carrier"), max_length=50)


class WithdrawalForm(forms.Form):
    amount = MoneyField(label=_("Amount"), min_value=Decimal("0.01"))

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"] = MoneyField(
            label=_("Amount"), currency=currency, min_value=Decimal("0.01")
        )


class StatementForm(forms.Form):
    month = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"invalid": _("Choose a month (YYYY-MM).")},
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"), choices=VendorMember.Role.choices, initial="staff"
    )


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=100,
        help_text=_("The code in the invitation email."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=VendorMember.Role.choices)


class ChartForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("day", _("Daily")), ("week", _("Weekly")), ("month", _("Monthly"))],
    )
