"""Checkout: choose or add an address, review each shop's parcel, pay at the provider.

The order is placed from the server-side cart with an idempotency key made for the
page, so a double click or a resubmitted page returns the same order. The shopper
then goes to the provider's hosted payment page; coming back proves nothing, the
result page waits for the payment status the provider reports.
"""

from __future__ import annotations

import secrets

from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from marketplace.common.errors import DomainError, ValidationFailed
from marketplace.common.web import add_domain_errors
from marketplace.storefront.carts import cart_for
from marketplace.storefront.forms import AddressForm, CheckoutForm
from marketplace.storefront.views.cart import cart_context
from marketplace.storefront.views.common import shopper_required
from orders.selectors import list_addresses
from orders.services.addresses import create_address
from orders.services.checkout import place_order

ADDRESS_PREFIX = "address"


def _render(request, *, form, address_form, status=200):
    context = {
        "form": form,
        "address_form": address_form,
        "addresses": list(list_addresses(user=request.user)),
        "cart": cart_context(cart_for(request)),
    }
    return render(request, "storefront/checkout.html", context, status=status)


def _new_checkout_form(request, address_id=None) -> CheckoutForm:
    if address_id is None:
        default = list_addresses(user=request.user).first()
        address_id = default.pk if default else None
    return CheckoutForm(
        initial={"address_id": address_id, "idempotency_key": secrets.token_urlsafe(24)}
    )


def _add_address(request):
    address_form = AddressForm(request.POST, prefix=ADDRESS_PREFIX)
    if address_form.is_valid():
        try:
            address = create_address(
                user=request.user,
                fields=address_form.address_fields(),
                is_default=address_form.cleaned_data.get("is_default", False),
            )
        except ValidationFailed as error:
            add_domain_errors(address_form, error)
        else:
            return redirect(f"{request.path}?address={address.pk}")
    return _render(
        request,
        form=_new_checkout_form(request),
        address_form=address_form,
        status=400,
    )


def _place(request):
    form = CheckoutForm(request.POST)
    if form.is_valid():
        try:
            order = place_order(
                shopper=request.user,
                address_id=form.cleaned_data["address_id"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            if order.payment_url:
                return HttpResponseRedirect(order.payment_url)
            return redirect("storefront:order-result", number=order.number)
    return _render(
        request,
        form=form,
        address_form=AddressForm(prefix=ADDRESS_PREFIX),
        status=400,
    )


@shopper_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    if request.method == "POST":
        if request.POST.get("action") == "add_address":
            return _add_address(request)
        return _place(request)
    chosen = request.GET.get("address", "")
    return _render(
        request,
        form=_new_checkout_form(request, int(chosen) if chosen.isdigit() else None),
        address_form=AddressForm(prefix=ADDRESS_PREFIX),
    )
