"""电商退款: one WeChat Pay refund per sub-order the port's allocations name.

With one allocation the refund's ``out_refund_no`` is the idempotency key itself;
with several, each part is ``<key>__<n>``. The port's ``refund_id`` is the key (the
refund callbacks name it), and its status is the parts' status after a query.

An allocation with an ``advance`` is asked as a 垫付退款 (``refund_account`` =
``REFUND_SOURCE_PARTNER_ADVANCE``, a function WeChat Pay enables per platform): it
takes the sub-order's frozen remainder, then the sub-merchant's available balance,
and the platform's balance pays the rest (the answer's ``amount.advance``). WeChat
decides that rest, so it equals the allocation's ``advance`` when the sub-merchant
has nothing else available, which is when the marketplace advances (after a
``balance_insufficient``). The platform recovers it through the vendor's
receivable, not through 垫付回补 (``/v3/ecommerce/refunds/{refund_id}/return-advance``,
which would take it from the sub-merchant's balance the vendor has withdrawn).
A refusal for the platform's own balance is ``platform_balance_insufficient``,
retryable once the platform has topped it up.
"""

from __future__ import annotations

import logging

from marketplace.payments import port
from marketplace.payments.port import Outcome
from marketplace.payments.wechatpay import results
from marketplace.payments.wechatpay.client import Unreachable, call, out_no

PART = "__"
logger = logging.getLogger(__name__)


def part_numbers(key: str, count: int) -> list[str]:
    if count == 1:
        return [key]
    return [f"{out_no(key, 60)}{PART}{index}" for index in range(count)]


def refund_id_of(out_refund_no: str) -> str:
    """The port's refund id of a WeChat refund number (a part names its whole)."""
    head, sep, tail = out_refund_no.rpartition(PART)
    return head if sep and tail.isdigit() else out_refund_no


def _lookup(number: str, sub_mchid: str) -> dict | None:
    reply = call(
        "GET", f"/v3/ecommerce/refunds/out-refund-no/{number}?sub_mchid={sub_mchid}"
    )
    if reply.status == 404:
        return None
    return results.check_query(reply).data


PARTNER_ADVANCE = "REFUND_SOURCE_PARTNER_ADVANCE"


def _plan(provider, request, key: str) -> list[tuple[str, dict, port.Allocation]]:
    """Return ``(out_refund_no, sub-order, allocation)`` per allocation."""
    combine = provider._combine(request.payment_id)
    numbers = part_numbers(key, len(request.allocations))
    plan = []
    for number, allocation in zip(numbers, request.allocations, strict=True):
        sub = provider._sub_order(combine, allocation.payee_ref)
        if sub is None:
            raise LookupError(allocation.payee_ref)
        plan.append((number, sub, allocation))
    return plan


def _apply(provider, request, number: str, sub: dict, allocation: port.Allocation):
    """Refund one part unless WeChat Pay already has it; return the error result."""
    amount = allocation.amount
    existing = _lookup(number, sub["sub_mchid"])
    if existing is not None:
        if (
            existing["amount"]["refund"] != amount
            or existing["out_trade_no"] != sub["out_trade_no"]
        ):
            raise port.ProviderIdempotencyError(
                "This key refunded something else at WeChat Pay."
            )
        return None
    reply = call(
        "POST",
        "/v3/ecommerce/refunds/apply",
        {
            "sub_mchid": sub["sub_mchid"],
            "sp_appid": provider.cfg.app_id,
            "out_trade_no": sub["out_trade_no"],
            "out_refund_no": number,
            "reason": request.reason[:80],
            "amount": {
                "refund": amount,
                "total": sub["amount"]["total_amount"],
                "currency": request.currency,
            },
            "notify_url": provider.cfg.notify_url,
            **({"refund_account": PARTNER_ADVANCE} if allocation.advance else {}),
        },
    )
    return None if reply.ok else results.refused(port.RefundResult, reply)


def _check_advances(plan, statuses) -> None:
    """Warn when WeChat Pay advanced another amount than asked (the sub-merchant
    had some balance): the books then differ from WeChat's by the difference, which
    the day's reconciliation of the vendor's balance shows."""
    for (number, _sub, allocation), status in zip(plan, statuses, strict=True):
        advanced = (status or {}).get("amount", {}).get("advance", 0)
        if allocation.advance and status and advanced != allocation.advance:
            logger.warning(
                "WeChat Pay advanced %s of refund %s, not %s",
                advanced,
                number,
                allocation.advance,
            )


def refund(provider, request: port.RefundRequest, *, idempotency_key: str):
    port.check_idempotency_key(idempotency_key)
    done = 0
    try:
        plan = _plan(provider, request, idempotency_key)
        for number, sub, allocation in plan:
            error = _apply(provider, request, number, sub, allocation)
            if error is not None:
                if done and error.outcome is Outcome.FAILED:
                    # an earlier part was refunded: not "nothing happened"
                    return port.RefundResult(
                        outcome=Outcome.UNKNOWN,
                        failure_code=error.failure_code,
                        failure_message="Part of the refund was made; "
                        + error.failure_message,
                        retryable=error.retryable,
                    )
                return error
            done += 1
        statuses = [_lookup(number, sub["sub_mchid"]) for number, sub, _ in plan]
    except LookupError as error:
        return results.failed(
            port.RefundResult, "payee_not_in_payment", f"No sub-order for {error}."
        )
    except port.ProviderObjectNotFound:
        return results.failed(port.RefundResult, "not_found", "No such payment.")
    except port.ProviderUnavailable as error:
        if done:  # a part was refunded: its status query did not answer
            return results.unknown(port.RefundResult, Unreachable("unavailable", ""))
        return results.from_query(port.RefundResult, error)
    except Unreachable as error:
        return results.unknown(port.RefundResult, error)
    _check_advances(plan, statuses)
    parts = [results.refund_status(s["status"]) if s else None for s in statuses]
    if all(p is port.OperationStatus.SUCCEEDED for p in parts):
        status = port.OperationStatus.SUCCEEDED
    elif any(p is port.OperationStatus.FAILED for p in parts):
        status = port.OperationStatus.FAILED
    else:
        status = port.OperationStatus.PENDING
    return port.RefundResult(
        outcome=Outcome.SUCCEEDED, refund_id=idempotency_key, status=status
    )
