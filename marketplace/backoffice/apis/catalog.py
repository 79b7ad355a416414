"""API views (and their routes) for this area."""

urlpatterns = []
