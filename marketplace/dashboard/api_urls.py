"""API routes of this face: the concatenation of each area's urlpatterns."""

from marketplace.dashboard.apis import orders, products, vendor

urlpatterns = [
    *products.urlpatterns,
    *vendor.urlpatterns,
    *orders.urlpatterns,
]
