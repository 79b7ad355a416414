"""The back-office pages in Chromium: seeded work for each queue, and signing in.

Shared by the back-office browser tests (and usable by other journeys: the
vendor-approval and payout-approval steps keep their labels stable).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.ledger.models import Account
from marketplace.ledger.services import get_or_create_account, record_entry
from orders.models import ReconciliationItem
from orders.services.checkout import place_order
from tests import factories
from tests.browser.store import sign_in_with_cookie
from vendors.models import Vendor, Withdrawal
from vendors.services.withdrawals import request_withdrawal

__all__ = ["Seeded", "approve_payout", "approve_vendor", "seed", "sign_in_with_cookie"]


@dataclass
class Seeded:
    operators: dict[str, User]
    applicant: Vendor  # submitted, with a licence scan
    seller: Vendor  # approved, with a withdrawal awaiting approval
    withdrawal: Withdrawal
    order_number: str
    listing: object  # a supply-price listing waiting for review


def licence_scan() -> ContentFile:
    picture = io.BytesIO()
    Image.new("RGB", (240, 160), (230, 230, 250)).save(picture, format="WEBP")
    return ContentFile(picture.getvalue())


def fund(vendor: Vendor, amount: int) -> None:
    """Give the vendor ``amount`` available in the ledger (provider cash behind it)."""

    def account(owner_type, owner_id, kind):
        return get_or_create_account(
            owner_type=owner_type, owner_id=owner_id, kind=kind, currency="CNY"
        )

    record_entry(
        idempotency_key=f"browser-fund-{vendor.pk}-{amount}",
        kind="test_funding",
        postings=[
            (account("platform", "platform", Account.Kind.PROVIDER_CASH), amount),
            (account("vendor", vendor.pk, Account.Kind.VENDOR_AVAILABLE), -amount),
        ],
    )


def seed() -> Seeded:
    """An operator per role, an application to review, a withdrawal of ¥20,000.00
    awaiting approval, and an order (unpaid) to look at."""
    operators = {
        role: factories.UserFactory(
            operator_role=role,
            email=f"{role}@ops.example.test",
            display_name=role.title(),
        )
        for role in User.OperatorRole.values
    }
    applicant = factories.VendorFactory(
        name_en="Pingjiang Silk Studio",
        name_zh="平江丝绸工坊",
        status=Vendor.Status.SUBMITTED,
        approved_at=None,
        submitted_at=timezone.now(),
    )
    applicant.licence_image.save("licence.webp", licence_scan())
    seller = factories.VendorFactory(name_en="Nestwood Home", name_zh="栖木家居")
    fund(seller, 2_000_000)
    withdrawal = request_withdrawal(
        vendor=seller, actor=seller.members.get().user, amount=2_000_000
    )
    assert withdrawal.status == Withdrawal.Status.PENDING_APPROVAL
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    variant = factories.VariantFactory(product__vendor=seller, retail_price=8800)
    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=[{"variant_id": variant.pk, "quantity": 1}],
    )
    supplier = factories.SupplyVendorFactory(name_en="Longjing Hill", name_zh="龙井山")
    listing = factories.ProductFactory(
        vendor=supplier,
        status=Product.Status.PENDING_REVIEW,
        title_en="Longjing tea",
        title_zh="龙井茶",
    )
    factories.VariantFactory(product=listing, supply_price=6000, retail_price=7500)
    ReconciliationItem.objects.create(
        day=timezone.localdate(),
        kind=ReconciliationItem.Kind.AMOUNT_MISMATCH,
        transaction_type="payment",
        source_id="pay_browser_1",
        currency="CNY",
        provider_amount=9800,
        ledger_amount=9700,
    )
    return Seeded(operators, applicant, seller, withdrawal, order.number, listing)


def approve_vendor(page: Page, vendor: Vendor, *, deposit: str, reason: str) -> None:
    """From the review queue: open the application, check the licence, approve."""
    page.goto("/backoffice/vendors/")
    page.get_by_role("link", name=str(vendor)).click()
    licence = page.get_by_role("img", name=f"Business licence of {vendor}")
    expect(licence).to_be_visible()
    licence.evaluate(
        "img => img.complete ? null : new Promise(done => img.onload = done)"
    )
    assert licence.evaluate("img => img.naturalWidth") == 240
    form = page.get_by_role("form", name="Approve the application")
    form.get_by_label("Deposit required").fill(deposit)
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("The shop is approved.")


def approve_payout(page: Page, withdrawal: Withdrawal) -> None:
    """From the payouts queue: approve one withdrawal."""
    page.goto("/backoffice/payouts/")
    row = page.locator(f"[data-withdrawal='{withdrawal.pk}']")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("The withdrawal is approved")
    expect(page.locator(f"[data-withdrawal='{withdrawal.pk}']")).to_have_count(0)
