"""The products-and-stock sheet: its columns, and reading and writing CSV and XLSX.

One row per variant (SKU). An export re-imports unchanged: same columns, same text.
``product`` is the product's number in the marketplace, or for a new product any key
not made of digits (rows with the same key become one product). Prices are integer
minor units (fen). ``attributes`` is a JSON object. Reading streams: CSV through the
csv module, XLSX with openpyxl's read-only mode, so memory stays bounded by a batch.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

COLUMNS = (
    "product",
    "sku",
    "category",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "attributes",
    "supply_price",
    "retail_price",
    "stock_on_hand",
    "weight_grams",
    "is_active",
)
INT_COLUMNS = {"supply_price", "retail_price", "stock_on_hand", "weight_grams"}
TRUE = {"1", "true", "yes", "y", "是"}
FALSE = {"0", "false", "no", "n", "否"}


class SheetError(Exception):
    """The file cannot be read as a sheet at all (not CSV or XLSX, no header)."""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(stream) -> Iterator[list]:
    text = codecs.getreader("utf-8-sig")(stream, errors="strict")
    try:
        yield from csv.reader(text)
    except (UnicodeDecodeError, csv.Error) as error:
        message = _("The file is not UTF-8 CSV: %(error)s") % {"error": error}
        raise SheetError(message) from error


def _xlsx_rows(stream) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise SheetError(_("The file is not an XLSX workbook.")) from error
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def iter_rows(stream, *, format: str) -> Iterator[list[str]]:
    """Yield each row of the sheet as a list of stripped texts (header first)."""
    rows = _xlsx_rows(stream) if format == "xlsx" else _csv_rows(stream)
    for row in rows:
        yield [_text(value) for value in row]


def read_header(row: list[str]) -> tuple[list[str], list[dict]]:
    """Return the known columns in the header's order (None for an unknown one)."""
    names, errors = [], []
    for name in row:
        key = name.strip().lower()
        if key in COLUMNS and key not in names:
            names.append(key)
        else:
            names.append(None)
            if key:
                errors.append(
                    {
                        "row": 1,
                        "column": name,
                        "message": _("Unknown or repeated column; it was ignored."),
                    }
                )
    if "sku" not in names:
        raise SheetError(_("The first row must name the columns, sku among them."))
    return names, errors


def parse_row(names: list, row: list[str]) -> tuple[dict, dict[str, str]]:
    """Return the row's given values by column, typed, and a message per bad column.

    An empty cell is not given: the value stays as it is.
    """
    values, errors = {}, {}
    for name, text in zip(names, row, strict=False):
        if name is None or text == "":
            continue
        if name in INT_COLUMNS:
            try:
                values[name] = int(text)
            except ValueError:
                errors[name] = _("Enter a whole number.")
        elif name == "is_active":
            if text.lower() in TRUE:
                values[name] = True
            elif text.lower() in FALSE:
                values[name] = False
            else:
                errors[name] = _("Enter true or false.")
        elif name == "attributes":
            try:
                values[name] = json.loads(text)
            except ValueError:
                errors[name] = _('Enter a JSON object, such as {"colour": "red"}.')
        else:
            values[name] = text
    return values, errors


def export_values(variant) -> list:
    """Return a variant's row, in ``COLUMNS`` order (its product prefetched)."""
    product = variant.product
    return [
        str(product.pk),
        variant.sku,
        product.category.slug,
        product.title_zh,
        product.title_en,
        product.description_zh,
        product.description_en,
        json.dumps(variant.attributes, ensure_ascii=False, sort_keys=True)
        if variant.attributes
        else "",
        variant.supply_price if variant.supply_price is not None else "",
        variant.retail_price if variant.retail_price is not None else "",
        variant.stock_on_hand,
        variant.weight_grams,
        "true" if variant.is_active else "false",
    ]


class _Echo:
    def write(self, value):
        return value


def csv_lines(variants: Iterable) -> Iterator[str]:
    """Yield the export as CSV text, a line at a time (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for variant in variants:
        yield writer.writerow(export_values(variant))


def xlsx_bytes(variants: Iterable) -> bytes:
    """Return the export as an XLSX workbook (write-only mode: rows are not kept)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    sheet.append(list(COLUMNS))
    for variant in variants:
        sheet.append(export_values(variant))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@contextmanager
def opened(file_field):
    """Open a stored upload for reading, closing it afterwards."""
    file_field.open("rb")
    try:
        yield file_field.file
    finally:
        file_field.close()
