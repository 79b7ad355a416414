"""Vendor API for the payee account at the payment provider and its onboarding.

Owner only, scoped by ``self.vendor``: the account shown or opened is always the
caller's own vendor's.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from marketplace.common.schema import problem
from marketplace.dashboard.scope import IsVendorOwner, VendorAPIView
from orders.services.payees import get_onboarding_link, get_payee

UNAVAILABLE = problem(503, "The payment provider cannot be reached; try again.")


class PayeeOut(serializers.Serializer):
    provider = serializers.CharField()
    account_ref = serializers.CharField(allow_blank=True)
    payouts_enabled = serializers.BooleanField(allow_null=True)


class OnboardingLinkOut(serializers.Serializer):
    url = serializers.CharField()
    expires_at = serializers.DateTimeField()


class VendorPayeeApi(VendorAPIView):
    """The vendor's payee account: whether it exists and can be paid."""

    permission_classes = [IsVendorOwner]

    @extend_schema(operation_id="vendor_payee_retrieve", responses={200: PayeeOut})
    def get(self, request):
        payee = get_payee(vendor=self.vendor)
        return Response(
            PayeeOut(
                {
                    "provider": payee.provider if payee else "",
                    "account_ref": payee.account_ref if payee else "",
                    "payouts_enabled": payee.payouts_enabled if payee else None,
                }
            ).data
        )


class VendorPayeeOnboardingApi(VendorAPIView):
    """POST: open the payee account if needed and return the provider's hosted
    onboarding link (single use, short-lived: ask again for a new one)."""

    permission_classes = [IsVendorOwner]

    @extend_schema(
        operation_id="vendor_payee_onboarding_link",
        request=None,
        responses={200: OnboardingLinkOut, **UNAVAILABLE},
    )
    def post(self, request):
        link = get_onboarding_link(vendor=self.vendor)
        return Response(
            OnboardingLinkOut({"url": link.url, "expires_at": link.expires_at}).data
        )


urlpatterns = [
    path("payee/", VendorPayeeApi.as_view(), name="vendor-payee"),
    path(
        "payee/onboarding-link/",
        VendorPayeeOnboardingApi.as_view(),
        name="vendor-payee-onboarding-link",
    ),
]
