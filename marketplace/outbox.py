"""The one table of outbox topics and their handlers, and the tasks that deliver them.

Grep for a topic here to find what runs when it is delivered.
"""

from celery import shared_task

from marketplace.common.services import deliver_outbox_message, list_due_outbox_ids
from orders import notifications as order_notifications
from orders.services import refunds as order_refunds
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
}


@shared_task(name="marketplace.outbox.deliver_outbox_message_task")
def deliver_outbox_message_task(message_id: int) -> bool:
    return deliver_outbox_message(message_id=message_id, handlers=HANDLERS)


@shared_task(name="marketplace.outbox.deliver_pending_outbox_task")
def deliver_pending_outbox_task() -> int:
    """Deliver what is due: messages whose first delivery failed or was lost."""
    return sum(
        deliver_outbox_message(message_id=message_id, handlers=HANDLERS)
        for message_id in list_due_outbox_ids()
    )
