"""Bulk import of a vendor's products and stock from a CSV or XLSX sheet.

A row is one variant, found by SKU among the vendor's own products (another
vendor's SKUs are never looked at). A known SKU is updated; an unknown one is added
to the product named in ``product``, or to a new draft product. Each row is checked
by the same rules as the catalog services (``variant_errors``, the product content
checks, stock never below what orders reserved); a bad row is skipped and reported
by row and column, the good rows are kept. Rows are written in batches, each in its
own transaction, so progress shows and a worker that dies resumes safely: the
import is idempotent (a second run finds every SKU it created).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.catalog import spreadsheets
from marketplace.catalog.models import Category, Product, ProductImport, Variant
from marketplace.catalog.pricing import category_ids_upwards, default_retail_price
from marketplace.catalog.search import search_vector_expression
from marketplace.catalog.services.products import (
    LIMITS,
    _content_errors,
    update_product_content,
)
from marketplace.catalog.services.variants import (
    MAX_VARIANTS,
    SUPPLY,
    build_variant,
    variant_errors,
)
from marketplace.common import cache
from marketplace.common.errors import DomainError, ValidationFailed
from marketplace.rules.selectors import get_rules
from vendors.models import Vendor

BATCH = 500
MAX_IMPORT_BYTES = 50 * 1024 * 1024
CONTENT = (*LIMITS, "category")
VARIANT_FIELDS = ("attributes", "stock_on_hand", "weight_grams", "is_active")


@transaction.atomic
def start_product_import(*, vendor: Vendor, actor, upload) -> ProductImport:
    """Keep ``upload`` privately and queue its import after commit; return the job."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ProductImport.Format.values:
        raise ValidationFailed(errors={"file": [_("Upload a .csv or .xlsx file.")]})
    if upload.size > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            errors={"file": [_("The file is larger than 50 MB; split it.")]}
        )
    job = ProductImport(
        vendor=vendor, created_by=actor, format=extension, original_name=name[-200:]
    )
    job.file.save(name, upload, save=False)
    job.save()
    from marketplace.catalog.tasks import run_product_import_task

    transaction.on_commit(lambda: run_product_import_task.delay(job.pk))
    return job


@dataclass
class _Run:
    """What an import remembers between batches."""

    job: ProductImport
    vendor: Vendor
    actor: object
    names: list
    margin_bps: int
    categories: dict[str, Category]
    seen: dict[str, int] = field(default_factory=dict)  # sku -> row number
    keys: dict[str, int] = field(default_factory=dict)  # new product key -> id
    category_names: dict[int, list[str]] = field(default_factory=dict)

    def reject(self, number: int, errors: dict[str, str | list]) -> None:
        self.job.error_rows += 1
        for column, texts in errors.items():
            for text in texts if isinstance(texts, list) else [texts]:
                if len(self.job.errors) < ProductImport.MAX_ERRORS:
                    self.job.errors.append(
                        {"row": number, "column": column, "message": str(text)}
                    )


def _claim(job_id: int) -> ProductImport | None:
    """Mark the job running (again, after a lost worker); None once it finished."""
    with transaction.atomic():
        job = ProductImport.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return None
        job.status = ProductImport.Status.RUNNING
        job.started_at = timezone.now()
        for name in (
            "processed_rows",
            "products_created",
            "variants_created",
            "variants_updated",
            "error_rows",
        ):
            setattr(job, name, 0)
        job.errors = []
        job.save()
    return job


def _count_rows(job: ProductImport) -> int:
    with spreadsheets.opened(job.file) as stream:
        return max(
            0, sum(1 for _ in spreadsheets.iter_rows(stream, format=job.format)) - 1
        )


def run_product_import(*, job_id: int) -> ProductImport | None:
    """Import the job's sheet batch by batch, saving progress after each batch.

    Call from the task only. A sheet that cannot be read fails the job with a reason.
    Reasons and row errors are stored in the language of the vendor user who
    uploaded the sheet, whatever language the worker runs in.
    """
    job = _claim(job_id)
    if job is None:
        return None
    uploader = job.created_by
    language = uploader.preferred_language if uploader else settings.LANGUAGE_CODE
    with translation.override(language):
        return _import(job)


