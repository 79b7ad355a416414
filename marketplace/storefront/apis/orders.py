"""Shopper API for orders: address book, cart, checkout, one's own orders, after-sales.

Checkout reads only variant ids, quantities and an address id; prices, vendor ids,
discounts and statuses a client sends are ignored and recomputed on the server.
Money is integer minor units with the currency.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.common.idempotency import HEADER as IDEMPOTENCY_HEADER
from marketplace.common.pagination import CursorPagination
from marketplace.common.schema import problem
from orders import selectors
from orders.models import MAX_LINE_QUANTITY, Address, Order, OrderLine, VendorOrder
from orders.models.aftersales import RefundRequest
from orders.models.cart import MAX_CART_LINES
from orders.services import addresses as address_services
from orders.services import cart as cart_services
from orders.services.checkout import place_order
from orders.services.fulfilment import cancel_vendor_order, confirm_receipt
from orders.services.refunds import request_refund

CART_SESSION_KEY = "cart_token"
REASON = {"max_length": 2000, "trim_whitespace": True}
INVALID = problem(400, "The input is not valid; ``errors`` names the fields.")


# --- Address book -----------------------------------------------------------------
class StoreAddressOut(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "label", *Address.ADDRESS_FIELDS, "is_default"]
        read_only_fields = fields


class StoreAddressIn(serializers.Serializer):
    label = serializers.CharField(max_length=50, required=False, allow_blank=True)
    recipient = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=32)
    country_code = serializers.CharField(max_length=2, default="CN")
    province_code = serializers.CharField(max_length=12)
    city_code = serializers.CharField(max_length=12)
    district_code = serializers.CharField(max_length=12)
    detail = serializers.CharField(max_length=200)
    postal_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False, default=False)


NO_ADDRESS = problem(404, "No such address in your address book.")


class AddressListApi(APIView):
    @extend_schema(
        operation_id="store_addresses_list", responses=StoreAddressOut(many=True)
    )
    def get(self, request):
        addresses = selectors.list_addresses(user=request.user)
        return Response(StoreAddressOut(addresses, many=True).data)

    @extend_schema(
        operation_id="store_addresses_create",
        request=StoreAddressIn,
        responses={201: StoreAddressOut, **INVALID},
    )
    def post(self, request):
        data = StoreAddressIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        is_default = fields.pop("is_default")
        address = address_services.create_address(
            user=request.user, fields=fields, is_default=is_default
        )
        return Response(StoreAddressOut(address).data, status=status.HTTP_201_CREATED)


class AddressDetailApi(APIView):
    @extend_schema(
        operation_id="store_addresses_retrieve",
        responses={200: StoreAddressOut, **NO_ADDRESS},
    )
    def get(self, request, address_id):
        address = selectors.get_address(user=request.user, address_id=address_id)
        return Response(StoreAddressOut(address).data)

    @extend_schema(
        operation_id="store_addresses_partial_update",
        request=StoreAddressIn,
        responses={200: StoreAddressOut, **INVALID, **NO_ADDRESS},
    )
    def patch(self, request, address_id):
        data = StoreAddressIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        is_default = fields.pop("is_default", None)
        address = address_services.update_address(
            user=request.user,
            address_id=address_id,
            fields=fields,
            is_default=is_default,
        )
        return Response(StoreAddressOut(address).data)

    @extend_schema(
        operation_id="store_addresses_destroy",
        responses={204: OpenApiResponse(description="Deleted."), **NO_ADDRESS},
    )
    def delete(self, request, address_id):
        address_services.delete_address(user=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Cart -------------------------------------------------------------------------
def _cart_owner(request, *, create: bool):
    """Return the cart of the request: the user's (after merging the session's) or
    the anonymous session's."""
    token = request.session.get(CART_SESSION_KEY)
    if request.user.is_authenticated:
        if token:
            cart_services.merge_carts(session_key=token, user=request.user)
            del request.session[CART_SESSION_KEY]
        if create:
            return cart_services.get_or_create_cart(user=request.user)
        return selectors.get_cart(user=request.user)
    if not token and create:
        token = cart_services.new_session_cart_token()
        request.session[CART_SESSION_KEY] = token
    if create:
        return cart_services.get_or_create_cart(session_key=token)
    return selectors.get_cart(session_key=token)


class StoreVendorRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StoreCartLineOut(serializers.Serializer):
    id = serializers.IntegerField()
    variant_id = serializers.IntegerField()
    sku = serializers.CharField()
    product_title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField(help_text="Today's catalog price.")
    line_total = serializers.IntegerField()


class StoreCartVendorOut(serializers.Serializer):
    vendor = StoreVendorRefOut()
    currency = serializers.CharField()
    lines = StoreCartLineOut(many=True)
    items_total = serializers.IntegerField()
    shipping_fee = serializers.IntegerField()
    total = serializers.IntegerField()


