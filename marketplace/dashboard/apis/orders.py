"""Vendor API for orders: the vendor's own vendor orders and after-sales requests.

Scoped by ``self.vendor`` (from the caller's membership); another vendor's order or
request is simply not found (404).
"""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from marketplace.common.pagination import CursorPagination
from marketplace.common.schema import problem
from marketplace.dashboard.scope import VendorAPIView
from orders import selectors
from orders.models import (
    Order,
    OrderLine,
    RefundRequest,
    RefundRequestLine,
    VendorOrder,
)
from orders.services import fulfilment, refunds

REASON = {"max_length": 2000, "trim_whitespace": True}
INVALID = problem(400, "The input is not valid; ``errors`` names the fields.")
NO_VENDOR_ORDER = problem(404, "No such vendor order of your vendor.")
NOT_NOW = problem(409, "The vendor order's status does not allow this.")
NO_REQUEST = problem(404, "No such after-sales request for your vendor.")
DECIDED = problem(409, "The request is already decided.")


class VendorOrderLineOut(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "variant_id",
            "product_title_en",
            "product_title_zh",
            "sku",
            "attributes",
            "unit_price",
            "quantity",
            "line_total",
            "tax_rate_bps",
            "pricing_model",
            "supply_price",
            "commission_bps",
            "vendor_share",
        ]
        read_only_fields = fields


class VendorShipmentOut(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField()


class VendorShippingAddressOut(serializers.ModelSerializer):
    """The copy of the address to ship to (``Order.address_dict()``)."""

    class Meta:
        model = Order
        fields = list(Order.ADDRESS_FIELDS)
        read_only_fields = fields


class VendorOrderOut(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    shipping_address = serializers.SerializerMethodField()
    lines = VendorOrderLineOut(many=True)
    shipments = VendorShipmentOut(many=True)

    class Meta:
        model = VendorOrder
        fields = [
            "id",
            "order_number",
            "status",
            "currency",
            "items_total",
            "shipping_fee",
            "discount_total",
            "total",
            "vendor_share_total",
            "refunded_total",
            "created_at",
            "paid_at",
            "accepted_at",
            "shipped_at",
            "delivered_at",
            "completed_at",
            "cancelled_at",
            "auto_complete_at",
            "completion_paused",
            "shipping_address",
            "lines",
            "shipments",
        ]
        read_only_fields = fields

    @extend_schema_field(VendorShippingAddressOut(allow_null=True))
    def get_shipping_address(self, vendor_order):
        """The address to ship to, shown once the order is paid."""
        if vendor_order.paid_at is None:
            return None
        return vendor_order.order.address_dict()


class VendorOrderListApi(VendorAPIView):
    pagination_class = CursorPagination

    class Filter(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=VendorOrder.Status.choices, required=False
        )

    @extend_schema(
        operation_id="vendor_orders_list",
        parameters=[Filter],
        responses={(200, "application/json"): VendorOrderOut(many=True), **INVALID},
    )
    def get(self, request):
        query = self.Filter(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.list_vendor_orders(
                vendor=self.vendor, status=query.validated_data.get("status")
            ),
            request,
            view=self,
        )
        return paginator.get_paginated_response(VendorOrderOut(page, many=True).data)


def _detail(vendor, vendor_order_id):
    vendor_order = selectors.get_vendor_order(
        vendor=vendor, vendor_order_id=vendor_order_id
    )
    return Response(VendorOrderOut(vendor_order).data)


class VendorOrderDetailApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_orders_retrieve",
        responses={200: VendorOrderOut, **NO_VENDOR_ORDER},
    )
    def get(self, request, vendor_order_id):
        return _detail(self.vendor, vendor_order_id)


class VendorOrderAcceptApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_orders_accept",
        request=None,
        responses={200: VendorOrderOut, **NO_VENDOR_ORDER, **NOT_NOW},
    )
    def post(self, request, vendor_order_id):
        fulfilment.accept_vendor_order(
            vendor=self.vendor, vendor_order_id=vendor_order_id, actor=request.user
        )
        return _detail(self.vendor, vendor_order_id)


class VendorOrderRefuseIn(serializers.Serializer):
    reason = serializers.CharField(**REASON)


class VendorOrderRefuseApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_orders_refuse",
        request=VendorOrderRefuseIn,
        responses={200: VendorOrderOut, **INVALID, **NO_VENDOR_ORDER, **NOT_NOW},
    )
    def post(self, request, vendor_order_id):
        data = VendorOrderRefuseIn(data=request.data)
        data.is_valid(raise_exception=True)
        fulfilment.refuse_vendor_order(
            vendor=self.vendor,
            vendor_order_id=vendor_order_id,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return _detail(self.vendor, vendor_order_id)


class VendorOrderShipIn(serializers.Serializer):
    carrier = serializers.CharField(max_length=50)
    tracking_number = serializers.RegexField(r"^[A-Za-z0-9-]{4,64}$")


class VendorOrderShipApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_orders_ship",
        request=VendorOrderShipIn,
        responses={
            200: VendorOrderOut,
            **INVALID,
            **NO_VENDOR_ORDER,
            **problem(409, "Not shippable now, or this parcel is already recorded."),
        },
    )
    def post(self, request, vendor_order_id):
        data = VendorOrderShipIn(data=request.data)
        data.is_valid(raise_exception=True)
        fulfilment.ship_vendor_order(
            vendor=self.vendor,
            vendor_order_id=vendor_order_id,
            actor=request.user,
            **data.validated_data,
        )
        return _detail(self.vendor, vendor_order_id)


class VendorRefundLineOut(serializers.ModelSerializer):
    class Meta:
        model = RefundRequestLine
        fields = ["order_line_id", "quantity"]
        read_only_fields = fields


class VendorRefundRequestOut(serializers.ModelSerializer):
    order_number = serializers.CharField(source="vendor_order.order.number")
    lines = serializers.SerializerMethodField()

    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "vendor_order_id",
            "order_number",
            "type",
            "status",
            "amount",
            "currency",
            "reason",
            "decision_reason",
            "decided_by_operator",
            "created_at",
            "decided_at",
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(VendorRefundLineOut(many=True))
    def get_lines(self, request):
        return [
            {"order_line_id": line.order_line_id, "quantity": line.quantity}
            for line in request.lines.all()
        ]


class RefundRequestListApi(VendorAPIView):
    pagination_class = CursorPagination

    class Filter(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=RefundRequest.Status.choices, required=False
        )

    @extend_schema(
        operation_id="vendor_refunds_list",
        parameters=[Filter],
        responses={
            (200, "application/json"): VendorRefundRequestOut(many=True),
            **INVALID,
        },
    )
    def get(self, request):
        query = self.Filter(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.list_vendor_refund_requests(
                vendor=self.vendor, status=query.validated_data.get("status")
            ).select_related("vendor_order__order"),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            VendorRefundRequestOut(page, many=True).data
        )


class VendorRefundAcceptIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, **REASON)


class RefundRequestAcceptApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_refunds_accept",
        request=VendorRefundAcceptIn,
        responses={
            200: VendorRefundRequestOut,
            **INVALID,
            **NO_REQUEST,
            **problem(409, "Already decided, or more than is left to refund."),
        },
    )
    def post(self, request, request_id):
        data = VendorRefundAcceptIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund_request = refunds.accept_refund(
            vendor=self.vendor,
            request_id=request_id,
            actor=request.user,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(VendorRefundRequestOut(refund_request).data)


class VendorRefundRefuseIn(serializers.Serializer):
    reason = serializers.CharField(**REASON)


class RefundRequestRefuseApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_refunds_refuse",
        request=VendorRefundRefuseIn,
        responses={200: VendorRefundRequestOut, **INVALID, **NO_REQUEST, **DECIDED},
    )
    def post(self, request, request_id):
        data = VendorRefundRefuseIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund_request = refunds.refuse_refund(
            vendor=self.vendor,
            request_id=request_id,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(VendorRefundRequestOut(refund_request).data)


urlpatterns = [
    path("orders/", VendorOrderListApi.as_view(), name="vendor-orders"),
    path(
        "orders/<int:vendor_order_id>/",
        VendorOrderDetailApi.as_view(),
        name="vendor-order",
    ),
    path(
        "orders/<int:vendor_order_id>/accept/",
        VendorOrderAcceptApi.as_view(),
        name="vendor-order-accept",
    ),
    path(
        "orders/<int:vendor_order_id>/refuse/",
        VendorOrderRefuseApi.as_view(),
        name="vendor-order-refuse",
    ),
    path(
        "orders/<int:vendor_order_id>/ship/",
        VendorOrderShipApi.as_view(),
        name="vendor-order-ship",
    ),
    path("refunds/", RefundRequestListApi.as_view(), name="vendor-refunds"),
    path(
        "refunds/<int:request_id>/accept/",
        RefundRequestAcceptApi.as_view(),
        name="vendor-refund-accept",
    ),
    path(
        "refunds/<int:request_id>/refuse/",
        RefundRequestRefuseApi.as_view(),
        name="vendor-refund-refuse",
    ),
]
