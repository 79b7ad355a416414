"""A person's application to sell: create, edit while a draft, submit for review."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict, Forbidden, ValidationFailed
from marketplace.common.images import validate_and_reencode_image
from vendors.models import Vendor, VendorMember
from vendors.services.checks import (
    field_errors,
    lock_vendor,
    refuse_unknown,
    require_owner,
    sync_instance,
    validate_fields,
)
from vendors.services.status import change_vendor_status

APPLICATION_FIELDS = (
    "slug",
    "name_en",
    "name_zh",
    "description_en",
    "description_zh",
    "company_name",
    "contact_name",
    "contact_phone",
    "contact_email",
    "business_licence_number",
    "pricing_model",
    *Vendor.ADDRESS_FIELDS,
)
LICENCE_FIELD = "licence_image"
REQUIRED_TO_SUBMIT = (
    *(
        name
        for name in APPLICATION_FIELDS
        if not Vendor._meta.get_field(name).blank and name != "slug"
    ),
    LICENCE_FIELD,
)
EDITABLE_STATUSES = (Vendor.Status.DRAFT, Vendor.Status.REJECTED)


def _unique_slug(vendor: Vendor) -> str:
    base = (slugify(vendor.name_en) or slugify(vendor.company_name) or "shop")[:50]
    base = base.strip("-") or "shop"
    candidate = base
    while Vendor.objects.filter(slug=candidate).exists():
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate


def _checked_image(licence_image, errors: dict):
    """Return the re-encoded licence, adding its error to ``errors`` instead."""
    if licence_image is None:
        return None
    try:
        return validate_and_reencode_image(licence_image, field=LICENCE_FIELD)
    except ValidationFailed as error:
        errors.update(error.errors)
        return None


def _store_licence(vendor: Vendor, image) -> None:
    """Save the re-encoded licence privately; delete the replaced file after commit."""
    old_name, storage = vendor.licence_image.name, vendor.licence_image.storage
    vendor.licence_image.save(image.name, image, save=False)
    vendor.save(update_fields=[LICENCE_FIELD])
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))


@transaction.atomic
def apply_as_vendor(*, user: User, data: dict, licence_image=None) -> Vendor:
    """Create a draft application owned by ``user`` and return it.

    ``data`` holds ``APPLICATION_FIELDS``; every field the model requires must be
    there (the licence image may follow before submitting). A user belongs to at
    most one vendor, so one who already does gets 409. Operators cannot sell.
    Nothing is written when any field is refused (400 naming each field).
    """
    refuse_unknown(data, APPLICATION_FIELDS)
    User.objects.select_for_update().filter(pk=user.pk).first()
    if VendorMember.objects.filter(user=user).exists():
        raise Conflict(_("You already belong to a shop."), code="already_member")
    if user.is_operator:
        raise Forbidden(_("Operators cannot run a shop."), code="operator")
    vendor = Vendor(**data, status=Vendor.Status.DRAFT)
    if not vendor.slug:
        vendor.slug = _unique_slug(vendor)
    errors = field_errors(vendor)
    image = _checked_image(licence_image, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    vendor.save()
    VendorMember.objects.create(vendor=vendor, user=user, role=VendorMember.Role.OWNER)
    if image is not None:
        _store_licence(vendor, image)
    return vendor


@transaction.atomic
def update_application(
    *, vendor: Vendor, actor: User, data: dict, licence_image=None
) -> Vendor:
    """Change the application's fields and/or licence image. Owner only.

    Only a draft or a rejected application can change (409 otherwise); a rejected
    one is then submitted again. Nothing is written when any field is refused.
    """
    require_owner(vendor=vendor, actor=actor)
    refuse_unknown(data, APPLICATION_FIELDS)
    locked = lock_vendor(vendor)
    if locked.status not in EDITABLE_STATUSES:
        raise Conflict(
            _("The application can only change while it is a draft or rejected."),
            code="application_locked",
        )
    for name, value in data.items():
        setattr(locked, name, value)
    errors = field_errors(locked)
    image = _checked_image(licence_image, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    if data:
        locked.save(update_fields=list(data))
    if image is not None:
        _store_licence(locked, image)
    sync_instance(vendor, locked)
    return vendor


@transaction.atomic
def submit_application(*, vendor: Vendor, actor: User) -> Vendor:
    """Send a draft (or a corrected rejected) application for review. Owner only.

    Every field in ``REQUIRED_TO_SUBMIT``, the licence image included, must be
    filled; otherwise 400 names the missing ones and the status stays.
    """
    require_owner(vendor=vendor, actor=actor)

    def prepare(locked: Vendor) -> list[str]:
        missing = [name for name in REQUIRED_TO_SUBMIT if not getattr(locked, name)]
        if missing:
            raise ValidationFailed(
                errors={
                    name: [_("Fill this in before submitting.")] for name in missing
                }
            )
        validate_fields(locked)
        locked.submitted_at = timezone.now()
        return ["submitted_at"]

    return change_vendor_status(
        vendor=vendor,
        actor=actor,
        target=Vendor.Status.SUBMITTED,
        prepare=prepare,
    )
