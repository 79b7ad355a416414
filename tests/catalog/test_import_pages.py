"""The import and export pages of the dashboard (server-rendered, htmx progress)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from marketplace.catalog.models import ProductImport
from marketplace.catalog.services.imports import run_product_import
from tests import factories
from tests.catalog.imports import csv_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_web(vendor_owner):
    client = Client()
    client.force_login(vendor_owner)
    return client


@pytest.fixture
def tea(db):
    return factories.CategoryFactory(slug="tea")


def _upload(client, content: bytes, name: str, capture):
    with capture(execute=False) as callbacks:
        response = client.post(
            reverse("dashboard:product-import"), {"file": upload(content, name)}
        )
    return response, callbacks


def test_upload_queues_the_import_and_shows_its_progress(
    owner_web, vendor, tea, django_capture_on_commit_callbacks
):
    # when the owner uploads a sheet
    content = csv_bytes([["p", "NEW-1", "tea", "新品", "New", 100, 1]])
    response, callbacks = _upload(
        owner_web, content, "mine.csv", django_capture_on_commit_callbacks
    )

    # then the job waits for the worker and the page polls its progress
    job = ProductImport.objects.get(vendor=vendor)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "dashboard:product-import-status", args=[job.pk]
    )
    assert len(callbacks) == 1  # the task is sent after commit
    assert (job.status, job.original_name) == (ProductImport.Status.PENDING, "mine.csv")
    page = owner_web.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 700ms"' in page
    assert '<label for="import-bar"' in page
    assert "<progress" in page


def test_finished_import_shows_counts_and_bad_rows_and_stops_polling(
    owner_web, vendor, tea, django_capture_on_commit_callbacks
):
    content = csv_bytes(
        [
            ["p", "OK-1", "tea", "好", "Good", 100, 1],
            ["q", "BAD-1", "tea", "坏", "Bad", "x", 1],
        ]
    )
    _upload(owner_web, content, "two.csv", django_capture_on_commit_callbacks)
    job = ProductImport.objects.get(vendor=vendor)
    run_product_import(job_id=job.pk)

    url = reverse("dashboard:product-import-status", args=[job.pk])
    fragment = owner_web.get(url, headers={"HX-Request": "true"}).content.decode()

    assert fragment.lstrip().startswith("<section")
    assert "hx-trigger" not in fragment
    assert 'data-count="good">1<' in fragment
    assert 'data-count="bad">1<' in fragment
    assert '<tr data-row="3" data-column="retail_price">' in fragment


def test_a_file_that_is_not_a_sheet_is_refused_on_the_form(
    owner_web, django_capture_on_commit_callbacks
):
    response, callbacks = _upload(
        owner_web, b"hello", "notes.txt", django_capture_on_commit_callbacks
    )

    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert (ProductImport.objects.count(), len(callbacks)) == (0, 0)


def test_vendor_b_gets_404_for_vendor_as_import(
    vendor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        from marketplace.catalog.services.imports import start_product_import

        job = start_product_import(
            vendor=vendor,
            actor=vendor.members.get().user,
            upload=upload(csv_bytes([]), "secret-alpha.csv"),
        )
    intruder = Client()
    intruder.force_login(factories.VendorFactory().members.get().user)

    status = intruder.get(reverse("dashboard:product-import-status", args=[job.pk]))
    listing = intruder.get(reverse("dashboard:product-import"))

    assert status.status_code == 404
    assert "secret-alpha" not in listing.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_has_only_the_vendors_own_rows(owner_web, vendor, fmt):
    factories.VariantFactory(product=factories.ProductFactory(vendor=vendor), sku="M")
    factories.VariantFactory(sku="THEIRS")

    response = owner_web.get(reverse("dashboard:product-export"), {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        skus = [line.split(",")[1] for line in lines[1:]]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        skus = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert skus == ["M"]


def test_api_upload_then_detail_reports_bad_rows(
    client_for, vendor, vendor_owner, tea, django_capture_on_commit_callbacks
):
    api = client_for(vendor_owner)
    content = csv_bytes(
        [["p", "API-1", "tea", "好", "Good", 100, 1], ["q", "", "tea", "", "", 1, 1]]
    )
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post(
            reverse("vendor-product-imports"),
            {"file": upload(content, "api.csv")},
            format="multipart",
        )
    assert created.status_code == 202, created.content
    run_product_import(job_id=created.json()["id"])

    detail = api.get(reverse("vendor-product-import", args=[created.json()["id"]]))

    body = detail.json()
    assert (body["status"], body["percent"], body["error_rows"]) == ("done", 100, 1)
    assert body["errors"] == [
        {"row": 3, "column": "sku", "message": "This field is required."}
    ]
