"""The public catalog: product search and pages, and the category tree.

Only live listings of approved vendors are ever returned; anything else is a 404.
Money is integer minor units with its currency.
"""

from django.conf import settings
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.catalog import selectors
from marketplace.catalog.models import localized
from marketplace.common import cache
from marketplace.common.errors import NotFound, ValidationFailed
from marketplace.common.money import MAX_AMOUNT
from marketplace.common.pagination import PageNumberPagination


def _cached(request, build):
    """Serve a public catalog answer from the versioned cache (common/cache.py): the
    key is the full URL and the language; a 404 or 400 is raised, never cached."""
    return cache.cached(
        cache.CATALOG,
        ("store-api", request.build_absolute_uri(), get_language()),
        build,
        timeout=settings.CATALOG_CACHE_SECONDS,
    )


def _media_url(storage, name: str) -> str:
    return storage.url(name) if name else ""


class StoreImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt = serializers.SerializerMethodField()
    variant_id = serializers.IntegerField(allow_null=True)
    thumbnails = serializers.SerializerMethodField(
        help_text="URLs of narrower WebP copies, by width in pixels (for srcset)."
    )

    def get_url(self, image) -> str:
        return _media_url(image.image.storage, image.image.name)

    def get_alt(self, image) -> str:
        return localized(image, "alt")

    def get_thumbnails(self, image) -> dict[str, str]:
        storage = image.image.storage
        return {width: storage.url(name) for width, name in image.thumbnails.items()}


class StoreCategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class StoreVendorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    slug = serializers.CharField()

    def get_name(self, vendor) -> str:
        return str(vendor)


class StoreVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    attributes = serializers.DictField(child=serializers.CharField())
    price = serializers.IntegerField(source="retail_price", allow_null=True)
    currency = serializers.CharField()
    stock_available = serializers.IntegerField()
    weight_grams = serializers.IntegerField()


class StoreProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category = StoreCategoryRefSerializer()
    vendor = StoreVendorRefSerializer()
    min_price = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField(source="vendor.currency")
    stock_available = serializers.IntegerField()
    image = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField()

    @extend_schema_field(StoreImageSerializer(allow_null=True))
    def get_image(self, product) -> dict | None:
        images = list(product.images.all())
        return StoreImageSerializer(images[0]).data if images else None


class StoreProductDetailSerializer(StoreProductSerializer):
    description = serializers.CharField()
    variants = StoreVariantSerializer(many=True)
    images = StoreImageSerializer(many=True)


class ProductListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True)
    category = serializers.IntegerField(min_value=1, required=False)
    vendor = serializers.IntegerField(min_value=1, required=False)
    min_price = serializers.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, required=False
    )
    max_price = serializers.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, required=False
    )
    in_stock = serializers.BooleanField(required=False, allow_null=True)
    sort = serializers.ChoiceField(
        choices=list(selectors.SORTS), default="relevance", required=False
    )


class ProductListApi(APIView):
    """Search and browse live products of approved vendors."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="store_products_list",
        parameters=[ProductListQuerySerializer],
        responses=inline_serializer(
            "StoreProductPage",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": StoreProductSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        # Only an answer to a valid query is cached (a 400 is raised, not stored),
        # so the query is checked when the answer is built, not on a cache hit.
        def build() -> dict:
            query = ProductListQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            filters = dict(query.validated_data)
            if "category" in filters:
                try:
                    filters["category"] = selectors.get_category(
                        category_id=filters["category"]
                    )
                except NotFound as error:
                    raise ValidationFailed(
                        errors={"category": [_("No such category.")]}
                    ) from error
            products = selectors.list_live_products(
                query=filters.pop("q", None), **filters
            )
            paginator = PageNumberPagination()
            page = paginator.paginate_queryset(products, request, view=self)
            data = StoreProductSerializer(page, many=True).data
            return paginator.get_paginated_response(data).data

        return Response(_cached(request, build))


def _with_stock(page: dict, stock: dict[int, int]) -> dict:
    """Return a copy of a cached product page with ``stock`` (variant id → units
    available, active variants only) in place of the stock it was cached with.

    The cached page is copied, never changed: a per-process cache may hand the same
    object to the next request. A variant missing from ``stock`` has stopped being
    active without a service bumping the version (a raw write): it shows 0.
    """
    return {
        **page,
        "stock_available": sum(stock.values()),
        "variants": [
            {**variant, "stock_available": stock.get(variant["id"], 0)}
            for variant in page["variants"]
        ],
    }


class ProductDetailApi(APIView):
    """One live product with its variants and images; 404 unless visible."""

    permission_classes = [AllowAny]

    @extend_schema(responses=StoreProductDetailSerializer)
    def get(self, request, product_id: int):
        def build() -> dict:
            product = selectors.get_live_product(product_id=product_id)
            return StoreProductDetailSerializer(product).data

        timeout = settings.CATALOG_PRODUCT_CACHE_SECONDS
        if timeout <= 0:
            return Response(_cached(request, build))
        # The page does not depend on the host or the query string: one entry per
        # product and language, whatever the URL looked like.
        page = cache.cached(
            cache.CATALOG,
            ("store-product", product_id, get_language()),
            build,
            timeout=timeout,
        )
        return Response(_with_stock(page, selectors.live_stock(product_id=product_id)))


class StoreCategoryNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="category.id")
    name = serializers.CharField(source="category.name")
    slug = serializers.CharField(source="category.slug")
    children = serializers.SerializerMethodField()

    def get_children(self, node) -> list[dict]:
        return StoreCategoryNodeSerializer(node["children"], many=True).data


class CategoryTreeApi(APIView):
    """The active categories as a tree."""

    permission_classes = [AllowAny]

    @extend_schema(responses=StoreCategoryNodeSerializer(many=True))
    def get(self, request):
        tree = selectors.category_tree(selectors.list_categories())
        return Response(StoreCategoryNodeSerializer(tree, many=True).data)


urlpatterns = [
    path("products/", ProductListApi.as_view(), name="store-products"),
    path(
        "products/<int:product_id>/",
        ProductDetailApi.as_view(),
        name="store-product",
    ),
    path("categories/", CategoryTreeApi.as_view(), name="store-categories"),
]
