"""Product content: creating listings, editing them, and reviewing revisions.

When listings need review, an edit of a listing that shoppers can see (live, or
paused and able to resume) becomes a pending revision; the live content stays on sale
until an operator approves it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import Category, Product, ProductRevision
from marketplace.catalog.search import index_product
from marketplace.catalog.services._checks import (
    DESCRIPTION_MAX,
    REASON_MAX,
    TITLE_MAX,
    UNSET,
    check_text,
    given,
    raise_if,
)
from marketplace.catalog.services.variants import (
    MAX_VARIANTS,
    build_variant,
    variant_errors,
)
from marketplace.common import cache
from marketplace.common.errors import Conflict, ValidationFailed
from marketplace.common.services import record_audit
from marketplace.rules.selectors import get_rules

REVIEWED_WHEN = {Product.Status.LIVE, Product.Status.PAUSED}
LIMITS = {
    "title_en": TITLE_MAX,
    "title_zh": TITLE_MAX,
    "description_en": DESCRIPTION_MAX,
    "description_zh": DESCRIPTION_MAX,
}


def _content_errors(content: dict) -> dict[str, list[str]]:
    """Return the messages for a product's full content (texts and category)."""
    errors: dict[str, list[str]] = {}
    for field, limit in LIMITS.items():
        check_text(errors, field, content[field], limit=limit)
    titles = [content["title_en"], content["title_zh"]]
    if all(isinstance(t, str) for t in titles) and not any(t.strip() for t in titles):
        errors.setdefault("title_en", []).append(_("Give a title in either language."))
    category = content["category"]
    if not isinstance(category, Category) or not category.is_active:
        errors.setdefault("category", []).append(_("Choose an active category."))
    return errors


def _current_content(product: Product) -> dict:
    return {**{f: getattr(product, f) for f in LIMITS}, "category": product.category}


def _apply_content(product: Product, content: dict) -> None:
    for field in LIMITS:
        setattr(product, field, content[field].strip())
    product.category = content["category"]
    product.updated_at = timezone.now()
    product.save()
    index_product(product)


def _supersede_pending(product: Product) -> None:
    product.revisions.filter(status=ProductRevision.Status.PENDING).update(
        status=ProductRevision.Status.SUPERSEDED
    )


@transaction.atomic
def create_product(
    *,
    vendor,
    actor,
    category: Category,
    title_en: str = "",
    title_zh: str = "",
    description_en: str = "",
    description_zh: str = "",
    variants: list[dict] | None = None,
) -> Product:
    """Create a draft listing of ``vendor`` with its variants; index it for search.

    Each variant is a dict of sku, attributes, the price the vendor's model lets it
    set, stock_on_hand and weight_grams. Errors name the field (``variants[1].sku``).
    """
    cache.bump(cache.CATALOG)
    variants = variants or []
    content = {
        "title_en": title_en,
        "title_zh": title_zh,
        "description_en": description_en,
        "description_zh": description_zh,
        "category": category,
    }
    errors = _content_errors(content)
    if len(variants) > MAX_VARIANTS:
        errors["variants"] = [
            _("A product has at most %(limit)s variants.") % {"limit": MAX_VARIANTS}
        ]
    skus = set()
    for index, data in enumerate(variants[:MAX_VARIANTS]):
        prefix = f"variants[{index}]."
        if not isinstance(data, dict):
            errors[f"variants[{index}]"] = [_("Enter an object.")]
            continue
        errors.update(variant_errors(data, vendor=vendor, prefix=prefix))
        if data.get("sku") in skus:
            errors.setdefault(f"{prefix}sku", []).append(_("This SKU is repeated."))
        skus.add(data.get("sku"))
    raise_if(errors)
    product = Product(vendor=vendor, status=Product.Status.DRAFT)
    _apply_content(product, content)
    for position, data in enumerate(variants):
        build_variant(data, product=product, position=position).save()
    return product


@transaction.atomic
def update_product_content(
    *,
    product: Product,
    actor,
    title_en: str = UNSET,
    title_zh: str = UNSET,
    description_en: str = UNSET,
    description_zh: str = UNSET,
    category: Category = UNSET,
) -> ProductRevision | None:
    """Change a listing's texts or category; return the pending revision, if any.

    With review on and the listing live or paused, the change becomes a pending
    revision (replacing an earlier one) and the live content stays on sale; otherwise
    the listing changes at once. An archived listing cannot change.
    """
    cache.bump(cache.CATALOG)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == Product.Status.ARCHIVED:
        raise Conflict(_("This product is archived."), code="product_archived")
    changes = {
        "title_en": title_en,
        "title_zh": title_zh,
        "description_en": description_en,
        "description_zh": description_zh,
        "category": category,
    }
    content = {
        **_current_content(product),
        **{k: v for k, v in changes.items() if given(v)},
    }
    raise_if(_content_errors(content))
    _supersede_pending(product)
    if product.status in REVIEWED_WHEN and get_rules().listing_review_required:
        stored = {f: content[f].strip() for f in LIMITS}
        stored["category_id"] = content["category"].pk
        return ProductRevision.objects.create(
            product=product, content=stored, submitted_by=actor
        )
    _apply_content(product, content)
    return None


def _lock_pending_revision(revision: ProductRevision) -> ProductRevision:
    revision = (
        ProductRevision.objects.select_for_update()
        .select_related("product")
        .get(pk=revision.pk)
    )
    if revision.status != ProductRevision.Status.PENDING:
        raise Conflict(
            _("This revision is %(status)s, not pending.")
            % {"status": revision.get_status_display().lower()},
            code="revision_not_pending",
        )
    return revision


def _finish_revision(revision, *, actor, status: str, reason: str = "") -> None:
    revision.status = status
    revision.reason = reason
    revision.reviewed_by = actor
    revision.reviewed_at = timezone.now()
    revision.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    record_audit(
        actor=actor,
        action=f"catalog.revision.{status}",
        target=revision,
        old={"status": ProductRevision.Status.PENDING},
        new={"status": status},
        reason=reason,
    )


@transaction.atomic
def approve_revision(*, revision: ProductRevision, actor) -> Product:
    """Put a pending revision's content on the live listing."""
    cache.bump(cache.CATALOG)
    revision = _lock_pending_revision(revision)
    product = Product.objects.select_for_update().get(pk=revision.product_id)
    if product.status == Product.Status.ARCHIVED:
        raise Conflict(_("This product is archived."), code="product_archived")
    stored = revision.content
    category = Category.objects.filter(pk=stored.get("category_id")).first()
    content = {**{f: stored.get(f, "") for f in LIMITS}, "category": category}
    errors = _content_errors(content)
    if errors:
        raise Conflict(
            _("The revision can no longer be applied."),
            errors=errors,
            code="revision_stale",
        )
    _apply_content(product, content)
    _finish_revision(revision, actor=actor, status=ProductRevision.Status.APPROVED)
    return product


@transaction.atomic
def reject_revision(*, revision: ProductRevision, actor, reason: str) -> None:
    """Refuse a pending revision with a reason; the live content stays."""
    cache.bump(cache.CATALOG)
    errors: dict[str, list[str]] = {}
    check_text(errors, "reason", reason, limit=REASON_MAX)
    if not errors and not reason.strip():
        errors["reason"] = [_("Give a reason.")]
    if errors:
        raise ValidationFailed(errors=errors)
    revision = _lock_pending_revision(revision)
    _finish_revision(
        revision,
        actor=actor,
        status=ProductRevision.Status.REJECTED,
        reason=reason.strip(),
    )
