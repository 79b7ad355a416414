"""Whose cart a web request uses: the shopper's, or the anonymous session's.

The anonymous cart's token sits in the session data under the same key the store
API uses, so a cart started through either follows the visitor to the other, and is
merged into the shopper's cart when they sign in (``merge_session_cart``).
"""

from __future__ import annotations

from marketplace.storefront.apis.orders import CART_SESSION_KEY
from orders import selectors
from orders.models import Cart
from orders.services import cart as cart_services


def merge_session_cart(request) -> None:
    """Move the session's anonymous cart into the signed-in shopper's cart."""
    token = request.session.pop(CART_SESSION_KEY, None)
    if token and request.user.is_authenticated:
        cart_services.merge_carts(session_key=token, user=request.user)


def cart_for(request, *, create: bool = False) -> Cart | None:
    """Return the request's cart; with ``create``, make it (and the session token)."""
    if request.user.is_authenticated:
        if CART_SESSION_KEY in request.session:
            merge_session_cart(request)
        if create:
            return cart_services.get_or_create_cart(user=request.user)
        return selectors.get_cart(user=request.user)
    token = request.session.get(CART_SESSION_KEY)
    if not token:
        if not create:
            return None
        token = cart_services.new_session_cart_token()
        request.session[CART_SESSION_KEY] = token
    if create:
        return cart_services.get_or_create_cart(session_key=token)
    return selectors.get_cart(session_key=token)


def count_items(request) -> int:
    """Return the number of units in the request's cart, in one query at most."""
    return selectors.count_cart_items(
        user=request.user, session_key=request.session.get(CART_SESSION_KEY)
    )
