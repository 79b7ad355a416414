"""Vendor isolation: vendor B asking for or changing vendor A's things gets nothing.

The matrix is generated from the URL configuration: every route under /api/vendor/
must have a case below, so a new vendor endpoint cannot slip past. For a route that
names an object, vendor B gets 404; for a collection or the vendor's own singleton
(application, profile), B's answer shows none of A's things. In every case, nothing
of vendor A changes.
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace.catalog.models import Product, ProductImage, Variant
from orders.models import RefundRequest, VendorOrder, VendorPayee
from orders.services.refunds import request_refund
from tests import factories
from tests.catalog.conftest import make_product, png_bytes
from tests.orders.conftest import lines, pay, sellable
from tests.urlwalk import routes_under
from vendors.models import StaffInvitation, Vendor, VendorMember, Withdrawal

pytestmark = [pytest.mark.django_db, pytest.mark.money]


@dataclass(frozen=True)
class Case:
    """How vendor B attacks one route: URL kwargs from A's world, a body per method."""

    kwargs: tuple[str, ...] = ()
    bodies: dict = field(default_factory=dict)

    @property
    def names_an_object(self) -> bool:
        return bool(self.kwargs)


SHIP = {"carrier": "SF Express", "tracking_number": "SF1234567890"}
CASES = {
    "vendor-products": Case(
        bodies={"post": {"category_id": "category", "title_en": "B's product"}}
    ),
    "vendor-product": Case(("product_id",), {"patch": {"title_en": "Hijacked"}}),
    "vendor-product-submit": Case(("product_id",)),
    "vendor-product-pause": Case(("product_id",)),
    "vendor-product-resume": Case(("product_id",)),
    "vendor-product-variants": Case(
        ("product_id",), {"post": {"sku": "B-NEW-1", "retail_price": 100}}
    ),
    "vendor-product-variant": Case(
        ("product_id", "variant_id"),
        {"patch": {"retail_price": 1, "stock_on_hand": 0}},
    ),
    "vendor-product-images": Case(("product_id",), {"post": "IMAGE"}),
    "vendor-product-image": Case(("product_id", "image_id")),
    "vendor-application": Case(bodies={"patch": {"company_name": "Hijacked Ltd"}}),
    "vendor-application-submit": Case(),
    "vendor-application-licence": Case(),
    "vendor-profile": Case(bodies={"patch": {"name_en": "Hijacked"}}),
    "vendor-staff": Case(bodies={"post": {"email": "new@b.test", "role": "staff"}}),
    "vendor-staff-detail": Case(("member_id",), {"patch": {"role": "owner"}}),
    "vendor-invitations": Case(),
    "vendor-invitation-detail": Case(("invitation_id",)),
    "vendor-orders": Case(),
    "vendor-order": Case(("vendor_order_id",)),
    "vendor-order-accept": Case(("vendor_order_id",)),
    "vendor-order-refuse": Case(("vendor_order_id",), {"post": {"reason": "No"}}),
    "vendor-order-ship": Case(("vendor_order_id",), {"post": SHIP}),
    "vendor-refunds": Case(),
    "vendor-refund-accept": Case(("request_id",)),
    "vendor-refund-refuse": Case(("request_id",), {"post": {"reason": "No"}}),
    "vendor-balance": Case(),
    "vendor-payouts-schedule": Case(),
    "vendor-withdrawals": Case(bodies={"post": {"amount": 100_00}}),
    "vendor-withdrawal": Case(("withdrawal_id",)),
    "vendor-statement": Case(),
    "vendor-statement-csv": Case(),
    "vendor-statement-pdf": Case(),
    "vendor-order-packing-slip": Case(("vendor_order_id",)),
    "vendor-packing-slips": Case(),
    "vendor-product-imports": Case(bodies={"post": {}}),
    "vendor-product-import": Case(("import_id",)),
    "vendor-products-export": Case(),
    "vendor-payee": Case(),
    "vendor-payee-onboarding-link": Case(),
    "vendor-deposit": Case(),
    "vendor-deposit-pay": Case(),
}
ROUTES = routes_under("api/vendor/")
MATRIX = [
    pytest.param(route.name, method, id=f"{route.name}-{method}")
    for route in ROUTES
    if route.name in CASES
    for method in route.methods
]


