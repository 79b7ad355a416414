"""Vendor API for the security deposit (保证金): see it, and get the link to pay it.

Owner only, scoped by ``self.vendor``. The deposit is paid on the provider's hosted
page; the provider's webhook books it (``orders.services.deposits``).
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from marketplace.common.schema import problem
from marketplace.dashboard.scope import IsVendorOwner, VendorAPIView
from orders.services.deposits import start_deposit_payment
from vendors.models import DepositPayment
from vendors.selectors_money import get_vendor_deposit

PAID = problem(409, "The deposit is already paid.")


class VendorDepositPaymentOut(serializers.ModelSerializer):
    held_at_provider = serializers.SerializerMethodField()

    class Meta:
        model = DepositPayment
        fields = [
            "id",
            "amount",
            "currency",
            "status",
            "payment_url",
            "held_at_provider",
            "released_amount",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields

    def get_held_at_provider(self, payment) -> bool:
        """Whether it is frozen in the vendor's own account at the provider."""
        return bool(payment.hold_reference)


class VendorDepositOut(serializers.Serializer):
    currency = serializers.CharField()
    required = serializers.IntegerField()
    held = serializers.IntegerField()
    frozen_at_provider = serializers.IntegerField()
    owed = serializers.IntegerField()
    payment_url = serializers.CharField(help_text="Empty when no payment is waiting.")
    payments = VendorDepositPaymentOut(many=True)


class VendorDepositApi(VendorAPIView):
    permission_classes = [IsVendorOwner]

    @extend_schema(
        operation_id="vendor_deposit_retrieve", responses={200: VendorDepositOut}
    )
    def get(self, request):
        return Response(VendorDepositOut(get_vendor_deposit(vendor=self.vendor)).data)


class VendorDepositPayApi(VendorAPIView):
    permission_classes = [IsVendorOwner]

    @extend_schema(
        operation_id="vendor_deposit_pay",
        request=None,
        responses={201: VendorDepositPaymentOut, **PAID},
    )
    def post(self, request):
        """Return the payment of what is still owed, creating it if missing."""
        payment = start_deposit_payment(vendor=self.vendor)
        return Response(VendorDepositPaymentOut(payment).data, status=201)


urlpatterns = [
    path("deposit/", VendorDepositApi.as_view(), name="vendor-deposit"),
    path("deposit/pay/", VendorDepositPayApi.as_view(), name="vendor-deposit-pay"),
]
