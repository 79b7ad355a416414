"""Building blocks for vendor tests: application data and generated licence images."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def application_data(**overrides) -> dict:
    """A complete, valid application (without the licence image)."""
    return {
        "name_en": "Tea Hill",
        "name_zh": "茶山",
        "description_en": "Green tea from the hill.",
        "description_zh": "山上的绿茶。",
        "company_name": "Hangzhou Tea Hill Co., Ltd.",
        "contact_name": "Wang Fang",
        "contact_phone": "13900000000",
        "contact_email": "contact@teahill.test",
        "business_licence_number": "91330106MA2H3K4L5X",
        "pricing_model": "supply_price",
        "recipient": "Wang Fang",
        "phone": "13900000000",
        "province_code": "330000",
        "city_code": "330100",
        "district_code": "330106",
        "detail": "1 Longjing Road",
        **overrides,
    }


def image_bytes(*, width=60, height=40, format="PNG", colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format=format)
    return out.getvalue()


def licence_upload(name="licence.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/png")


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose PNG header claims ``width`` x ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )
