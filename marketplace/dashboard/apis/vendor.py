"""Vendor API: the application, the shop profile, staff and invitations.

Every view takes the shop from the signed-in user's membership (``VendorAPIView``),
so an id from another shop is simply not found. Owner-only rules are enforced again
by the services, so a staff member gets 403 whichever way they come in.
"""

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.common.files import private_file_response
from marketplace.common.money import MAX_AMOUNT
from marketplace.dashboard.scope import IsVendorMember, IsVendorOwner, VendorAPIView
from vendors import selectors, services
from vendors.models import StaffInvitation, Vendor, VendorEvent, VendorMember
from vendors.services.application import APPLICATION_FIELDS


class VendorApplicationIn(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=60, required=False)
    licence_image = serializers.FileField(required=False, write_only=True)

    class Meta:
        model = Vendor
        fields = [*APPLICATION_FIELDS, "licence_image"]


class VendorStatusEventOut(serializers.ModelSerializer):
    class Meta:
        model = VendorEvent
        fields = ["from_status", "to_status", "reason", "created_at"]


class VendorApplicationOut(serializers.ModelSerializer):
    licence_url = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Vendor
        fields = [
            "id",
            *APPLICATION_FIELDS,
            "status",
            "status_reason",
            "licence_url",
            "currency",
            "deposit_required",
            "commission_bps_override",
            "shipping_fee",
            "free_shipping_threshold",
            "created_at",
            "submitted_at",
            "approved_at",
            "events",
        ]
        read_only_fields = fields

    def get_licence_url(self, vendor) -> str | None:
        return reverse("vendor-application-licence") if vendor.licence_image else None

    @extend_schema_field(VendorStatusEventOut(many=True))
    def get_events(self, vendor):
        return VendorStatusEventOut(
            selectors.list_vendor_events(vendor=vendor), many=True
        ).data


class VendorApplicationApi(VendorAPIView):
    """GET the own application; POST (multipart) to apply; PATCH while editable.

    POST is for a signed-in user who belongs to no shop yet, so it has no vendor
    scope; GET needs a membership and PATCH the owner.
    """

    require_approved = False

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated()]
        if self.request.method == "PATCH":
            return [IsVendorOwner()]
        return [IsVendorMember()]

    @extend_schema(responses=VendorApplicationOut)
    def get(self, request):
        return Response(VendorApplicationOut(self.vendor).data)

    @extend_schema(request=VendorApplicationIn, responses={201: VendorApplicationOut})
    def post(self, request):
        data = VendorApplicationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        licence = fields.pop("licence_image", None)
        vendor = services.apply_as_vendor(
            user=request.user, data=fields, licence_image=licence
        )
        return Response(
            VendorApplicationOut(vendor).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=VendorApplicationIn, responses=VendorApplicationOut)
    def patch(self, request):
        data = VendorApplicationIn(self.vendor, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        licence = fields.pop("licence_image", None)
        vendor = services.update_application(
            vendor=self.vendor, actor=request.user, data=fields, licence_image=licence
        )
        return Response(VendorApplicationOut(vendor).data)


class VendorApplicationSubmitApi(VendorAPIView):
    """Send the application for review (owner)."""

    require_approved = False
    permission_classes = [IsVendorOwner]

    @extend_schema(request=None, responses=VendorApplicationOut)
    def post(self, request):
        vendor = services.submit_application(vendor=self.vendor, actor=request.user)
        return Response(VendorApplicationOut(vendor).data)


class VendorApplicationLicenceApi(VendorAPIView):
    """The shop's own licence scan, served from private storage (owner)."""

    require_approved = False
    permission_classes = [IsVendorOwner]

    @extend_schema(responses={(200, "image/webp"): OpenApiTypes.BINARY})
    def get(self, request):
        return private_file_response(
            self.vendor.licence_image,
            filename="licence.webp",
            content_type="image/webp",
        )


class VendorProfileIn(serializers.Serializer):
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True)
    name_zh = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description_en = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    description_zh = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    shipping_fee = serializers.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, required=False
    )
    free_shipping_threshold = serializers.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, required=False, allow_null=True
    )


class VendorProfileOut(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "id",
            "slug",
            "status",
            "name_en",
            "name_zh",
            "description_en",
            "description_zh",
            "currency",
            "shipping_fee",
            "free_shipping_threshold",
        ]
        read_only_fields = fields