def _import(job: ProductImport) -> ProductImport:
    try:
        job.total_rows = _count_rows(job)
        job.save(update_fields=["total_rows"])
        with spreadsheets.opened(job.file) as stream:
            rows = spreadsheets.iter_rows(stream, format=job.format)
            names, header_errors = spreadsheets.read_header(next(rows, []))
            job.errors.extend(header_errors)
            rules = get_rules()
            run = _Run(
                job=job,
                vendor=job.vendor,
                actor=job.created_by,
                names=names,
                margin_bps=rules.default_supply_margin_bps,
                categories={c.slug: c for c in Category.objects.filter(is_active=True)},
            )
            numbered = enumerate(rows, start=2)
            while batch := list(islice(numbered, BATCH)):
                _import_batch(run, batch)
    except spreadsheets.SheetError as error:
        return _finish(job, status=ProductImport.Status.FAILED, reason=str(error))
    except Exception:
        reason = _("The import stopped on an unexpected error; earlier rows were kept.")
        _finish(job, status=ProductImport.Status.FAILED, reason=reason)
        raise
    return _finish(job, status=ProductImport.Status.DONE)


def _finish(job: ProductImport, *, status: str, reason: str = "") -> ProductImport:
    job.status = status
    job.failure_reason = reason
    job.finished_at = timezone.now()
    job.save()
    return job


@transaction.atomic
def _import_batch(run: _Run, batch: list[tuple[int, list[str]]]) -> None:
    """Check and write one batch of rows; save the job's counts with them."""
    cache.bump(cache.CATALOG)
    parsed = []
    for number, row in batch:
        if not any(row):
            continue
        values, errors = spreadsheets.parse_row(run.names, row)
        parsed.append((number, values, errors))
    skus = [v["sku"] for _n, v, _e in parsed if isinstance(v.get("sku"), str)]
    found: dict[str, list[Variant]] = {}
    for variant in (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product__category")
        .filter(product__vendor=run.vendor, sku__in=skus)
    ):
        found.setdefault(variant.sku, []).append(variant)
    keys = {v.get("product", "") for _n, v, _e in parsed}
    ids = {n for k in keys if (n := _number(k)) is not None}
    ids |= {run.keys[k] for k in keys if k in run.keys}
    products = {
        p.pk: p
        for p in Product.objects.select_related("category").filter(
            vendor=run.vendor, pk__in=ids
        )
    }
    changed, created = [], []
    for number, values, errors in parsed:
        if errors:
            run.reject(number, errors)
            continue
        try:
            outcome = _import_row(run, number, values, found, products)
        except DomainError as error:
            run.reject(number, error.errors or {"sku": error.detail})
            continue
        (changed if outcome.pk else created).append(outcome)
    Variant.objects.bulk_update(
        changed, ["retail_price", "supply_price", *VARIANT_FIELDS]
    )
    Variant.objects.bulk_create(created)
    run.job.processed_rows += len(batch)
    run.job.variants_updated += len(changed)
    run.job.variants_created += len(created)
    run.job.save()


def _import_row(run: _Run, number: int, values: dict, found, products) -> Variant:
    """Return the row's variant, changed or new (unsaved); raise its errors."""
    sku = values.get("sku", "")
    if not sku:
        raise ValidationFailed(errors={"sku": [_("This field is required.")]})
    if sku in run.seen:
        raise ValidationFailed(
            errors={
                "sku": [
                    _("This SKU is repeated (row %(row)s).") % {"row": run.seen[sku]}
                ]
            }
        )
    run.seen[sku] = number
    matches = found.get(sku, [])
    if len(matches) > 1:
        raise ValidationFailed(
            errors={"sku": [_("More than one of your products has this SKU.")]}
        )
    data = _variant_data(run, values)
    if matches:
        products.setdefault(matches[0].product_id, matches[0].product)
        return _update_variant(run, values, data, matches[0])
    errors = variant_errors({"sku": sku, **data}, vendor=run.vendor)
    if errors:
        raise ValidationFailed(errors=errors)
    product = _product_for(run, values, products)
    return _new_variant(run, sku, data, product)


def _variant_data(run: _Run, values: dict) -> dict:
    """Return the row's variant fields; only the price the vendor's model sets."""
    data = {k: values[k] for k in VARIANT_FIELDS if k in values}
    price = "supply_price" if run.vendor.pricing_model == SUPPLY else "retail_price"
    if price in values:
        data[price] = values[price]
    return data


def _number(key: str) -> int | None:
    """Return the number a ``product`` cell names, or None for a new product's key.

    A number too long for an id gives 0, which no product has.
    """
    if not (key.isascii() and key.isdigit()):
        return None
    return int(key) if len(key) <= 18 else 0


def _refuse_archived(product: Product) -> None:
    if product.status == Product.Status.ARCHIVED:
        raise ValidationFailed(errors={"product": [_("This product is archived.")]})


