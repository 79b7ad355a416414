"""A 10,000-row import runs on a real Celery worker, with progress along the way."""

from __future__ import annotations

import time

import pytest

from marketplace.catalog.models import ProductImport, Variant
from marketplace.catalog.services.imports import start_product_import
from tests import factories
from tests.catalog.imports import (  # noqa: F401
    bulk_rows,
    csv_bytes,
    shared_private_media,
    upload,
)
from tests.flows.conftest import celery_worker, wait_for  # noqa: F401

ROWS = 10_000


@pytest.mark.timeout(400)
@pytest.mark.django_db(transaction=True)
def test_ten_thousand_rows_import_on_the_worker(
    shared_private_media,  # noqa: F811
    celery_worker,  # noqa: F811
    record_property,
):
    # given a vendor, a category and a 10,000-row sheet with 10 bad rows
    vendor = factories.VendorFactory()
    factories.CategoryFactory(slug="bulk")
    content = csv_bytes(bulk_rows(ROWS))

    # when the vendor uploads it and the worker runs it
    started = time.monotonic()
    job = start_product_import(
        vendor=vendor, actor=vendor.members.get().user, upload=upload(content)
    )
    seen = set()

    def finished():
        current = ProductImport.objects.get(pk=job.pk)
        seen.add(current.processed_rows)
        return current if current.is_finished else None

    done = wait_for(finished, timeout=300, what="the import to finish")
    elapsed = time.monotonic() - started
    record_property("import_10000_rows_seconds", round(elapsed, 1))
    print(f"\n10,000-row import on the worker: {elapsed:.1f}s")

    # then the good rows are in, the bad ones reported, and progress was saved
    assert done.status == ProductImport.Status.DONE, celery_worker.log_text()[-3000:]
    assert (done.total_rows, done.processed_rows, done.error_rows) == (
        ROWS,
        ROWS,
        10,
    )
    assert (done.products_created, done.variants_created) == (5000, 9990)
    assert {(e["row"], e["column"]) for e in done.errors} == {
        (n + 2, "retail_price") for n in range(7, ROWS, 1000)
    }
    assert Variant.objects.filter(product__vendor=vendor).count() == 9990
    assert len(seen - {0, ROWS}) >= 1  # an intermediate count was visible
