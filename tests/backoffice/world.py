"""A small world with work in every back-office queue, for the page tests and the
permissions matrix: an application, shops in each status, listings and a revision
waiting for review, an order with an open after-sales request, a withdrawal
awaiting approval, and an open reconciliation difference."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from marketplace.catalog import services as catalog_services
from marketplace.catalog.models import Category, Product, ProductRevision, Variant
from marketplace.catalog.search import index_product
from marketplace.rules.models import PlatformRules
from orders.models import Order, ReconciliationItem, RefundRequest
from orders.services.refunds import request_refund
from tests import factories
from tests.backoffice.conftest import licence_scan, request_large_withdrawal
from tests.orders.conftest import pay
from vendors.models import Vendor, Withdrawal


@dataclass
class World:
    submitted: Vendor
    approved: Vendor
    suspended: Vendor
    pending_product: Product
    revision: ProductRevision
    category: Category
    order: Order
    refund_request: RefundRequest
    withdrawal: Withdrawal
    item: ReconciliationItem
    supply_variant: Variant
    vendor_owner: object
    shopper: object


def build_world() -> World:
    PlatformRules.objects.create(listing_review_required=True)
    submitted = factories.VendorFactory(
        status=Vendor.Status.SUBMITTED, approved_at=None, submitted_at=timezone.now()
    )
    submitted.licence_image.save("licence.webp", licence_scan())
    approved = factories.VendorFactory()
    suspended = factories.VendorFactory(status=Vendor.Status.SUSPENDED)
    category = factories.CategoryFactory(commission_bps=500)
    pending_product = factories.ProductFactory(
        vendor=approved, category=category, status=Product.Status.PENDING_REVIEW
    )
    factories.VariantFactory(product=pending_product)
    live = factories.ProductFactory(vendor=approved, category=category)
    variant = factories.VariantFactory(product=live, retail_price=5000)
    index_product(live)
    revision = catalog_services.update_product_content(
        product=live, actor=None, title_zh="新标题"
    )
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    from orders.services.checkout import place_order

    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=[{"variant_id": variant.pk, "quantity": 1}],
    )
    pay(order)
    vendor_order = order.vendor_orders.get()
    refund_request = request_refund(
        shopper=shopper,
        vendor_order_id=vendor_order.pk,
        type=RefundRequest.Type.REFUND_ONLY,
        reason="Changed my mind",
    )
    withdrawal = request_large_withdrawal(approved)
    item = ReconciliationItem.objects.create(
        day=timezone.localdate(),
        kind=ReconciliationItem.Kind.MISSING_IN_LEDGER,
        transaction_type="payment",
        provider_transaction_id="txn_1",
        source_id="pay_missing_1",
        currency="CNY",
        provider_amount=100,
        ledger_amount=0,
    )
    supply_variant = factories.VariantFactory(
        product__vendor=factories.SupplyVendorFactory(),
        supply_price=6000,
        retail_price=7500,
    )
    order.refresh_from_db()
    return World(
        submitted=submitted,
        approved=approved,
        suspended=suspended,
        pending_product=pending_product,
        revision=revision,
        category=category,
        order=order,
        refund_request=refund_request,
        withdrawal=withdrawal,
        item=item,
        supply_variant=supply_variant,
        vendor_owner=approved.members.get().user,
        shopper=shopper,
    )