class StoreCartOut(serializers.Serializer):
    """What ``_cart_body`` returns: the cart grouped by vendor."""

    vendors = StoreCartVendorOut(many=True)
    items_total = serializers.IntegerField()
    shipping_total = serializers.IntegerField()
    grand_total = serializers.IntegerField()


def _cart_body(cart) -> dict:
    summary = selectors.summarize_cart(cart=cart)
    return {
        "vendors": [
            {
                "vendor": {"id": g["vendor"].pk, "name": str(g["vendor"])},
                "currency": g["currency"],
                "lines": [
                    {
                        "id": item["line"].pk,
                        "variant_id": item["line"].variant_id,
                        "sku": item["line"].variant.sku,
                        "product_title": item["line"].variant.product.title,
                        "quantity": item["line"].quantity,
                        "unit_price": item["unit_price"],
                        "line_total": item["line_total"],
                    }
                    for item in g["lines"]
                ],
                "items_total": g["items_total"],
                "shipping_fee": g["shipping_fee"],
                "total": g["total"],
            }
            for g in summary["vendors"]
        ],
        "items_total": summary["items_total"],
        "shipping_total": summary["shipping_total"],
        "grand_total": summary["grand_total"],
    }


class CartApi(APIView):
    """The cart grouped by vendor, each with its shipping fee. Open to anonymous
    visitors (a session cart), merged into the shopper's cart after sign-in."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="store_cart_retrieve", responses=StoreCartOut)
    def get(self, request):
        return Response(_cart_body(_cart_owner(request, create=False)))


class StoreCartLineIn(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class StoreCartLineQuantityIn(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


NO_CART_LINE = problem(404, "No such line in your cart.")


class CartLinesApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="store_cart_lines_create",
        request=StoreCartLineIn,
        responses={
            201: StoreCartOut,
            **problem(400, "Not for sale, not enough stock, or the cart is full."),
        },
    )
    def post(self, request):
        data = StoreCartLineIn(data=request.data)
        data.is_valid(raise_exception=True)
        cart = _cart_owner(request, create=True)
        cart_services.add_cart_line(cart=cart, **data.validated_data)
        return Response(_cart_body(cart), status=status.HTTP_201_CREATED)


class CartLineApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="store_cart_lines_partial_update",
        request=StoreCartLineQuantityIn,
        responses={200: StoreCartOut, **INVALID, **NO_CART_LINE},
    )
    def patch(self, request, line_id):
        data = StoreCartLineQuantityIn(data=request.data)
        data.is_valid(raise_exception=True)
        cart = _cart_owner(request, create=True)
        cart_services.update_cart_line(
            cart=cart, line_id=line_id, quantity=data.validated_data["quantity"]
        )
        return Response(_cart_body(cart))

    @extend_schema(
        operation_id="store_cart_lines_destroy",
        responses={200: StoreCartOut, **NO_CART_LINE},
    )
    def delete(self, request, line_id):
        cart = _cart_owner(request, create=True)
        cart_services.remove_cart_line(cart=cart, line_id=line_id)
        return Response(_cart_body(cart))


# --- Orders -----------------------------------------------------------------------
class StoreOrderLineOut(serializers.ModelSerializer):
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
        ]
        read_only_fields = fields


class StoreShipmentOut(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField()


class StoreVendorOrderOut(serializers.ModelSerializer):
    vendor = serializers.SerializerMethodField()
    lines = StoreOrderLineOut(many=True)
    shipments = StoreShipmentOut(many=True)

    class Meta:
        model = VendorOrder
        fields = [
            "id",
            "vendor",
            "status",
            "currency",
            "items_total",
            "shipping_fee",
            "discount_total",
            "total",
            "refunded_total",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "completed_at",
            "auto_complete_at",
            "completion_paused",
            "lines",
            "shipments",
        ]
        read_only_fields = fields

    @extend_schema_field(StoreVendorRefOut)
    def get_vendor(self, vendor_order):
        return {"id": vendor_order.vendor_id, "name": str(vendor_order.vendor)}


class StoreShippingAddressOut(serializers.ModelSerializer):
    """The copy of the address the order ships to (``Order.address_dict()``)."""

    class Meta:
        model = Order
        fields = list(Order.ADDRESS_FIELDS)
        read_only_fields = fields


class StoreOrderOut(serializers.ModelSerializer):
    vendor_orders = StoreVendorOrderOut(many=True)
    shipping_address = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "currency",
            "items_total",
            "shipping_total",
            "discount_total",
            "grand_total",
            "refunded_total",
            "payment_url",
            "created_at",
            "expires_at",
            "paid_at",
            "shipping_address",
            "vendor_orders",
        ]
        read_only_fields = fields

    @extend_schema_field(StoreShippingAddressOut)
    def get_shipping_address(self, order):
        return order.address_dict()


_DATETIME = serializers.DateTimeField()


def _when(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def order_body(order: Order) -> dict:
    """Render ``order`` as ``StoreOrderOut`` describes it, without DRF's per-field work.

    Checkout answers with this on every placement; building the nested serializers'
    fields was a tenth of the request's CPU. ``StoreOrderOut`` stays the schema, and a
    test checks the two give the same JSON. ``order`` has its vendor orders (with
    vendors), lines and shipments loaded, as ``selectors.get_shopper_order`` loads them.
    """
    return {
        "number": order.number,
        "status": order.status,
        "currency": order.currency,
        "items_total": order.items_total,
        "shipping_total": order.shipping_total,
        "discount_total": order.discount_total,
        "grand_total": order.grand_total,
        "refunded_total": order.refunded_total,
        "payment_url": order.payment_url,
        "created_at": _when(order.created_at),
        "expires_at": _when(order.expires_at),
        "paid_at": _when(order.paid_at),
        "shipping_address": order.address_dict(),
        "vendor_orders": [_vendor_order(vo) for vo in order.vendor_orders.all()],
    }


def _vendor_order(vendor_order: VendorOrder) -> dict:
    return {
        "id": vendor_order.pk,
        "vendor": {"id": vendor_order.vendor_id, "name": str(vendor_order.vendor)},
        "status": vendor_order.status,
        "currency": vendor_order.currency,
        "items_total": vendor_order.items_total,
        "shipping_fee": vendor_order.shipping_fee,
        "discount_total": vendor_order.discount_total,
        "total": vendor_order.total,
        "refunded_total": vendor_order.refunded_total,
        "paid_at": _when(vendor_order.paid_at),
        "shipped_at": _when(vendor_order.shipped_at),
        "delivered_at": _when(vendor_order.delivered_at),
        "completed_at": _when(vendor_order.completed_at),
        "auto_complete_at": _when(vendor_order.auto_complete_at),
        "completion_paused": vendor_order.completion_paused,
        "lines": [
            {
                "id": line.pk,
                "variant_id": line.variant_id,
                "product_title_en": line.product_title_en,
                "product_title_zh": line.product_title_zh,
                "sku": line.sku,
                "attributes": line.attributes,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "line_total": line.line_total,
                "tax_rate_bps": line.tax_rate_bps,
            }
            for line in vendor_order.lines.all()
        ],
        "shipments": [
            {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "shipped_at": _when(shipment.shipped_at),
            }
            for shipment in vendor_order.shipments.all()
        ],
    }


class _NestedListField(serializers.ListField):
    """A list of objects each checked by its own serializer (see ``_nested``)."""


def _nested(serializer_class, items) -> list[dict]:
    """Validate each item of a list with ``serializer_class``; errors keep the index."""
    if not items:
        raise serializers.ValidationError(_("Add at least one line."))
    if len(items) > MAX_CART_LINES:
        raise serializers.ValidationError(
            _("At most %(n)s lines.") % {"n": MAX_CART_LINES}
        )
    checked = serializer_class(data=items, many=True)  # one set of fields for all
    if not checked.is_valid():
        raise serializers.ValidationError(checked.errors)
    return [dict(item) for item in checked.validated_data]


class StoreCheckoutLineIn(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


@extend_schema_field(StoreCheckoutLineIn(many=True))
class _CheckoutLinesField(_NestedListField):
    pass


class StoreCheckoutIn(serializers.Serializer):
    address_id = serializers.IntegerField(min_value=1)
    lines = _CheckoutLinesField(
        required=False,
        help_text=f"1 to {MAX_CART_LINES} lines; without it, the cart is ordered.",
    )

    def validate_lines(self, lines):
        return _nested(StoreCheckoutLineIn, lines)


class CheckoutApi(APIView):
    """Place the order (from the cart, or from ``lines``) with an ``Idempotency-Key``.

    The same key and body return the same order; a different body gets 422.
    """

    @extend_schema(
        operation_id="store_checkout_create",
        request=StoreCheckoutIn,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="Repeat the request safely: the same key and body "
                "return the same order.",
            )
        ],
        responses={
            201: StoreOrderOut,
            **problem(400, "Bad input, or a line is not for sale."),
            **problem(409, "Not enough stock (``sold_out``, naming the SKU)."),
            **problem(422, "This Idempotency-Key was used with another body."),
        },
    )
    def post(self, request):
        data = StoreCheckoutIn(data=request.data)
        data.is_valid(raise_exception=True)
        body = request.data if isinstance(request.data, dict) else dict(request.data)
        order = place_order(
            shopper=request.user,
            address_id=data.validated_data["address_id"],
            lines=data.validated_data.get("lines"),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            request_body=body,
        )
        return Response(order_body(order), status=status.HTTP_201_CREATED)


class OrderListApi(APIView):
    pagination_class = CursorPagination

    @extend_schema(operation_id="store_orders_list", responses=StoreOrderOut(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.list_shopper_orders(shopper=request.user), request, view=self
        )
        return paginator.get_paginated_response([order_body(o) for o in page])


NO_ORDER = problem(404, "No such order of yours.")


class OrderDetailApi(APIView):
    @extend_schema(
        operation_id="store_orders_retrieve",
        responses={200: StoreOrderOut, **NO_ORDER},
    )
    def get(self, request, number):
        return Response(_order_answer(request, number))


def _order_answer(request, number) -> dict:
    """The shopper's order as read now: what the detail and the part actions return."""
    return order_body(selectors.get_shopper_order(shopper=request.user, number=number))


