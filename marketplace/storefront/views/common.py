"""What every shopper view shares: sign-in, not-found, fragments for htmx."""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import reverse_lazy

from marketplace.common.errors import NotFound

SIGN_IN_URL = reverse_lazy("storefront:sign-in")


def shopper_required(view):
    """Send anonymous visitors to the store's sign-in page, then back."""
    return login_required(view, login_url=SIGN_IN_URL)


@contextmanager
def found():
    """Turn a selector's ``NotFound`` into the 404 page."""
    try:
        yield
    except NotFound:
        raise Http404() from None


def is_fragment(request) -> bool:
    """Return whether htmx asked for a part of the page (not a boosted page load)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request
