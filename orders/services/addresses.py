"""The shopper's address book."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.common.errors import NotFound, ValidationFailed
from orders.models import Address

MAX_ADDRESSES = 50
EDITABLE = (*Address.ADDRESS_FIELDS, "label")


def _validated(address: Address) -> Address:
    try:
        address.full_clean(exclude=["user"])
    except ValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from None
    return address


def _make_default(address: Address) -> None:
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(
        pk=address.pk
    ).update(is_default=False)


@transaction.atomic
def create_address(*, user, fields: dict, is_default: bool = False) -> Address:
    """Add an address from ``AddressFields`` values; the first one is the default."""
    count = Address.objects.select_for_update().filter(user=user).count()
    if count >= MAX_ADDRESSES:
        raise ValidationFailed(
            errors={"non_field_errors": [_("Your address book is full.")]}
        )
    fields = {k: v for k, v in fields.items() if k in EDITABLE}
    address = _validated(Address(user=user, **fields))
    address.is_default = is_default or count == 0
    if address.is_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
    address.save()
    return address


@transaction.atomic
def update_address(
    *, user, address_id: int, fields: dict, is_default: bool | None = None
) -> Address:
    """Change an address of ``user``; placed orders keep their own copy."""
    address = (
        Address.objects.select_for_update().filter(pk=address_id, user=user).first()
    )
    if address is None:
        raise NotFound()
    for name, value in fields.items():
        if name in EDITABLE:
            setattr(address, name, value)
    _validated(address)
    if is_default:
        _make_default(address)
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def delete_address(*, user, address_id: int) -> None:
    """Delete an address of ``user``; orders placed with it keep their copy."""
    deleted, _counts = Address.objects.filter(pk=address_id, user=user).delete()
    if not deleted:
        raise NotFound()
