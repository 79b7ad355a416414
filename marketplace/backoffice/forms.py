"""Forms of the back-office pages: they parse input; the services decide and write.

Amounts are typed in major units (12.50) and cleaned to minor units (1250); rates
in basis points. A service's ``ValidationFailed`` is put on the form
(``marketplace.common.web.add_domain_errors``), so its message shows next to its field.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.common.money import BPS
from marketplace.common.web import MoneyField
from marketplace.rules.models import MAX_DAYS, PlatformRules

REASON_MAX = 2000


def reason_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        required=required,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def bps_field(label, *, required: bool = True, maximum: int = BPS) -> forms.Field:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=maximum,
        help_text=_("In basis points: 100 = 1%."),
    )


class ReasonForm(forms.Form):
    """A decision that must say why (reject, suspend, hold, resolve...)."""

    reason = reason_field(required=True)


class OptionalReasonForm(forms.Form):
    reason = reason_field(required=False)


class VendorApproveForm(OptionalReasonForm):
    deposit_required = MoneyField(
        label=_("Deposit required"),
        required=False,
        help_text=_("Empty: the platform's default deposit."),
    )


class VendorTermsForm(forms.Form):
    commission_bps_override = bps_field(_("Commission override"), required=False)
    deposit_required = MoneyField(label=_("Deposit required"))
    reason = reason_field(required=True)

    def changes(self, vendor) -> dict:
        """Return the terms that differ from the vendor's (``None``: category rates)."""
        return {
            name: self.cleaned_data[name]
            for name in ("commission_bps_override", "deposit_required")
            if self.cleaned_data[name] != getattr(vendor, name)
        }


class RetailPriceForm(forms.Form):
    retail_price = MoneyField(
        label=_("Retail price"),
        required=False,
        help_text=_("Empty: the default margin over the supply price."),
    )


class CategoryCommissionForm(forms.Form):
    commission_bps = bps_field(_("Commission"), required=False)
    reason = reason_field(required=False)


class RulesForm(forms.Form):
    """Every editable rule, shown with the value in force; a reason is required."""

    listing_review_required = forms.BooleanField(
        label=_("Listings need review"), required=False
    )
    default_commission_bps = bps_field(_("Default commission"))
    default_supply_margin_bps = bps_field(
        _("Default supply-price margin"), maximum=10 * BPS
    )
    default_deposit_amount = MoneyField(label=_("Default deposit"))
    holding_days = forms.IntegerField(
        label=_("Holding days"), min_value=0, max_value=MAX_DAYS
    )
    auto_complete_days = forms.IntegerField(
        label=_("Auto-complete days after shipment"), min_value=0, max_value=MAX_DAYS
    )
    payment_timeout_minutes = forms.IntegerField(
        label=_("Minutes to pay"), min_value=0, max_value=24 * 60
    )
    withdrawal_min_amount = MoneyField(label=_("Minimum withdrawal"))
    withdrawal_max_per_day = MoneyField(label=_("Maximum withdrawn per day"))
    withdrawal_fee = MoneyField(label=_("Withdrawal fee"))
    withdrawal_approval_threshold = MoneyField(
        label=_("Withdrawals above this need approval")
    )
    reason = reason_field(required=True)

    assert set(PlatformRules.EDITABLE) <= set(locals())

    def changes(self, rules: PlatformRules) -> dict:
        """Return the rules whose value differs from ``rules``."""
        return {
            name: self.cleaned_data[name]
            for name in PlatformRules.EDITABLE
            if self.cleaned_data[name] != getattr(rules, name)
        }


class RefundDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: refund")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = reason_field(required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why you refuse."))
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class PeriodForm(forms.Form):
    """A period of business days, both ends included; the last 30 days by default."""

    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    MAX_DAYS = 366

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        until = data.get("until") or today
        since = data.get("since") or until - timedelta(days=29)
        if since > until:
            self.add_error("until", _("The end must not be before the start."))
        elif (until - since).days >= self.MAX_DAYS:
            self.add_error("since", _("Choose at most 366 days."))
        data["since"], data["until"] = since, until
        return data


def with_period(form: PeriodForm) -> PeriodForm:
    """Return a valid ``form`` bound again with its period filled in, so the page
    shows the dates it used (the last 30 days when none were given)."""
    data = form.data.copy()
    data["since"] = form.cleaned_data["since"].isoformat()
    data["until"] = form.cleaned_data["until"].isoformat()
    again = type(form)(data)
    again.is_valid()
    return again


class LedgerForm(PeriodForm):
    order = forms.CharField(label=_("Order number"), required=False, max_length=32)
    vendor = forms.IntegerField(label=_("Vendor ID"), required=False, min_value=1)
