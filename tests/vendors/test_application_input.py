"""Bad input on the application: 400 naming the field, and nothing written."""

import io

import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from marketplace.common.models import OutboxMessage
from tests import factories
from tests.vendors.helpers import (
    application_data,
    image_bytes,
    licence_upload,
    png_claiming,
)
from vendors.models import Vendor, VendorMember

pytestmark = pytest.mark.django_db
TEN_KB = "x" * 10_240


def _post(client, data):
    return client.post(reverse("vendor-application"), data, format="multipart")


def _assert_nothing_written():
    assert Vendor.objects.count() == 0
    assert VendorMember.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company_name", TEN_KB),
        ("contact_name", TEN_KB),
        ("name_en", TEN_KB),
        ("description_zh", TEN_KB),
        ("detail", TEN_KB),
        ("business_licence_number", "not a licence"),
        ("business_licence_number", "123"),
        ("business_licence_number", TEN_KB),
        ("contact_phone", "call me"),
        ("contact_email", "not-an-email"),
        ("phone", "12"),
        ("province_code", "33 00"),
        ("pricing_model", "pyramid"),
        ("slug", "Not A Slug!"),
        ("company_name", ""),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(client_for, field, value):
    # given a signed-in user with no shop
    client = client_for(factories.UserFactory())
    # when they apply with one bad field
    response = _post(client, {**application_data(**{field: value})})
    # then 400 names exactly that field
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [field]
    _assert_nothing_written()


@pytest.mark.parametrize(
    "missing",
    [
        "company_name",
        "contact_name",
        "contact_phone",
        "contact_email",
        "business_licence_number",
        "pricing_model",
        "recipient",
        "province_code",
        "city_code",
        "district_code",
        "detail",
    ],
)
def test_a_missing_required_field_is_named_and_nothing_is_written(client_for, missing):
    client = client_for(factories.UserFactory())
    data = application_data()
    del data[missing]
    response = _post(client, data)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [missing]
    _assert_nothing_written()


TOO_MANY_PIXELS = "The image has more than 40,000,000 pixels."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"%PDF-1.4 not an image", "The file is not an image.", id="pdf"),
        pytest.param(png_claiming(20_000, 20_000), TOO_MANY_PIXELS, id="20k-x-20k"),
        pytest.param(png_claiming(8_000, 6_000), TOO_MANY_PIXELS, id="48-megapixels"),
        pytest.param(
            image_bytes(format="BMP"),
            "Upload a JPEG, PNG, WebP or GIF image.",
            id="bmp",
        ),
        pytest.param(b"", "The submitted file is empty.", id="empty"),
    ],
)
def test_a_bad_licence_image_is_named_and_nothing_is_written(
    client_for, content, message
):
    # given a signed-in user with no shop
    client = client_for(factories.UserFactory())
    upload = SimpleUploadedFile("licence.png", content, "image/png")
    # when they apply with a licence that is not an acceptable image
    response = _post(client, {**application_data(), "licence_image": upload})
    # then 400 names the licence image and says why
    assert response.status_code == 400
    assert response.json()["errors"] == {"licence_image": [message]}
    _assert_nothing_written()


@override_settings(IMAGE_MAX_BYTES=1024)
def test_a_licence_over_the_byte_limit_is_refused(client_for):
    client = client_for(factories.UserFactory())
    big = licence_upload(width=300, height=300, format="PNG")
    big.file = io.BytesIO(
        image_bytes(width=300, height=300, format="PNG") + b"\0" * 2048
    )
    big.size = len(big.file.getvalue())
    response = _post(client, {**application_data(), "licence_image": big})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["licence_image"]
    _assert_nothing_written()


def test_the_licence_is_re_encoded_to_webp_in_private_storage(client_for):
    # given a JPEG licence named like a PNG
    client = client_for(factories.UserFactory())
    upload = SimpleUploadedFile(
        "scan.png", image_bytes(width=3000, height=1000, format="JPEG"), "image/png"
    )
    # when the application is made
    response = _post(client, {**application_data(), "licence_image": upload})
    # then the stored file is a WebP, shrunk to the side limit, in private storage only
    assert response.status_code == 201
    vendor = Vendor.objects.get()
    name = vendor.licence_image.name
    assert name.startswith(f"licences/{vendor.pk}/")
    assert name.endswith(".webp")
    assert storages["private"].exists(name)
    assert not default_storage.exists(name)
    with storages["private"].open(name) as stored:
        image = Image.open(stored)
        assert (image.format, image.size) == ("WEBP", (2048, 683))
    assert response.json()["licence_url"] == reverse("vendor-application-licence")


def test_a_patch_with_a_bad_field_changes_nothing(client_for):
    # given a draft
    vendor = factories.VendorFactory(status=Vendor.Status.DRAFT, company_name="A Ltd")
    owner = vendor.members.get().user
    # when the owner sends one good and one bad field
    response = client_for(owner).patch(
        reverse("vendor-application"),
        {"company_name": "B Ltd", "business_licence_number": "bad"},
        format="json",
    )
    # then 400 names the bad one and neither changed
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["business_licence_number"]
    vendor.refresh_from_db()
    assert vendor.company_name == "A Ltd"
