"""What every dashboard view shares: the vendor scope, errors, redirects.

The vendor is resolved once per request from the signed-in user's membership (never
from a client-sent id) and lands on ``request.vendor`` and ``request.membership``;
every selector and service gets ``vendor=request.vendor``, so another vendor's object
is simply not found (404).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from marketplace.common.errors import DomainError, NotFound, ValidationFailed
from vendors.models import Vendor
from vendors.selectors import get_membership

SIGN_IN_URL = reverse_lazy("storefront:sign-in")


def vendor_page(*, methods=("GET",), owner: bool = False, approved: bool = True):
    """Decorate a dashboard view: signed in, a member of a vendor, and scoped to it.

    Anonymous visitors go to the store's sign-in and come back; a user without a
    vendor goes to "become a vendor"; a vendor not approved yet goes to its
    application (``approved=False`` opens the page anyway). ``owner`` pages answer
    403 to staff. A selector's ``NotFound`` becomes the 404 page. ``methods`` is
    kept on the view for the isolation matrix.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), SIGN_IN_URL)
            membership = get_membership(user=request.user)
            if membership is None:
                return redirect("dashboard:apply")
            request.membership, request.vendor = membership, membership.vendor
            if approved and membership.vendor.status != Vendor.Status.APPROVED:
                return redirect("dashboard:application")
            if owner and not membership.is_owner:
                raise PermissionDenied
            with found():
                return view(request, *args, **kwargs)

        wrapper.dashboard_methods = tuple(m.lower() for m in methods)
        return require_http_methods(list(methods))(wrapper)

    return decorate


def signed_in_page(*, methods=("GET",)):
    """Decorate a page for a signed-in user who may belong to no shop yet (apply,
    join): anonymous visitors go to the store's sign-in and come back."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), SIGN_IN_URL)
            with found():
                return view(request, *args, **kwargs)

        wrapper.dashboard_methods = tuple(m.lower() for m in methods)
        return require_http_methods(list(methods))(wrapper)

    return decorate


@contextmanager
def found():
    """Turn a selector's ``NotFound`` into the 404 page."""
    try:
        yield
    except NotFound:
        raise Http404() from None


def back(request, default: str):
    """Redirect to the page the form came from (``next``), else to ``default``."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def act(request, action, *, success: str, default: str, labels=None):
    """Run one service call for a button; show its refusal as a message.

    A refusal that names fields says which, by their label in ``labels`` (a
    function of the field name). Return the redirect back to the page (``next``)
    either way: a button changes a state, and the page shows the new one.
    """
    try:
        action()
    except NotFound:
        raise Http404() from None
    except ValidationFailed as error:
        texts = [
            f"{labels(name)}: {text}" if labels else str(text)
            for name, value in error.errors.items()
            for text in (value if isinstance(value, list) else [value])
        ]
        messages.error(request, " ".join(texts) or error.detail)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, success)
    return back(request, default)
