"""Preconditions the vendor services share: who may act, row locks, validation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.common.errors import Forbidden, ValidationFailed
from vendors.models import Vendor, VendorMember

REASON_MAX_LENGTH = 2000


def lock_vendor(vendor: Vendor) -> Vendor:
    """Return a fresh copy of ``vendor`` locked FOR UPDATE. Call inside a transaction.

    Every write that reads a vendor's state before changing it locks the row first,
    so two requests (two reviewers, two owners) are applied one after the other.
    """
    return Vendor.objects.select_for_update().get(pk=vendor.pk)


def sync_instance(target: Vendor, source: Vendor) -> None:
    """Copy the saved field values of ``source`` onto the caller's ``target``."""
    if target is source:
        return
    for field in Vendor._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def membership_of(*, vendor: Vendor, actor) -> VendorMember | None:
    if actor is None or not getattr(actor, "pk", None):
        return None
    return VendorMember.objects.filter(vendor=vendor, user=actor).first()


def require_member(*, vendor: Vendor, actor) -> VendorMember:
    """Return the actor's membership of ``vendor``; refuse anyone else (403)."""
    membership = membership_of(vendor=vendor, actor=actor)
    if membership is None:
        raise Forbidden(_("You are not a member of this shop."))
    return membership


def require_owner(*, vendor: Vendor, actor) -> VendorMember:
    """Return the actor's owner membership; staff cannot manage staff or money."""
    membership = require_member(vendor=vendor, actor=actor)
    if not membership.is_owner:
        raise Forbidden(_("Only the shop's owner may do this."), code="owner_only")
    return membership


def require_operator(actor, *roles: str) -> None:
    """Refuse an actor who is not an operator in ``roles`` (admins always pass).

    ``actor=None`` is the system itself (a task, a data migration) and passes.
    """
    if actor is not None and not actor.has_operator_role(*roles):
        raise Forbidden(_("This needs another operator role."), code="operator_role")


def clean_reason(reason: str | None, *, required: bool) -> str:
    """Return the stripped reason; refuse a missing one when ``required``."""
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationFailed(errors={"reason": [_("Give a reason.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            errors={
                "reason": [
                    _("Keep the reason under %(n)s characters.")
                    % {"n": REASON_MAX_LENGTH}
                ]
            }
        )
    return reason


def refuse_unknown(data: dict, allowed) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            errors={name: [_("This field cannot be set here.")] for name in unknown}
        )


def field_errors(vendor: Vendor, names=None) -> dict[str, list[str]]:
    """Return the model validation errors of ``names`` (all fields when ``None``).

    The licence image is checked by ``validate_and_reencode_image`` instead.
    """
    exclude = {"licence_image"}
    if names is not None:
        exclude |= {f.name for f in Vendor._meta.fields if f.name not in set(names)}
    try:
        vendor.full_clean(exclude=exclude)
    except ValidationError as error:
        return error.message_dict
    return {}


def validate_fields(vendor: Vendor, names=None) -> None:
    errors = field_errors(vendor, names)
    if errors:
        raise ValidationFailed(errors=errors)
