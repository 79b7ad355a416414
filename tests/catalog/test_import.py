"""Product and stock import (CSV, XLSX) and export, run in-process."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from marketplace.catalog import spreadsheets
from marketplace.catalog.models import Product, ProductImport, Variant
from marketplace.catalog.selectors import list_vendor_variants_for_export
from marketplace.catalog.services.imports import run_product_import
from marketplace.common.errors import ValidationFailed
from tests import factories
from tests.catalog.imports import (
    csv_bytes,
    run_import,
    start,
    upload,
    variants_of,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

ROWS = [
    ["tea-1", "TEA-250", "tea", "西湖龙井", "Longjing", 12900, 5],
    ["tea-1", "TEA-500", "tea", "", "", 23900, 3],
    ["cup-1", "CUP-1", "tea", "茶杯", "Cup", "abc", 1],
    ["cup-2", "CUP-2", "no-such", "茶壶", "Pot", 5000, 2],
    ["bad sku!", "", "tea", "坏", "Bad", 100, 1],
    ["pot-1", "POT-1", "tea", "紫砂壶", "Teapot", 8800, -1],
    ["pot-2", "POT-2", "tea", "铁壶", "Iron pot", 15000, 7],
]


@pytest.fixture
def tea(db):
    return factories.CategoryFactory(slug="tea", name_en="Tea", name_zh="茶")


def _errors(job) -> list[tuple]:
    return sorted((e["row"], e["column"]) for e in job.errors)


@pytest.mark.parametrize(
    ("name", "make"), [("products.csv", csv_bytes), ("products.xlsx", xlsx_bytes)]
)
def test_import_keeps_good_rows_and_reports_bad_ones_by_row_and_column(
    vendor, tea, django_capture_on_commit_callbacks, name, make
):
    # given a sheet of 7 rows, 4 of them bad in one column each
    content = make(ROWS)

    # when the vendor imports it
    job = run_import(vendor, content, name, capture=django_capture_on_commit_callbacks)

    # then the good rows are in, as drafts grouped by product key
    assert job.status == ProductImport.Status.DONE
    assert (job.total_rows, job.processed_rows, job.error_rows) == (7, 7, 4)
    assert (job.products_created, job.variants_created) == (2, 3)
    assert variants_of(vendor) == [
        ("POT-2", "铁壶", 15000, None, 7, {}, True),
        ("TEA-250", "西湖龙井", 12900, None, 5, {}, True),
        ("TEA-500", "西湖龙井", 23900, None, 3, {}, True),
    ]
    longjing = Product.objects.get(vendor=vendor, title_en="Longjing")
    assert longjing.status == Product.Status.DRAFT
    assert longjing.variants.count() == 2
    # and each bad row is named by its row in the file (header = 1) and column
    assert _errors(job) == [
        (4, "retail_price"),
        (5, "category"),
        (6, "sku"),
        (7, "stock_on_hand"),
    ]
    assert job.good_rows == 3


def test_reimporting_the_same_sheet_changes_nothing(
    vendor, tea, django_capture_on_commit_callbacks
):
    # given a first import
    content = csv_bytes(ROWS)
    run_import(vendor, content, capture=django_capture_on_commit_callbacks)
    before = variants_of(vendor), Product.objects.filter(vendor=vendor).count()

    # when the same sheet is imported again
    job = run_import(vendor, content, capture=django_capture_on_commit_callbacks)

    # then the known SKUs are found again and nothing new is made
    assert (job.products_created, job.variants_created, job.variants_updated) == (
        0,
        0,
        3,
    )
    assert (variants_of(vendor), Product.objects.filter(vendor=vendor).count()) == (
        before
    )


def test_stock_only_sheet_updates_stock_by_sku(
    vendor, django_capture_on_commit_callbacks
):
    # given two existing variants of the vendor
    product = factories.ProductFactory(vendor=vendor)
    factories.VariantFactory(product=product, sku="A-1", stock_on_hand=1)
    factories.VariantFactory(product=product, sku="A-2", stock_on_hand=2)

    # when a sheet of just sku and stock comes in
    content = csv_bytes([["A-1", 40], ["A-2", 50]], header=["sku", "stock_on_hand"])
    job = run_import(vendor, content, capture=django_capture_on_commit_callbacks)

    # then only the stock changed
    assert (job.variants_updated, job.error_rows) == (2, 0)
    assert dict(product.variants.values_list("sku", "stock_on_hand")) == {
        "A-1": 40,
        "A-2": 50,
    }
    assert set(product.variants.values_list("retail_price", flat=True)) == {12900}


def test_another_vendors_sku_is_never_touched(
    vendor, tea, django_capture_on_commit_callbacks
):
    # given vendor A with SKU SHARED-1
    other = factories.VendorFactory()
    theirs = factories.VariantFactory(
        product=factories.ProductFactory(vendor=other), sku="SHARED-1", stock_on_hand=9
    )

    # when vendor B imports the same SKU, pointing at A's product too
    content = csv_bytes(
        [
            ["", "SHARED-1", "tea", "我的", "Mine", 100, 1],
            [str(theirs.product_id), "SHARED-2", "tea", "", "", 100, 1],
        ]
    )
    job = run_import(vendor, content, capture=django_capture_on_commit_callbacks)

    # then B gets its own product; A's product is not found for B; A is unchanged
    assert (job.products_created, job.variants_created) == (1, 1)
    assert _errors(job) == [(3, "product")]
    theirs.refresh_from_db()
    assert (theirs.stock_on_hand, theirs.product.vendor_id) == (9, other.pk)
    assert Variant.objects.filter(product__vendor=other).count() == 1


def test_stock_may_not_drop_below_reserved(vendor, django_capture_on_commit_callbacks):
    variant = factories.VariantFactory(
        product=factories.ProductFactory(vendor=vendor), sku="R-1", stock_on_hand=5
    )
    Variant.objects.filter(pk=variant.pk).update(stock_reserved=4)

    content = csv_bytes([["R-1", 3]], header=["sku", "stock_on_hand"])
    job = run_import(vendor, content, capture=django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "stock_on_hand")]
    variant.refresh_from_db()
    assert variant.stock_on_hand == 5


def test_supply_price_vendor_sets_supply_price_and_retail_follows(
    tea, django_capture_on_commit_callbacks
):
    vendor = factories.SupplyVendorFactory()
    header = ["product", "sku", "category", "title_en", "supply_price", "retail_price"]
    content = csv_bytes([["p", "S-1", "tea", "Supplied", 1000, 1]], header=header)

    job = run_import(vendor, content, capture=django_capture_on_commit_callbacks)

    assert job.error_rows == 0
    variant = Variant.objects.get(product__vendor=vendor)
    assert variant.supply_price == 1000
    assert variant.retail_price > 1000  # the platform's margin, not the sheet's 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reimports_unchanged(
    vendor, tea, django_capture_on_commit_callbacks, fmt
):
    # given products with attributes, descriptions with commas and line breaks
    product = factories.ProductFactory(
        vendor=vendor, category=tea, description_en="Leaf, fresh\nfrom Hangzhou"
    )
    factories.VariantFactory(
        product=product, sku="E-1", attributes={"重量": "250g", "grade": "A"}
    )
    factories.VariantFactory(product=product, sku="E-2", is_active=False)
    before = variants_of(vendor), list(Product.objects.filter(vendor=vendor).values())

    # when the export is imported back
    variants = list_vendor_variants_for_export(vendor=vendor)
    if fmt == "csv":
        content = "".join(spreadsheets.csv_lines(variants)).encode("utf-8")
    else:
        content = spreadsheets.xlsx_bytes(variants)
    job = run_import(
        vendor, content, f"export.{fmt}", capture=django_capture_on_commit_callbacks
    )

    # then every row matched and nothing changed
    assert (job.error_rows, job.variants_updated, job.variants_created) == (0, 2, 0)
    assert (
        variants_of(vendor),
        list(Product.objects.filter(vendor=vendor).values()),
    ) == before


def test_export_has_the_import_columns_and_only_the_vendors_rows(vendor, tea):
    factories.VariantFactory(product=factories.ProductFactory(vendor=vendor), sku="M")
    factories.VariantFactory(sku="NOT-MINE")

    content = spreadsheets.xlsx_bytes(list_vendor_variants_for_export(vendor=vendor))

    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == list(spreadsheets.COLUMNS)
    assert [row[1] for row in rows[1:]] == ["M"]
    assert json.loads(rows[1][7]) == {"colour": "red"}


def test_unreadable_file_fails_the_job_with_a_reason(
    vendor, django_capture_on_commit_callbacks
):
    job = run_import(
        vendor, b"not a zip", "p.xlsx", capture=django_capture_on_commit_callbacks
    )

    assert job.status == ProductImport.Status.FAILED
    assert job.failure_reason == "The file is not an XLSX workbook."


def test_only_csv_or_xlsx_are_accepted(vendor, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationFailed) as refused:
        start(vendor, b"x", "p.txt", django_capture_on_commit_callbacks)

    assert list(refused.value.errors) == ["file"]
    assert upload(b"x").name == "products.csv"


def test_a_product_number_too_long_for_an_id_is_a_bad_row(
    vendor, tea, django_capture_on_commit_callbacks
):
    content = csv_bytes([["9" * 30, "LONG-1", "tea", "长", "Long", 100, 1]])

    job = run_import(vendor, content, capture=django_capture_on_commit_callbacks)

    assert job.status == ProductImport.Status.DONE
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "product")]


def test_a_stock_update_is_batched_not_a_query_per_row(
    vendor, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # given 1,000 variants of the vendor
    product = factories.ProductFactory(vendor=vendor)
    Variant.objects.bulk_create(
        Variant(product=product, sku=f"Q-{n:04d}", retail_price=100, position=n)
        for n in range(1000)
    )
    content = csv_bytes(
        [[f"Q-{n:04d}", n] for n in range(1000)], header=["sku", "stock_on_hand"]
    )
    job = start(vendor, content, "stock.csv", django_capture_on_commit_callbacks)

    # when the sheet setting each one's stock is imported (two batches of 500)
    with django_assert_max_num_queries(25):
        run_product_import(job_id=job.pk)

    # then every stock is set
    assert list(
        Variant.objects.filter(product=product)
        .order_by("sku")
        .values_list("stock_on_hand", flat=True)
    ) == list(range(1000))
