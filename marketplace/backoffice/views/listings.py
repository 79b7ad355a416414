"""Listing moderation: listings and content revisions waiting for review, when the
platform rules require it; approve, or reject with a reason.

The decisions call ``marketplace.catalog.services`` as the ops API does.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.backoffice import access
from marketplace.backoffice.forms import ReasonForm, RetailPriceForm
from marketplace.backoffice.views.common import done, found, operator_view
from marketplace.catalog import selectors, services
from marketplace.catalog.models import Product
from marketplace.common.errors import DomainError
from marketplace.common.web import add_domain_errors
from marketplace.rules.selectors import get_rules
from vendors.models import Vendor

PAGE_SIZE = 25
SUPPLY = Vendor.PricingModel.SUPPLY_PRICE


@operator_view("listings")
def listing_list(request):
    """Listings waiting for review and those with a pending revision, oldest first."""
    status = request.GET.get("status", "")
    if status not in Product.Status.values:
        status = ""
    products = selectors.list_products_for_review(status=status or None)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    context = {
        "page": page,
        "status": status,
        "statuses": Product.Status.choices,
        "review_required": get_rules().listing_review_required,
    }
    return render(request, "backoffice/listings/list.html", context)


def _changes(product, revision) -> list[tuple[str, object, object]]:
    """Return (label, live value, proposed value) of each field the revision sets."""
    rows = []
    for name, value in (revision.content if revision else {}).items():
        field = Product._meta.get_field(name.removesuffix("_id"))
        rows.append((field.verbose_name, getattr(product, name, ""), value))
    return rows


def _detail(request, product, *, forms: dict | None = None, status: int = 200):
    revision = (product.pending_revisions or [None])[0]
    context = {
        "product": product,
        "revision": revision,
        "changes": _changes(product, revision),
        "reject_form": ReasonForm(prefix="reject"),
        "revision_reject_form": ReasonForm(prefix="revision"),
        "approve_errors": [],
        "price_forms": {
            v.pk: RetailPriceForm(
                prefix=f"v{v.pk}", initial={"retail_price": v.retail_price}
            )
            for v in product.variants.all()
        },
        "section": "listings",
        **(forms or {}),
    }
    context["price_forms"].update(context.pop("bound_price_forms", {}))
    context["can_price"] = product.vendor.pricing_model == SUPPLY and access.may(
        request.user, "variant-retail-price"
    )
    context["variant_rows"] = [
        (v, context["price_forms"][v.pk]) for v in product.variants.all()
    ]
    return render(request, "backoffice/listings/detail.html", context, status=status)


def _product(product_id: int):
    with found():
        return selectors.get_product(product_id=product_id)


@operator_view("listing")
def listing_detail(request, product_id: int):
    return _detail(request, _product(product_id))


@operator_view("listing-approve")
def listing_approve(request, product_id: int):
    product = _product(product_id)
    try:
        services.approve_product(product=product, actor=request.user)
    except DomainError as error:
        errors = [error.detail, *(m for ms in error.errors.values() for m in ms)]
        return _detail(request, product, forms={"approve_errors": errors}, status=400)
    return done(request, _("The listing is on sale."), "listing", product.pk)


@operator_view("listing-reject")
def listing_reject(request, product_id: int):
    product = _product(product_id)
    form = ReasonForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.reject_product(
                product=product, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return done(request, _("The listing is rejected."), "listing", product.pk)
    return _detail(request, product, forms={"reject_form": form}, status=400)


def _revision(revision_id: int):
    with found():
        return selectors.get_revision(revision_id=revision_id)


@operator_view("revision-approve")
def revision_approve(request, revision_id: int):
    revision = _revision(revision_id)
    try:
        services.approve_revision(revision=revision, actor=request.user)
    except DomainError as error:
        errors = [error.detail, *(m for ms in error.errors.values() for m in ms)]
        product = _product(revision.product_id)
        return _detail(request, product, forms={"approve_errors": errors}, status=400)
    return done(request, _("The changes are live."), "listing", revision.product_id)


@operator_view("revision-reject")
def revision_reject(request, revision_id: int):
    revision = _revision(revision_id)
    form = ReasonForm(request.POST, prefix="revision")
    if form.is_valid():
        try:
            services.reject_revision(
                revision=revision,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            message = _("The changes are rejected; the listing stays as it was.")
            return done(request, message, "listing", revision.product_id)
    product = _product(revision.product_id)
    return _detail(request, product, forms={"revision_reject_form": form}, status=400)


@operator_view("variant-retail-price")
def variant_retail_price(request, variant_id: int):
    """Set the retail price of a supply-price variant (never below supply)."""
    with found():
        variant = selectors.get_variant(variant_id=variant_id)
    form = RetailPriceForm(request.POST, prefix=f"v{variant.pk}")
    if form.is_valid():
        try:
            services.set_retail_price(
                variant=variant,
                actor=request.user,
                retail_price=form.cleaned_data["retail_price"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            message = _("The retail price is saved.")
            return done(request, message, "listing", variant.product_id)
    product = _product(variant.product_id)
    bound = {"bound_price_forms": {variant.pk: form}}
    return _detail(request, product, forms=bound, status=400)
