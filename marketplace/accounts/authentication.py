"""API token authentication: DRF's ``Authorization: Token <key>``, read in one join.

Every token-authenticated request reads its token and user. DRF reads them with
``select_related("user").get(key=...)``, which compiles the query on every request;
here the same join is written once. Answers and messages are DRF's.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from marketplace.common.db import from_joined_row, select_list


@cache
def _token_sql() -> str:
    token = connection.ops.quote_name(Token._meta.db_table)
    user = connection.ops.quote_name(get_user_model()._meta.db_table)
    return (
        f"SELECT {select_list(Token, get_user_model())} FROM {token}"  # noqa: S608
        f' INNER JOIN {user} ON ({token}."user_id" = {user}."id")'
        f' WHERE {token}."key" = %s'
    )


class TokenAuth(TokenAuthentication):
    def authenticate_credentials(self, key):
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = from_joined_row(row, Token, get_user_model())
        Token.user.field.set_cached_value(token, user)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
