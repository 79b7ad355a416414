"""A vendor's own products: listings, variants (price and stock) and images.

Every view is scoped to ``self.vendor``; another vendor's ids are simply not found.
Money is integer minor units; which price a vendor sends depends on its pricing
model (supply price, or retail price on the commission model).
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from marketplace.catalog import selectors, services
from marketplace.catalog.models import MAX_STOCK, Product
from marketplace.catalog.services._checks import MAX_WEIGHT_GRAMS
from marketplace.catalog.services.variants import MAX_VARIANTS
from marketplace.common.errors import NotFound, ValidationFailed
from marketplace.common.money import MAX_AMOUNT
from marketplace.common.pagination import PageNumberPagination
from marketplace.dashboard.scope import VendorAPIView

# --- output -----------------------------------------------------------------------


class VendorImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt_en = serializers.CharField()
    alt_zh = serializers.CharField()
    position = serializers.IntegerField()
    variant_id = serializers.IntegerField(allow_null=True)
    thumbnails = serializers.SerializerMethodField()

    def get_url(self, image) -> str:
        return image.image.url

    def get_thumbnails(self, image) -> dict[str, str]:
        storage = image.image.storage
        return {width: storage.url(name) for width, name in image.thumbnails.items()}


class VendorVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    attributes = serializers.DictField(child=serializers.CharField())
    currency = serializers.CharField()
    retail_price = serializers.IntegerField(allow_null=True)
    retail_price_by_operator = serializers.BooleanField()
    supply_price = serializers.IntegerField(allow_null=True)
    stock_on_hand = serializers.IntegerField()
    stock_reserved = serializers.IntegerField()
    stock_available = serializers.IntegerField()
    weight_grams = serializers.IntegerField()
    is_active = serializers.BooleanField()
    position = serializers.IntegerField()


class VendorRevisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content = serializers.DictField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class VendorProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    title_zh = serializers.CharField()
    category_id = serializers.IntegerField()
    min_price = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField(source="vendor.currency")
    stock_available = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class VendorProductDetailSerializer(VendorProductSerializer):
    description_en = serializers.CharField()
    description_zh = serializers.CharField()
    variants = VendorVariantSerializer(many=True)
    images = VendorImageSerializer(many=True)
    pending_revision = serializers.SerializerMethodField()

    @extend_schema_field(VendorRevisionSerializer(allow_null=True))
    def get_pending_revision(self, product) -> dict | None:
        pending = getattr(product, "pending_revisions", [])
        return VendorRevisionSerializer(pending[0]).data if pending else None


# --- input ------------------------------------------------------------------------


def _price_field():
    return serializers.IntegerField(
        min_value=1, max_value=MAX_AMOUNT, required=False, allow_null=True
    )


def _attributes_field():
    return serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True),
        required=False,
    )


class VariantInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    attributes = _attributes_field()
    retail_price = _price_field()
    supply_price = _price_field()
    stock_on_hand = serializers.IntegerField(
        min_value=0, max_value=MAX_STOCK, required=False
    )
    weight_grams = serializers.IntegerField(
        min_value=0, max_value=MAX_WEIGHT_GRAMS, required=False
    )
    is_active = serializers.BooleanField(required=False)


class VariantUpdateSerializer(VariantInputSerializer):
    sku = None


class ProductContentSerializer(serializers.Serializer):
    category = serializers.IntegerField(min_value=1)
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title_zh = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description_en = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, trim_whitespace=False
    )
    description_zh = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, trim_whitespace=False
    )


class ProductCreateSerializer(ProductContentSerializer):
    variants = VariantInputSerializer(
        many=True, required=False, max_length=MAX_VARIANTS
    )


class ProductUpdateSerializer(ProductContentSerializer):
    category = serializers.IntegerField(min_value=1, required=False)


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(max_length=255, allow_empty_file=False)
    variant = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    position = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, allow_null=True
    )
    alt_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    alt_zh = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProductListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    q = serializers.CharField(max_length=200, required=False, allow_blank=True)


# --- views ------------------------------------------------------------------------


def _parse(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _category(data: dict) -> None:
    """Replace the category id in ``data`` by the category, or name the field."""
    if "category" in data:
        try:
            data["category"] = selectors.get_category(category_id=data["category"])
        except NotFound as error:
            raise ValidationFailed(
                errors={"category": [_("Choose an active category.")]}
            ) from error


class VendorProductMixin:
    def get_product(self, product_id: int) -> Product:
        return selectors.get_vendor_product(vendor=self.vendor, product_id=product_id)

    def product_response(self, product_id: int, status_code=status.HTTP_200_OK):
        product = self.get_product(product_id)
        return Response(VendorProductDetailSerializer(product).data, status=status_code)


PAGE = inline_serializer(
    "VendorProductPage",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": VendorProductSerializer(many=True),
    },
)


class ProductListCreateApi(VendorProductMixin, VendorAPIView):
    """List the vendor's products, or create a draft with its variants."""

    @extend_schema(
        operation_id="vendor_products_list",
        parameters=[ProductListQuerySerializer],
        responses=PAGE,
    )
    def get(self, request):
        query = _parse(ProductListQuerySerializer, request.query_params)
        products = selectors.list_vendor_products(
            vendor=self.vendor, status=query.get("status"), query=query.get("q")
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        return paginator.get_paginated_response(
            VendorProductSerializer(page, many=True).data
        )

    @extend_schema(
        request=ProductCreateSerializer,
        responses={201: VendorProductDetailSerializer},
    )
    def post(self, request):
        data = _parse(ProductCreateSerializer, request.data)
        _category(data)
        product = services.create_product(
            vendor=self.vendor,
            actor=request.user,
            variants=[dict(v) for v in data.pop("variants", [])],
            **data,
        )
        return self.product_response(product.pk, status.HTTP_201_CREATED)


class ProductDetailApi(VendorProductMixin, VendorAPIView):
    """One of the vendor's products: read, edit its content, or archive it.

    With review on, editing a live or paused product creates a pending revision
    (``pending_revision``) and the live content stays on sale.
    """

    @extend_schema(responses=VendorProductDetailSerializer)
    def get(self, request, product_id: int):
        return self.product_response(product_id)

    @extend_schema(
        request=ProductUpdateSerializer, responses=VendorProductDetailSerializer
    )
    def patch(self, request, product_id: int):
        product = self.get_product(product_id)
        data = _parse(ProductUpdateSerializer, request.data)
        _category(data)
        services.update_product_content(product=product, actor=request.user, **data)
        return self.product_response(product_id)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, product_id: int):
        product = self.get_product(product_id)
        services.archive_product(product=product, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _status_view(name: str, service, doc: str):
    class StatusApi(VendorProductMixin, VendorAPIView):
        @extend_schema(request=None, responses=VendorProductDetailSerializer)
        def post(self, request, product_id: int):
            product = self.get_product(product_id)
            service(product=product, actor=request.user)
            return self.product_response(product_id)

    StatusApi.__name__ = StatusApi.__qualname__ = name
    StatusApi.__doc__ = doc
    return StatusApi


ProductSubmitApi = _status_view(
    "ProductSubmitApi",
    services.submit_product,
    "Submit for review, or put on sale at once when review is off.",
)
ProductPauseApi = _status_view(
    "ProductPauseApi", services.pause_product, "Take a live product off sale."
)
ProductResumeApi = _status_view(
    "ProductResumeApi", services.resume_product, "Put a paused product back on sale."
)


class VariantCreateApi(VendorProductMixin, VendorAPIView):
    """Add a variant (SKU) to one of the vendor's products."""

    @extend_schema(
        request=VariantInputSerializer, responses={201: VendorVariantSerializer}
    )
    def post(self, request, product_id: int):
        product = self.get_product(product_id)
        data = _parse(VariantInputSerializer, request.data)
        variant = services.add_variant(product=product, actor=request.user, **data)
        return Response(
            VendorVariantSerializer(variant).data, status=status.HTTP_201_CREATED
        )


class VariantDetailApi(VendorAPIView):
    """Change a variant's price, stock or attributes; they apply at once."""

    @extend_schema(request=VariantUpdateSerializer, responses=VendorVariantSerializer)
    def patch(self, request, product_id: int, variant_id: int):
        variant = selectors.get_vendor_variant(
            vendor=self.vendor, product_id=product_id, variant_id=variant_id
        )
        data = _parse(VariantUpdateSerializer, request.data)
        variant = services.update_variant(variant=variant, actor=request.user, **data)
        return Response(VendorVariantSerializer(variant).data)


class ProductImageCreateApi(VendorProductMixin, VendorAPIView):
    """Upload an image (multipart, field ``image``); it is checked and re-encoded."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImageUploadSerializer},
        responses={201: VendorImageSerializer},
    )
    def post(self, request, product_id: int):
        product = self.get_product(product_id)
        data = _parse(ImageUploadSerializer, request.data)
        variant = None
        if data.get("variant"):
            try:
                variant = selectors.get_vendor_variant(
                    vendor=self.vendor,
                    product_id=product.pk,
                    variant_id=data["variant"],
                )
            except NotFound as error:
                raise ValidationFailed(
                    errors={"variant": [_("No such variant of this product.")]}
                ) from error
        image = services.add_product_image(
            product=product,
            actor=request.user,
            file=data["image"],
            variant=variant,
            position=data.get("position"),
            alt_en=data.get("alt_en", ""),
            alt_zh=data.get("alt_zh", ""),
        )
        return Response(
            VendorImageSerializer(image).data, status=status.HTTP_201_CREATED
        )


class ProductImageDetailApi(VendorAPIView):
    """Remove one of the product's images."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, product_id: int, image_id: int):
        image = selectors.get_vendor_image(
            vendor=self.vendor, product_id=product_id, image_id=image_id
        )
        services.remove_product_image(image=image, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


P = "products/<int:product_id>/"
urlpatterns = [
    path("products/", ProductListCreateApi.as_view(), name="vendor-products"),
    path(P, ProductDetailApi.as_view(), name="vendor-product"),
    path(f"{P}submit/", ProductSubmitApi.as_view(), name="vendor-product-submit"),
    path(f"{P}pause/", ProductPauseApi.as_view(), name="vendor-product-pause"),
    path(f"{P}resume/", ProductResumeApi.as_view(), name="vendor-product-resume"),
    path(f"{P}variants/", VariantCreateApi.as_view(), name="vendor-product-variants"),
    path(
        f"{P}variants/<int:variant_id>/",
        VariantDetailApi.as_view(),
        name="vendor-product-variant",
    ),
    path(f"{P}images/", ProductImageCreateApi.as_view(), name="vendor-product-images"),
    path(
        f"{P}images/<int:image_id>/",
        ProductImageDetailApi.as_view(),
        name="vendor-product-image",
    ),
]
