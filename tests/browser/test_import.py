"""A vendor imports 10,000 rows in Chromium: the progress bar moves, then the result.

The import runs on a real Celery worker (tests/flows), which reads the upload from
the private storage this process shares with it.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from marketplace.catalog.models import ProductImport, Variant
from tests import factories
from tests.browser.store import sign_in_with_cookie
from tests.catalog.imports import (  # noqa: F401
    bulk_rows,
    csv_bytes,
    shared_private_media,
)
from tests.flows.conftest import celery_worker  # noqa: F401

# The worker and 10,000 rows take longer than the suite's 120 s guard on a busy machine.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(400)]
ROWS = 10_000
MOVING = """() => {
  const bar = document.querySelector('#import-bar');
  return bar && bar.hasAttribute('value') && bar.value > 0 && bar.value < 100;
}"""


def test_vendor_imports_ten_thousand_rows_and_sees_progress_then_the_result(
    shared_private_media,  # noqa: F811
    celery_worker,  # noqa: F811
    page,
    live_server,
    tmp_path,
    axe,
):
    # given an approved vendor signed in, and a 10,000-row sheet with 10 bad rows
    vendor = factories.VendorFactory()
    factories.CategoryFactory(slug="bulk")
    sheet = tmp_path / "ten-thousand.csv"
    sheet.write_bytes(csv_bytes(bulk_rows(ROWS)))
    sign_in_with_cookie(page, vendor.members.get().user, live_server)

    # when the vendor uploads it on the import page
    page.goto(reverse("dashboard:product-import"))
    assert axe(page) == []
    page.get_by_label("Sheet (CSV or XLSX)").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and import").click()

    # then the progress bar, labelled, moves while the worker imports
    expect(page).to_have_url(re.compile(r"/dashboard/products/import/\d+/$"))
    page.wait_for_function(MOVING, timeout=120_000)
    expect(page.get_by_role("progressbar")).to_have_accessible_name(
        re.compile(r"Importing: \d+ of 10000 rows")
    )
    moving = float(page.locator("#import-bar").get_attribute("value"))
    assert 0 < moving < 100

    # and then it shows the result: the counts and the bad rows by row and column
    result = page.locator("#import-progress[data-status='done']")
    expect(result).to_be_visible(timeout=180_000)
    expect(page.get_by_role("progressbar")).to_have_accessible_name("Import finished")
    expect(page.locator("[data-count='good']")).to_have_text("9990")
    expect(page.locator("[data-count='bad']")).to_have_text("10")
    expect(page.locator("[data-count='products']")).to_have_text("5000")
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(10)
    expect(errors.first).to_have_attribute("data-row", "9")
    expect(errors.first).to_contain_text("retail_price")
    assert axe(page) == []
    job = ProductImport.objects.get(vendor=vendor)
    assert (job.processed_rows, job.error_rows) == (ROWS, 10)
    assert Variant.objects.filter(product__vendor=vendor).count() == 9990
