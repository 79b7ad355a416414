"""Operators' catalog work: the category tree, listing review and retail prices.

Reviewers (and admins) decide; every operator role may read. Decisions are recorded
in the audit trail by the services.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.backoffice.permissions import ANY_OPERATOR, REVIEWERS
from marketplace.catalog import selectors, services
from marketplace.catalog.models import Category, Product
from marketplace.common.errors import NotFound, ValidationFailed
from marketplace.common.money import BPS, MAX_AMOUNT
from marketplace.common.pagination import PageNumberPagination


class ReadAnyWriteReviewers:
    """Any operator may read (support included); reviewers and admins may write."""

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [ANY_OPERATOR()]
        return [REVIEWERS()]


# --- categories ---------------------------------------------------------------------


class OpsCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    slug = serializers.CharField()
    path = serializers.CharField()
    position = serializers.IntegerField()
    commission_bps = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField()


class CategoryInputSerializer(serializers.Serializer):
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True)
    name_zh = serializers.CharField(max_length=100, required=False, allow_blank=True)
    slug = serializers.SlugField(max_length=100)
    parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    commission_bps = serializers.IntegerField(
        min_value=0, max_value=BPS, required=False, allow_null=True
    )
    position = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    is_active = serializers.BooleanField(required=False)


class CategoryUpdateSerializer(CategoryInputSerializer):
    slug = serializers.SlugField(max_length=100, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def _parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _parent(data: dict) -> None:
    if data.get("parent") is not None:
        try:
            data["parent"] = selectors.get_category(
                category_id=data["parent"], active_only=False
            )
        except NotFound as error:
            raise ValidationFailed(
                errors={"parent": [_("No such category.")]}
            ) from error


class CategoryListCreateApi(ReadAnyWriteReviewers, APIView):
    """All categories (inactive included), in tree order; add one."""

    @extend_schema(responses=OpsCategorySerializer(many=True))
    def get(self, request):
        categories = selectors.list_categories(include_inactive=True)
        return Response(OpsCategorySerializer(categories, many=True).data)

    @extend_schema(
        request=CategoryInputSerializer, responses={201: OpsCategorySerializer}
    )
    def post(self, request):
        data = _parse(CategoryInputSerializer, request.data)
        _parent(data)
        category = services.create_category(
            actor=request.user,
            name_en=data.pop("name_en", ""),
            name_zh=data.pop("name_zh", ""),
            **data,
        )
        return Response(
            OpsCategorySerializer(category).data, status=status.HTTP_201_CREATED
        )


class CategoryDetailApi(ReadAnyWriteReviewers, APIView):
    """One category; change its names, place, commission (audited) or visibility."""

    def get_category(self, category_id: int) -> Category:
        return selectors.get_category(category_id=category_id, active_only=False)

    @extend_schema(responses=OpsCategorySerializer)
    def get(self, request, category_id: int):
        return Response(OpsCategorySerializer(self.get_category(category_id)).data)

    @extend_schema(request=CategoryUpdateSerializer, responses=OpsCategorySerializer)
    def patch(self, request, category_id: int):
        category = self.get_category(category_id)
        data = _parse(CategoryUpdateSerializer, request.data)
        _parent(data)
        category = services.update_category(
            category=category, actor=request.user, **data
        )
        return Response(OpsCategorySerializer(category).data)


# --- listing review -----------------------------------------------------------------


class OpsRevisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content = serializers.DictField()
    status = serializers.CharField()
    submitted_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class OpsVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    attributes = serializers.DictField(child=serializers.CharField())
    currency = serializers.CharField()
    retail_price = serializers.IntegerField(allow_null=True)
    retail_price_by_operator = serializers.BooleanField()
    supply_price = serializers.IntegerField(allow_null=True)
    stock_on_hand = serializers.IntegerField()
    stock_reserved = serializers.IntegerField()
    is_active = serializers.BooleanField()


class OpsProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    vendor_id = serializers.IntegerField()
    vendor_name = serializers.CharField(source="vendor.__str__")
    pricing_model = serializers.CharField(source="vendor.pricing_model")
    category_id = serializers.IntegerField()
    title_en = serializers.CharField()
    title_zh = serializers.CharField()
    description_en = serializers.CharField()
    description_zh = serializers.CharField()
    min_price = serializers.IntegerField(allow_null=True)
    variants = OpsVariantSerializer(many=True)
    pending_revision = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpsRevisionSerializer(allow_null=True))
    def get_pending_revision(self, product) -> dict | None:
        pending = getattr(product, "pending_revisions", [])
        return OpsRevisionSerializer(pending[0]).data if pending else None


class ReviewQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ProductReviewListApi(ReadAnyWriteReviewers, APIView):
    """The review queue (pending listings and revisions), or listings by status."""

    @extend_schema(
        operation_id="ops_products_list",
        parameters=[ReviewQuerySerializer],
        responses=inline_serializer(
            "OpsProductPage",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": OpsProductSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        query = _parse(ReviewQuerySerializer, request.query_params)
        products = selectors.list_products_for_review(status=query.get("status"))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        return paginator.get_paginated_response(
            OpsProductSerializer(page, many=True).data
        )


class ProductReviewDetailApi(ReadAnyWriteReviewers, APIView):
    """One listing in any status, with its pending revision."""

    @extend_schema(responses=OpsProductSerializer)
    def get(self, request, product_id: int):
        product = selectors.get_product(product_id=product_id)
        return Response(OpsProductSerializer(product).data)


def _product_response(product_id: int) -> Response:
    return Response(
        OpsProductSerializer(selectors.get_product(product_id=product_id)).data
    )


class ProductApproveApi(APIView):
    """Put a listing waiting for review on sale."""

    permission_classes = [REVIEWERS]

    @extend_schema(request=None, responses=OpsProductSerializer)
    def post(self, request, product_id: int):
        product = selectors.get_product(product_id=product_id)
        services.approve_product(product=product, actor=request.user)
        return _product_response(product_id)


class ProductRejectApi(APIView):
    """Refuse a listing waiting for review; the reason is shown to the vendor."""

    permission_classes = [REVIEWERS]

    @extend_schema(request=ReasonSerializer, responses=OpsProductSerializer)
    def post(self, request, product_id: int):
        product = selectors.get_product(product_id=product_id)
        data = _parse(ReasonSerializer, request.data)
        services.reject_product(
            product=product, actor=request.user, reason=data["reason"]
        )
        return _product_response(product_id)


class RevisionApproveApi(APIView):
    """Put a pending revision's content on the live listing."""

    permission_classes = [REVIEWERS]

    @extend_schema(request=None, responses=OpsProductSerializer)
    def post(self, request, revision_id: int):
        revision = selectors.get_revision(revision_id=revision_id)
        services.approve_revision(revision=revision, actor=request.user)
        return _product_response(revision.product_id)


