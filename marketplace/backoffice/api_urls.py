"""API routes of this face: the concatenation of each area's urlpatterns."""

from marketplace.backoffice.apis import (
    catalog,
    finance,
    orders,
    rules,
    vendors,
    withdrawals,
)

urlpatterns = [
    *catalog.urlpatterns,
    *vendors.urlpatterns,
    *rules.urlpatterns,
    *orders.urlpatterns,
    *withdrawals.urlpatterns,
    *finance.urlpatterns,
]
