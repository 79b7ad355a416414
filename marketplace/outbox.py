"""The one table of outbox topics and their handlers, and the tasks that deliver them.

Grep for a topic here to find what runs when it is delivered.
"""

from celery import shared_task

from marketplace.common.crashpoints import crash_point
from marketplace.common.services import deliver_outbox_message, list_due_outbox_ids
from orders import notifications as order_notifications
from orders.services import deposits as vendor_deposits
from orders.services import payouts as order_payouts
from orders.services import refunds as order_refunds
from orders.services import settlement_batch as order_settlement
from vendors import notifications as vendor_notifications

HANDLERS = {
    "vendor.status_changed": vendor_notifications.send_vendor_status_email,
    "vendor.staff_invited": vendor_notifications.send_staff_invitation_email,
    "order.status_changed": order_notifications.send_order_status_email,
    "order.vendor_order_status_changed": (
        order_notifications.send_vendor_order_status_email
    ),
    "order.refund_request_changed": order_notifications.send_refund_request_email,
    "order.refund_created": order_refunds.execute_refund_message,
    "order.settlement_due": order_settlement.deliver_settlement,
    "order.settlement_reversal": order_settlement.deliver_settlement_reversal,
    "vendor.withdrawal_payout": order_payouts.deliver_payout,
    "vendor.deposit_release": vendor_deposits.deliver_deposit_release,
}
# Money moves in these tasks: a task is acknowledged only after it returned
# (acks_late), and requeued when its worker process dies (reject_on_worker_lost), so
# a killed worker's message is delivered again; the outbox row and the provider's
# idempotency key make the repeat do nothing twice.
MONEY_TASK = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="marketplace.outbox.deliver_outbox_message_task", **MONEY_TASK)
def deliver_outbox_message_task(message_id: int) -> bool:
    return deliver_outbox_message(message_id=message_id, handlers=HANDLERS)


@shared_task(name="marketplace.outbox.deliver_pending_outbox_task", **MONEY_TASK)
def deliver_pending_outbox_task() -> int:
    """Deliver what is due: messages whose first delivery failed or was lost."""
    return sum(
        deliver_outbox_message(message_id=message_id, handlers=HANDLERS)
        for message_id in list_due_outbox_ids()
    )


@shared_task(name="marketplace.outbox.deliver_outbox_messages_task", **MONEY_TASK)
def deliver_outbox_messages_task(message_ids: list[int]) -> int:
    """Deliver a batch of messages (a batch settlement writes thousands at once)."""
    delivered = sum(
        deliver_outbox_message(message_id=message_id, handlers=HANDLERS)
        for message_id in message_ids
    )
    crash_point("outbox.after_commit")
    return delivered