class RevisionRejectApi(APIView):
    """Refuse a pending revision; the live content stays."""

    permission_classes = [REVIEWERS]

    @extend_schema(request=ReasonSerializer, responses=OpsProductSerializer)
    def post(self, request, revision_id: int):
        revision = selectors.get_revision(revision_id=revision_id)
        data = _parse(ReasonSerializer, request.data)
        services.reject_revision(
            revision=revision, actor=request.user, reason=data["reason"]
        )
        return _product_response(revision.product_id)


class RetailPriceSerializer(serializers.Serializer):
    retail_price = serializers.IntegerField(
        min_value=1,
        max_value=MAX_AMOUNT,
        allow_null=True,
        help_text="Minor units; null goes back to the default margin over supply.",
    )


class VariantRetailPriceApi(APIView):
    """Set the retail price of a supply-price variant (never below supply)."""

    permission_classes = [REVIEWERS]

    @extend_schema(request=RetailPriceSerializer, responses=OpsVariantSerializer)
    def put(self, request, variant_id: int):
        variant = selectors.get_variant(variant_id=variant_id)
        data = _parse(RetailPriceSerializer, request.data)
        variant = services.set_retail_price(
            variant=variant, actor=request.user, retail_price=data["retail_price"]
        )
        return Response(OpsVariantSerializer(variant).data)


urlpatterns = [
    path("categories/", CategoryListCreateApi.as_view(), name="ops-categories"),
    path(
        "categories/<int:category_id>/",
        CategoryDetailApi.as_view(),
        name="ops-category",
    ),
    path("products/", ProductReviewListApi.as_view(), name="ops-products"),
    path(
        "products/<int:product_id>/",
        ProductReviewDetailApi.as_view(),
        name="ops-product",
    ),
    path(
        "products/<int:product_id>/approve/",
        ProductApproveApi.as_view(),
        name="ops-product-approve",
    ),
    path(
        "products/<int:product_id>/reject/",
        ProductRejectApi.as_view(),
        name="ops-product-reject",
    ),
    path(
        "revisions/<int:revision_id>/approve/",
        RevisionApproveApi.as_view(),
        name="ops-revision-approve",
    ),
    path(
        "revisions/<int:revision_id>/reject/",
        RevisionRejectApi.as_view(),
        name="ops-revision-reject",
    ),
    path(
        "variants/<int:variant_id>/retail-price/",
        VariantRetailPriceApi.as_view(),
        name="ops-variant-retail-price",
    ),
]