NO_VENDOR_ORDER = problem(404, "No such vendor order in this order of yours.")
NOT_NOW = problem(409, "The vendor order's status does not allow this.")


class ConfirmReceiptApi(APIView):
    @extend_schema(
        operation_id="store_vendor_orders_confirm_receipt",
        request=None,
        responses={200: StoreOrderOut, **NO_VENDOR_ORDER, **NOT_NOW},
    )
    def post(self, request, number, vendor_order_id):
        confirm_receipt(
            shopper=request.user, vendor_order_id=vendor_order_id, order_number=number
        )
        return Response(_order_answer(request, number))


class StoreCancelIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, **REASON)


class CancelVendorOrderApi(APIView):
    @extend_schema(
        operation_id="store_vendor_orders_cancel",
        request=StoreCancelIn,
        responses={200: StoreOrderOut, **INVALID, **NO_VENDOR_ORDER, **NOT_NOW},
    )
    def post(self, request, number, vendor_order_id):
        data = StoreCancelIn(data=request.data)
        data.is_valid(raise_exception=True)
        cancel_vendor_order(
            shopper=request.user,
            vendor_order_id=vendor_order_id,
            order_number=number,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(_order_answer(request, number))


class StoreRefundRequestOut(serializers.ModelSerializer):
    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "vendor_order_id",
            "type",
            "status",
            "amount",
            "currency",
            "reason",
            "decision_reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class StoreRefundLineIn(serializers.Serializer):
    order_line_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


@extend_schema_field(StoreRefundLineIn(many=True))
class _RefundLinesField(_NestedListField):
    pass


class StoreRefundRequestIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=RefundRequest.Type.choices)
    reason = serializers.CharField(**REASON)
    amount = serializers.IntegerField(min_value=1, required=False)
    lines = _RefundLinesField(required=False)

    def validate_lines(self, lines):
        return _nested(StoreRefundLineIn, lines)


