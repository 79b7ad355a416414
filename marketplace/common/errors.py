"""Domain errors and their RFC 9457 problem-details rendering.

Services raise the ``DomainError`` subclasses; the API layer's exception handler turns
them (and DRF's own errors) into ``application/problem+json`` with an ``errors`` object
of per-field messages, so a client always learns which field was wrong and why.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was written."""

    status_code = status.HTTP_400_BAD_REQUEST
    title = _("The request was refused.")
    code = "refused"

    def __init__(self, detail=None, *, errors: dict | None = None, code: str = ""):
        self.detail = str(detail) if detail is not None else str(self.title)
        self.errors = errors or {}
        if code:
            self.code = code
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    """Input broke a rule; ``errors`` maps each field to its messages."""

    title = _("The input is not valid.")
    code = "invalid"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    title = _("Not found.")
    code = "not_found"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    title = _("You may not do this.")
    code = "forbidden"


class Conflict(DomainError):
    """The request is valid but the current state does not allow it."""

    status_code = status.HTTP_409_CONFLICT
    title = _("The request conflicts with the current state.")
    code = "conflict"


class InvalidTransition(Conflict):
    title = _("This status change is not allowed.")
    code = "invalid_transition"

    def __init__(self, *, kind: str, current: str, target: str):
        super().__init__(
            _("A %(kind)s in status “%(current)s” cannot move to “%(target)s”.")
            % {"kind": kind, "current": current, "target": target},
        )


class IdempotencyKeyReused(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = _("This Idempotency-Key was used with a different request.")
    code = "idempotency_key_reused"


def field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF/Django error detail into ``{"field": [message, ...]}``.

    Nested fields are joined with dots and list items with ``[index]``
    (``variants[1].sku``); errors not tied to a field go under ``non_field_errors``.
    """
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if prefix and str(key).isdigit():  # DRF keys list-item errors by index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.update(field_errors(value, name))
    elif isinstance(detail, list) and any(isinstance(i, dict | list) for i in detail):
        for index, item in enumerate(detail):
            if item:
                out.update(field_errors(item, f"{prefix}[{index}]"))
    else:
        messages = detail if isinstance(detail, list) else [detail]
        out.setdefault(prefix or "non_field_errors", []).extend(map(str, messages))
    return out


def problem_response(
    *,
    status_code: int,
    title: str,
    detail: str,
    code: str,
    errors: dict | None = None,
    headers=None,
) -> Response:
    body = {
        "type": f"about:blank#{code}",
        "title": str(title),
        "status": status_code,
        "detail": str(detail),
        "code": code,
        "errors": errors or {},
    }
    return Response(
        body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE
    )


def problem_exception_handler(exc, context):
    """Render every API error as problem details; unknown errors stay 500s."""
    if isinstance(exc, DomainError):
        return problem_response(
            status_code=exc.status_code,
            title=exc.title,
            detail=exc.detail,
            code=exc.code,
            errors=exc.errors,
        )
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        fields = ", ".join(sorted(errors))
        detail = _("Check these fields: %(fields)s.") % {"fields": fields}
        return problem_response(
            status_code=400,
            title=ValidationFailed.title,
            detail=detail,
            code="invalid",
            errors=errors,
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    return problem_response(
        status_code=response.status_code,
        title=str(detail),
        detail=str(detail),
        code=code if isinstance(code, str) else "error",
        headers={
            k: v
            for k, v in response.items()
            if k in ("WWW-Authenticate", "Retry-After", "Allow")
        },
    )
