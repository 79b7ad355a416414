"""API routes of this face: the concatenation of each area's urlpatterns."""

from marketplace.backoffice.apis import catalog, orders, rules, vendors

urlpatterns = [
    *catalog.urlpatterns,
    *vendors.urlpatterns,
    *rules.urlpatterns,
    *orders.urlpatterns,
]
