"""Listing status changes: one helper locks, checks the table, saves and records.

draft → pending review → live / rejected, then paused, resumed or archived. Whether a
submission needs review is the operator's rule ``listing_review_required``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import Product, ProductEvent, ProductRevision
from marketplace.catalog.services._checks import REASON_MAX, check_text, raise_if
from marketplace.common import cache
from marketplace.common.errors import Conflict, InvalidTransition
from marketplace.common.services import record_audit
from marketplace.rules.selectors import get_rules
from vendors.models import Vendor

Status = Product.Status


def transition_product(
    *,
    product: Product,
    actor,
    target: str,
    reason: str = "",
    allowed_from: set[str] | None = None,
    check: Callable[[Product], None] | None = None,
) -> Product:
    """Move ``product`` to ``target`` along ``Product.TRANSITIONS``; record an event.

    Call inside a transaction: the row is locked until it ends. ``allowed_from``
    narrows the table for one action (approving starts from pending review only);
    ``check`` runs on the locked row before anything is written. The caller's
    instance is updated too.
    """
    cache.bump(cache.CATALOG)
    locked = (
        Product.objects.select_for_update(of=("self",))
        .select_related("vendor")
        .get(pk=product.pk)
    )
    current = locked.status
    if target not in Product.TRANSITIONS[Status(current)] or (
        allowed_from is not None and current not in allowed_from
    ):
        raise InvalidTransition(kind=_("product"), current=current, target=target)
    if check is not None:
        check(locked)
    now = timezone.now()
    locked.status = target
    locked.status_reason = reason
    locked.updated_at = now
    if target == Status.LIVE and locked.published_at is None:
        locked.published_at = now
    locked.save(update_fields=["status", "status_reason", "updated_at", "published_at"])
    ProductEvent.objects.create(
        product=locked,
        actor=actor,
        from_status=current,
        to_status=target,
        reason=reason,
        created_at=now,
    )
    for field in ("status", "status_reason", "updated_at", "published_at"):
        setattr(product, field, getattr(locked, field))
    return locked


def _reason_required(reason: str) -> str:
    errors: dict[str, list[str]] = {}
    check_text(errors, "reason", reason, limit=REASON_MAX)
    if not errors and not reason.strip():
        errors["reason"] = [_("Give a reason.")]
    raise_if(errors)
    return reason.strip()


def _sellable(product: Product) -> None:
    """Refuse a listing of an unapproved vendor, or one with nothing to sell."""
    if product.vendor.status != Vendor.Status.APPROVED:
        raise Conflict(
            _("Only an approved vendor's listings can go on sale."),
            code="vendor_not_approved",
        )
    if not product.variants.filter(is_active=True, retail_price__isnull=False).exists():
        raise Conflict(
            _("Add at least one active variant with a price first."),
            errors={"variants": [_("No active variant has a price.")]},
            code="no_priced_variant",
        )


@transaction.atomic
def submit_product(*, product: Product, actor) -> Product:
    """Send a listing for review, or straight on sale when review is off."""
    review = get_rules().listing_review_required
    target = Status.PENDING_REVIEW if review else Status.LIVE
    return transition_product(
        product=product,
        actor=actor,
        target=target,
        allowed_from={Status.DRAFT, Status.REJECTED, Status.PAUSED},
        check=_sellable,
    )


@transaction.atomic
def withdraw_product(*, product: Product, actor) -> Product:
    """Take a listing waiting for review back to draft."""
    return transition_product(product=product, actor=actor, target=Status.DRAFT)


def _audit(product: Product, *, actor, action: str, old: str, reason: str = ""):
    record_audit(
        actor=actor,
        action=action,
        target=product,
        old={"status": old},
        new={"status": product.status},
        reason=reason,
    )


@transaction.atomic
def approve_product(*, product: Product, actor) -> Product:
    """Put a listing waiting for review on sale (an operator's decision)."""
    cache.bump(cache.CATALOG)
    old = product.status
    locked = transition_product(
        product=product,
        actor=actor,
        target=Status.LIVE,
        allowed_from={Status.PENDING_REVIEW},
        check=_sellable,
    )
    _audit(locked, actor=actor, action="catalog.product.approve", old=old)
    return locked


@transaction.atomic
def reject_product(*, product: Product, actor, reason: str) -> Product:
    """Refuse a listing waiting for review, saying why."""
    cache.bump(cache.CATALOG)
    reason = _reason_required(reason)
    old = product.status
    locked = transition_product(
        product=product,
        actor=actor,
        target=Status.REJECTED,
        reason=reason,
        allowed_from={Status.PENDING_REVIEW},
    )
    _audit(locked, actor=actor, action="catalog.product.reject", old=old, reason=reason)
    return locked


@transaction.atomic
def pause_product(*, product: Product, actor, reason: str = "") -> Product:
    """Take a live listing off sale for now."""
    return transition_product(
        product=product, actor=actor, target=Status.PAUSED, reason=reason
    )


@transaction.atomic
def resume_product(*, product: Product, actor) -> Product:
    """Put a paused listing back on sale; its content was reviewed before."""
    return transition_product(
        product=product,
        actor=actor,
        target=Status.LIVE,
        allowed_from={Status.PAUSED},
        check=_sellable,
    )


@transaction.atomic
def archive_product(*, product: Product, actor, reason: str = "") -> Product:
    """Retire a listing for good; orders that point to it keep it."""
    cache.bump(cache.CATALOG)
    locked = transition_product(
        product=product, actor=actor, target=Status.ARCHIVED, reason=reason
    )
    locked.revisions.filter(status=ProductRevision.Status.PENDING).update(
        status=ProductRevision.Status.SUPERSEDED
    )
    return locked
