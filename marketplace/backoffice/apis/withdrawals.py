"""Ops API for withdrawals: finance's queue, and approve / hold / reject.

Finance only (admins always): support and reviewers cannot move money.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.backoffice.permissions import FINANCE
from marketplace.common.schema import problem
from vendors.models import Withdrawal
from vendors.selectors_money import list_withdrawal_queue
from vendors.services import withdrawals

NO_WITHDRAWAL = problem(404, "No such withdrawal.")
NOT_NOW = problem(409, "The withdrawal's status does not allow this.")


class OpsWithdrawalOut(serializers.ModelSerializer):
    vendor_name = serializers.CharField(source="vendor.__str__")
    payout_amount = serializers.IntegerField(read_only=True)

    class Meta:
        model = Withdrawal
        fields = [
            "id",
            "vendor_id",
            "vendor_name",
            "amount",
            "fee",
            "payout_amount",
            "currency",
            "status",
            "business_date",
            "failure_reason",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class OpsWithdrawalDecisionIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class OpsWithdrawalQueueApi(APIView):
    permission_classes = [FINANCE]

    class Filter(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=Withdrawal.Status.choices, required=False
        )

    @extend_schema(
        operation_id="ops_withdrawals_list",
        parameters=[Filter],
        responses={200: OpsWithdrawalOut(many=True)},
    )
    def get(self, request):
        query = self.Filter(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = list_withdrawal_queue(status=query.validated_data.get("status"))
        return Response(OpsWithdrawalOut(rows[:500], many=True).data)


def _decision(service, operation_id: str):
    class OpsWithdrawalDecisionApi(APIView):
        permission_classes = [FINANCE]

        @extend_schema(
            operation_id=operation_id,
            request=OpsWithdrawalDecisionIn,
            responses={200: OpsWithdrawalOut, **NO_WITHDRAWAL, **NOT_NOW},
        )
        def post(self, request, withdrawal_id):
            data = OpsWithdrawalDecisionIn(data=request.data)
            data.is_valid(raise_exception=True)
            withdrawal = service(
                withdrawal_id=withdrawal_id,
                operator=request.user,
                reason=data.validated_data.get("reason", ""),
            )
            return Response(OpsWithdrawalOut(withdrawal).data)

    OpsWithdrawalDecisionApi.__name__ = f"Ops{operation_id.title().replace('_', '')}"
    return OpsWithdrawalDecisionApi


WithdrawalApproveApi = _decision(
    withdrawals.approve_withdrawal, "ops_withdrawals_approve"
)
WithdrawalHoldApi = _decision(withdrawals.hold_withdrawal, "ops_withdrawals_hold")
WithdrawalRejectApi = _decision(withdrawals.reject_withdrawal, "ops_withdrawals_reject")

urlpatterns = [
    path("withdrawals/", OpsWithdrawalQueueApi.as_view(), name="ops-withdrawals"),
    path(
        "withdrawals/<int:withdrawal_id>/approve/",
        WithdrawalApproveApi.as_view(),
        name="ops-withdrawal-approve",
    ),
    path(
        "withdrawals/<int:withdrawal_id>/hold/",
        WithdrawalHoldApi.as_view(),
        name="ops-withdrawal-hold",
    ),
    path(
        "withdrawals/<int:withdrawal_id>/reject/",
        WithdrawalRejectApi.as_view(),
        name="ops-withdrawal-reject",
    ),
]
