"""Payment through the provider port: start it at checkout, apply what it reports.

An order becomes paid only here, from a verified webhook or a status query to the
provider, never because the browser came back to a success URL.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from marketplace.common.db import update_rows
from marketplace.payments.port import (
    Outcome,
    PayeeSplit,
    PaymentProviderError,
    PaymentRequest,
    PaymentStatus,
    VendorAccountRequest,
)
from marketplace.payments.providers import get_provider
from orders.models import Order, OrderEvent, OrderLine, Refund, VendorOrder, VendorPayee
from orders.services import stock
from orders.services.books import book_payment_captured
from orders.services.refunds import create_refund
from orders.services.transitions import move_order, move_vendor_order

PAYMENT_KEY = "order-{number}-payment"


def payee_refs(*, vendors: list, provider, known=None) -> dict[int, str]:
    """Return ``{vendor id: payee account ref}`` at ``provider``, making missing ones.

    ``known`` are refs the caller already read at that provider (checkout reads them
    with its variants); only the others are read. Call outside a transaction: it may
    ask the provider for an account (with an idempotency key per vendor, so
    concurrent callers get the same account).
    """
    refs = dict(known or {})
    unread = [vendor.pk for vendor in vendors if vendor.pk not in refs]
    if unread:
        with connection.cursor() as cursor:  # on checkout's path: SQL written once
            cursor.execute(
                f'SELECT "vendor_id", "account_ref" FROM "{VendorPayee._meta.db_table}"'  # noqa: S608
                ' WHERE "provider" = %s AND "vendor_id" = ANY(%s::bigint[])',
                [provider.name, unread],
            )
            refs.update(cursor.fetchall())
    for vendor in vendors:
        if vendor.pk in refs:
            continue
        result = provider.create_vendor_account(
            VendorAccountRequest(
                display_name=str(vendor),
                country=vendor.country_code,
                currency=vendor.currency,
                email=vendor.contact_email,
            ),
            idempotency_key=f"vendor-{vendor.pk}-payee",
        )
        if result.outcome != Outcome.SUCCEEDED:
            raise PaymentProviderError(result.failure_message or result.failure_code)
        payee, _created = VendorPayee.objects.get_or_create(
            vendor=vendor,
            provider=provider.name,
            defaults={"account_ref": result.account_id},
        )
        refs[vendor.pk] = payee.account_ref
    return refs


def start_payment(
    *,
    order: Order,
    vendor_orders: list[VendorOrder] | None = None,
    known_refs: dict[int, str] | None = None,
    provider=None,
) -> Order:
    """Create the provider payment of an unpaid order, one split per vendor order.

    Call after the order committed, outside any transaction: the provider is a
    network call. Safe to repeat: the idempotency key is the order's, so a retry or
    a concurrent duplicate gets the same payment. When the provider's answer is not
    a success, the order stays without a payment and this can be called again.
    ``vendor_orders`` (with their vendors) and ``known_refs`` (vendor id → payee ref
    at ``provider``, by default the configured one), when the caller has them, save
    reads.
    """
    if order.payment_reference or order.status != Order.Status.PENDING_PAYMENT:
        return order
    provider = provider or get_provider()
    if vendor_orders is None:
        vendor_orders = list(
            order.vendor_orders.select_related("vendor").order_by("id")
        )
    refs = payee_refs(
        vendors=[vo.vendor for vo in vendor_orders],
        provider=provider,
        known=known_refs,
    )
    result = provider.create_payment(
        PaymentRequest(
            merchant_reference=order.number,
            amount=order.grand_total,
            currency=order.currency,
            splits=tuple(
                PayeeSplit(
                    payee_ref=refs[vo.vendor_id],
                    sub_reference=f"{order.number}-{index}",
                    amount=vo.total,
                )
                for index, vo in enumerate(vendor_orders, start=1)
            ),
            return_url=f"/orders/{order.number}/",
            description=f"Order {order.number}",
        ),
        idempotency_key=PAYMENT_KEY.format(number=order.number),
    )
    if result.outcome != Outcome.SUCCEEDED:
        return order
    order.payment_provider = provider.name
    order.payment_reference = result.payment_id
    order.payment_url = result.next_action.url if result.next_action else ""
    update_rows(
        Order,
        {
            "payment_provider": order.payment_provider,
            "payment_reference": order.payment_reference,
            "payment_url": order.payment_url,
        },
        """"id" = %s AND "payment_reference" = ''""",
        [order.pk],
    )
    return order


def _order_quantities(order: Order) -> dict[int, int]:
    rows = (
        OrderLine.objects.filter(vendor_order__order=order)
        .values("variant_id")
        .annotate(q=Sum("quantity"))
    )
    return {row["variant_id"]: row["q"] for row in rows}


def _locked_vendor_orders(order: Order) -> list[VendorOrder]:
    return list(
        VendorOrder.objects.select_for_update().filter(order=order).order_by("id")
    )


def cancel_unpaid_order(*, order: Order, actor=None, reason: str = "") -> bool:
    """Cancel a LOCKED unpaid order: release every reservation; return whether it was.

    Call inside a transaction with the order row locked.
    """
    if order.status != Order.Status.PENDING_PAYMENT:
        return False
    for vendor_order in _locked_vendor_orders(order):
        vendor_order.order = order
        move_vendor_order(
            vendor_order, VendorOrder.Status.CANCELLED, actor=actor, reason=reason
        )
    stock.release_stock(_order_quantities(order))
    move_order(order, Order.Status.CANCELLED, actor=actor, reason=reason)
    return True


@transaction.atomic
def expire_unpaid_order(*, order_id: int, now=None) -> bool:
    """Cancel one order whose payment time ran out, if it is still unpaid."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.expires_at > (now or timezone.now()):
        return False
    return cancel_unpaid_order(order=order, reason="payment timeout")


