"""Ops API for finance: reconciliation items, and vendors' security deposits
(asking for one to be paid, using it, releasing it).

Finance only (admins always). Every correction is a new journal entry with the
operator's reason; nothing in the ledger is edited.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.backoffice.permissions import FINANCE
from marketplace.common.errors import NotFound
from marketplace.common.schema import problem
from orders.models import ReconciliationItem
from orders.services import deposits
from orders.services.reconciliation import resolve_reconciliation_item
from vendors.models import DepositPayment, Vendor

INVALID = problem(400, "The input is not valid; ``errors`` names the fields.")
NOT_FOUND = problem(404, "No such item or vendor.")
CONFLICT = problem(409, "Already resolved, or not enough deposit.")


class ReconciliationItemOut(serializers.ModelSerializer):
    class Meta:
        model = ReconciliationItem
        fields = [
            "id",
            "day",
            "kind",
            "status",
            "transaction_type",
            "provider_transaction_id",
            "source_id",
            "reference",
            "currency",
            "provider_amount",
            "ledger_amount",
            "resolution_entry_id",
            "resolution_note",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReconciliationListApi(APIView):
    permission_classes = [FINANCE]

    class Filter(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=ReconciliationItem.Status.choices, required=False
        )

    @extend_schema(
        operation_id="ops_reconciliation_list",
        parameters=[Filter],
        responses={200: ReconciliationItemOut(many=True), **INVALID},
    )
    def get(self, request):
        query = self.Filter(data=request.query_params)
        query.is_valid(raise_exception=True)
        status = query.validated_data.get("status", ReconciliationItem.Status.OPEN)
        rows = ReconciliationItem.objects.filter(status=status).order_by("day", "id")
        return Response(ReconciliationItemOut(rows[:500], many=True).data)


class ReconciliationResolveApi(APIView):
    permission_classes = [FINANCE]

    @extend_schema(
        operation_id="ops_reconciliation_resolve",
        request=ReasonIn,
        responses={200: ReconciliationItemOut, **INVALID, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request, item_id):
        data = ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        if not ReconciliationItem.objects.filter(pk=item_id).exists():
            raise NotFound()
        item = resolve_reconciliation_item(
            item_id=item_id,
            operator=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(ReconciliationItemOut(item).data)


class DepositRequestIn(serializers.Serializer):
    amount = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Minor units; by default what the vendor still owes of its "
        "required deposit (the rule's amount).",
    )


class OpsDepositPaymentOut(serializers.ModelSerializer):
    held_at_provider = serializers.SerializerMethodField()

    class Meta:
        model = DepositPayment
        fields = [
            "id",
            "vendor_id",
            "amount",
            "currency",
            "status",
            "payment_url",
            "held_at_provider",
            "held_amount",
            "released_amount",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields

    def get_held_at_provider(self, payment) -> bool:
        """Whether it is frozen in the vendor's own account at the provider."""
        return bool(payment.hold_reference)


class DepositPaymentsApi(APIView):
    """Finance asks a vendor to pay its deposit: a provider payment whose hosted
    page the vendor pays on; the provider's webhook books it."""

    permission_classes = [FINANCE]

    @extend_schema(
        operation_id="ops_deposit_payments_list",
        responses={200: OpsDepositPaymentOut(many=True), **NOT_FOUND},
    )
    def get(self, request, vendor_id):
        payments = _vendor(vendor_id).deposit_payments.order_by("-id")
        return Response(OpsDepositPaymentOut(payments, many=True).data)

    @extend_schema(
        operation_id="ops_deposit_payment_create",
        request=DepositRequestIn,
        responses={201: OpsDepositPaymentOut, **INVALID, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request, vendor_id):
        data = DepositRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        payment = deposits.start_deposit_payment(
            vendor=_vendor(vendor_id),
            amount=data.validated_data.get("amount"),
            operator=request.user,
        )
        return Response(OpsDepositPaymentOut(payment).data, status=201)


class DepositUseIn(ReasonIn):
    amount = serializers.IntegerField(min_value=1)
    purpose = serializers.ChoiceField(choices=sorted(deposits.PURPOSES))
    key = serializers.RegexField(r"^[A-Za-z0-9_-]{1,64}$")


class DepositOut(serializers.Serializer):
    vendor_id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Released (release) or used (use).")


def _vendor(vendor_id) -> Vendor:
    vendor = Vendor.objects.filter(pk=vendor_id).first()
    if vendor is None:
        raise NotFound()
    return vendor


class DepositUseApi(APIView):
    permission_classes = [FINANCE]

    @extend_schema(
        operation_id="ops_deposit_use",
        request=DepositUseIn,
        responses={200: DepositOut, **INVALID, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request, vendor_id):
        data = DepositUseIn(data=request.data)
        data.is_valid(raise_exception=True)
        deposits.use_deposit(
            vendor=_vendor(vendor_id), operator=request.user, **data.validated_data
        )
        amount = data.validated_data["amount"]
        return Response({"vendor_id": vendor_id, "amount": amount})


class DepositReleaseApi(APIView):
    permission_classes = [FINANCE]

    @extend_schema(
        operation_id="ops_deposit_release",
        request=ReasonIn,
        responses={200: DepositOut, **INVALID, **NOT_FOUND, **CONFLICT},
    )
    def post(self, request, vendor_id):
        data = ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        amount = deposits.release_deposit(
            vendor=_vendor(vendor_id),
            operator=request.user,
            reason=data.validated_data["reason"],
        )
        return Response({"vendor_id": vendor_id, "amount": amount})


urlpatterns = [
    path("reconciliation/", ReconciliationListApi.as_view(), name="ops-reconciliation"),
    path(
        "reconciliation/<int:item_id>/resolve/",
        ReconciliationResolveApi.as_view(),
        name="ops-reconciliation-resolve",
    ),
    path(
        "deposits/<int:vendor_id>/payments/",
        DepositPaymentsApi.as_view(),
        name="ops-deposit-payments",
    ),
    path(
        "deposits/<int:vendor_id>/use/",
        DepositUseApi.as_view(),
        name="ops-deposit-use",
    ),
    path(
        "deposits/<int:vendor_id>/release/",
        DepositReleaseApi.as_view(),
        name="ops-deposit-release",
    ),
]
