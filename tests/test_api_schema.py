"""The OpenAPI schema documents every API without a drf-spectacular warning.

``manage.py check --deploy`` reports drf-spectacular's warnings (unguessable
serializers, operationId or enum-name collisions) as system-check warnings, which
fail the production check; this catches them in the ordinary test run, naming each.
"""

import pytest
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


@pytest.fixture
def generator_stats():
    """drf-spectacular's warning and error caches, empty before and after."""
    GENERATOR_STATS.reset()
    yield GENERATOR_STATS
    GENERATOR_STATS.reset()


def test_schema_generates_without_warnings_or_errors(generator_stats):
    with generator_stats.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)

    problems = [*generator_stats._warn_cache, *generator_stats._error_cache]
    assert not problems, "\n".join(problems)
    validate_schema(schema)  # a valid OpenAPI 3 document


def test_operation_ids_are_unique(generator_stats):
    with generator_stats.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)

    ids = [
        operation["operationId"]
        for methods in schema["paths"].values()
        for method, operation in methods.items()
        if method != "parameters"
    ]
    assert len(ids) == len(set(ids))
    assert {"store_orders_list", "store_orders_retrieve"} <= set(ids)


@pytest.mark.django_db
def test_schema_is_served(api):
    response = api.get(reverse("api-schema"), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "/api/store/orders/{number}/" in response.json()["paths"]


@pytest.mark.django_db
def test_docs_are_served_from_local_assets(client):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar" in html  # the bundled Swagger UI, no CDN
    assert "cdn.jsdelivr.net" not in html
