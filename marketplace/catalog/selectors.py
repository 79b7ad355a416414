"""Reading the catalog with its rules: what shoppers may see, what a vendor owns.

Shoppers only ever see live listings of approved vendors in active categories.
Lists annotate ``min_price`` and ``stock_available`` and prefetch variants and
images, so the number of queries does not grow with the number of products.
"""

from __future__ import annotations

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from marketplace.catalog import search
from marketplace.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductImport,
    ProductRevision,
    Variant,
)
from marketplace.common.errors import NotFound
from vendors.models import Vendor

SORTS = {
    "relevance": ("-rank", "-published_at", "-id"),
    "price": ("min_price", "-id"),
    "-price": ("-min_price", "-id"),
    "newest": ("-published_at", "-id"),
}


def _active_variants():
    return Variant.objects.filter(product=OuterRef("pk"), is_active=True)


def _with_numbers(queryset: QuerySet) -> QuerySet:
    """Annotate the lowest active price and the stock available to sell."""
    min_price = (
        _active_variants()
        .filter(retail_price__isnull=False)
        .order_by("retail_price")
        .values("retail_price")[:1]
    )
    stock = (
        _active_variants()
        .values("product")
        .annotate(total=Sum("stock_on_hand") - Sum("stock_reserved"))
        .values("total")
    )
    return queryset.annotate(
        min_price=Subquery(min_price),
        stock_available=Coalesce(Subquery(stock, output_field=IntegerField()), 0),
    )


def _with_related(queryset: QuerySet, *, active_only: bool = True) -> QuerySet:
    variants = Variant.objects.order_by("position", "id")
    if active_only:
        variants = variants.filter(is_active=True)
    return queryset.select_related("vendor", "category").prefetch_related(
        Prefetch("variants", queryset=variants),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
    )


def visible_products() -> QuerySet:
    """Return the listings shoppers may see: live, approved vendor, active category."""
    return Product.objects.filter(
        status=Product.Status.LIVE,
        vendor__status=Vendor.Status.APPROVED,
        category__is_active=True,
    )


def _subtree(category: Category) -> Q:
    return Q(category__path__startswith=category.path)


def list_live_products(
    *,
    query: str | None = None,
    category: Category | None = None,
    vendor: Vendor | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    in_stock: bool | None = None,
    sort: str = "relevance",
) -> QuerySet:
    """Return the visible listings matching the filters, in ``sort`` order.

    ``category`` includes its descendants; the price range applies to the lowest
    active price. Relevance without a query means newest first.
    """
    queryset = visible_products()
    if category is not None:
        queryset = queryset.filter(_subtree(category))
    if vendor is not None:
        queryset = queryset.filter(vendor=vendor)
    queryset = search.matching(queryset, query or "")
    queryset = _with_numbers(queryset)
    if min_price is not None:
        queryset = queryset.filter(min_price__gte=min_price)
    if max_price is not None:
        queryset = queryset.filter(min_price__lte=max_price)
    if in_stock is True:
        queryset = queryset.filter(stock_available__gt=0)
    elif in_stock is False:
        queryset = queryset.filter(stock_available__lte=0)
    return _with_related(queryset).order_by(*SORTS.get(sort, SORTS["relevance"]))


def category_facets(products: QuerySet) -> list[dict]:
    """Return ``{"category": Category, "count": n}`` for the categories in a result.

    Counts are per category filed under, largest first; two queries in all.
    """
    counts = list(
        products.order_by()
        .values("category_id")
        .annotate(count=Count("id", distinct=True))
        .order_by("-count", "category_id")
    )
    categories = Category.objects.in_bulk([row["category_id"] for row in counts])
    return [
        {"category": categories[row["category_id"]], "count": row["count"]}
        for row in counts
    ]


def get_live_product(*, product_id: int) -> Product:
    """Return a visible listing with its variants and images, or raise NotFound.

    ``min_price`` and ``stock_available`` are worked out from the prefetched active
    variants, the same numbers ``_with_numbers`` annotates on lists, without its two
    correlated subqueries.
    """
    product = _with_related(visible_products()).filter(pk=product_id).first()
    if product is None:
        raise NotFound()
    variants = product.variants.all()
    prices = [v.retail_price for v in variants if v.retail_price is not None]
    product.min_price = min(prices, default=None)
    product.stock_available = sum(v.stock_on_hand - v.stock_reserved for v in variants)
    return product


