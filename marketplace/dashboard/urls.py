"""Vendor dashboard web pages (独立后台), under /dashboard/."""

from django.urls import path

from marketplace.dashboard.views import (
    application,
    documents,
    home,
    imports,
    money,
    orders,
    products,
    staff,
)

app_name = "dashboard"

PRODUCT = "products/<int:product_id>/"
ORDER = "orders/<int:vendor_order_id>/"
urlpatterns = [
    path("", home.home, name="home"),
    path("apply/", application.apply, name="apply"),
    path("join/", staff.join, name="join"),
    path("application/", application.application, name="application"),
    path("application/submit/", application.submit, name="application-submit"),
    path("application/licence/", application.licence, name="application-licence"),
    path("products/", products.product_list, name="products"),
    path("products/new/", products.product_create, name="product-new"),
    path(PRODUCT, products.product_detail, name="product"),
    path(PRODUCT + "submit/", products.product_submit, name="product-submit"),
    path(PRODUCT + "withdraw/", products.product_withdraw, name="product-withdraw"),
    path(PRODUCT + "pause/", products.product_pause, name="product-pause"),
    path(PRODUCT + "resume/", products.product_resume, name="product-resume"),
    path(PRODUCT + "archive/", products.product_archive, name="product-archive"),
    path(PRODUCT + "variants/", products.variant_create, name="variant-new"),
    path(
        PRODUCT + "variants/<int:variant_id>/",
        products.variant_update,
        name="variant",
    ),
    path(PRODUCT + "images/", products.image_create, name="image-new"),
    path(
        PRODUCT + "images/<int:image_id>/delete/",
        products.image_delete,
        name="image-delete",
    ),
    path("orders/", orders.order_list, name="orders"),
    path("orders/ship/", orders.order_ship_bulk, name="orders-ship"),
    path(ORDER, orders.order_detail, name="order"),
    path(ORDER + "accept/", orders.order_accept, name="order-accept"),
    path(ORDER + "refuse/", orders.order_refuse, name="order-refuse"),
    path(ORDER + "ship/", orders.order_ship, name="order-ship"),
    path("refunds/", orders.refund_list, name="refunds"),
    path(
        "refunds/<int:request_id>/accept/", orders.refund_accept, name="refund-accept"
    ),
    path(
        "refunds/<int:request_id>/refuse/", orders.refund_refuse, name="refund-refuse"
    ),
    path("money/", money.money, name="money"),
    path("money/payee/", money.payee_onboarding, name="payee-onboarding"),
    path("money/withdrawals/", money.withdrawals, name="withdrawals"),
    path(
        "money/withdrawals/<int:withdrawal_id>/",
        money.withdrawal_detail,
        name="withdrawal",
    ),
    path("money/statement/", money.statement, name="statement"),
    path("products/import/", imports.product_import, name="product-import"),
    path(
        "products/import/<int:import_id>/",
        imports.product_import_status,
        name="product-import-status",
    ),
    path("products/export/", imports.product_export, name="product-export"),
    path(ORDER + "packing-slip/", documents.packing_slip, name="packing-slip"),
    path("orders/packing-slips/", documents.packing_slips, name="packing-slips"),
    path("money/statement/pdf/", documents.statement_pdf_view, name="statement-pdf"),
    path("money/statement/csv/", documents.statement_csv_view, name="statement-csv"),
    path("staff/", staff.staff, name="staff"),
    path("staff/<int:member_id>/role/", staff.member_role, name="member-role"),
    path("staff/<int:member_id>/remove/", staff.member_remove, name="member-remove"),
    path(
        "staff/invitations/<int:invitation_id>/revoke/",
        staff.invitation_revoke,
        name="invitation-revoke",
    ),
]
