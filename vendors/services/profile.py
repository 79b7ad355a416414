"""The shop profile a vendor edits, and the terms an operator sets."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.common import cache
from marketplace.common.errors import Conflict, Forbidden
from marketplace.common.services import record_audit
from vendors.models import Vendor
from vendors.services.checks import (
    clean_reason,
    lock_vendor,
    refuse_unknown,
    require_member,
    require_operator,
    sync_instance,
    validate_fields,
)

PROFILE_FIELDS = (
    "name_en",
    "name_zh",
    "description_en",
    "description_zh",
    "shipping_fee",
    "free_shipping_threshold",
)
OWNER_ONLY_PROFILE_FIELDS = frozenset({"shipping_fee", "free_shipping_threshold"})
TERMS_FIELDS = (
    "commission_bps_override",
    "deposit_required",
    "shipping_fee",
    "free_shipping_threshold",
)
UNSET = object()


def _apply_changes(locked: Vendor, changes: dict) -> tuple[dict, dict]:
    """Set ``changes`` on the row; return the old and new values that differ."""
    old, new = {}, {}
    for name, value in changes.items():
        if getattr(locked, name) != value:
            old[name], new[name] = getattr(locked, name), value
            setattr(locked, name, value)
    return old, new


@transaction.atomic
def update_shop_profile(*, vendor: Vendor, actor: User, data: dict) -> Vendor:
    """Change the shop's names, descriptions and shipping charges.

    Any member may edit names and descriptions; the shipping fee and free-shipping
    threshold are the owner's (403 for staff). A closed shop changes nothing (409).
    The change is audited with its old and new values.
    """
    cache.bump(cache.CATALOG)
    membership = require_member(vendor=vendor, actor=actor)
    refuse_unknown(data, PROFILE_FIELDS)
    if not membership.is_owner and OWNER_ONLY_PROFILE_FIELDS & set(data):
        raise Forbidden(
            _("Only the shop's owner may change shipping charges."), code="owner_only"
        )
    locked = lock_vendor(vendor)
    if locked.status == Vendor.Status.CLOSED:
        raise Conflict(_("The shop is closed."), code="vendor_closed")
    old, new = _apply_changes(locked, data)
    validate_fields(locked, data)
    if new:
        locked.save(update_fields=list(new))
        record_audit(
            actor=actor,
            action="vendor.profile_changed",
            target=locked,
            old=old,
            new=new,
        )
    sync_instance(vendor, locked)
    return vendor


@transaction.atomic
def set_vendor_terms(
    *,
    vendor: Vendor,
    actor: User | None,
    reason: str = "",
    commission_bps_override=UNSET,
    deposit_required=UNSET,
    shipping_fee=UNSET,
    free_shipping_threshold=UNSET,
) -> Vendor:
    """Set the vendor's commercial terms; only the arguments given change.

    ``commission_bps_override=None`` returns the vendor to the category rates. Once
    an operator sets ``deposit_required``, approval keeps it instead of the platform
    default. Finance and admins only; recorded in the audit trail with old and new
    values and ``reason``.
    """
    cache.bump(cache.CATALOG)
    require_operator(actor, User.OperatorRole.FINANCE)
    reason = clean_reason(reason, required=False)
    given = {
        "commission_bps_override": commission_bps_override,
        "deposit_required": deposit_required,
        "shipping_fee": shipping_fee,
        "free_shipping_threshold": free_shipping_threshold,
    }
    changes = {name: value for name, value in given.items() if value is not UNSET}
    locked = lock_vendor(vendor)
    if "deposit_required" in changes:
        changes["deposit_overridden"] = True
    old, new = _apply_changes(locked, changes)
    validate_fields(locked, changes)
    if new:
        locked.save(update_fields=list(new))
        record_audit(
            actor=actor,
            action="vendor.terms_changed",
            target=locked,
            old=old,
            new=new,
            reason=reason,
        )
    sync_instance(vendor, locked)
    return vendor