def test_every_vendor_route_has_an_isolation_case():
    names = [route.name for route in ROUTES]

    assert None not in names, "every /api/vendor/ route needs a name"
    assert sorted(set(names) - set(CASES)) == []
    assert sorted(set(CASES) - set(names)) == [], "a case for a route that is gone"


@pytest.fixture
def world_of_a(django_capture_on_commit_callbacks):
    """Vendor A with one of everything a vendor endpoint can name."""
    vendor = factories.VendorFactory(company_name="Alpha Secret Trading Ltd")
    product = make_product(vendor=vendor, title_en="Alpha secret product")
    image = ProductImage.objects.create(
        product=product,
        image=SimpleUploadedFile("a.webp", png_bytes(fmt="WEBP"), "image/webp"),
    )
    staff = factories.VendorMemberFactory(
        vendor=vendor, role=VendorMember.Role.STAFF, user__email="staff@alpha.test"
    )
    invitation = factories.StaffInvitationFactory(
        vendor=vendor, email="invitee@alpha.test"
    )
    shopper = factories.UserFactory()
    address = factories.AddressFactory(user=shopper)
    from orders.services.checkout import place_order

    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=lines((sellable(vendor=vendor, stock=5), 1)),
    )
    pay(order)
    vendor_order = order.vendor_orders.get()
    refund = request_refund(
        shopper=shopper,
        vendor_order_id=vendor_order.pk,
        type="refund_only",
        reason="Broken on arrival",
    )
    withdrawal = _withdrawal_of(vendor)
    return {
        "vendor": vendor,
        "withdrawal_id": withdrawal.pk,
        "category": product.category_id,
        "markers": [
            "Alpha Secret",
            "Alpha secret",
            "@alpha.test",
            order.number,
            VendorPayee.objects.get(vendor=vendor).account_ref,
        ],
        "product_id": product.pk,
        "variant_id": product.variants.get().pk,
        "image_id": image.pk,
        "member_id": staff.pk,
        "invitation_id": invitation.pk,
        "vendor_order_id": vendor_order.pk,
        "request_id": refund.pk,
    }


def _withdrawal_of(vendor: Vendor):
    """Fund the vendor's available balance with 200.00 and withdraw 100.00."""
    from marketplace.ledger.services import get_or_create_account, record_entry
    from vendors.services.withdrawals import request_withdrawal

    def account(owner_type, owner_id, kind):
        return get_or_create_account(
            owner_type=owner_type, owner_id=owner_id, kind=kind, currency="CNY"
        )

    record_entry(
        idempotency_key=f"test-fund-{vendor.pk}",
        kind="test_funding",
        postings=[
            (account("platform", "platform", "provider_cash"), 200_00),
            (account("vendor", vendor.pk, "vendor_available"), -200_00),
        ],
    )
    owner = vendor.members.get(role=VendorMember.Role.OWNER).user
    return request_withdrawal(vendor=vendor, actor=owner, amount=100_00)


def snapshot(vendor: Vendor) -> tuple:
    """Every row of vendor A that a vendor endpoint could change."""
    products = Product.objects.filter(vendor=vendor)
    return (
        list(Vendor.objects.filter(pk=vendor.pk).values()),
        list(products.order_by("id").values()),
        list(Variant.objects.filter(product__in=products).order_by("id").values()),
        list(ProductImage.objects.filter(product__in=products).order_by("id").values()),
        list(VendorMember.objects.filter(vendor=vendor).order_by("id").values()),
        list(StaffInvitation.objects.filter(vendor=vendor).order_by("id").values()),
        list(VendorOrder.objects.filter(vendor=vendor).order_by("id").values()),
        list(
            RefundRequest.objects.filter(vendor_order__vendor=vendor)
            .order_by("id")
            .values()
        ),
        vendor.events.count(),
        list(Withdrawal.objects.filter(vendor=vendor).order_by("id").values()),
    )


