"""The shopper's address book and cart, orders split per vendor, and after-sales."""

from orders.models.aftersales import Refund, RefundRequest, RefundRequestLine
from orders.models.cart import MAX_LINE_QUANTITY, Address, Cart, CartLine
from orders.models.order import Order, OrderEvent, OrderLine, Shipment, VendorOrder
from orders.models.payee import VendorPayee
from orders.models.reconciliation import ReconciliationItem
from orders.models.settlement import VendorOrderSettlement

__all__ = [
    "MAX_LINE_QUANTITY",
    "Address",
    "Cart",
    "CartLine",
    "Order",
    "OrderEvent",
    "OrderLine",
    "ReconciliationItem",
    "Refund",
    "RefundRequest",
    "RefundRequestLine",
    "Shipment",
    "VendorOrder",
    "VendorOrderSettlement",
    "VendorPayee",
]
