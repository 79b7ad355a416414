"""The one table of outbox topics and their handlers, and the tasks that deliver them.

Grep for a topic here to find what runs when it is delivered.
"""

from celery import shared_task

from marketplace.common.services import deliver_outbox_message, list_due_outbox_ids
from vendors import notifications as vendor_notifications

HANDLERS = {
    "vendor.status_changed": vendor_notifications.send_vendor_status_email,
    "vendor.staff_invited": vendor_notifications.send_staff_invitation_email,
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
