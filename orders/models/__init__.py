"""The shopper's address book and cart, orders split per vendor, and after-sales."""

from orders.models.aftersales import Refund, RefundRequest, RefundRequestLine
from orders.models.cart import MAX_LINE_QUANTITY, Address, Cart, CartLine
from orders.models.order import Order, OrderEvent, OrderLine, Shipment, VendorOrder
from orders.models.payee import VendorPayee

__all__ = [
    "MAX_LINE_QUANTITY",
    "Address",
    "Cart",
    "CartLine",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Refund",
    "RefundRequest",
    "RefundRequestLine",
    "Shipment",
    "VendorOrder",
    "VendorPayee",
]
