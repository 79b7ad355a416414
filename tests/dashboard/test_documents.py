"""Packing slips and statements as PDF: Chinese text embedded, each vendor its own."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from marketplace.common.money import format_amount
from marketplace.common.pdf import FONT_PATH, Document
from marketplace.dashboard.documents import bilingual
from tests import factories
from tests.orders.conftest import pay, sellable
from tests.pdftext import embedded_font_programs, embedded_fonts, pdf_text

pytestmark = pytest.mark.django_db


def test_document_embeds_its_font_and_the_chinese_text_comes_back():
    # given a document with Chinese, Latin and full-width punctuation
    document = Document(title="测试", footer_text="龙井山茶舍")
    document.add_page()
    document.heading("装箱单 Packing slip")
    document.grid(["名称", "数量"], [["西湖龙井（明前）", 2]], widths=[120, 60])

    # when it is rendered
    data = document.render()

    # then the font is embedded (a subset) and every character maps back to text
    assert FONT_PATH.stat().st_size < 4_000_000
    assert embedded_font_programs(data) == 1
    assert [name.split("+")[1] for name in embedded_fonts(data)] == ["NotoSansCJKSC"]
    text = pdf_text(data)
    assert "装箱单 Packing slip" in text
    assert "西湖龙井（明前）" in text
    assert "龙井山茶舍" in text
    assert "\ufffd" not in text


def test_bilingual_labels_put_the_active_language_first():
    with translation.override("en"):
        assert bilingual(gettext_lazy("Quantity")) == "Quantity 数量"
    with translation.override("zh-hans"):
        assert bilingual(gettext_lazy("Quantity")) == "数量 Quantity"


@pytest.fixture
def paid_order(vendor, shopper, address):
    """A paid order of ``vendor``: two lines, shipped to 张三 in Shanghai."""
    from orders.services.checkout import place_order

    address.recipient = "张三"
    address.detail = "徐汇区漕溪北路88号"
    address.save()
    tea = sellable(vendor=vendor, sku="TEA-250", attributes={"重量": "250g"})
    tea.product.title_zh, tea.product.title_en = "西湖龙井", "Longjing tea"
    tea.product.save()
    cup = sellable(vendor=vendor, sku="CUP-1", attributes={})
    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=[
            {"variant_id": tea.pk, "quantity": 2},
            {"variant_id": cup.pk, "quantity": 1},
        ],
    )
    pay(order)
    return order.vendor_orders.get()


@pytest.fixture
def shopper(db):
    return factories.UserFactory()


@pytest.fixture
def address(shopper):
    return factories.AddressFactory(user=shopper)


@pytest.mark.money
def test_packing_slip_shows_the_order_to_pack_in_chinese(owner_web, paid_order):
    # when the vendor opens the slip of its paid order
    url = reverse("dashboard:packing-slip", args=[paid_order.pk])
    response = owner_web.get(url)

    # then it is a PDF with the order, the address and the lines, but no prices
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    order = paid_order.order
    for expected in (
        order.number,
        "张三",
        "徐汇区漕溪北路88号",
        "Longjing tea 西湖龙井",
        "重量: 250g",
        "TEA-250",
        "CUP-1",
        "Quantity 数量",
        f"{timezone.localtime(order.created_at):%Y-%m-%d}",
    ):
        assert expected in text, expected
    assert "129.00" not in text
    assert "12900" not in text


@pytest.mark.money
def test_packing_slips_in_bulk_put_each_order_on_its_own_page(
    owner_web, paid_order, vendor, shopper, address
):
    from orders.services.checkout import place_order

    second = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=[{"variant_id": sellable(vendor=vendor).pk, "quantity": 3}],
    )
    pay(second)
    ids = [paid_order.pk, second.vendor_orders.get().pk]

    response = owner_web.post(reverse("dashboard:packing-slips"), {"vendor_order": ids})

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert paid_order.order.number in text
    assert second.number in text
    assert response.content.count(b"/Type /Page\n") == 2


@pytest.mark.money
def test_no_slip_for_an_unpaid_order(owner_web, vendor, shopper, address):
    from orders.services.checkout import place_order

    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=[{"variant_id": sellable(vendor=vendor).pk, "quantity": 1}],
    )

    url = reverse("dashboard:packing-slip", args=[order.vendor_orders.get().pk])
    assert owner_web.get(url).status_code == 404


@pytest.mark.money
def test_vendor_b_gets_404_for_vendor_as_slips(web_for, paid_order):
    intruder = web_for(factories.VendorFactory().members.get().user)

    one = intruder.get(reverse("dashboard:packing-slip", args=[paid_order.pk]))
    bulk = intruder.post(
        reverse("dashboard:packing-slips"), {"vendor_order": [paid_order.pk]}
    )

    assert (one.status_code, bulk.status_code) == (404, 404)
    assert paid_order.order.number.encode() not in one.content + bulk.content


def _fund(vendor, amount: int, key: str) -> None:
    from marketplace.ledger.services import get_or_create_account, record_entry

    def account(owner_type, owner_id, kind):
        return get_or_create_account(
            owner_type=owner_type, owner_id=owner_id, kind=kind, currency="CNY"
        )

    record_entry(
        idempotency_key=key,
        kind="test_funding",
        postings=[
            (account("platform", "platform", "provider_cash"), amount),
            (account("vendor", vendor.pk, "vendor_available"), -amount),
        ],
    )


def _csv_figures(content: bytes) -> dict[str, str]:
    rows = csv.reader(io.StringIO(content.decode()))
    next(rows)
    return {name: amount for name, amount, _currency in rows}


@pytest.mark.money
@pytest.mark.parametrize(
    "query",
    [
        {"month": f"{timezone.localdate():%Y-%m}"},
        {
            "start": f"{timezone.localdate().replace(day=1):%Y-%m-%d}",
            "end": f"{timezone.localdate():%Y-%m-%d}",
        },
    ],
    ids=["month", "days"],
)
def test_statement_pdf_shows_the_csv_figures(owner_web, vendor, query):
    # given a vendor whose balance moved this month
    _fund(vendor, 123_45, f"test-fund-{vendor.pk}")

    # when the owner downloads the statement as CSV and as PDF
    csv_response = owner_web.get(reverse("dashboard:statement-csv"), query)
    pdf_response = owner_web.get(reverse("dashboard:statement-pdf"), query)

    # then both carry the same figures
    assert (csv_response.status_code, pdf_response.status_code) == (200, 200)
    figures = _csv_figures(csv_response.content)
    assert figures["adjustments"] == "12345"
    assert figures["closing"] == "12345"
    text = pdf_text(pdf_response.content)
    assert "Sales 销售额" in text
    for name in ("opening", "sales", "adjustments", "payouts", "closing"):
        assert format_amount(int(figures[name]), "CNY") in text, name
    assert "¥123.45" in text


def test_statement_is_the_signed_in_vendors_own(web_for, vendor):
    # given vendor A with money, and vendor B signed in
    _fund(vendor, 500_00, f"test-fund-{vendor.pk}")
    intruder = web_for(factories.VendorFactory().members.get().user)

    # when B downloads "the" statement
    csv_response = intruder.get(reverse("dashboard:statement-csv"))
    pdf_response = intruder.get(reverse("dashboard:statement-pdf"))

    # then it is B's: none of A's 500.00
    assert _csv_figures(csv_response.content)["closing"] == "0"
    assert "500.00" not in pdf_text(pdf_response.content)


def test_statements_are_for_owners_only(staff_web):
    assert staff_web.get(reverse("dashboard:statement-pdf")).status_code == 403
    assert staff_web.get(reverse("dashboard:statement-csv")).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2026-13"},
        {"start": "2026-02-01"},
        {"start": "2026-03-01", "end": "2026-02-01"},
    ],
)
def test_a_bad_period_is_refused(owner_web, query):
    assert owner_web.get(reverse("dashboard:statement-pdf"), query).status_code == 400


@pytest.mark.money
def test_packing_slip_api_gives_the_same_pdf_to_api_clients(
    client_for, vendor_owner, paid_order
):
    api = client_for(vendor_owner)

    one = api.get(reverse("vendor-order-packing-slip", args=[paid_order.pk]))
    bulk = api.get(reverse("vendor-packing-slips"), {"vendor_order": [paid_order.pk]})

    assert (one.status_code, bulk.status_code) == (200, 200)
    assert one["Content-Type"] == "application/pdf"
    assert "张三" in pdf_text(one.content)
    assert paid_order.order.number in pdf_text(bulk.content)
