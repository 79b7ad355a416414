"""Vendor API for money: balances, the payout schedule, and withdrawals.

Owner only (staff cannot manage money), scoped by ``self.vendor``: another
vendor's withdrawal is simply not found (404). Amounts are integer minor units.
"""

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from marketplace.common.pagination import CursorPagination
from marketplace.common.schema import problem
from marketplace.dashboard.scope import IsVendorOwner, VendorAPIView
from orders.models import VendorOrderSettlement
from orders.selectors_settlement import list_upcoming_payouts
from vendors.models import Withdrawal, WithdrawalEvent
from vendors.selectors_money import (
    get_vendor_balances,
    get_withdrawal,
    list_withdrawals,
)
from vendors.selectors_statements import (
    LINES,
    get_vendor_statement,
    month_bounds,
    statement_csv,
)
from vendors.services.withdrawals import request_withdrawal

INVALID = problem(400, "The input is not valid; ``errors`` names the fields.")
NO_WITHDRAWAL = problem(404, "No such withdrawal of your vendor.")
REFUSED = problem(409, "Not enough available, or over the daily limit.")


class VendorMoneyAPIView(VendorAPIView):
    permission_classes = [IsVendorOwner]


class BalanceOut(serializers.Serializer):
    currency = serializers.CharField()
    pending = serializers.IntegerField()
    available = serializers.IntegerField()
    in_withdrawal = serializers.IntegerField()
    receivable = serializers.IntegerField()
    deposit = serializers.IntegerField()


class VendorBalanceApi(VendorMoneyAPIView):
    @extend_schema(operation_id="vendor_balance_retrieve", responses={200: BalanceOut})
    def get(self, request):
        return Response(BalanceOut(get_vendor_balances(vendor=self.vendor)).data)


class UpcomingPayoutOut(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    amount = serializers.IntegerField(source="vendor_amount")

    class Meta:
        model = VendorOrderSettlement
        fields = [
            "vendor_order_id",
            "order_number",
            "amount",
            "currency",
            "completed_at",
            "available_at",
        ]
        read_only_fields = fields


class VendorPayoutScheduleApi(VendorMoneyAPIView):
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="vendor_payouts_schedule",
        responses={200: UpcomingPayoutOut(many=True)},
    )
    def get(self, request):
        rows = list_upcoming_payouts(vendor=self.vendor)
        return Response(UpcomingPayoutOut(rows[:500], many=True).data)


class WithdrawalEventOut(serializers.ModelSerializer):
    class Meta:
        model = WithdrawalEvent
        fields = ["from_status", "to_status", "reason", "created_at"]
        read_only_fields = fields


class WithdrawalOut(serializers.ModelSerializer):
    payout_amount = serializers.IntegerField(read_only=True)

    class Meta:
        model = Withdrawal
        fields = [
            "id",
            "amount",
            "fee",
            "payout_amount",
            "currency",
            "status",
            "failure_reason",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class WithdrawalDetailOut(WithdrawalOut):
    events = WithdrawalEventOut(many=True)

    class Meta(WithdrawalOut.Meta):
        fields = [*WithdrawalOut.Meta.fields, "events"]
        read_only_fields = fields


class WithdrawalIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1)
    key = serializers.RegexField(r"^[A-Za-z0-9_-]{1,64}$", required=False)


class VendorWithdrawalListApi(VendorMoneyAPIView):
    pagination_class = CursorPagination

    @extend_schema(
        operation_id="vendor_withdrawals_list",
        responses={200: WithdrawalOut(many=True)},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            list_withdrawals(vendor=self.vendor), request, view=self
        )
        return paginator.get_paginated_response(WithdrawalOut(page, many=True).data)

    @extend_schema(
        operation_id="vendor_withdrawals_create",
        request=WithdrawalIn,
        responses={201: WithdrawalDetailOut, **INVALID, **REFUSED},
    )
    def post(self, request):
        data = WithdrawalIn(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal = request_withdrawal(
            vendor=self.vendor,
            actor=request.user,
            amount=data.validated_data["amount"],
            key=data.validated_data.get("key"),
        )
        found = get_withdrawal(vendor=self.vendor, withdrawal_id=withdrawal.pk)
        return Response(WithdrawalDetailOut(found).data, status=201)


class VendorWithdrawalDetailApi(VendorMoneyAPIView):
    @extend_schema(
        operation_id="vendor_withdrawals_retrieve",
        responses={200: WithdrawalDetailOut, **NO_WITHDRAWAL},
    )
    def get(self, request, withdrawal_id):
        found = get_withdrawal(vendor=self.vendor, withdrawal_id=withdrawal_id)
        return Response(WithdrawalDetailOut(found).data)


class StatementQuery(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False)


class StatementOut(serializers.Serializer):
    currency = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="Exclusive.")
    opening = serializers.IntegerField()
    lines = serializers.DictField(child=serializers.IntegerField())
    closing = serializers.IntegerField()
    deposit_opening = serializers.IntegerField()
    deposit_closing = serializers.IntegerField()
    line_labels = serializers.SerializerMethodField()

    def get_line_labels(self, statement) -> dict[str, str]:
        return {key: str(label) for key, label in LINES}


def _statement(view, request):
    query = StatementQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    month = query.validated_data.get("month") or timezone.localdate().strftime("%Y-%m")
    year, number = (int(part) for part in month.split("-"))
    start, end = month_bounds(year, number)
    return get_vendor_statement(vendor=view.vendor, start=start, end=end)


class VendorStatementApi(VendorMoneyAPIView):
    @extend_schema(
        operation_id="vendor_statement_retrieve",
        parameters=[StatementQuery],
        responses={200: StatementOut, **INVALID},
    )
    def get(self, request):
        return Response(StatementOut(_statement(self, request)).data)


class VendorStatementCsvApi(VendorMoneyAPIView):
    @extend_schema(
        operation_id="vendor_statement_csv",
        parameters=[StatementQuery],
        responses={(200, "text/csv"): str, **INVALID},
    )
    def get(self, request):
        statement = _statement(self, request)
        response = HttpResponse(statement_csv(statement), content_type="text/csv")
        name = f"statement-{statement.start:%Y-%m}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns = [
    path("statement/", VendorStatementApi.as_view(), name="vendor-statement"),
    path(
        "statement/csv/", VendorStatementCsvApi.as_view(), name="vendor-statement-csv"
    ),
    path("balance/", VendorBalanceApi.as_view(), name="vendor-balance"),
    path(
        "payouts-schedule/",
        VendorPayoutScheduleApi.as_view(),
        name="vendor-payouts-schedule",
    ),
    path("withdrawals/", VendorWithdrawalListApi.as_view(), name="vendor-withdrawals"),
    path(
        "withdrawals/<int:withdrawal_id>/",
        VendorWithdrawalDetailApi.as_view(),
        name="vendor-withdrawal",
    ),
]
