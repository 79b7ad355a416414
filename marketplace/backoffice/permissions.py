"""Operator roles with least privilege: each ops view names the roles it admits."""

from rest_framework.permissions import BasePermission

from marketplace.accounts.models import User

Role = User.OperatorRole


def operator_with(*roles: str) -> type[BasePermission]:
    """Return a permission admitting active operators in ``roles`` (admins always).

    A signed-in user who is not an operator gets 403; an operator of another role too.
    """

    class HasOperatorRole(BasePermission):
        message = "This needs one of the operator roles: " + ", ".join(
            roles or ["admin"]
        )

        def has_permission(self, request, view):
            user = request.user
            return bool(
                user and user.is_authenticated and user.has_operator_role(*roles)
            )

    HasOperatorRole.__name__ = f"OperatorWith{''.join(r.title() for r in roles)}"
    return HasOperatorRole


ANY_OPERATOR = operator_with(Role.REVIEWER, Role.FINANCE, Role.SUPPORT)
REVIEWERS = operator_with(Role.REVIEWER)
FINANCE = operator_with(Role.FINANCE)
