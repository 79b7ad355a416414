"""Signing up, signing in for an API token, and editing one's own profile."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from marketplace.accounts.models import User
from marketplace.common.errors import ValidationFailed

PROFILE_FIELDS = ("display_name", "phone", "preferred_language")


def _validate(user: User, names) -> None:
    exclude = [f.name for f in User._meta.fields if f.name not in set(names)]
    try:
        user.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from error


@transaction.atomic
def sign_up(
    *,
    email: str,
    password: str,
    display_name: str = "",
    preferred_language: str = settings.LANGUAGE_CODE,
) -> User:
    """Create a shopper account; the password must pass Django's validators.

    The address is kept in lower case and must be new (400 on ``email``).
    """
    email = User.objects.normalize_email((email or "").strip()).lower()
    user = User(
        email=email, display_name=display_name, preferred_language=preferred_language
    )
    _validate(user, ["email", "display_name", "preferred_language"])
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationFailed(errors={"password": error.messages}) from error
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(
            errors={"email": [_("An account with this email address exists.")]}
        )
    user.set_password(password)
    user.save()
    return user


def issue_token(*, user: User) -> Token:
    """Return the user's API token, creating it on first use."""
    token, _created = Token.objects.get_or_create(user=user)
    return token


def obtain_token(*, email: str, password: str) -> Token:
    """Return the API token of the account with these credentials.

    A wrong address, a wrong password and an inactive account all get the same 400,
    so the answer does not tell which one was wrong.
    """
    user = authenticate(
        None, username=(email or "").strip().lower(), password=password or ""
    )
    if user is None:
        raise ValidationFailed(
            errors={"non_field_errors": [_("The email or the password is wrong.")]}
        )
    return issue_token(user=user)


@transaction.atomic
def update_profile(*, user: User, data: dict) -> User:
    """Change the user's own display name, phone or preferred language."""
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationFailed(
            errors={name: [_("This field cannot be set here.")] for name in unknown}
        )
    for name, value in data.items():
        setattr(user, name, value)
    _validate(user, data)
    if data:
        user.save(update_fields=list(data))
    return user