def expire_unpaid_orders(*, now=None, limit: int = 500) -> int:
    """Cancel the unpaid orders past ``expires_at`` and release their stock.

    The provider is asked first about each one that has a payment, so a payment
    whose webhook was lost is applied instead. Each order runs in its own
    transaction. Return how many were cancelled.
    """
    now = now or timezone.now()
    ids = Order.objects.filter(
        status=Order.Status.PENDING_PAYMENT, expires_at__lte=now
    ).values_list("id", flat=True)[:limit]
    return sum(
        expire_unpaid_order(order_id=pk, now=now)
        for pk in list(ids)
        if not _paid_meanwhile(pk)
    )


def apply_payment_info(*, info, source: str) -> str:
    """Apply a provider's payment snapshot (``PaymentInfo``) if it succeeded; return
    what ``mark_order_paid`` did, or the payment's status when it has not."""
    if info.status != PaymentStatus.SUCCEEDED:
        return str(info.status)
    return mark_order_paid(
        order_number=info.merchant_reference,
        payment_id=info.payment_id,
        amount=info.amount_captured or info.amount,
        currency=info.currency,
        source=source,
        fee=info.fee,
    )


def sync_payment(*, payment_id: str, source: str) -> str:
    """Ask the provider about a payment (a status query) and apply it.

    Call outside a transaction: the query is a network call.
    """
    info = get_provider().get_payment(payment_id)
    return apply_payment_info(info=info, source=source)


def _paid_meanwhile(order_id: int) -> bool:
    """Ask the provider whether an unpaid order's payment succeeded after all (a
    webhook may have been lost); apply it if so."""
    reference = (
        Order.objects.filter(pk=order_id)
        .values_list("payment_reference", flat=True)
        .first()
    )
    if not reference:
        return False
    try:
        return (
            sync_payment(payment_id=reference, source="status query") == PaidResult.PAID
        )
    except PaymentProviderError:
        return False


@transaction.atomic
def record_payment_failure(*, info, source: str) -> str:
    """Record that the provider reports the order's payment failed or was canceled.

    Call with a provider status query (``PaymentInfo``) whose status is ``failed`` or
    ``canceled``. The order stays ``pending_payment`` with its stock reserved until
    the payment time runs out, so the shopper can still pay where the provider takes
    another attempt; the failure is an event on the order, recorded once per
    payment. A paid or closed order, or the failure of a payment that is not the
    order's, changes nothing.
    """
    order = (
        Order.objects.select_for_update().filter(number=info.merchant_reference).first()
    )
    if order is None:
        return PaidResult.UNKNOWN_ORDER
    if order.status != Order.Status.PENDING_PAYMENT or order.payment_reference not in (
        "",
        info.payment_id,
    ):
        return PaidResult.IGNORED
    what = f"payment {info.payment_id} {info.status}"
    if not OrderEvent.objects.filter(order=order, reason__startswith=what).exists():
        OrderEvent.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            reason=f"{what} ({source})",
        )
    return PaidResult.FAILED


class PaidResult:
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    LATE_REFUNDED = "late_payment_refunded"
    MISMATCH = "amount_mismatch"
    UNKNOWN_ORDER = "unknown_order"
    FAILED = "payment_failed"
    IGNORED = "ignored"


@transaction.atomic
def mark_order_paid(
    *,
    order_number: str,
    payment_id: str,
    amount: int,
    currency: str,
    source: str,
    fee: int = 0,
) -> str:
    """Apply a confirmed payment to an order; return what happened (``PaidResult``).

    Call only with facts from a verified provider webhook or a provider status query
    (``source`` says which, for the event log). Idempotent: a paid order stays as it
    is. An order already cancelled for non-payment is never fulfilled: the payment
    is refunded in full and recorded. An amount or currency that differs from the
    order's changes nothing.
    """
    order = Order.objects.select_for_update().filter(number=order_number).first()
    if order is None:
        return PaidResult.UNKNOWN_ORDER
    if order.status == Order.Status.CANCELLED:
        if not Refund.objects.filter(
            order=order, kind=Refund.Kind.LATE_PAYMENT
        ).exists():
            if not order.payment_reference:
                order.payment_reference = payment_id
                order.save(update_fields=["payment_reference"])
            book_payment_captured(
                order=order, amount=amount, fee=fee, payment_id=payment_id
            )
            create_refund(
                order=order,
                vendor_order=None,
                kind=Refund.Kind.LATE_PAYMENT,
                amount=amount,
                key=f"order:{order.number}:late:{payment_id}"[:100],
                reason="paid after cancellation",
            )
            OrderEvent.objects.create(
                order=order,
                from_status=order.status,
                to_status=order.status,
                reason=f"late payment {payment_id} refunded ({source})",
            )
        return PaidResult.LATE_REFUNDED
    if order.status != Order.Status.PENDING_PAYMENT:
        return PaidResult.ALREADY_PAID
    if amount != order.grand_total or currency != order.currency:
        OrderEvent.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            reason=f"payment {payment_id} of {amount} {currency} does not match",
        )
        return PaidResult.MISMATCH
    order.payment_reference = payment_id
    order.save(update_fields=["payment_reference"])
    move_order(order, Order.Status.PAID, reason=source)
    book_payment_captured(order=order, amount=amount, fee=fee, payment_id=payment_id)
    for vendor_order in _locked_vendor_orders(order):
        vendor_order.order = order
        vendor_order.paid_at = order.paid_at
        move_vendor_order(vendor_order, VendorOrder.Status.PAID, reason=source)
    stock.commit_stock(_order_quantities(order))
    return PaidResult.PAID
