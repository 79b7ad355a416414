"""WeChat Pay's answers mapped onto the port's outcomes."""

from __future__ import annotations

from marketplace.payments import port
from marketplace.payments.port import Outcome
from marketplace.payments.wechatpay.client import Reply, Unreachable

# WeChat Pay's error codes (HTTP 4xx bodies) that the port names differently.
FAILURE_CODES = {
    "NOT_ENOUGH": "balance_insufficient",
    "FREQUENCY_LIMITED": "rate_limited",
    "ORDER_NOT_EXIST": "not_found",
    "RESOURCE_NOT_EXISTS": "not_found",
    "ORDER_PAID": "already_paid",
    "ORDERPAID": "already_paid",
}
IDEMPOTENCY_CONFLICTS = {"OUT_TRADE_NO_USED"}


class QueryRefused(port.ProviderUnavailable):
    """A query WeChat Pay answered with an error (not a 404): ``reply`` says which."""

    def __init__(self, reply: Reply):
        super().__init__(reply.message or f"HTTP {reply.status}")
        self.reply = reply


class NotOnboarded(Exception):
    """The payee's applyment (进件) is not finished: it has no sub-merchant id yet."""


def unknown(result: type[port.Result], error: Unreachable) -> port.Result:
    """No answer: the provider may have acted; repeat with the same key."""
    return result(
        outcome=Outcome.UNKNOWN,
        failure_code=error.code,
        failure_message=str(error),
        retryable=True,
    )


def refused(result: type[port.Result], reply: Reply) -> port.Result:
    """Map an error answer: 429 did nothing (retry), 5xx may have acted (unknown)."""
    if reply.status == 429 or reply.code == "FREQUENCY_LIMITED":
        return result(
            outcome=Outcome.FAILED,
            failure_code="rate_limited",
            failure_message=reply.message,
            retryable=True,
        )
    if reply.status >= 500 or reply.code == "SYSTEM_ERROR":
        return result(
            outcome=Outcome.UNKNOWN,
            failure_code="server_error",
            failure_message=reply.message or f"HTTP {reply.status}",
            retryable=True,
        )
    code = FAILURE_CODES.get(reply.code, reply.code.lower() or f"http_{reply.status}")
    if reply.code == "NOT_ENOUGH" and "分账回退" in reply.message:
        code = "settlement_not_returned"
    if reply.code == "NOT_ENOUGH" and "垫付" in reply.message:
        # the platform's own balance cannot pay a 垫付退款: retry once topped up
        return result(
            outcome=Outcome.FAILED,
            failure_code="platform_balance_insufficient",
            failure_message=reply.message,
            retryable=True,
        )
    return result(
        outcome=Outcome.FAILED, failure_code=code, failure_message=reply.message
    )


def from_query(result: type[port.Result], error: port.ProviderUnavailable):
    """A mutation's preparatory query failed: as refused, or unknown when unanswered."""
    if isinstance(error, QueryRefused):
        return refused(result, error.reply)
    return unknown(result, Unreachable("unavailable", str(error.detail)))


def not_onboarded(result: type[port.Result], payee_ref: str) -> port.Result:
    return result(
        outcome=Outcome.FAILED,
        failure_code="payee_not_ready",
        failure_message=f"The payee {payee_ref} has no finished applyment (进件).",
    )


def failed(result: type[port.Result], code: str, message: str) -> port.Result:
    return result(outcome=Outcome.FAILED, failure_code=code, failure_message=message)


def check_query(reply: Reply) -> Reply:
    """Return a query's answer, or raise the port's error for a read that failed."""
    if reply.ok:
        return reply
    if reply.status == 404 or reply.code in ("ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS"):
        raise port.ProviderObjectNotFound(reply.message or "Not found at WeChat Pay.")
    raise QueryRefused(reply)


def sharing_status(status: str) -> port.OperationStatus:
    """分账单 status: PROCESSING is pending until a query says FINISHED."""
    return {
        "FINISHED": port.OperationStatus.SUCCEEDED,
        "PROCESSING": port.OperationStatus.PENDING,
    }.get(status, port.OperationStatus.FAILED)


def refund_status(status: str) -> port.OperationStatus:
    return {
        "SUCCESS": port.OperationStatus.SUCCEEDED,
        "PROCESSING": port.OperationStatus.PENDING,
    }.get(status, port.OperationStatus.FAILED)  # CLOSED, ABNORMAL


def withdraw_status(status: str) -> port.OperationStatus:
    if status == "SUCCESS":
        return port.OperationStatus.SUCCEEDED
    if status in ("FAIL", "REFUND", "CLOSE"):
        return port.OperationStatus.FAILED
    return port.OperationStatus.PENDING  # CREATE_SUCCESS, INIT
