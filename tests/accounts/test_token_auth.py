"""API tokens: the token's user is signed in; a wrong key or an inactive user is
refused with DRF's message (403, as session authentication comes first)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_token_signs_its_user_in_with_one_read(api):
    user = factories.UserFactory(display_name="Li Na")
    token = Token.objects.create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    with CaptureQueriesContext(connection) as captured:
        response = api.get(reverse("store-me"))

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    token_reads = [q for q in captured if "authtoken_token" in q["sql"]]
    assert len(token_reads) == 1
    assert "accounts_user" in token_reads[0]["sql"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_wrong_key_or_an_inactive_user_is_refused(api, language):
    user = factories.UserFactory(is_active=False)
    token = Token.objects.create(user=user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}

    inactive = api.get(
        reverse("store-me"), HTTP_AUTHORIZATION=f"Token {token.key}", **headers
    )
    wrong = api.get(reverse("store-me"), HTTP_AUTHORIZATION="Token nope", **headers)

    assert (inactive.status_code, wrong.status_code) == (403, 403)
    english = {"en": True, "zh-hans": False}[language]
    assert ("User inactive or deleted." in inactive.text) is english
    assert ("Invalid token." in wrong.text) is english
