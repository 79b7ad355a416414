"""The public catalog: product search and pages, and the category tree.

Only live listings of approved vendors are ever returned; anything else is a 404.
Money is integer minor units with its currency.
"""

import functools

from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.catalog import selectors
from marketplace.catalog.models import localized
from marketplace.common import cache
from marketplace.common.errors import DomainError, NotFound, ValidationFailed
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


def _takes_json(request) -> bool:
    """Whether DRF would answer ``request`` with JSON (not its browsable HTML)."""
    return (
        request.method == "GET"
        and "text/html" not in request.headers.get("Accept", "")
        and "format" not in request.GET
    )


def served_without_drf(view, answer):
    """Answer a public view's JSON GETs with ``answer(request, **kwargs)``, rendered
    as DRF's JSONRenderer renders it, without going through DRF (negotiation,
    authentication, permissions, a third of a cached product page's CPU). HTML, and
    an answer that raises (a 404), go to the view, which answers as usual.
    """
    renderer = JSONRenderer()
    instance = view.view_class()
    instance.head = getattr(instance, "head", instance.get)  # as View.setup does
    headers = {"Vary": "Accept", "Allow": ", ".join(instance.allowed_methods)}

    @functools.wraps(view)
    def serve(request, **kwargs):
        if not _takes_json(request):
            return view(request, **kwargs)
        try:
            data = answer(request, **kwargs)
        except DomainError:
            return view(request, **kwargs)
        body = renderer.render(data)
        return HttpResponse(body, content_type="application/json", headers=headers)

    return serve


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


def cached_page(view):
    """Serve a public catalog view's JSON answers whole from the versioned cache.

    A hit is one round trip to the cache and skips DRF altogether (negotiation,
    authentication, the view, rendering). Keyed as ``_cached`` keys (the full URL
    and the language); only a 200 is stored, so a bad query is checked, and
    refused, every time. A client asking for HTML (DRF's browsable API) or a
    ``format`` goes to the view uncached.
    """

    @functools.wraps(view)
    def serve(request, *args, **kwargs):
        if not _takes_json(request):
            return view(request, *args, **kwargs)

        def build() -> tuple:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code != 200:
                raise _NotStored(response)
            headers = {k: response[k] for k in ("Vary", "Allow") if k in response}
            return response.content, response["Content-Type"], headers

        try:
            content, content_type, headers = cache.cached(
                cache.CATALOG,
                ("store-page", request.build_absolute_uri(), get_language()),
                build,
                timeout=settings.CATALOG_CACHE_SECONDS,
            )
        except _NotStored as refused:
            return refused.response
        return HttpResponse(content, content_type=content_type, headers=headers)

    return serve


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
        # Answered from the cache by cached_page (see urlpatterns) when it can.
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
        products = selectors.list_live_products(query=filters.pop("q", None), **filters)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        data = StoreProductSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


def _product_page(request, *, product_id: int) -> dict:
    """The product page, stock included: cached (CATALOG_PRODUCT_CACHE_SECONDS) under
    the catalog version and the product's stock token, so a catalog change and a
    stock move by an order both show at once; cached like a list when that is off."""

    def build() -> dict:
        product = selectors.get_live_product(product_id=product_id)
        return StoreProductDetailSerializer(product).data

    timeout = settings.CATALOG_PRODUCT_CACHE_SECONDS
    if timeout <= 0:
        return _cached(request, build)
    # The page does not depend on the host or the query string: one entry per
    # product and language, whatever the URL looked like.
    return cache.cached(
        cache.CATALOG,
        ("store-product", product_id, get_language()),
        build,
        timeout=timeout,
        item=(cache.STOCK, product_id),
    )


class ProductDetailApi(APIView):
    """One live product with its variants and images; 404 unless visible."""

    permission_classes = [AllowAny]

    @extend_schema(responses=StoreProductDetailSerializer)
    def get(self, request, product_id: int):
        # JSON GETs are answered without DRF by served_without_drf (urlpatterns).
        return Response(_product_page(request, product_id=product_id))


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
    path("products/", cached_page(ProductListApi.as_view()), name="store-products"),
    path(
        "products/<int:product_id>/",
        served_without_drf(ProductDetailApi.as_view(), _product_page),
        name="store-product",
    ),
    path("categories/", CategoryTreeApi.as_view(), name="store-categories"),
]
