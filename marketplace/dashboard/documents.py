"""The vendor's printable documents as PDF: packing slips and statements.

Labels are bilingual: the active language (the vendor's) first, then the other one,
so a slip reads for both the packer and the courier. Figures are the selectors':
a statement PDF shows exactly the numbers of the statement CSV.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import localized
from marketplace.common.money import format_amount
from marketplace.common.pdf import Document
from vendors.selectors_statements import DEPOSIT_LINES, LINES, Statement

SLIP = _("Packing slip")
STATEMENT = _("Statement")
SHOP = _("Shop")
ORDER_NUMBER = _("Order number")
ORDER_DATE = _("Order date")
SHIP_TO = _("Ship to")
PHONE = _("Phone")
ADDRESS = _("Address")
PRODUCT = _("Product")
VARIANT = _("Variant")
SKU = _("SKU")
QUANTITY = _("Quantity")
TOTAL_UNITS = _("Total units")
PERIOD = _("Period")
CURRENCY = _("Currency")
AMOUNT = _("Amount")
OPENING = _("Opening balance")
CLOSING = _("Closing balance")
DEPOSIT_OPENING = _("Deposit at the start")
DEPOSIT_CLOSING = _("Deposit at the end")
DEPOSIT_FROZEN = _("Deposit frozen at the payment provider")


def bilingual(text) -> str:
    """Return ``text`` in the active language, then in the other one if it differs."""
    active = translation.get_language() or settings.LANGUAGE_CODE
    first = str(text)
    with translation.override("en" if active.startswith("zh") else "zh-hans"):
        second = str(text)
    return first if first == second else f"{first} {second}"


def shop_name(vendor) -> str:
    names = [vendor.name_zh, vendor.name_en]
    return " ".join(n for n in names if n) or vendor.company_name


def _address(order) -> str:
    regions = " ".join(
        code
        for code in (order.province_code, order.city_code, order.district_code)
        if code
    )
    parts = [order.country_code, regions, order.detail, order.postal_code]
    return " ".join(p for p in parts if p)


def _title(line) -> str:
    """Both titles of the line, the active language's first, when they differ."""
    first = localized(line, "product_title")
    other = (
        line.product_title_en
        if first == line.product_title_zh
        else (line.product_title_zh)
    )
    return f"{first} {other}" if other and other != first else first


def _variant_text(attributes: dict) -> str:
    return ", ".join(f"{name}: {value}" for name, value in attributes.items())


def packing_slips_pdf(*, vendor, vendor_orders) -> bytes:
    """Return one page (or more, for long orders) per vendor order, no prices.

    Call with the vendor's own paid orders only, their order and lines loaded.
    """
    document = Document(title=bilingual(SLIP), footer_text=shop_name(vendor))
    for vendor_order in vendor_orders:
        order = vendor_order.order
        document.add_page()
        document.heading(bilingual(SLIP))
        document.key_values(
            [
                (bilingual(SHOP), shop_name(vendor)),
                (bilingual(ORDER_NUMBER), order.number),
                (
                    bilingual(ORDER_DATE),
                    f"{timezone.localtime(order.created_at):%Y-%m-%d}",
                ),
                (bilingual(SHIP_TO), order.recipient),
                (bilingual(PHONE), order.phone),
                (bilingual(ADDRESS), _address(order)),
            ],
            label_width=50,
        )
        lines = list(vendor_order.lines.all())
        document.grid(
            [bilingual(t) for t in (PRODUCT, VARIANT, SKU, QUANTITY)],
            [
                [
                    _title(line),
                    _variant_text(line.attributes),
                    line.sku,
                    line.quantity,
                ]
                for line in lines
            ]
            + [[bilingual(TOTAL_UNITS), "", "", sum(x.quantity for x in lines)]],
            widths=[75, 40, 40, 25],
            align=["LEFT", "LEFT", "LEFT", "RIGHT"],
        )
    return document.render()


def statement_pdf(*, vendor, statement: Statement) -> bytes:
    """Return the statement's figures on one page: the CSV's rows, formatted."""
    currency = statement.currency
    last_day = statement.end - timedelta(days=1)
    document = Document(title=bilingual(STATEMENT), footer_text=shop_name(vendor))
    document.add_page()
    document.heading(bilingual(STATEMENT))
    document.key_values(
        [
            (bilingual(SHOP), shop_name(vendor)),
            (bilingual(PERIOD), f"{statement.start:%Y-%m-%d} – {last_day:%Y-%m-%d}"),
            (bilingual(CURRENCY), currency),
        ],
        label_width=50,
    )
    rows = [
        (OPENING, statement.opening),
        *((label, statement.lines[key]) for key, label in LINES),
        (CLOSING, statement.closing),
        (DEPOSIT_OPENING, statement.deposit_opening),
        *((label, statement.deposit_lines[key]) for key, label in DEPOSIT_LINES),
        (DEPOSIT_CLOSING, statement.deposit_closing),
        (DEPOSIT_FROZEN, statement.deposit_frozen_closing),
    ]
    document.grid(
        ["", bilingual(AMOUNT)],
        [[bilingual(label), format_amount(amount, currency)] for label, amount in rows],
        widths=[120, 60],
        align=["LEFT", "RIGHT"],
    )
    return document.render()
