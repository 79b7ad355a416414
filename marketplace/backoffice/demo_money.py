"""The demo's money history: orders paid, completed, refunded, settled and withdrawn.

Everything goes through the services and the sandbox provider, so the vendors'
balances, payout schedule and statements show real figures from the first start:
each approved vendor sells, one order spans all three, the platform launches with
no holding period (the orders settle at once) and then sets the rules' own, a
refund comes before settlement and one after, a vendor withdraws, one pays its
deposit, and each vendor has an order still in its holding period. What a worker
would do after commit (the provider calls of the outbox rows) is done here at once
by calling the same handlers; the rows, delivered later, then find it done.
"""

from __future__ import annotations

from django.conf import settings

from marketplace.common.models import OutboxMessage
from marketplace.payments.sandbox import control
from marketplace.rules.selectors import get_rules
from marketplace.rules.services import change_rules
from orders.models import VendorOrder, VendorPayee
from orders.services import deposits, fulfilment, payment, refunds
from orders.services.addresses import create_address
from orders.services.checkout import place_order
from orders.services.late_refunds import refund_completed_vendor_order
from orders.services.payouts import deliver_payout
from orders.services.settlement import settle_due_vendor_orders
from orders.services.settlement_batch import (
    deliver_settlement,
    deliver_settlement_reversal,
)
from vendors.models import Vendor
from vendors.services.withdrawals import approve_withdrawal, request_withdrawal

ADDRESS = {
    "recipient": "李小满",
    "phone": "13900000001",
    "province_code": "330000",
    "city_code": "330100",
    "district_code": "330106",
    "detail": "西湖区文三路 90 号",
}


def _variant(vendor: Vendor, index: int):
    from marketplace.catalog.models import Product, Variant

    return Variant.objects.filter(
        product__vendor=vendor,
        product__status=Product.Status.LIVE,
        stock_on_hand__gt=0,
    ).order_by("id")[index]


def _paid_order(shopper, address, pairs) -> list[VendorOrder]:
    order = place_order(
        shopper=shopper,
        address_id=address.pk,
        lines=[{"variant_id": v.pk, "quantity": q} for v, q in pairs],
    )
    control.pay(order.payment_reference)
    payment.sync_payment(payment_id=order.payment_reference, source="demo")
    return list(order.vendor_orders.select_related("vendor").order_by("id"))


def _complete(vendor_order: VendorOrder, shopper) -> None:
    vendor = vendor_order.vendor
    owner = vendor.members.get(role="owner").user
    kwargs = {"vendor": vendor, "vendor_order_id": vendor_order.pk, "actor": owner}
    fulfilment.accept_vendor_order(**kwargs)
    fulfilment.ship_vendor_order(
        **kwargs, carrier="顺丰速运", tracking_number=f"SF{vendor_order.pk:010d}"
    )
    fulfilment.confirm_receipt(shopper=shopper, vendor_order_id=vendor_order.pk)


def _run(topic: str, handler) -> None:
    """Do what the worker will do for the undelivered rows of ``topic``."""
    for message in OutboxMessage.objects.filter(
        topic=topic, delivered_at__isnull=True
    ).order_by("id"):
        handler(message)


def _refund(vendor_order: VendorOrder, *, operator, amount: int, key: str) -> None:
    refund = refund_completed_vendor_order(
        operator=operator,
        vendor_order_id=vendor_order.pk,
        amount=amount,
        reason="演示：部分退款（商品轻微瑕疵）",
        key=key,
    )
    refunds.execute_refund(refund_id=refund.pk)


def create_demo_money(*, vendors: list[Vendor], shopper, admin, finance) -> None:
    """Give the approved ``vendors`` (tea, digital, home) a money history.

    Only with the sandbox provider (it pays on the demo's behalf).
    """
    if settings.PAYMENT_PROVIDER != "sandbox":
        return
    tea, digital, home = [v for v in vendors if v.status == Vendor.Status.APPROVED]
    address = create_address(user=shopper, fields=ADDRESS)
    holding = get_rules().holding_days
    change_rules(
        actor=admin, changes={"holding_days": 0}, reason="演示：开业首批订单即时结算"
    )
    first = {
        v.pk: _paid_order(shopper, address, [(_variant(v, 0), 2)])[0]
        for v in (tea, digital, home)
    }
    shared = _paid_order(
        shopper, address, [(_variant(v, 1), 1) for v in (tea, digital, home)]
    )
    for vendor_order in [*first.values(), *shared]:
        _complete(vendor_order, shopper)
    # a refund before settlement: it comes out of the vendor's payable
    _refund(first[home.pk], operator=finance, amount=10_00, key="demo-before")
    settle_due_vendor_orders()
    _run("order.settlement_due", deliver_settlement)
    # a refund after settlement: taken back from the vendor's available balance
    _refund(first[tea.pk], operator=finance, amount=15_00, key="demo-after")
    _run("order.settlement_reversal", deliver_settlement_reversal)
    change_rules(
        actor=admin, changes={"holding_days": holding}, reason="演示：恢复结算周期"
    )
    # the digital shop withdraws part of its balance, paid out by the provider
    owner = digital.members.get(role="owner").user
    control.complete_onboarding(VendorPayee.objects.get(vendor=digital).account_ref)
    rules = get_rules()
    withdrawal = request_withdrawal(
        vendor=digital,
        actor=owner,
        amount=max(rules.withdrawal_min_amount, rules.withdrawal_fee + 1, 100_00),
        key="demo-withdrawal",
    )
    if withdrawal.status == withdrawal.Status.PENDING_APPROVAL:
        approve_withdrawal(withdrawal_id=withdrawal.pk, operator=finance)
    _run("vendor.withdrawal_payout", deliver_payout)
    # the tea house pays its security deposit
    deposit = deposits.start_deposit_payment(vendor=tea)
    control.pay(deposit.payment_reference)
    deposits.apply_deposit_payment(deposit_id=deposit.pk)
    # and each vendor has one order completed, still in its holding period
    for vendor in (tea, digital, home):
        for vendor_order in _paid_order(shopper, address, [(_variant(vendor, 2), 1)]):
            _complete(vendor_order, shopper)