class VendorProfileApi(VendorAPIView):
    """The approved shop's public profile: names, descriptions, shipping charges.

    Staff may edit names and descriptions; shipping charges are the owner's.
    """

    @extend_schema(responses=VendorProfileOut)
    def get(self, request):
        return Response(VendorProfileOut(self.vendor).data)

    @extend_schema(request=VendorProfileIn, responses=VendorProfileOut)
    def patch(self, request):
        data = VendorProfileIn(data=request.data)
        data.is_valid(raise_exception=True)
        vendor = services.update_shop_profile(
            vendor=self.vendor, actor=request.user, data=data.validated_data
        )
        return Response(VendorProfileOut(vendor).data)


class VendorStaffMemberOut(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")

    class Meta:
        model = VendorMember
        fields = ["id", "email", "display_name", "role", "created_at"]
        read_only_fields = fields


class VendorInvitationOut(serializers.ModelSerializer):
    class Meta:
        model = StaffInvitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]
        read_only_fields = fields


class VendorStaffApi(VendorAPIView):
    """GET the shop's members; POST an invitation (owner)."""

    require_approved = False

    class VendorInviteIn(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        role = serializers.ChoiceField(
            choices=VendorMember.Role.choices, default=VendorMember.Role.STAFF
        )

    @extend_schema(responses=VendorStaffMemberOut(many=True))
    def get(self, request):
        members = selectors.list_staff(vendor=self.vendor)
        return Response(VendorStaffMemberOut(members, many=True).data)

    @extend_schema(request=VendorInviteIn, responses={201: VendorInvitationOut})
    def post(self, request):
        data = self.VendorInviteIn(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invite_staff(
            vendor=self.vendor, actor=request.user, **data.validated_data
        )
        return Response(
            VendorInvitationOut(invitation).data, status=status.HTTP_201_CREATED
        )


class VendorStaffDetailApi(VendorAPIView):
    """PATCH a member's role or DELETE the member (owner)."""

    require_approved = False

    class VendorStaffRoleIn(serializers.Serializer):
        role = serializers.ChoiceField(choices=VendorMember.Role.choices)

    @extend_schema(request=VendorStaffRoleIn, responses=VendorStaffMemberOut)
    def patch(self, request, member_id):
        member = selectors.get_member(vendor=self.vendor, member_id=member_id)
        data = self.VendorStaffRoleIn(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.change_staff_role(
            vendor=self.vendor,
            actor=request.user,
            member=member,
            role=data.validated_data["role"],
        )
        return Response(VendorStaffMemberOut(member).data)

    @extend_schema(responses={204: OpenApiResponse(description="Removed.")})
    def delete(self, request, member_id):
        member = selectors.get_member(vendor=self.vendor, member_id=member_id)
        services.remove_staff(vendor=self.vendor, actor=request.user, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VendorInvitationListApi(VendorAPIView):
    """The shop's invitations, newest first (owner)."""

    require_approved = False
    permission_classes = [IsVendorOwner]

    @extend_schema(responses=VendorInvitationOut(many=True))
    def get(self, request):
        invitations = selectors.list_invitations(vendor=self.vendor).order_by("-id")
        return Response(VendorInvitationOut(invitations, many=True).data)


class VendorInvitationDetailApi(VendorAPIView):
    """DELETE revokes a pending invitation (owner)."""

    require_approved = False

    @extend_schema(responses={204: OpenApiResponse(description="Revoked.")})
    def delete(self, request, invitation_id):
        invitation = selectors.get_invitation(
            vendor=self.vendor, invitation_id=invitation_id
        )
        services.revoke_invitation(
            vendor=self.vendor, actor=request.user, invitation=invitation
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("application/", VendorApplicationApi.as_view(), name="vendor-application"),
    path(
        "application/submit/",
        VendorApplicationSubmitApi.as_view(),
        name="vendor-application-submit",
    ),
    path(
        "application/licence/",
        VendorApplicationLicenceApi.as_view(),
        name="vendor-application-licence",
    ),
    path("profile/", VendorProfileApi.as_view(), name="vendor-profile"),
    path("staff/", VendorStaffApi.as_view(), name="vendor-staff"),
    path(
        "staff/<int:member_id>/",
        VendorStaffDetailApi.as_view(),
        name="vendor-staff-detail",
    ),
    path("invitations/", VendorInvitationListApi.as_view(), name="vendor-invitations"),
    path(
        "invitations/<int:invitation_id>/",
        VendorInvitationDetailApi.as_view(),
        name="vendor-invitation-detail",
    ),
]
