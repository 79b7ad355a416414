"""Writing the category tree: operators' changes, audited."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from marketplace.catalog.models import Category, Product
from marketplace.catalog.search import reindex_products
from marketplace.catalog.services._checks import (
    UNSET,
    check_int,
    check_text,
    given,
    raise_if,
)
from marketplace.common import cache
from marketplace.common.money import BPS
from marketplace.common.services import record_audit

NAME_MAX = 100
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
MAX_DEPTH = 6
AUDITED = ("name_en", "name_zh", "slug", "commission_bps", "is_active", "parent_id")


def _check_fields(errors: dict, *, category=None, **fields) -> None:
    for name in ("name_en", "name_zh"):
        if given(fields.get(name, UNSET)):
            check_text(errors, name, fields[name], limit=NAME_MAX)
    if given(fields.get("slug", UNSET)):
        slug = fields["slug"]
        if not isinstance(slug, str) or not SLUG.match(slug):
            errors.setdefault("slug", []).append(
                _("Use up to 100 letters, digits, dashes or underscores.")
            )
        else:
            taken = Category.objects.filter(slug=slug)
            if category is not None:
                taken = taken.exclude(pk=category.pk)
            if taken.exists():
                errors.setdefault("slug", []).append(_("This slug is taken."))
    if given(fields.get("commission_bps", UNSET)):
        check_int(errors, "commission_bps", fields["commission_bps"], low=0, high=BPS)
    if given(fields.get("position", UNSET)):
        check_int(errors, "position", fields["position"], low=0, high=100_000)


def _check_parent(errors: dict, parent, *, category=None) -> None:
    if parent is None:
        return
    if parent.depth >= MAX_DEPTH:
        errors.setdefault("parent", []).append(
            _("Categories nest at most %(depth)s levels.") % {"depth": MAX_DEPTH}
        )
    if category is not None and parent.path.startswith(category.path):
        errors.setdefault("parent", []).append(
            _("A category cannot move under itself or its own subcategory.")
        )


def _snapshot(category: Category) -> dict:
    return {name: getattr(category, name) for name in AUDITED}


@transaction.atomic
def create_category(
    *,
    actor,
    name_en: str,
    name_zh: str,
    slug: str,
    parent: Category | None = None,
    commission_bps: int | None = None,
    position: int = 0,
    is_active: bool = True,
) -> Category:
    """Add a category under ``parent`` (a root when None); record the operator."""
    cache.bump(cache.CATALOG)
    errors: dict[str, list[str]] = {}
    _check_fields(
        errors,
        name_en=name_en,
        name_zh=name_zh,
        slug=slug,
        commission_bps=commission_bps,
        position=position,
    )
    if not (name_en or "").strip() and not (name_zh or "").strip():
        errors.setdefault("name_en", []).append(_("Give a name in either language."))
    _check_parent(errors, parent)
    raise_if(errors)
    category = Category.objects.create(
        parent=parent,
        name_en=name_en.strip(),
        name_zh=name_zh.strip(),
        slug=slug,
        commission_bps=commission_bps,
        position=position,
        is_active=is_active,
        path="",
    )
    category.path = f"{parent.path if parent else '/'}{category.pk}/"
    category.save(update_fields=["path"])
    record_audit(
        actor=actor,
        action="catalog.category.create",
        target=category,
        new=_snapshot(category),
    )
    return category


@transaction.atomic
def update_category(
    *,
    category: Category,
    actor,
    name_en: str = UNSET,
    name_zh: str = UNSET,
    slug: str = UNSET,
    commission_bps: int | None = UNSET,
    position: int = UNSET,
    is_active: bool = UNSET,
    parent: Category | None = UNSET,
    reason: str = "",
) -> Category:
    """Change the fields passed; record old and new values (commission included).

    Moving a category rewrites the paths of its whole subtree; renaming one rewrites
    the search vectors of the products filed under it.
    """
    cache.bump(cache.CATALOG)
    category = Category.objects.select_for_update().get(pk=category.pk)
    fields = {
        "name_en": name_en,
        "name_zh": name_zh,
        "slug": slug,
        "commission_bps": commission_bps,
        "position": position,
        "is_active": is_active,
    }
    errors: dict[str, list[str]] = {}
    _check_fields(errors, category=category, **fields)
    if given(parent):
        _check_parent(errors, parent, category=category)
    new_en = name_en if given(name_en) else category.name_en
    new_zh = name_zh if given(name_zh) else category.name_zh
    texts = isinstance(new_en, str) and isinstance(new_zh, str)
    if texts and not new_en.strip() and not new_zh.strip():
        errors.setdefault("name_en", []).append(_("Give a name in either language."))
    raise_if(errors)
    old = _snapshot(category)
    for name, value in fields.items():
        if given(value):
            setattr(category, name, value.strip() if isinstance(value, str) else value)
    old_path = category.path
    if given(parent) and parent != category.parent:
        category.parent = parent
        category.path = f"{parent.path if parent else '/'}{category.pk}/"
    category.save()
    if category.path != old_path:
        Category.objects.filter(path__startswith=old_path).exclude(
            pk=category.pk
        ).update(path=Concat(Value(category.path), Substr("path", len(old_path) + 1)))
    new = _snapshot(category)
    changed = {k for k in AUDITED if old[k] != new[k]}
    if changed:
        record_audit(
            actor=actor,
            action="catalog.category.update",
            target=category,
            old={k: old[k] for k in sorted(changed)},
            new={k: new[k] for k in sorted(changed)},
            reason=reason,
        )
    if changed & {"name_en", "name_zh", "parent_id"}:
        reindex_products(
            Product.objects.filter(category__path__startswith=category.path)
        )
    return category
