"""API routes of this face: the concatenation of each area's urlpatterns."""

from marketplace.storefront.apis import accounts, catalog, orders

urlpatterns = [
    *catalog.urlpatterns,
    *accounts.urlpatterns,
    *orders.urlpatterns,
]
