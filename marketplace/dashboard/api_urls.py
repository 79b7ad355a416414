"""API routes of this face: the concatenation of each area's urlpatterns."""

from marketplace.dashboard.apis import (
    deposits,
    documents,
    money,
    orders,
    payee,
    products,
    vendor,
)

urlpatterns = [
    *products.urlpatterns,
    *vendor.urlpatterns,
    *orders.urlpatterns,
    *money.urlpatterns,
    *payee.urlpatterns,
    *deposits.urlpatterns,
    *documents.urlpatterns,
]