def _update_variant(run: _Run, values: dict, data: dict, variant: Variant) -> Variant:
    product = variant.product
    given = values.get("product", "")
    number = _number(given)
    if number is not None and number != product.pk:
        raise ValidationFailed(
            errors={
                "product": [
                    _("This SKU belongs to product %(id)s.") % {"id": product.pk}
                ]
            }
        )
    if given and number is None:
        run.keys.setdefault(given, product.pk)
    _refuse_archived(product)
    errors: dict[str, list[str]] = {}
    checked = variant_errors(
        {"sku": variant.sku, **_prices_of(variant, run), **data}, vendor=run.vendor
    )
    errors.update(checked)
    stock = data.get("stock_on_hand")
    if (
        "stock_on_hand" not in errors
        and stock is not None
        and stock < variant.stock_reserved
    ):
        errors["stock_on_hand"] = [
            _("%(reserved)s units are reserved by orders; stock may not be lower.")
            % {"reserved": variant.stock_reserved}
        ]
    if (
        "supply_price" in data
        and not errors
        and variant.retail_price_by_operator
        and data["supply_price"] > variant.retail_price
    ):
        errors["supply_price"] = [
            _(
                "The supply price may not exceed the retail price the platform "
                "set (%(retail)s)."
            )
            % {"retail": variant.retail_price}
        ]
    if errors:
        raise ValidationFailed(errors=errors)
    _update_content(run, values, product)
    for name, value in data.items():
        setattr(variant, name, value)
    if "supply_price" in data and not variant.retail_price_by_operator:
        variant.retail_price = default_retail_price(
            data["supply_price"], margin_bps=run.margin_bps
        )
    return variant


def _prices_of(variant: Variant, run: _Run) -> dict:
    if run.vendor.pricing_model == SUPPLY:
        return {"supply_price": variant.supply_price}
    return {"retail_price": variant.retail_price}


def _content_of(run: _Run, values: dict, product: Product | None) -> dict:
    content = {name: (getattr(product, name) if product else "") for name in LIMITS} | {
        "category": product.category if product else None
    }
    for name in LIMITS:
        if name in values:
            content[name] = values[name]
    if "category" in values:
        content["category"] = run.categories.get(values["category"])
    return content


def _update_content(run: _Run, values: dict, product: Product) -> None:
    """Change the product's texts or category when the row differs (review rules)."""
    content = _content_of(run, values, product)
    current = _content_of(run, {}, product)
    if content == current:
        return
    errors = _content_errors(content)
    if errors:
        raise ValidationFailed(errors=errors)
    changes = {k: v for k, v in content.items() if v != current[k]}
    update_product_content(product=product, actor=run.actor, **changes)
    for name, value in changes.items():
        setattr(product, name, value)


def _product_for(run: _Run, values: dict, products: dict) -> Product:
    """Return the product a new SKU goes to: the one named, or a new draft."""
    key = values.get("product", "")
    if _number(key) is not None:
        product = products.get(_number(key))
        if product is None:
            raise ValidationFailed(
                errors={"product": [_("You have no product with this number.")]}
            )
        _refuse_archived(product)
        return product
    if key and key in run.keys:
        return products[run.keys[key]]
    content = _content_of(run, values, None)
    errors = _content_errors(content)
    if errors:
        raise ValidationFailed(errors=errors)
    product = Product(vendor=run.vendor, status=Product.Status.DRAFT)
    for name in LIMITS:
        setattr(product, name, content[name].strip())
    product.category = content["category"]
    product.save()
    _index(run, product)
    run.job.products_created += 1
    if key:
        run.keys[key] = product.pk
    products[product.pk] = product
    return product


def _index(run: _Run, product: Product) -> None:
    """Write the search vector as ``index_product`` does, the names read once."""
    names = run.category_names.get(product.category_id)
    if names is None:
        pairs = Category.objects.filter(
            pk__in=category_ids_upwards(product.category)
        ).values_list("name_en", "name_zh")
        names = run.category_names[product.category_id] = [n for p in pairs for n in p]
    Product.objects.filter(pk=product.pk).update(
        search_vector=search_vector_expression(product, category_names=names)
    )


def _new_variant(run: _Run, sku: str, data: dict, product: Product) -> Variant:
    errors: dict[str, list[str]] = {}
    count = getattr(product, "import_variant_count", None)
    if count is None:
        count = product.variants.count()
    if count >= MAX_VARIANTS:
        errors.setdefault("sku", []).append(
            _("A product has at most %(limit)s variants.") % {"limit": MAX_VARIANTS}
        )
    if errors:
        raise ValidationFailed(errors=errors)
    product.import_variant_count = count + 1
    product.vendor = run.vendor
    return build_variant(
        {"sku": sku, **data},
        product=product,
        position=count,
        margin_bps=run.margin_bps,
    )
