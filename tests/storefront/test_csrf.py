"""Every state-changing form of the store needs its CSRF token: without it, 403."""

import pytest

from orders.models import Address, CartLine
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return factories.VariantFactory(retail_price=1000, stock_on_hand=5)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/cart/add/", {"variant_id": 1, "quantity": 1}),
        ("/cart/lines/1/", {"quantity": 2}),
        ("/cart/lines/1/remove/", {}),
        ("/account/sign-up/", {"email": "a@example.test", "password": "long pass 12"}),
        ("/account/sign-in/", {"username": "a@example.test", "password": "x"}),
        ("/account/password-reset/", {"email": "a@example.test"}),
        ("/account/language/", {"language": "en"}),
    ],
)
def test_anonymous_forms_refuse_a_post_without_the_token(strict, url, data):
    assert strict.post(url, data).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/checkout/",
        "/account/",
        "/account/sign-out/",
        "/account/addresses/new/",
        "/account/addresses/1/delete/",
        "/orders/N1/parts/1/confirm/",
        "/orders/N1/parts/1/cancel/",
        "/orders/N1/parts/1/refund/",
    ],
)
def test_shopper_forms_refuse_a_post_without_the_token(strict, shopper, url):
    strict.force_login(shopper)

    assert strict.post(url, {}).status_code == 403


def test_nothing_is_written_without_the_token(strict, shopper, variant):
    strict.force_login(shopper)

    strict.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    strict.post(
        "/account/addresses/new/",
        {"recipient": "A", "phone": "13900000000", "detail": "x"},
    )

    assert not CartLine.objects.exists()
    assert not Address.objects.exists()


def test_a_post_with_the_token_goes_through(strict, variant):
    strict.get("/")  # the page sets the CSRF cookie
    token = strict.cookies["csrftoken"].value

    response = strict.post(
        "/cart/add/",
        {"variant_id": variant.pk, "quantity": 1, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert CartLine.objects.count() == 1