class RefundRequestApi(APIView):
    """Ask for a refund of a vendor order, or of some of its lines."""

    @extend_schema(
        operation_id="store_vendor_orders_refunds_create",
        request=StoreRefundRequestIn,
        responses={
            201: StoreRefundRequestOut,
            **INVALID,
            **NO_VENDOR_ORDER,
            **problem(409, "Not refundable now, or a request is already open."),
        },
    )
    def post(self, request, number, vendor_order_id):
        data = StoreRefundRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund_request = request_refund(
            shopper=request.user,
            vendor_order_id=vendor_order_id,
            order_number=number,
            **data.validated_data,
        )
        return Response(
            StoreRefundRequestOut(refund_request).data, status=status.HTTP_201_CREATED
        )


ORDER = "orders/<str:number>/vendor-orders/<int:vendor_order_id>/"
urlpatterns = [
    path("addresses/", AddressListApi.as_view(), name="store-addresses"),
    path(
        "addresses/<int:address_id>/",
        AddressDetailApi.as_view(),
        name="store-address",
    ),
    path("cart/", CartApi.as_view(), name="store-cart"),
    path("cart/lines/", CartLinesApi.as_view(), name="store-cart-lines"),
    path("cart/lines/<int:line_id>/", CartLineApi.as_view(), name="store-cart-line"),
    path("checkout/", CheckoutApi.as_view(), name="store-checkout"),
    path("orders/", OrderListApi.as_view(), name="store-orders"),
    path("orders/<str:number>/", OrderDetailApi.as_view(), name="store-order"),
    path(
        ORDER + "confirm-receipt/",
        ConfirmReceiptApi.as_view(),
        name="store-vendor-order-confirm-receipt",
    ),
    path(
        ORDER + "cancel/",
        CancelVendorOrderApi.as_view(),
        name="store-vendor-order-cancel",
    ),
    path(
        ORDER + "refunds/",
        RefundRequestApi.as_view(),
        name="store-vendor-order-refunds",
    ),
]
