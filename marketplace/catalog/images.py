"""Product images: the shared upload gate, then WebP thumbnails for ``srcset``.

``marketplace.common.images`` checks every upload by content (not name or type),
refuses too many bytes or pixels from the header before decoding, applies the EXIF
orientation, strips metadata, caps the longest side and re-encodes to WebP. Here the
product picture also gets narrower copies, made once when it is saved.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image

from marketplace.common.images import WEBP_QUALITY, validate_and_reencode_image

THUMBNAIL_WIDTHS = (320, 640)


@dataclass(frozen=True)
class EncodedImage:
    content: bytes
    width: int
    height: int


def encode_upload(file, *, field: str = "image") -> EncodedImage:
    """Return the upload re-encoded as WebP, or raise ``ValidationFailed`` on ``field``.

    Limits come from ``IMAGE_MAX_BYTES``, ``IMAGE_MAX_PIXELS`` and ``IMAGE_MAX_SIDE``.
    """
    content = validate_and_reencode_image(file, field=field).read()
    with Image.open(io.BytesIO(content)) as image:
        width, height = image.size
    return EncodedImage(content=content, width=width, height=height)


def make_thumbnails(content: bytes, widths=THUMBNAIL_WIDTHS) -> dict[int, bytes]:
    """Return WebP copies of an encoded image at each width narrower than it."""
    thumbnails = {}
    with Image.open(io.BytesIO(content)) as source:
        source.load()
        for width in widths:
            if source.width <= width:
                continue
            height = max(1, round(source.height * width / source.width))
            out = io.BytesIO()
            source.resize((width, height), Image.Resampling.LANCZOS).save(
                out, "WEBP", quality=WEBP_QUALITY, method=4
            )
            thumbnails[width] = out.getvalue()
    return thumbnails


def as_file(content: bytes, name: str = "image.webp") -> ContentFile:
    return ContentFile(content, name=name)
