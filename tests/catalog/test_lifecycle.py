"""The listing lifecycle through the services: review on and off, revisions, events."""

import pytest

from marketplace.catalog import services
from marketplace.catalog.models import Product, ProductEvent, ProductRevision
from marketplace.catalog.selectors import get_live_product, list_live_products
from marketplace.common.errors import Conflict, InvalidTransition, ValidationFailed
from marketplace.common.models import AuditEvent
from tests.factories import (
    CategoryFactory,
    OperatorFactory,
    SupplyVendorFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db
S = Product.Status


def _draft(vendor, **fields):
    return services.create_product(
        vendor=vendor,
        actor=vendor.members.get().user,
        category=fields.pop("category", None) or CategoryFactory(),
        title_en=fields.pop("title_en", "Green tea"),
        title_zh=fields.pop("title_zh", "绿茶"),
        description_en="Fresh.",
        description_zh="新鲜。",
        variants=fields.pop(
            "variants",
            [{"sku": "TEA-1", "retail_price": 3900, "stock_on_hand": 5}],
        ),
    )


def _events(product):
    return list(
        ProductEvent.objects.filter(product=product).values_list(
            "from_status", "to_status"
        )
    )


def test_with_review_on_a_submitted_listing_waits_then_goes_live(review_on, vendor):
    # given a draft
    product = _draft(vendor)
    owner, reviewer = vendor.members.get().user, OperatorFactory()
    # when submitted and approved
    services.submit_product(product=product, actor=owner)
    assert product.status == S.PENDING_REVIEW
    assert list(list_live_products()) == []
    services.approve_product(product=product, actor=reviewer)
    # then it is live, visible, and both steps are recorded
    product.refresh_from_db()
    assert product.status == S.LIVE
    assert product.published_at is not None
    assert get_live_product(product_id=product.pk).pk == product.pk
    assert _events(product) == [("draft", "pending_review"), ("pending_review", "live")]
    assert AuditEvent.objects.filter(action="catalog.product.approve").count() == 1


def test_with_review_off_a_submitted_listing_goes_live_at_once(review_off, vendor):
    product = _draft(vendor)
    services.submit_product(product=product, actor=None)
    assert Product.objects.get(pk=product.pk).status == S.LIVE
    assert _events(product) == [("draft", "live")]


def test_reject_needs_a_reason_and_records_it(review_on, vendor):
    product = _draft(vendor)
    services.submit_product(product=product, actor=None)
    with pytest.raises(ValidationFailed) as error:
        services.reject_product(product=product, actor=None, reason="  ")
    assert list(error.value.errors) == ["reason"]
    services.reject_product(product=product, actor=None, reason="Blurry photos")
    product.refresh_from_db()
    assert (product.status, product.status_reason) == (S.REJECTED, "Blurry photos")
    assert ProductEvent.objects.get(to_status=S.REJECTED).reason == "Blurry photos"


def test_a_listing_without_a_priced_active_variant_cannot_be_submitted(
    review_on, vendor
):
    product = _draft(vendor, variants=[{"sku": "NO-PRICE"}])
    with pytest.raises(Conflict) as error:
        services.submit_product(product=product, actor=None)
    assert list(error.value.errors) == ["variants"]
    assert _events(product) == []


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.LIVE, services.submit_product),
        (S.LIVE, services.approve_product),
        (S.DRAFT, services.approve_product),
        (S.DRAFT, services.pause_product),
        (S.PAUSED, services.pause_product),
        (S.LIVE, services.resume_product),
        (S.ARCHIVED, services.resume_product),
        (S.ARCHIVED, services.archive_product),
    ],
)
def test_invalid_transitions_are_refused_and_record_nothing(
    review_on, vendor, status, action
):
    # given a listing in ``status``
    product = _draft(vendor)
    Product.objects.filter(pk=product.pk).update(status=status)
    product.refresh_from_db()
    # when / then
    with pytest.raises(InvalidTransition):
        action(product=product, actor=None)
    assert Product.objects.get(pk=product.pk).status == status
    assert _events(product) == []


def test_pause_resume_and_archive_are_recorded(review_off, vendor):
    product = _draft(vendor)
    services.submit_product(product=product, actor=None)
    services.pause_product(product=product, actor=None)
    assert list(list_live_products()) == []
    services.resume_product(product=product, actor=None)
    services.archive_product(product=product, actor=None, reason="Sold out for good")
    assert _events(product) == [
        ("draft", "live"),
        ("live", "paused"),
        ("paused", "live"),
        ("live", "archived"),
    ]


def test_editing_a_live_listing_with_review_on_keeps_the_live_content_on_sale(
    review_on, vendor
):
    # given a live listing
    product = _draft(vendor)
    services.submit_product(product=product, actor=None)
    services.approve_product(product=product, actor=None)
    # when the vendor edits the title twice
    services.update_product_content(product=product, actor=None, title_zh="旧标题")
    revision = services.update_product_content(
        product=product, actor=None, title_zh="明前龙井"
    )
    # then the shop still sells the old content, with one pending revision
    assert get_live_product(product_id=product.pk).title_zh == "绿茶"
    assert list(product.revisions.values_list("status", flat=True).order_by("id")) == [
        "superseded",
        "pending",
    ]
    assert revision.content["title_zh"] == "明前龙井"
    # when an operator approves it
    services.approve_revision(revision=revision, actor=OperatorFactory())
    # then the new content is live and searchable
    assert get_live_product(product_id=product.pk).title_zh == "明前龙井"
    assert [p.pk for p in list_live_products(query="明前")] == [product.pk]
    assert ProductRevision.objects.get(pk=revision.pk).status == "approved"


