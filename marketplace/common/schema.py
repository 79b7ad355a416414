"""OpenAPI documentation helpers shared by the three API faces.

Every API error is rendered by ``errors.problem_exception_handler`` as RFC 9457
problem details; ``problem()`` documents such a response for ``@extend_schema``.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from marketplace.common.errors import PROBLEM_CONTENT_TYPE


class ProblemOut(serializers.Serializer):
    """The body of every error response (``application/problem+json``)."""

    type = serializers.CharField(help_text="``about:blank#<code>``.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Machine-readable reason, e.g. invalid.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field (``variants[1].sku``); ``non_field_errors`` "
        "for the rest.",
    )


def problem(status: int, description: str) -> dict:
    """``{(status, problem+json): response}`` to merge into ``responses=``."""
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ProblemOut, description=description
        )
    }