def list_categories(*, include_inactive: bool = False) -> list[Category]:
    """Return the categories in tree order (by path), active ones unless asked."""
    queryset = Category.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return list(queryset.order_by("path", "position", "id"))


def category_tree(categories: list[Category]) -> list[dict]:
    """Nest ``categories`` (in path order) as ``{"category", "children"}`` dicts.

    A category whose parent is not in the list is left out with its subtree.
    """
    nodes = {c.pk: {"category": c, "children": []} for c in categories}
    roots = []
    for category in categories:
        node = nodes[category.pk]
        if category.parent_id is None:
            roots.append(node)
        elif category.parent_id in nodes:
            nodes[category.parent_id]["children"].append(node)
    return roots


def get_category(*, category_id: int, active_only: bool = True) -> Category:
    queryset = Category.objects.all()
    if active_only:
        queryset = queryset.filter(is_active=True)
    category = queryset.filter(pk=category_id).first()
    if category is None:
        raise NotFound()
    return category


def list_vendor_products(
    *, vendor: Vendor, status: str | None = None, query: str | None = None
) -> QuerySet:
    """Return ``vendor``'s own listings in every status, newest first."""
    queryset = Product.objects.filter(vendor=vendor)
    if status:
        queryset = queryset.filter(status=status)
    if query:
        queryset = search.matching(queryset, query)
    return _with_related(_with_numbers(queryset), active_only=False).order_by("-id")


def _pending_revisions():
    return Prefetch(
        "revisions",
        queryset=ProductRevision.objects.filter(status=ProductRevision.Status.PENDING),
        to_attr="pending_revisions",
    )


def get_vendor_product(*, vendor: Vendor, product_id: int) -> Product:
    """Return ``vendor``'s listing; another vendor's is simply not found."""
    product = (
        _with_related(
            _with_numbers(Product.objects.filter(vendor=vendor)), active_only=False
        )
        .prefetch_related(_pending_revisions())
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound()
    return product


def get_vendor_variant(*, vendor: Vendor, product_id: int, variant_id: int) -> Variant:
    variant = (
        Variant.objects.select_related("product__vendor")
        .filter(pk=variant_id, product_id=product_id, product__vendor=vendor)
        .first()
    )
    if variant is None:
        raise NotFound()
    return variant


def get_vendor_image(*, vendor: Vendor, product_id: int, image_id: int) -> ProductImage:
    image = ProductImage.objects.filter(
        pk=image_id, product_id=product_id, product__vendor=vendor
    ).first()
    if image is None:
        raise NotFound()
    return image


def list_products_for_review(*, status: str | None = None) -> QuerySet:
    """Return listings for operators, waiting for review first unless ``status``.

    Each carries its pending revisions as ``pending_revisions``.
    """
    queryset = Product.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(
            Q(status=Product.Status.PENDING_REVIEW)
            | Q(revisions__status=ProductRevision.Status.PENDING)
        ).distinct()
    return (
        _with_related(_with_numbers(queryset), active_only=False)
        .prefetch_related(_pending_revisions())
        .order_by("updated_at", "id")
    )


def get_product(*, product_id: int) -> Product:
    """Return any listing, for operators."""
    product = (
        _with_related(_with_numbers(Product.objects.all()), active_only=False)
        .prefetch_related(_pending_revisions())
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound()
    return product


def get_revision(*, revision_id: int) -> ProductRevision:
    revision = ProductRevision.objects.filter(pk=revision_id).first()
    if revision is None:
        raise NotFound()
    return revision


def get_variant(*, variant_id: int) -> Variant:
    variant = (
        Variant.objects.select_related("product__vendor").filter(pk=variant_id).first()
    )
    if variant is None:
        raise NotFound()
    return variant


def list_vendor_variants_for_export(*, vendor: Vendor) -> QuerySet[Variant]:
    """Return the vendor's variants with their products, for the products sheet.

    Archived products are left out (the sheet cannot change them); the order keeps
    a product's variants together.
    """
    return (
        Variant.objects.filter(product__vendor=vendor)
        .exclude(product__status=Product.Status.ARCHIVED)
        .select_related("product__category")
        .order_by("product_id", "position", "id")
    )


def list_vendor_imports(*, vendor: Vendor) -> QuerySet[ProductImport]:
    return ProductImport.objects.filter(vendor=vendor).defer("errors")


def get_vendor_import(*, vendor: Vendor, import_id: int) -> ProductImport:
    job = ProductImport.objects.filter(vendor=vendor, pk=import_id).first()
    if job is None:
        raise NotFound()
    return job
