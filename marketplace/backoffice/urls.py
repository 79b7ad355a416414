"""Operator back-office web pages, under /backoffice/.

Who may open each page or use each action is declared in ``access.ACCESS``, by the
names below; the permissions matrix test walks these routes against it.
"""

from django.urls import path

from marketplace.backoffice.views import (
    home,
    ledger,
    listings,
    orders,
    payouts,
    reconciliation,
    reports,
    rules,
    vendors,
)

app_name = "backoffice"

VENDOR = "vendors/<int:vendor_id>/"
LISTING = "listings/<int:product_id>/"
REVISION = "revisions/<int:revision_id>/"
PAYOUT = "payouts/<int:withdrawal_id>/"
urlpatterns = [
    path("", home.home, name="home"),
    # vendors
    path("vendors/", vendors.vendor_list, name="vendors"),
    path(VENDOR, vendors.vendor_detail, name="vendor"),
    path(VENDOR + "licence/", vendors.vendor_licence, name="vendor-licence"),
    path(VENDOR + "approve/", vendors.vendor_approve, name="vendor-approve"),
    path(VENDOR + "reject/", vendors.vendor_reject, name="vendor-reject"),
    path(VENDOR + "suspend/", vendors.vendor_suspend, name="vendor-suspend"),
    path(VENDOR + "reinstate/", vendors.vendor_reinstate, name="vendor-reinstate"),
    path(VENDOR + "close/", vendors.vendor_close, name="vendor-close"),
    path(VENDOR + "terms/", vendors.vendor_terms, name="vendor-terms"),
    # listings
    path("listings/", listings.listing_list, name="listings"),
    path(LISTING, listings.listing_detail, name="listing"),
    path(LISTING + "approve/", listings.listing_approve, name="listing-approve"),
    path(LISTING + "reject/", listings.listing_reject, name="listing-reject"),
    path(REVISION + "approve/", listings.revision_approve, name="revision-approve"),
    path(REVISION + "reject/", listings.revision_reject, name="revision-reject"),
    path(
        "variants/<int:variant_id>/retail-price/",
        listings.variant_retail_price,
        name="variant-retail-price",
    ),
    # rules
    path("rules/", rules.rules_page, name="rules"),
    path("rules/change/", rules.rules_change, name="rules-change"),
    path(
        "rules/categories/<int:category_id>/commission/",
        rules.category_commission,
        name="category-commission",
    ),
    # orders and after-sales
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:number>/", orders.order_detail, name="order"),
    path(
        "refund-requests/<int:request_id>/decide/",
        orders.refund_decide,
        name="refund-decide",
    ),
    # money
    path("payouts/", payouts.payout_list, name="payouts"),
    path(PAYOUT + "approve/", payouts.payout_approve, name="payout-approve"),
    path(PAYOUT + "hold/", payouts.payout_hold, name="payout-hold"),
    path(PAYOUT + "reject/", payouts.payout_reject, name="payout-reject"),
    path("reconciliation/", reconciliation.reconciliation_list, name="reconciliation"),
    path(
        "reconciliation/<int:item_id>/resolve/",
        reconciliation.reconciliation_resolve,
        name="reconciliation-resolve",
    ),
    path("ledger/", ledger.ledger, name="ledger"),
    path("reports/", reports.reports, name="reports"),
    path("reports/export.csv", reports.reports_csv, name="reports-csv"),
]
