"""Operator API for orders: every order with its timeline, refund arbitration, and
delivery.

Any operator may read; support (and administrators) decide after-sales requests
instead of the vendor, and record a delivery the carrier confirmed.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.accounts.models import User
from marketplace.backoffice.permissions import ANY_OPERATOR, operator_with
from marketplace.common.pagination import CursorPagination
from marketplace.common.schema import problem
from orders import selectors
from orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    Refund,
    RefundRequest,
    VendorOrder,
)
from orders.services import fulfilment, refunds

ARBITERS = operator_with(User.OperatorRole.SUPPORT)


class OpsOrderLineOut(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["id", "sku", "quantity", "unit_price", "line_total", "vendor_share"]
        read_only_fields = fields


class OpsVendorOrderOut(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = VendorOrder
        fields = [
            "id",
            "vendor_id",
            "status",
            "items_total",
            "shipping_fee",
            "total",
            "vendor_share_total",
            "refunded_total",
            "auto_complete_at",
            "completion_paused",
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(OpsOrderLineOut(many=True))
    def get_lines(self, vendor_order):
        return [
            {
                "id": line.pk,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
                "vendor_share": line.vendor_share,
            }
            for line in vendor_order.lines.all()
        ]


class OpsOrderSummaryOut(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = [
            "number",
            "shopper_id",
            "status",
            "currency",
            "grand_total",
            "refunded_total",
            "payment_reference",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields


class OpsOrderEventOut(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = [
            "id",
            "vendor_order_id",
            "actor_id",
            "from_status",
            "to_status",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class OpsRefundOut(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "vendor_order_id",
            "kind",
            "status",
            "amount",
            "currency",
            "provider_reference",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields


class OpsOrderDetailOut(OpsOrderSummaryOut):
    vendor_orders = OpsVendorOrderOut(many=True)
    timeline = OpsOrderEventOut(many=True, source="events")
    refunds = OpsRefundOut(many=True)

    class Meta(OpsOrderSummaryOut.Meta):
        fields = [
            *OpsOrderSummaryOut.Meta.fields,
            "items_total",
            "shipping_total",
            "discount_total",
            "expires_at",
            "cancelled_at",
            "vendor_orders",
            "timeline",
            "refunds",
        ]
        read_only_fields = fields


class OrderListApi(APIView):
    permission_classes = [ANY_OPERATOR]
    pagination_class = CursorPagination

    class Filter(serializers.Serializer):
        search = serializers.CharField(
            max_length=32, required=False, help_text="An order number, or its start."
        )

    @extend_schema(
        operation_id="ops_orders_list",
        parameters=[Filter],
        responses={
            (200, "application/json"): OpsOrderSummaryOut(many=True),
            **problem(400, "The search is not valid."),
        },
    )
    def get(self, request):
        query = self.Filter(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.list_all_orders(search=query.validated_data.get("search")),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            OpsOrderSummaryOut(page, many=True).data
        )


class OrderDetailApi(APIView):
    permission_classes = [ANY_OPERATOR]

    @extend_schema(
        operation_id="ops_orders_retrieve",
        responses={200: OpsOrderDetailOut, **problem(404, "No such order.")},
    )
    def get(self, request, number):
        order = selectors.get_order_for_operator(number=number)
        return Response(OpsOrderDetailOut(order).data)


class OpsRefundDecideIn(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, allow_blank=True, default="")


class OpsRefundDecisionOut(serializers.ModelSerializer):
    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "status",
            "amount",
            "currency",
            "decided_by_operator",
            "decision_reason",
        ]
        read_only_fields = fields


class RefundDecideApi(APIView):
    """Decide an open after-sales request instead of the vendor."""

    permission_classes = [ARBITERS]

    @extend_schema(
        operation_id="ops_refunds_decide",
        request=OpsRefundDecideIn,
        responses={
            200: OpsRefundDecisionOut,
            **problem(400, "The input is not valid (a refusal needs a reason)."),
            **problem(404, "No such after-sales request."),
            **problem(409, "Already decided, or more than is left to refund."),
        },
    )
    def post(self, request, request_id):
        data = OpsRefundDecideIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund_request = refunds.decide_refund(
            operator=request.user, request_id=request_id, **data.validated_data
        )
        return Response(OpsRefundDecisionOut(refund_request).data)


class VendorOrderDeliverApi(APIView):
    """Record that the carrier delivered a shipped vendor order.

    For support operators answering a shopper or vendor (the carrier's own report
    comes with the integrations); the event names the operator.
    """

    permission_classes = [ARBITERS]

    @extend_schema(
        operation_id="ops_vendor_orders_deliver",
        request=None,
        responses={
            200: OpsVendorOrderOut,
            **problem(404, "No such vendor order."),
            **problem(409, "The vendor order is not shipped."),
        },
    )
    def post(self, request, vendor_order_id):
        vendor_order = fulfilment.mark_delivered(
            vendor_order_id=vendor_order_id, actor=request.user
        )
        return Response(OpsVendorOrderOut(vendor_order).data)


urlpatterns = [
    path("orders/", OrderListApi.as_view(), name="ops-orders"),
    path("orders/<str:number>/", OrderDetailApi.as_view(), name="ops-order"),
    path(
        "refunds/<int:request_id>/decide/",
        RefundDecideApi.as_view(),
        name="ops-refund-decide",
    ),
    path(
        "vendor-orders/<int:vendor_order_id>/deliver/",
        VendorOrderDeliverApi.as_view(),
        name="ops-vendor-order-deliver",
    ),
]
