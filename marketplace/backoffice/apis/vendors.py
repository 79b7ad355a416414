"""Operator API for vendors: the review queue, decisions, terms and licence scans.

Any operator may read; reviewers decide applications, suspend and reinstate;
finance sets terms; only administrators close a shop. Each decision is recorded as
a ``VendorEvent`` (status) or an ``AuditEvent`` (terms) with who, when, old and new.
"""

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.backoffice.permissions import (
    ANY_OPERATOR,
    FINANCE,
    REVIEWERS,
    operator_with,
)
from marketplace.common.files import private_file_response
from marketplace.common.money import BPS, MAX_AMOUNT
from marketplace.common.pagination import PageNumberPagination
from vendors import selectors, services
from vendors.models import Vendor, VendorEvent, VendorMember

ADMINS = operator_with()
REASON = {"max_length": 2000, "trim_whitespace": True}


class OpsVendorSummaryOut(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "id",
            "slug",
            "name_en",
            "name_zh",
            "company_name",
            "business_licence_number",
            "pricing_model",
            "status",
            "created_at",
            "submitted_at",
            "approved_at",
        ]
        read_only_fields = fields


class OpsVendorEventOut(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", default=None)

    class Meta:
        model = VendorEvent
        fields = [
            "id",
            "actor",
            "actor_email",
            "from_status",
            "to_status",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class OpsVendorMemberOut(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = VendorMember
        fields = ["id", "user", "email", "role", "created_at"]
        read_only_fields = fields


class OpsVendorOut(serializers.ModelSerializer):
    licence_url = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Vendor
        exclude = ["licence_image"]
        read_only_fields = [f.name for f in Vendor._meta.fields]

    def get_licence_url(self, vendor) -> str | None:
        if not vendor.licence_image:
            return None
        return reverse("ops-vendor-licence", kwargs={"vendor_id": vendor.pk})

    @extend_schema_field(OpsVendorMemberOut(many=True))
    def get_members(self, vendor):
        return OpsVendorMemberOut(selectors.list_staff(vendor=vendor), many=True).data

    @extend_schema_field(OpsVendorEventOut(many=True))
    def get_events(self, vendor):
        return OpsVendorEventOut(
            selectors.list_vendor_events(vendor=vendor), many=True
        ).data


class VendorListApi(APIView):
    """Vendors, newest first; ``?status=submitted`` is the review queue.

    ``?q=`` searches shop and company names, slug, licence number and contact email.
    """

    permission_classes = [ANY_OPERATOR]

    @extend_schema(
        operation_id="ops_vendors_list",
        parameters=[
            OpenApiParameter("status", enum=Vendor.Status.values),
            OpenApiParameter("q", description="Search text."),
            OpenApiParameter("page", int),
        ],
        responses=inline_serializer(
            "OpsVendorPage",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": OpsVendorSummaryOut(many=True),
            },
        ),
    )
    def get(self, request):
        vendors = selectors.list_vendors(
            status=request.query_params.get("status"),
            query=request.query_params.get("q", "")[:200],
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(vendors, request, view=self)
        return paginator.get_paginated_response(
            OpsVendorSummaryOut(page, many=True).data
        )


class VendorDetailApi(APIView):
    """One vendor with its members and status history."""

    permission_classes = [ANY_OPERATOR]

    @extend_schema(responses=OpsVendorOut)
    def get(self, request, vendor_id):
        vendor = selectors.get_vendor(vendor_id=vendor_id)
        return Response(OpsVendorOut(vendor).data)


class VendorLicenceApi(APIView):
    """The vendor's licence scan from private storage (reviewers)."""

    permission_classes = [REVIEWERS]

    @extend_schema(responses={(200, "image/webp"): OpenApiTypes.BINARY})
    def get(self, request, vendor_id):
        vendor = selectors.get_vendor(vendor_id=vendor_id)
        return private_file_response(
            vendor.licence_image,
            filename=f"licence-{vendor.pk}.webp",
            content_type="image/webp",
        )


class VendorDecisionApi(APIView):
    """POST ``{"reason": ...}`` to apply ``service`` to the vendor."""

    permission_classes = [REVIEWERS]
    service = None

    class OpsVendorDecisionIn(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, **REASON)

    Input = OpsVendorDecisionIn

    def get_serializer_class(self):
        """The request body, for the schema."""
        return self.Input

    @extend_schema(responses=OpsVendorOut)
    def post(self, request, vendor_id):
        vendor = selectors.get_vendor(vendor_id=vendor_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        vendor = self.service(vendor=vendor, actor=request.user, **data.validated_data)
        return Response(OpsVendorOut(vendor).data)


class VendorApproveApi(VendorDecisionApi):
    """Approve a submitted application, optionally with its deposit requirement."""

    service = staticmethod(services.approve_vendor)

    class OpsVendorApproveIn(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, **REASON)
        deposit_required = serializers.IntegerField(
            min_value=0, max_value=MAX_AMOUNT, required=False
        )

    Input = OpsVendorApproveIn


class OpsReasonRequiredIn(serializers.Serializer):
    reason = serializers.CharField(**REASON)


class VendorRejectApi(VendorDecisionApi):
    """Reject a submitted application; ``reason`` is required."""

    service = staticmethod(services.reject_vendor)
    Input = OpsReasonRequiredIn


class VendorSuspendApi(VendorDecisionApi):
    """Suspend an approved shop; ``reason`` is required."""

    service = staticmethod(services.suspend_vendor)
    Input = OpsReasonRequiredIn


class VendorReinstateApi(VendorDecisionApi):
    """Let a suspended shop sell again."""

    service = staticmethod(services.reinstate_vendor)


class VendorCloseApi(VendorDecisionApi):
    """Close a shop for good (administrators)."""

    permission_classes = [ADMINS]
    service = staticmethod(services.close_vendor)


class VendorTermsApi(APIView):
    """PATCH the commission override, deposit and shipping terms (finance).

    ``reason`` is required; only the fields sent change.
    """

    permission_classes = [FINANCE]

    class OpsVendorTermsIn(serializers.Serializer):
        commission_bps_override = serializers.IntegerField(
            min_value=0, max_value=BPS, allow_null=True, required=False
        )
        deposit_required = serializers.IntegerField(
            min_value=0, max_value=MAX_AMOUNT, required=False
        )
        shipping_fee = serializers.IntegerField(
            min_value=0, max_value=MAX_AMOUNT, required=False
        )
        free_shipping_threshold = serializers.IntegerField(
            min_value=0, max_value=MAX_AMOUNT, allow_null=True, required=False
        )
        reason = serializers.CharField(**REASON)

    @extend_schema(request=OpsVendorTermsIn, responses=OpsVendorOut)
    def patch(self, request, vendor_id):
        vendor = selectors.get_vendor(vendor_id=vendor_id)
        data = self.OpsVendorTermsIn(data=request.data)
        data.is_valid(raise_exception=True)
        vendor = services.set_vendor_terms(
            vendor=vendor, actor=request.user, **data.validated_data
        )
        return Response(OpsVendorOut(vendor).data)


def _vendor_path(suffix: str, view, name: str):
    return path(f"vendors/<int:vendor_id>/{suffix}", view.as_view(), name=name)


urlpatterns = [
    path("vendors/", VendorListApi.as_view(), name="ops-vendors"),
    _vendor_path("", VendorDetailApi, "ops-vendor-detail"),
    _vendor_path("licence/", VendorLicenceApi, "ops-vendor-licence"),
    _vendor_path("approve/", VendorApproveApi, "ops-vendor-approve"),
    _vendor_path("reject/", VendorRejectApi, "ops-vendor-reject"),
    _vendor_path("suspend/", VendorSuspendApi, "ops-vendor-suspend"),
    _vendor_path("reinstate/", VendorReinstateApi, "ops-vendor-reinstate"),
    _vendor_path("close/", VendorCloseApi, "ops-vendor-close"),
    _vendor_path("terms/", VendorTermsApi, "ops-vendor-terms"),
]