@pytest.mark.parametrize(("name", "method"), MATRIX)
def test_vendor_b_cannot_see_or_change_vendor_a(client_for, world_of_a, name, method):
    # given vendor A's world, and vendor B's owner signed in
    case = CASES[name]
    if name == "join":
        invitation = StaffInvitation.objects.get(pk=world_of_a["invitation_id"])
        world_of_a = {**world_of_a, "invitation_token": invitation.token}
    if "import_id" in case.kwargs:
        world_of_a = {**world_of_a, "import_id": _import_of(world_of_a["vendor"])}
    intruder = client_for(factories.VendorFactory().members.get().user)
    body = case.bodies.get(method)
    options = {"format": "json"}
    if body == "IMAGE":
        body = {"image": SimpleUploadedFile("b.png", png_bytes(), "image/png")}
        options = {"format": "multipart"}
    elif isinstance(body, dict) and body.get("category_id") == "category":
        body = {**body, "category_id": world_of_a["category"]}
    url = reverse(name, kwargs={key: world_of_a[key] for key in case.kwargs})
    before = snapshot(world_of_a["vendor"])

    # when vendor B asks
    response = getattr(intruder, method)(url, body, **options)

    # then it gets nothing of A's, and nothing of A's changed
    if case.names_an_object:
        assert response.status_code == 404, response.content
    else:
        assert response.status_code < 500
        content = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        text = content.decode(errors="replace")
        assert [m for m in world_of_a["markers"] if m in text] == []
    assert snapshot(world_of_a["vendor"]) == before


# --- the dashboard's web pages (/dashboard/) ------------------------------------
# The same attack through the pages: B's owner signed in with a session. Bodies are
# form fields; a callable body is given A's world (to name A's objects in a form).
PAGE_CASES = {
    "home": Case(),
    "apply": Case(bodies={"post": {"company_name": "Hijacked Ltd"}}),
    "join": Case(bodies={"post": lambda w: {"code": w["invitation_token"]}}),
    "application": Case(bodies={"post": {"company_name": "Hijacked Ltd"}}),
    "application-submit": Case(),
    "application-licence": Case(),
    "products": Case(),
    "product-new": Case(
        bodies={"post": lambda w: {"category": w["category"], "title_en": "B's"}}
    ),
    "product": Case(
        ("product_id",),
        {"post": lambda w: {"category": w["category"], "title_en": "Hijacked"}},
    ),
    "product-submit": Case(("product_id",)),
    "product-withdraw": Case(("product_id",)),
    "product-pause": Case(("product_id",)),
    "product-resume": Case(("product_id",)),
    "product-archive": Case(("product_id",)),
    "variant-new": Case(
        ("product_id",),
        {"post": {"new-sku": "B-NEW-1", "new-price": "1", "new-stock_on_hand": "1"}},
    ),
    "variant": Case(
        ("product_id", "variant_id"),
        {"post": lambda w: {f"v{w['variant_id']}-price": "0.01"}},
    ),
    "image-new": Case(("product_id",), {"post": "IMAGE"}),
    "image-delete": Case(("product_id", "image_id")),
    "orders": Case(),
    "orders-ship": Case(
        bodies={
            "post": lambda w: {
                "carrier": "SF Express",
                "vendor_order": [w["vendor_order_id"]],
                f"tracking_{w['vendor_order_id']}": "SF1234567890",
            }
        }
    ),
    "order": Case(("vendor_order_id",)),
    "order-accept": Case(("vendor_order_id",)),
    "order-refuse": Case(("vendor_order_id",), {"post": {"reason": "No"}}),
    "order-ship": Case(("vendor_order_id",), {"post": SHIP}),
    "refunds": Case(),
    "refund-accept": Case(("request_id",)),
    "refund-refuse": Case(("request_id",), {"post": {"reason": "No"}}),
    "money": Case(),
    "payee-onboarding": Case(),
    "withdrawals": Case(bodies={"post": {"amount": "100.00"}}),
    "withdrawal": Case(("withdrawal_id",)),
    "statement": Case(),
    "staff": Case(bodies={"post": {"email": "new@b.test", "role": "staff"}}),
    "member-role": Case(
        ("member_id",), {"post": lambda w: {f"m{w['member_id']}-role": "owner"}}
    ),
    "member-remove": Case(("member_id",)),
    "invitation-revoke": Case(("invitation_id",)),
    # documents and imports (helper documents' views, linked from these pages)
    "packing-slip": Case(("vendor_order_id",)),
    "packing-slips": Case(
        bodies={"post": lambda w: {"vendor_order": [w["vendor_order_id"]]}}
    ),
    "statement-pdf": Case(),
    "statement-csv": Case(),
    "product-import": Case(bodies={"post": {}}),
    "product-import-status": Case(("import_id",)),
    "product-export": Case(),
}
PAGE_ROUTES = routes_under("dashboard/")


