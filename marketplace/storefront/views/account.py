"""The shopper's account: sign up, sign in and out, password reset, profile and
language, and the address book."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from marketplace.accounts.services import sign_up as sign_up_service
from marketplace.accounts.services import update_profile
from marketplace.common.errors import NotFound, ValidationFailed
from marketplace.common.web import add_domain_errors
from marketplace.storefront.carts import merge_session_cart
from marketplace.storefront.forms import (
    AddressForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from marketplace.storefront.views.common import found, shopper_required
from orders.selectors import get_address, list_addresses
from orders.services import addresses as address_services
from vendors.selectors import get_membership

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _remember_language(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Open a shopper account in the page's language and sign in with it."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_up_service(
                **form.cleaned_data, preferred_language=get_language() or "zh-hans"
            )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        else:
            login(request, user, backend=BACKEND)
            merge_session_cart(request)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect(_safe_next(request, reverse_lazy("storefront:home")))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": _safe_next(request, "")}
    return render(request, "storefront/account/sign_up.html", context, status=status)


class SignInView(auth_views.LoginView):
    """Django's sign-in; then the anonymous cart joins the shopper's, and the
    shopper's saved language applies."""

    template_name = "storefront/account/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("storefront:home")

    def get_default_redirect_url(self):
        """Send a vendor's owner or staff to the dashboard, a shopper to the store."""
        if get_membership(user=self.request.user) is not None:
            return resolve_url("dashboard:home")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        merge_session_cart(self.request)
        return _remember_language(response, self.request.user.preferred_language)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("storefront:home")


PASSWORD_RESET = {
    "reset": auth_views.PasswordResetView.as_view(
        template_name="storefront/account/password_reset.html",
        email_template_name="storefront/account/password_reset_email.txt",
        subject_template_name="storefront/account/password_reset_subject.txt",
        success_url=reverse_lazy("storefront:password-reset-sent"),
    ),
    "sent": auth_views.PasswordResetDoneView.as_view(
        template_name="storefront/account/password_reset_sent.html"
    ),
    "confirm": auth_views.PasswordResetConfirmView.as_view(
        template_name="storefront/account/password_reset_confirm.html",
        success_url=reverse_lazy("storefront:password-reset-complete"),
    ),
    "complete": auth_views.PasswordResetCompleteView.as_view(
        template_name="storefront/account/password_reset_complete.html"
    ),
}


@require_POST
def switch_language(request):
    """Django's ``set_language`` (a cookie), also saved on a signed-in account."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        update_profile(user=request.user, data={"preferred_language": language})
    return response


@shopper_required
@require_http_methods(["GET", "POST"])
def account(request):
    """The shopper's profile and language, with links to orders and addresses."""
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "preferred_language": user.preferred_language,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(user=user, data=form.cleaned_data)
        except ValidationFailed as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Your details are saved."))
            response = redirect("storefront:account")
            return _remember_language(response, user.preferred_language)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "storefront/account/account.html", {"form": form}, status=status
    )


@shopper_required
def addresses(request):
    return render(
        request,
        "storefront/account/addresses.html",
        {"addresses": list_addresses(user=request.user)},
    )


@shopper_required
@require_http_methods(["GET", "POST"])
def address_form(request, address_id: int | None = None):
    """Add an address, or change one; the service checks and saves it."""
    instance = None
    if address_id is not None:
        with found():
            instance = get_address(user=request.user, address_id=address_id)
    form = AddressForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                address_services.create_address(
                    user=request.user,
                    fields=form.address_fields(),
                    is_default=form.cleaned_data["is_default"],
                )
            else:
                address_services.update_address(
                    user=request.user,
                    address_id=instance.pk,
                    fields=form.address_fields(),
                    is_default=form.cleaned_data["is_default"] or None,
                )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("The address is saved."))
            return redirect(_safe_next(request, reverse_lazy("storefront:addresses")))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "storefront/account/address_form.html",
        {"form": form, "address": instance},
        status=status,
    )


@shopper_required
@require_POST
def address_delete(request, address_id: int):
    try:
        address_services.delete_address(user=request.user, address_id=address_id)
    except NotFound:
        pass  # already gone
    else:
        messages.success(request, _("The address is deleted."))
    return redirect("storefront:addresses")
