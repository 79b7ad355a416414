"""The account: sign up, sign in and out, password reset by email, profile and
language, and the address book. Bad input shows next to its field, writes nothing."""

import re

import pytest
from django.core import mail

from marketplace.accounts.models import User
from orders.models import Address
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = {
    "recipient": "Han Meimei",
    "phone": "13900000000",
    "province_code": "110000",
    "city_code": "110100",
    "district_code": "110105",
    "detail": "8 Checkout Lane",
}


def test_sign_up_creates_the_account_in_the_pages_language_and_signs_in(chinese):
    response = chinese.post(
        "/account/sign-up/",
        {"email": "Mei@Example.test", "password": "a long enough password 1"},
    )

    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "mei@example.test"
    assert user.preferred_language == "zh-hans"
    assert "_auth_user_id" in chinese.session


def test_sign_up_with_a_weak_password_shows_it_and_keeps_the_email(english):
    response = english.post(
        "/account/sign-up/", {"email": "mei@example.test", "password": "123"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_password-errors"' in page
    assert "This password is too short." in page
    assert 'value="mei@example.test"' in page
    assert not User.objects.exists()


def test_sign_up_with_a_taken_email_says_so_next_to_it(english, shopper):
    response = english.post(
        "/account/sign-up/",
        {"email": shopper.email, "password": "Plum-blossom-2026-xyz"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_email-errors"' in page
    assert "already exists" in page
    assert User.objects.count() == 1


def test_sign_in_with_a_wrong_password_keeps_the_email(english, shopper):
    response = english.post(
        "/account/sign-in/", {"username": shopper.email, "password": "wrong"}
    )

    assert response.status_code == 400
    assert f'value="{shopper.email}"' in response.content.decode()


def test_sign_in_applies_the_accounts_language_and_sign_out_ends_it(english):
    user = factories.UserFactory(preferred_language="zh-hans")

    response = english.post(
        "/account/sign-in/", {"username": user.email, "password": PASSWORD}
    )
    assert response.cookies["django_language"].value == "zh-hans"

    response = english.post("/account/sign-out/")
    assert response.status_code == 302
    assert "_auth_user_id" not in english.session


@pytest.mark.parametrize("client_name", ["english", "chinese"])
def test_the_language_switch_names_each_language_in_itself(request, client_name):
    # A reader of one language must find it by its own name on a page in the other.
    page = request.getfixturevalue(client_name).get("/").content.decode()

    assert re.search(
        r'value="zh-hans" lang="zh-hans"\s+aria-pressed="\w+">简体中文<', page
    )
    assert re.search(r'value="en" lang="en"\s+aria-pressed="\w+">English<', page)


def test_password_reset_by_email(english, shopper):
    response = english.post("/account/password-reset/", {"email": shopper.email})
    assert response["Location"] == "/account/password-reset/sent/"
    link = re.search(
        r"http://testserver(/account/password-reset/\S+/)", mail.outbox[0].body
    )

    page = english.get(link.group(1), follow=True)
    response = english.post(
        page.redirect_chain[-1][0],
        {
            "new_password1": "brand new secret 42",
            "new_password2": "brand new secret 42",
        },
    )

    assert response["Location"] == "/account/password-reset/done/"
    shopper.refresh_from_db()
    assert shopper.check_password("brand new secret 42")


def test_profile_saves_the_language(signed_in, shopper):
    response = signed_in.post(
        "/account/", {"display_name": "Mei", "preferred_language": "zh-hans"}
    )

    assert response.status_code == 302
    shopper.refresh_from_db()
    assert (shopper.display_name, shopper.preferred_language) == ("Mei", "zh-hans")
    assert response.cookies["django_language"].value == "zh-hans"


def test_address_book_create_edit_delete(signed_in, shopper):
    assert signed_in.post("/account/addresses/new/", ADDRESS).status_code == 302
    address = Address.objects.get(user=shopper)
    assert address.is_default

    signed_in.post(
        f"/account/addresses/{address.pk}/", {**ADDRESS, "detail": "9 New Road"}
    )
    address.refresh_from_db()
    assert address.detail == "9 New Road"
    assert "9 New Road" in signed_in.get("/account/addresses/").content.decode()

    signed_in.post(f"/account/addresses/{address.pk}/delete/")
    assert not Address.objects.exists()


def test_a_bad_address_shows_each_error_next_to_its_field(signed_in):
    response = signed_in.post(
        "/account/addresses/new/",
        {**ADDRESS, "phone": "call me", "province_code": "北京!"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_phone-errors"' in page
    assert 'id="id_province_code-errors"' in page
    assert 'value="8 Checkout Lane"' in page
    assert not Address.objects.exists()


def test_another_shoppers_address_is_not_found(signed_in):
    other = factories.AddressFactory()

    assert signed_in.get(f"/account/addresses/{other.pk}/").status_code == 404
    signed_in.post(f"/account/addresses/{other.pk}/delete/")
    assert Address.objects.filter(pk=other.pk).exists()
