"""Signing up, getting a token and editing one's own profile through /api/store/."""

import pytest
from django.urls import reverse

from marketplace.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "a long enough pass phrase"


def _sign_up(api, **overrides):
    body = {
        "email": "new@example.test",
        "password": GOOD_PASSWORD,
        "display_name": "Li Na",
        "preferred_language": "en",
        **overrides,
    }
    return api.post(reverse("store-signup"), body, format="json")


def test_signing_up_returns_a_working_token(api):
    # when a visitor signs up with a mixed-case address
    response = _sign_up(api, email="New@Example.TEST", preferred_language="zh-hans")
    # then the account exists with the address in lower case, and its token signs in
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "new@example.test"
    user = User.objects.get()
    assert (user.email, user.display_name, user.preferred_language) == (
        "new@example.test",
        "Li Na",
        "zh-hans",
    )
    assert user.check_password(GOOD_PASSWORD)
    assert not user.operator_role
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get(reverse("store-me")).json()["email"] == "new@example.test"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": "new@example.test"}, "password"),
        ({"password": "x" * 10_240}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "x" * 10_240 + "@example.test"}, "email"),
        ({"display_name": "x" * 10_240}, "display_name"),
        ({"preferred_language": "klingon"}, "preferred_language"),
    ],
)
def test_bad_sign_up_input_is_named_and_no_account_is_made(api, overrides, field):
    response = _sign_up(api, **overrides)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert User.objects.count() == 0


def test_an_address_signs_up_once_whatever_its_case(api):
    factories.UserFactory(email="new@example.test")
    response = _sign_up(api, email="NEW@example.test")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    assert User.objects.count() == 1


def test_the_right_password_gets_the_token(api):
    user = factories.UserFactory(email="buyer@example.test")
    response = api.post(
        reverse("store-token"),
        {"email": "Buyer@example.test", "password": factories.PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["token"] == user.auth_token.key


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "inactive"])
def test_a_failed_sign_in_does_not_say_which_part_was_wrong(api, case):
    factories.UserFactory(email="buyer@example.test", is_active=case != "inactive")
    email = "nobody@example.test" if case == "unknown email" else "buyer@example.test"
    password = "not it" if case == "wrong password" else factories.PASSWORD
    response = api.post(
        reverse("store-token"), {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["The email or the password is wrong."]
    }


def test_the_user_edits_their_own_profile_but_not_their_email(client_for):
    user = factories.UserFactory(email="me@example.test")
    response = client_for(user).patch(
        reverse("store-me"),
        {
            "display_name": "Zhang Wei",
            "phone": "+86 138 0000 0000",
            "preferred_language": "zh-hans",
            "email": "other@example.test",
        },
        format="json",
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.display_name, user.phone, user.preferred_language) == (
        "me@example.test",
        "Zhang Wei",
        "+86 138 0000 0000",
        "zh-hans",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "call me maybe"}, "phone"),
        ({"display_name": "x" * 10_240}, "display_name"),
        ({"preferred_language": "fr"}, "preferred_language"),
    ],
)
def test_bad_profile_input_is_named_and_nothing_changes(client_for, body, field):
    user = factories.UserFactory(display_name="Before", phone="")
    response = client_for(user).patch(reverse("store-me"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    user.refresh_from_db()
    assert (user.display_name, user.phone, user.preferred_language) == (
        "Before",
        "",
        "en",
    )


def test_the_profile_needs_a_signed_in_user(api):
    assert api.get(reverse("store-me")).status_code == 403
