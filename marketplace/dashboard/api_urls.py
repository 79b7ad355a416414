"""API routes of this face: the concatenation of each area's urlpatterns."""

from marketplace.dashboard.apis import money, orders, products, vendor

urlpatterns = [
    *products.urlpatterns,
    *vendor.urlpatterns,
    *orders.urlpatterns,
    *money.urlpatterns,
]