def test_rejecting_a_revision_keeps_the_live_content(review_on, vendor):
    product = _draft(vendor)
    services.submit_product(product=product, actor=None)
    services.approve_product(product=product, actor=None)
    revision = services.update_product_content(
        product=product, actor=None, title_zh="最好的茶"
    )
    services.reject_revision(revision=revision, actor=None, reason="No superlatives")
    assert get_live_product(product_id=product.pk).title_zh == "绿茶"
    with pytest.raises(Conflict):
        services.approve_revision(revision=revision, actor=None)


def test_editing_a_draft_or_with_review_off_changes_it_directly(review_off, vendor):
    product = _draft(vendor)
    services.submit_product(product=product, actor=None)
    revision = services.update_product_content(
        product=product, actor=None, title_zh="新"
    )
    assert revision is None
    assert get_live_product(product_id=product.pk).title_zh == "新"
    assert ProductRevision.objects.count() == 0


def test_edited_content_is_validated_and_nothing_is_written(review_off, vendor):
    product = _draft(vendor)
    with pytest.raises(ValidationFailed) as error:
        services.update_product_content(
            product=product,
            actor=None,
            title_en="",
            title_zh="",
            description_en="x" * 10_001,
        )
    assert sorted(error.value.errors) == ["description_en", "title_en"]
    assert Product.objects.get(pk=product.pk).title_zh == "绿茶"


def test_price_and_stock_apply_at_once_even_with_review_on(review_on, vendor):
    # given a live listing
    product = _draft(vendor)
    services.submit_product(product=product, actor=None)
    services.approve_product(product=product, actor=None)
    variant = product.variants.get()
    # when the vendor changes price and stock
    services.update_variant(
        variant=variant, actor=None, retail_price=4500, stock_on_hand=0
    )
    # then the shop shows them at once, without a revision
    shown = get_live_product(product_id=product.pk)
    assert (shown.min_price, shown.stock_available) == (4500, 0)
    assert ProductRevision.objects.count() == 0


def test_stock_never_goes_below_reserved_and_never_touches_reserved(vendor):
    variant = VariantFactory(stock_on_hand=10)
    type(variant).objects.filter(pk=variant.pk).update(stock_reserved=4)
    with pytest.raises(ValidationFailed) as error:
        services.set_stock(variant=variant, actor=None, on_hand=3)
    assert list(error.value.errors) == ["stock_on_hand"]
    services.set_stock(variant=variant, actor=None, on_hand=4)
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_reserved) == (4, 4)


def test_supply_model_retail_follows_supply_until_the_platform_sets_it(review_on):
    # given a supply-price vendor's variant at the default 25 % margin
    vendor = SupplyVendorFactory()
    product = _draft(vendor, variants=[{"sku": "S-1", "supply_price": 8000}])
    variant = product.variants.get()
    assert (variant.supply_price, variant.retail_price) == (8000, 10000)
    # when the supply price changes, the default retail follows
    variant = services.update_variant(variant=variant, actor=None, supply_price=8800)
    assert variant.retail_price == 11000
    # when the platform sets retail, a supply price above it is refused
    services.set_retail_price(variant=variant, actor=None, retail_price=9900)
    with pytest.raises(ValidationFailed) as error:
        services.update_variant(variant=variant, actor=None, supply_price=9901)
    assert list(error.value.errors) == ["supply_price"]
    # and retail below supply is refused too
    with pytest.raises(ValidationFailed) as error:
        services.set_retail_price(variant=variant, actor=None, retail_price=8799)
    assert list(error.value.errors) == ["retail_price"]
    variant.refresh_from_db()
    assert (variant.supply_price, variant.retail_price) == (8800, 9900)
    audit = AuditEvent.objects.get(action="catalog.variant.set_retail_price")
    assert (audit.old["retail_price"], audit.new["retail_price"]) == (11000, 9900)


@pytest.mark.parametrize(
    ("model_factory", "field"),
    [(SupplyVendorFactory, "retail_price"), (None, "supply_price")],
)
def test_each_pricing_model_refuses_the_other_sides_price(
    review_on, vendor, model_factory, field
):
    owner = model_factory() if model_factory else vendor
    with pytest.raises(ValidationFailed) as error:
        _draft(owner, variants=[{"sku": "X-1", field: 1000}])
    assert f"variants[0].{field}" in error.value.errors
    assert Product.objects.count() == 0


def test_category_commission_change_is_audited_with_old_and_new():
    category = services.create_category(
        actor=None, name_en="Tea", name_zh="茶", slug="tea", commission_bps=500
    )
    services.update_category(category=category, actor=None, commission_bps=800)
    audit = AuditEvent.objects.get(action="catalog.category.update")
    assert (audit.old, audit.new) == ({"commission_bps": 500}, {"commission_bps": 800})


def test_moving_a_category_rewrites_its_subtree_paths():
    a = services.create_category(actor=None, name_en="A", name_zh="", slug="a")
    b = services.create_category(actor=None, name_en="B", name_zh="", slug="b")
    child = services.create_category(
        actor=None, name_en="C", name_zh="", slug="c", parent=a
    )
    leaf = services.create_category(
        actor=None, name_en="D", name_zh="", slug="d", parent=child
    )
    services.update_category(category=child, actor=None, parent=b)
    leaf.refresh_from_db()
    assert leaf.path == f"/{b.pk}/{child.pk}/{leaf.pk}/"
    with pytest.raises(ValidationFailed):
        services.update_category(category=b, actor=None, parent=leaf)
