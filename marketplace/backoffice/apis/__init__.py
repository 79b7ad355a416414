"""The API views of this face, one module per area, each with its urlpatterns."""
