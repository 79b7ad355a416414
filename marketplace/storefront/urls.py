"""Shopper web pages."""

from django.urls import path

from marketplace.storefront.views import account, cart, catalog, checkout, orders

app_name = "storefront"

PART = "orders/<str:number>/parts/<int:vendor_order_id>/"
urlpatterns = [
    path("", catalog.home, name="home"),
    path("search/", catalog.search, name="search"),
    path("products/<int:product_id>/", catalog.product, name="product"),
    path("shops/<slug:slug>/", catalog.vendor, name="vendor"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.add_to_cart, name="cart-add"),
    path("cart/lines/<int:line_id>/", cart.update_line, name="cart-line"),
    path("cart/lines/<int:line_id>/remove/", cart.remove_line, name="cart-line-remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:number>/", orders.order_detail, name="order"),
    path("orders/<str:number>/result/", orders.order_result, name="order-result"),
    path(PART + "confirm/", orders.confirm, name="order-confirm"),
    path(PART + "cancel/", orders.cancel, name="order-cancel"),
    path(PART + "refund/", orders.refund, name="order-refund"),
    path("account/", account.account, name="account"),
    path("account/sign-up/", account.sign_up, name="sign-up"),
    path("account/sign-in/", account.SignInView.as_view(), name="sign-in"),
    path("account/sign-out/", account.SignOutView.as_view(), name="sign-out"),
    path("account/language/", account.switch_language, name="language"),
    path(
        "account/password-reset/",
        account.PASSWORD_RESET["reset"],
        name="password-reset",
    ),
    path(
        "account/password-reset/sent/",
        account.PASSWORD_RESET["sent"],
        name="password-reset-sent",
    ),
    path(
        "account/password-reset/<uidb64>/<token>/",
        account.PASSWORD_RESET["confirm"],
        name="password-reset-confirm",
    ),
    path(
        "account/password-reset/done/",
        account.PASSWORD_RESET["complete"],
        name="password-reset-complete",
    ),
    path("account/addresses/", account.addresses, name="addresses"),
    path("account/addresses/new/", account.address_form, name="address-new"),
    path(
        "account/addresses/<int:address_id>/",
        account.address_form,
        name="address-edit",
    ),
    path(
        "account/addresses/<int:address_id>/delete/",
        account.address_delete,
        name="address-delete",
    ),
]
