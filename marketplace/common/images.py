"""Uploaded images: checked by content, capped in bytes and pixels, re-encoded.

Shared by every app that accepts an image (licences, product pictures), so each
upload passes the same gate: the extension and the client's content type are never
trusted, and a decompression bomb is refused from its header, before any pixel is
decoded.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.common.errors import ValidationFailed

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
WEBP_QUALITY = 85


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    return size


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors={field: [message]})


def validate_and_reencode_image(
    file, *, field: str, max_side: int | None = None
) -> ContentFile:
    """Return the upload re-encoded as WebP, or raise ``ValidationFailed`` on ``field``.

    Refuses files over ``settings.IMAGE_MAX_BYTES``, anything Pillow cannot identify
    as JPEG, PNG, WebP or GIF, and images over ``settings.IMAGE_MAX_PIXELS`` (read
    from the header, so a 20,000 x 20,000 image costs nothing). The result is
    rotated upright from its EXIF orientation, shrunk to fit ``max_side`` (default
    ``settings.IMAGE_MAX_SIDE``) and stripped of metadata; its name is random.
    """
    max_side = max_side or settings.IMAGE_MAX_SIDE
    if file is None or not hasattr(file, "read"):
        raise _refuse(field, _("Upload an image file."))
    if _size_of(file) > settings.IMAGE_MAX_BYTES:
        raise _refuse(
            field,
            _("The image is larger than %(mb)s MB.")
            % {"mb": settings.IMAGE_MAX_BYTES // (1024 * 1024)},
        )
    too_many_pixels = _("The image has more than %(pixels)s pixels.") % {
        "pixels": f"{settings.IMAGE_MAX_PIXELS:,}"
    }
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(file)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(field, too_many_pixels) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _refuse(field, _("The file is not an image.")) from None
        if image.format not in ALLOWED_FORMATS:
            raise _refuse(field, _("Upload a JPEG, PNG, WebP or GIF image."))
        width, height = image.size
        if width * height > settings.IMAGE_MAX_PIXELS:
            raise _refuse(field, too_many_pixels)
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(field, too_many_pixels) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise _refuse(field, _("The image is damaged or incomplete.")) from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.webp")