def page_methods(route) -> list[str]:
    """The methods a page answers: declared by ``vendor_page``, else the view's."""
    return list(getattr(route.view, "dashboard_methods", None) or route.methods)


PAGE_MATRIX = [
    pytest.param(route.name, method, id=f"page-{route.name}-{method}")
    for route in PAGE_ROUTES
    if route.name in PAGE_CASES
    for method in page_methods(route)
]


def test_every_dashboard_page_has_an_isolation_case():
    names = [route.name for route in PAGE_ROUTES]

    assert None not in names, "every /dashboard/ route needs a name"
    assert sorted(set(names) - set(PAGE_CASES)) == []
    assert sorted(set(PAGE_CASES) - set(names)) == [], "a case for a page that is gone"


@pytest.mark.parametrize(("name", "method"), PAGE_MATRIX)
def test_vendor_b_cannot_see_or_change_vendor_a_through_the_pages(
    client, world_of_a, name, method
):
    # given vendor A's world, and vendor B's owner signed in on the web
    case = PAGE_CASES[name]
    if name == "join":
        invitation = StaffInvitation.objects.get(pk=world_of_a["invitation_id"])
        world_of_a = {**world_of_a, "invitation_token": invitation.token}
    if "import_id" in case.kwargs:
        world_of_a = {**world_of_a, "import_id": _import_of(world_of_a["vendor"])}
    client.force_login(factories.VendorFactory().members.get().user)
    body = case.bodies.get(method, {})
    if callable(body):
        body = body(world_of_a)
    elif body == "IMAGE":
        body = {"image": SimpleUploadedFile("b.png", png_bytes(), "image/png")}
    url = reverse(
        f"dashboard:{name}", kwargs={key: world_of_a[key] for key in case.kwargs}
    )
    before = snapshot(world_of_a["vendor"])

    # when vendor B asks
    response = (
        getattr(client, method)(url, body) if method == "post" else client.get(url)
    )

    # then it gets nothing of A's, and nothing of A's changed
    if case.names_an_object:
        assert response.status_code == 404, response.content
    else:
        assert response.status_code < 500
        if response.streaming:
            text = b"".join(response.streaming_content).decode(errors="replace")
        else:
            text = response.content.decode(errors="replace")
        assert [m for m in world_of_a["markers"] if m in text] == []
    assert snapshot(world_of_a["vendor"]) == before


def _import_of(vendor) -> int:
    """Return the id of a product import of ``vendor`` (not run)."""
    from marketplace.catalog.models import ProductImport

    return ProductImport.objects.create(
        vendor=vendor,
        format="csv",
        file=SimpleUploadedFile("a.csv", b"sku\n", "text/csv"),
    ).pk
