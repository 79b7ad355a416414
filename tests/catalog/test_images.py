"""Product images: checked by content, re-encoded to WebP, thumbnailed once."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from marketplace.catalog.models import ProductImage
from marketplace.catalog.services import add_product_image, remove_product_image
from marketplace.common.errors import ValidationFailed
from tests.catalog.conftest import png_bytes
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _upload(content: bytes, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_upload_is_reencoded_to_webp_with_thumbnails():
    # given a product and a 1000 × 500 PNG
    product = ProductFactory()
    # when
    image = add_product_image(
        product=product, actor=None, file=_upload(png_bytes((1000, 500)))
    )
    # then
    assert image.image.name.endswith(".webp")
    assert (image.width, image.height) == (1000, 500)
    assert sorted(image.thumbnails) == ["320", "640"]
    with image.image.storage.open(image.thumbnails["320"]) as stored:
        assert Image.open(stored).size == (320, 160)
    with image.image.open() as stored:
        assert Image.open(stored).format == "WEBP"


def test_a_small_image_gets_no_wider_thumbnails():
    image = add_product_image(
        product=ProductFactory(), actor=None, file=_upload(png_bytes((300, 300)))
    )
    assert image.thumbnails == {}


def test_the_longest_side_is_capped(settings):
    settings.IMAGE_MAX_SIDE = 400
    image = add_product_image(
        product=ProductFactory(), actor=None, file=_upload(png_bytes((1200, 600)))
    )
    assert (image.width, image.height) == (400, 200)


def test_exif_orientation_is_applied_and_metadata_dropped():
    # given a 200 × 100 JPEG whose EXIF says "rotate 90°"
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "blue").save(out, "JPEG", exif=exif.tobytes())
    # when
    image = add_product_image(
        product=ProductFactory(), actor=None, file=_upload(out.getvalue(), "a.jpg")
    )
    # then it stands upright and carries no EXIF
    assert (image.width, image.height) == (100, 200)
    with image.image.open() as stored:
        assert not Image.open(stored).getexif()


def _twenty_thousand_square() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"%PDF-1.4 not an image", id="pdf"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
        pytest.param(png_bytes()[:60], id="truncated-png"),
        pytest.param(b"", id="empty"),
        pytest.param(_twenty_thousand_square(), id="20000x20000"),
    ],
)
def test_non_images_and_pixel_bombs_are_refused_on_the_image_field(content):
    # given a product
    product = ProductFactory()
    # when / then
    with pytest.raises(ValidationFailed) as error:
        add_product_image(product=product, actor=None, file=_upload(content))
    assert list(error.value.errors) == ["image"]
    assert ProductImage.objects.count() == 0


def test_too_many_bytes_are_refused(settings):
    settings.IMAGE_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed) as error:
        add_product_image(
            product=ProductFactory(),
            actor=None,
            file=_upload(png_bytes((800, 800), colour=None) + b"\0" * 2000),
        )
    assert list(error.value.errors) == ["image"]


def test_removing_an_image_deletes_its_files(django_capture_on_commit_callbacks):
    image = add_product_image(
        product=ProductFactory(), actor=None, file=_upload(png_bytes((700, 700)))
    )
    storage = image.image.storage
    names = [image.image.name, *image.thumbnails.values()]
    with django_capture_on_commit_callbacks(execute=True):
        remove_product_image(image=image, actor=None)
    assert ProductImage.objects.count() == 0
    assert [storage.exists(name) for name in names] == [False, False, False]
