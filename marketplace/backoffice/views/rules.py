"""The rules: platform rules (commission, supply margin, holding and auto-complete
days, withdrawal limits and fee, review) with their history; commission by
category; vendors' commission overrides. Every change records who, when, why and
the old and new values (rule versions, or the audit trail).
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.backoffice.forms import CategoryCommissionForm, RulesForm
from marketplace.backoffice.selectors import list_rule_history, list_terms_changes
from marketplace.backoffice.views.common import done, found, operator_view
from marketplace.catalog import selectors as catalog_selectors
from marketplace.catalog import services as catalog_services
from marketplace.common.errors import DomainError
from marketplace.common.web import add_domain_errors
from marketplace.rules import selectors, services
from vendors.models import Vendor


def _page(request, *, rules_form=None, category_forms=None, status: int = 200):
    rules = selectors.get_rules()
    category_forms = category_forms or {}
    categories = catalog_selectors.list_categories(include_inactive=True)
    context = {
        "rules": rules,
        "rules_form": rules_form or RulesForm(initial=rules.values()),
        "history": list_rule_history(),
        "categories": [
            (
                category,
                category_forms.get(category.pk)
                or CategoryCommissionForm(
                    prefix=f"c{category.pk}",
                    initial={"commission_bps": category.commission_bps},
                ),
            )
            for category in categories
        ],
        "overrides": Vendor.objects.filter(
            commission_bps_override__isnull=False
        ).order_by("id"),
        "terms_changes": list_terms_changes(),
    }
    return render(request, "backoffice/rules/page.html", context, status=status)


@operator_view("rules")
def rules_page(request):
    return _page(request)


@operator_view("rules-change")
def rules_change(request):
    """An administrator changes some rules, with a reason: a new version."""
    form = RulesForm(request.POST)
    if form.is_valid():
        current = selectors.get_rules()
        try:
            services.change_rules(
                actor=request.user,
                changes=form.changes(current),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return done(request, _("The rules are saved."), "rules")
    return _page(request, rules_form=form, status=400)


@operator_view("category-commission")
def category_commission(request, category_id: int):
    """Set a category's commission (empty: the platform default); audited."""
    with found():
        category = catalog_selectors.get_category(
            category_id=category_id, active_only=False
        )
    form = CategoryCommissionForm(request.POST, prefix=f"c{category.pk}")
    if form.is_valid():
        try:
            catalog_services.update_category(
                category=category,
                actor=request.user,
                commission_bps=form.cleaned_data["commission_bps"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return done(request, _("The category's commission is saved."), "rules")
    return _page(request, category_forms={category.pk: form}, status=400)
