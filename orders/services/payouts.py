"""The payout of a withdrawal through the provider port (the outbox handler).

It lives in ``orders`` because the vendor's payee account at the provider
(``VendorPayee``) does; the withdrawal's states and postings stay in
``vendors.services.withdrawals``.
"""

from __future__ import annotations

from marketplace.payments.port import Outcome, PayoutRequest
from marketplace.payments.providers import get_provider
from orders.services.payment import payee_refs
from vendors.models import Withdrawal
from vendors.services.withdrawals import mark_withdrawal_failed, mark_withdrawal_paid


class PayoutNotDone(Exception):
    """The provider's answer is unknown or retryable: retry with the same key."""


def deliver_payout(message) -> str:
    """Outbox handler of ``vendor.withdrawal_payout``: pay the vendor out.

    The key ``withdrawal-{id}`` makes a repeat return the first payout; a final
    answer is applied once (``mark_withdrawal_paid`` / ``_failed``).
    """
    withdrawal = Withdrawal.objects.select_related("vendor").get(
        pk=message.payload["withdrawal_id"]
    )
    if withdrawal.status != Withdrawal.Status.PENDING:
        return withdrawal.status
    provider = get_provider()
    ref = payee_refs(vendors=[withdrawal.vendor], provider=provider)[
        withdrawal.vendor_id
    ]
    result = provider.payout(
        PayoutRequest(
            payee_ref=ref, amount=withdrawal.payout_amount, currency=withdrawal.currency
        ),
        idempotency_key=f"withdrawal-{withdrawal.pk}",
    )
    if result.outcome == Outcome.SUCCEEDED:
        mark_withdrawal_paid(withdrawal_id=withdrawal.pk, payout_id=result.payout_id)
        return Withdrawal.Status.PAID
    if result.outcome == Outcome.FAILED and not result.retryable:
        mark_withdrawal_failed(
            withdrawal_id=withdrawal.pk,
            reason=result.failure_code or result.failure_message,
            payout_id=result.payout_id,
        )
        return Withdrawal.Status.FAILED
    raise PayoutNotDone(result.failure_code or str(result.outcome))
