"""The cart: lines per variant, for a signed-in shopper or an anonymous session."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import Product, Variant
from marketplace.common.errors import NotFound, ValidationFailed
from orders.models import MAX_LINE_QUANTITY, Cart, CartLine
from orders.models.cart import MAX_CART_LINES
from vendors.models import Vendor


def new_session_cart_token() -> str:
    return secrets.token_urlsafe(24)


def _check_quantity(quantity) -> int:
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_LINE_QUANTITY
    ):
        raise ValidationFailed(
            errors={
                "quantity": [
                    _("Enter a whole number from 1 to %(max)s.")
                    % {"max": MAX_LINE_QUANTITY}
                ]
            }
        )
    return quantity


def _sellable_variant(variant_id) -> Variant:
    variant = (
        Variant.objects.select_related("product__vendor")
        .filter(
            pk=variant_id,
            is_active=True,
            product__status=Product.Status.LIVE,
            product__vendor__status=Vendor.Status.APPROVED,
        )
        .first()
        if isinstance(variant_id, int) and not isinstance(variant_id, bool)
        else None
    )
    if variant is None:
        raise ValidationFailed(
            errors={"variant_id": [_("This product variant is not for sale.")]}
        )
    return variant


def _check_available(variant: Variant, quantity: int) -> None:
    if quantity > variant.stock_available:
        raise ValidationFailed(
            errors={
                "quantity": [
                    _("Only %(n)s left.") % {"n": max(variant.stock_available, 0)}
                ]
            }
        )


@transaction.atomic
def get_or_create_cart(*, user=None, session_key: str | None = None) -> Cart:
    """Return the user's cart, or the session's when ``user`` is None; create it once.

    Concurrent first calls create one cart: the loser of the unique index reads the
    winner's row.
    """
    lookup = {"user": user} if user is not None else {"session_key": session_key}
    if not (user is not None or session_key):
        raise ValueError("a cart needs a user or a session key")
    cart = Cart.objects.filter(**lookup).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(**lookup)
    except IntegrityError:
        return Cart.objects.get(**lookup)


@transaction.atomic
def add_cart_line(*, cart: Cart, variant_id: int, quantity: int) -> CartLine:
    """Add ``quantity`` of a sellable variant, on top of any line already there.

    Raise ``ValidationFailed`` on ``variant_id`` or ``quantity`` when the variant is
    not for sale, the total leaves 1..MAX_LINE_QUANTITY or exceeds the stock.
    """
    _check_quantity(quantity)
    variant = _sellable_variant(variant_id)
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    line = CartLine.objects.filter(cart=cart, variant=variant).first()
    total = quantity + (line.quantity if line else 0)
    _check_quantity(total)
    _check_available(variant, total)
    if line is None:
        if cart.lines.count() >= MAX_CART_LINES:
            raise ValidationFailed(errors={"variant_id": [_("The cart is full.")]})
        line = CartLine.objects.create(cart=cart, variant=variant, quantity=total)
    else:
        line.quantity = total
        line.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


@transaction.atomic
def update_cart_line(*, cart: Cart, line_id: int, quantity: int) -> CartLine:
    """Set a line's quantity; raise ``NotFound`` for a line of another cart."""
    _check_quantity(quantity)
    line = CartLine.objects.select_related("variant").filter(pk=line_id, cart=cart)
    line = line.select_for_update(of=("self",)).first()
    if line is None:
        raise NotFound()
    _check_available(line.variant, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def remove_cart_line(*, cart: Cart, line_id: int) -> None:
    """Remove a line; raise ``NotFound`` for a line of another cart."""
    deleted, _counts = CartLine.objects.filter(pk=line_id, cart=cart).delete()
    if not deleted:
        raise NotFound()


@transaction.atomic
def merge_carts(*, session_key: str, user) -> Cart | None:
    """Move the anonymous session cart's lines into the user's cart, then delete it.

    Call after sign-in with the token kept in the session. Quantities of the same
    variant add up, capped at ``MAX_LINE_QUANTITY``. Return the user's cart, or None
    when the session had no cart.
    """
    anonymous = (
        Cart.objects.select_for_update().filter(session_key=session_key).first()
        if session_key
        else None
    )
    if anonymous is None:
        return None
    cart = get_or_create_cart(user=user)
    mine = {line.variant_id: line for line in cart.lines.select_for_update()}
    for line in anonymous.lines.all():
        if line.variant_id in mine:
            CartLine.objects.filter(pk=mine[line.variant_id].pk).update(
                quantity=Least(F("quantity") + line.quantity, MAX_LINE_QUANTITY)
            )
        elif len(mine) < MAX_CART_LINES:
            mine[line.variant_id] = CartLine.objects.create(
                cart=cart, variant_id=line.variant_id, quantity=line.quantity
            )
    anonymous.lines.all().delete()
    anonymous.delete()
    return cart
