"""Helpers of the import tests: sheets as CSV or XLSX, and a job run in-process."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from marketplace.catalog.models import ProductImport, Variant
from marketplace.catalog.services.imports import (
    run_product_import,
    start_product_import,
)

HEADER = [
    "product",
    "sku",
    "category",
    "title_zh",
    "title_en",
    "retail_price",
    "stock_on_hand",
]


def csv_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "products.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/octet-stream")


def start(vendor, content: bytes, name: str = "products.csv", capture=None):
    """Start an import whose task is not sent (the test runs it in-process)."""
    owner = vendor.members.get().user
    with capture(execute=False):
        return start_product_import(
            vendor=vendor, actor=owner, upload=upload(content, name)
        )


def run_import(vendor, content: bytes, name: str = "products.csv", *, capture):
    job = start(vendor, content, name, capture)
    run_product_import(job_id=job.pk)
    return ProductImport.objects.get(pk=job.pk)


def variants_of(vendor) -> list[tuple]:
    return list(
        Variant.objects.filter(product__vendor=vendor)
        .order_by("sku")
        .values_list(
            "sku",
            "product__title_zh",
            "retail_price",
            "supply_price",
            "stock_on_hand",
            "attributes",
            "is_active",
        )
    )


@pytest.fixture
def shared_private_media(monkeypatch):
    """Give a real worker this process's private storage, as production shares it.

    Request it before ``celery_worker``, which passes the environment on.
    """
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(storages["private"].location))


def bulk_rows(count: int = 10_000, *, bad_every: int = 1000) -> list[list]:
    """``count`` rows, two variants a product; every ``bad_every``-th a bad price."""
    rows = []
    for n in range(count):
        price = "12.5" if n % bad_every == 7 else 1000 + n
        product = f"p{n // 2}"
        rows.append([product, f"BULK-{n:05d}", "bulk", f"商品{n // 2}", "", price, 5])
    return rows
