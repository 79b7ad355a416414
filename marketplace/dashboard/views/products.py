"""A vendor's products: list, search and filter; create and edit with variants,
stock and images; submit for review, pause, resume, archive."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace.catalog import selectors, services
from marketplace.common.errors import DomainError, NotFound, ValidationFailed
from marketplace.common.web import add_domain_errors, major
from marketplace.dashboard.forms import (
    ImageForm,
    ProductContentForm,
    ProductFilterForm,
    VariantForm,
    VariantUpdateForm,
    format_attributes,
)
from marketplace.dashboard.views.common import act, vendor_page

PER_PAGE = 25
TEXT_FIELDS = ("title_en", "title_zh", "description_en", "description_zh")


@vendor_page()
def product_list(request):
    """The vendor's listings, newest first; a bounded number of queries per page."""
    filters = ProductFilterForm(request.GET)
    query = filters.cleaned_data if filters.is_valid() else {}
    products = selectors.list_vendor_products(
        vendor=request.vendor, status=query.get("status"), query=query.get("q")
    )
    page = Paginator(products, PER_PAGE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "products": page.object_list}
    return render(request, "dashboard/products/list.html", context)


def _content_form(request, data=None, initial=None):
    return ProductContentForm(
        data, initial=initial, categories=selectors.list_categories()
    )


def _category(form):
    """Return the chosen category, or put the error on the form's field."""
    try:
        return selectors.get_category(category_id=form.cleaned_data["category"])
    except NotFound:
        form.add_error("category", _("Choose an active category."))
        return None


@vendor_page(methods=("GET", "POST"))
def product_create(request):
    """A new draft listing with its first variant."""
    vendor = request.vendor
    data = request.POST if request.method == "POST" else None
    form = _content_form(request, data)
    variant = VariantForm(data, vendor=vendor, prefix="variant")
    if request.method == "POST" and form.is_valid() & variant.is_valid():
        category = _category(form)
        if category is not None:
            content = {k: v for k, v in form.cleaned_data.items() if k != "category"}
            try:
                product = services.create_product(
                    vendor=vendor,
                    actor=request.user,
                    category=category,
                    variants=[variant.service_data()],
                    **content,
                )
            except ValidationFailed as error:
                variant.add_service_errors(
                    {k: v for k, v in error.errors.items() if k.startswith("variants")},
                    prefix="variants[0].",
                )
                add_domain_errors(
                    form,
                    ValidationFailed(
                        errors={
                            k: v
                            for k, v in error.errors.items()
                            if not k.startswith("variants")
                        }
                        or {"__all__": []}
                    ),
                )
            else:
                messages.success(request, _("The product is saved as a draft."))
                return redirect("dashboard:product", product_id=product.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "variant_form": variant}
    return render(request, "dashboard/products/create.html", context, status=status)


def _variant_forms(product, vendor):
    forms = []
    for variant in product.variants.all():
        price = (
            variant.supply_price
            if vendor.pricing_model == "supply_price"
            else (variant.retail_price)
        )
        forms.append(
            (
                variant,
                VariantUpdateForm(
                    vendor=vendor,
                    prefix=f"v{variant.pk}",
                    initial={
                        "attributes": format_attributes(variant.attributes),
                        "price": major(price, variant.currency),
                        "stock_on_hand": variant.stock_on_hand,
                        "weight_grams": variant.weight_grams,
                        "is_active": variant.is_active,
                    },
                ),
            )
        )
    return forms


def _product_page(
    request, product, *, form=None, new_variant=None, image_form=None, status=200
):
    vendor = request.vendor
    initial = {
        "category": product.category_id,
        **{f: getattr(product, f) for f in TEXT_FIELDS},
    }
    pending = getattr(product, "pending_revisions", [])
    context = {
        "product": product,
        "form": form or _content_form(request, initial=initial),
        "variant_forms": _variant_forms(product, vendor),
        "new_variant": new_variant or VariantForm(vendor=vendor, prefix="new"),
        "image_form": image_form or ImageForm(),
        "pending_revision": pending[0] if pending else None,
        "price_label": VariantForm.price_label(vendor),
    }
    return render(request, "dashboard/products/detail.html", context, status=status)


@vendor_page(methods=("GET", "POST"))
def product_detail(request, product_id: int):
    """Edit the content (under review when the listing is live) and see the rest."""
    product = selectors.get_vendor_product(vendor=request.vendor, product_id=product_id)
    if request.method == "GET":
        return _product_page(request, product)
    form = _content_form(request, request.POST)
    if form.is_valid():
        category = _category(form)
        if category is not None:
            content = {k: v for k, v in form.cleaned_data.items() if k != "category"}
            try:
                services.update_product_content(
                    product=product, actor=request.user, category=category, **content
                )
            except ValidationFailed as error:
                add_domain_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _("The product is saved."))
                return redirect("dashboard:product", product_id=product.pk)
    return _product_page(request, product, form=form, status=400)


@vendor_page(methods=("POST",))
def variant_create(request, product_id: int):
    product = selectors.get_vendor_product(vendor=request.vendor, product_id=product_id)
    form = VariantForm(request.POST, vendor=request.vendor, prefix="new")
    if form.is_valid():
        try:
            services.add_variant(
                product=product, actor=request.user, **form.service_data()
            )
        except ValidationFailed as error:
            form.add_service_errors(error.errors)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("The variant is added."))
            return redirect("dashboard:product", product_id=product.pk)
    return _product_page(request, product, new_variant=form, status=400)


@vendor_page(methods=("POST",))
def variant_update(request, product_id: int, variant_id: int):
    """Change a variant's price, stock, options or sale; applies at once."""
    variant = selectors.get_vendor_variant(
        vendor=request.vendor, product_id=product_id, variant_id=variant_id
    )
    form = VariantUpdateForm(
        request.POST, vendor=request.vendor, prefix=f"v{variant.pk}"
    )
    url = reverse("dashboard:product", kwargs={"product_id": product_id})
    if not form.is_valid():
        errors = [
            f"{form[name].label}: {' '.join(e)}"
            for name, e in form.errors.items()
            if name in form.fields
        ]
        messages.error(request, " ".join(errors) or _("Check the variant's fields."))
        return redirect(f"{url}#variant-{variant.pk}")
    return act(
        request,
        lambda: services.update_variant(
            variant=variant, actor=request.user, **form.service_data()
        ),
        success=_("The variant %(sku)s is saved.") % {"sku": variant.sku},
        default=f"{url}#variant-{variant.pk}",
    )


@vendor_page(methods=("POST",))
def image_create(request, product_id: int):
    product = selectors.get_vendor_product(vendor=request.vendor, product_id=product_id)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_product_image(
                product=product,
                actor=request.user,
                file=form.cleaned_data["image"],
                alt_en=form.cleaned_data["alt_en"],
                alt_zh=form.cleaned_data["alt_zh"],
            )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("The image is added."))
            return redirect("dashboard:product", product_id=product.pk)
    return _product_page(request, product, image_form=form, status=400)


@vendor_page(methods=("POST",))
def image_delete(request, product_id: int, image_id: int):
    image = selectors.get_vendor_image(
        vendor=request.vendor, product_id=product_id, image_id=image_id
    )
    return act(
        request,
        lambda: services.remove_product_image(image=image, actor=request.user),
        success=_("The image is removed."),
        default=reverse("dashboard:product", kwargs={"product_id": product_id}),
    )


STATUS_ACTIONS = {
    "submit": (services.submit_product, _("The product is submitted.")),
    "withdraw": (services.withdraw_product, _("The product is back to draft.")),
    "pause": (services.pause_product, _("The product is paused.")),
    "resume": (services.resume_product, _("The product is on sale again.")),
    "archive": (services.archive_product, _("The product is archived.")),
}


def _status_view(action: str):
    service, success = STATUS_ACTIONS[action]

    @vendor_page(methods=("POST",))
    def view(request, product_id: int):
        product = selectors.get_vendor_product(
            vendor=request.vendor, product_id=product_id
        )
        return act(
            request,
            lambda: service(product=product, actor=request.user),
            success=str(success),
            default=reverse("dashboard:product", kwargs={"product_id": product_id}),
        )

    view.__name__ = f"product_{action}"
    return view


product_submit = _status_view("submit")
product_withdraw = _status_view("withdraw")
product_pause = _status_view("pause")
product_resume = _status_view("resume")
product_archive = _status_view("archive")
