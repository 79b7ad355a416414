"""Accounts API: sign up, get a token, one's own profile, joining a shop's staff.

Also the public profile of an approved shop, with the business-licence details the
E-Commerce Law requires a shop to display (never its contact phone or email).
"""

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.accounts import services as account_services
from marketplace.accounts.models import User
from vendors import selectors as vendor_selectors
from vendors import services as vendor_services


class AccountOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "phone", "preferred_language"]
        read_only_fields = fields


class AccountTokenOut(serializers.Serializer):
    token = serializers.CharField()


class AccountSignUpOut(AccountTokenOut):
    user = AccountOut()


class SignUpApi(APIView):
    """Create a shopper account and return its API token."""

    authentication_classes = []
    permission_classes = [AllowAny]

    class SignUpIn(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(
            max_length=128, trim_whitespace=False, write_only=True
        )
        display_name = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default=""
        )
        preferred_language = serializers.ChoiceField(
            choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
        )

    @extend_schema(request=SignUpIn, responses={201: AccountSignUpOut})
    def post(self, request):
        data = self.SignUpIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = account_services.sign_up(**data.validated_data)
        token = account_services.issue_token(user=user)
        return Response(
            {"token": token.key, "user": AccountOut(user).data},
            status=status.HTTP_201_CREATED,
        )


class TokenApi(APIView):
    """Exchange an email and password for the account's API token."""

    authentication_classes = []
    permission_classes = [AllowAny]

    class TokenIn(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=TokenIn, responses=AccountTokenOut)
    def post(self, request):
        data = self.TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        token = account_services.obtain_token(**data.validated_data)
        return Response({"token": token.key})


class MeApi(APIView):
    """The signed-in user's own profile."""

    class AccountProfileIn(serializers.Serializer):
        display_name = serializers.CharField(
            max_length=100, required=False, allow_blank=True
        )
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        preferred_language = serializers.ChoiceField(
            choices=settings.LANGUAGES, required=False
        )

    @extend_schema(responses=AccountOut)
    def get(self, request):
        return Response(AccountOut(request.user).data)

    @extend_schema(request=AccountProfileIn, responses=AccountOut)
    def patch(self, request):
        data = self.AccountProfileIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = account_services.update_profile(
            user=request.user, data=data.validated_data
        )
        return Response(AccountOut(user).data)


class StaffMembershipOut(serializers.Serializer):
    member_id = serializers.IntegerField(source="pk")
    role = serializers.CharField()
    vendor_id = serializers.IntegerField()
    vendor_slug = serializers.CharField(source="vendor.slug")


class InvitationAcceptApi(APIView):
    """Join a shop's staff with the code from the invitation email."""

    class InvitationAcceptIn(serializers.Serializer):
        token = serializers.CharField(max_length=64)

    @extend_schema(request=InvitationAcceptIn, responses=StaffMembershipOut)
    def post(self, request):
        data = self.InvitationAcceptIn(data=request.data)
        data.is_valid(raise_exception=True)
        member = vendor_services.accept_invitation(
            token=data.validated_data["token"], user=request.user
        )
        return Response(StaffMembershipOut(member).data)


class PublicVendorOut(serializers.Serializer):
    slug = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    description_en = serializers.CharField()
    description_zh = serializers.CharField()
    company_name = serializers.CharField()
    business_licence_number = serializers.CharField()
    currency = serializers.CharField()
    shipping_fee = serializers.IntegerField()
    free_shipping_threshold = serializers.IntegerField(allow_null=True)
    approved_at = serializers.DateTimeField()


class PublicVendorApi(APIView):
    """An approved shop's public profile, with its business-licence details."""

    permission_classes = [AllowAny]

    @extend_schema(responses=PublicVendorOut)
    def get(self, request, slug):
        vendor = vendor_selectors.get_public_vendor(slug=slug)
        return Response(PublicVendorOut(vendor).data)


urlpatterns = [
    path("auth/signup/", SignUpApi.as_view(), name="store-signup"),
    path("auth/token/", TokenApi.as_view(), name="store-token"),
    path("me/", MeApi.as_view(), name="store-me"),
    path(
        "invitations/accept/",
        InvitationAcceptApi.as_view(),
        name="store-invitation-accept",
    ),
    path("vendors/<slug:slug>/", PublicVendorApi.as_view(), name="store-vendor"),
]
