"""What every back-office view shares: the role check, errors, fragments."""

from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from marketplace.backoffice import access
from marketplace.common.errors import NotFound


def operator_view(name: str):
    """Admit only operators whose role ``access.ACCESS[name]`` allows.

    Anonymous visitors go to the sign-in page and come back; any other signed-in
    user (another operator role, vendor staff, a shopper) gets 403 before the view
    runs, so a forbidden request changes nothing. Actions accept POST only, pages
    GET only.
    """
    if name not in access.ACCESS:
        raise LookupError(f"{name!r} is not in backoffice.access.ACCESS")
    method = require_POST if access.is_action(name) else require_GET

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(
                    request.get_full_path(), reverse("storefront:sign-in")
                )
            if not access.may(request.user, name):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.backoffice_access = name
        return method(wrapper)

    return decorate


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


def done(request, message: str, to: str, *args):
    """Say what was done and go back to the page ``to`` (a back-office URL name)."""
    messages.success(request, message)
    return redirect(f"backoffice:{to}", *args)
