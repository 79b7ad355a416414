"""API routes of this face."""

urlpatterns = []
