"""Profit sharing (请求分账, 完结分账), its return (分账回退) and withdrawals (提现).

A settlement's id is ``<out_order_no>@<sub_mchid>``: WeChat Pay finds a
profit-sharing order by both, and the return needs them.
"""

from __future__ import annotations

from marketplace.payments import port
from marketplace.payments.port import Outcome
from marketplace.payments.wechatpay import results
from marketplace.payments.wechatpay.client import Unreachable, call, out_no
from marketplace.payments.wechatpay.results import NotOnboarded


def settlement_id(out_order_no: str, sub_mchid: str) -> str:
    return f"{out_order_no}@{sub_mchid}"


def split_settlement_id(value: str) -> tuple[str, str]:
    out_order_no, _, sub_mchid = value.rpartition("@")
    if not out_order_no or not sub_mchid.isdigit():
        raise port.ProviderObjectNotFound(f"{value!r} is not a WeChat Pay settlement.")
    return out_order_no, sub_mchid


def _get(path: str) -> dict | None:
    reply = call("GET", path)
    if reply.status == 404:
        return None
    return results.check_query(reply).data


def _settled(answer: dict, sub_mchid: str) -> port.SettlementResult:
    status = results.sharing_status(answer.get("status", "FINISHED"))
    return port.SettlementResult(
        outcome=status.outcome,
        settlement_id=settlement_id(answer["out_order_no"], sub_mchid),
        status=status,
    )


def _shared(answer: dict) -> int:
    return sum(r["amount"] for r in answer.get("receivers", []))


def _share(provider, request, sub: dict, number: str) -> port.SettlementResult:
    sub_mchid, transaction_id = sub["sub_mchid"], sub["transaction_id"]
    query = (
        f"/v3/ecommerce/profitsharing/orders?sub_mchid={sub_mchid}"
        f"&transaction_id={transaction_id}&out_order_no={number}"
    )
    existing = _get(query)
    if existing is not None:
        if _shared(existing) != request.commission:
            raise port.ProviderIdempotencyError(
                "This key shared a different amount at WeChat Pay."
            )
        return _settled(existing, sub_mchid)
    unsplit = _get(f"/v3/ecommerce/profitsharing/orders/{transaction_id}/amounts")
    if (
        unsplit is None
        or unsplit["unsplit_amount"] != request.amount + request.commission
    ):
        return results.failed(
            port.SettlementResult,
            "amount_mismatch",
            f"WeChat Pay holds {unsplit and unsplit['unsplit_amount']} frozen for this "
            f"sub-order, not {request.amount + request.commission}.",
        )
    if request.commission:
        reply = call(
            "POST",
            "/v3/ecommerce/profitsharing/orders",
            {
                "appid": provider.cfg.app_id,
                "sub_mchid": sub_mchid,
                "transaction_id": transaction_id,
                "out_order_no": number,
                "receivers": [
                    {
                        "type": "MERCHANT_ID",
                        "receiver_account": provider.cfg.mch_id,
                        "amount": request.commission,
                        "description": "平台佣金",
                    }
                ],
                "finish": True,
            },
        )
    else:
        reply = call(
            "POST",
            "/v3/ecommerce/profitsharing/finish-order",
            {
                "sub_mchid": sub_mchid,
                "transaction_id": transaction_id,
                "out_order_no": number,
                "description": "完结分账",
            },
        )
    if not reply.ok:
        return results.refused(port.SettlementResult, reply)
    answer = reply.data
    if answer.get("status") == "PROCESSING":
        answer = _get(query) or answer
    return _settled({"status": "FINISHED", **answer, "out_order_no": number}, sub_mchid)


def settle(provider, request: port.SettlementRequest, *, idempotency_key: str):
    """Share the commission to the platform and unfreeze the rest (``finish``)."""
    port.check_idempotency_key(idempotency_key)
    if request.currency != "CNY":
        return results.failed(port.SettlementResult, "currency_not_supported", "CNY")
    try:
        combine = provider._combine(request.payment_id)
        sub = provider._sub_order(combine, request.payee_ref)
        if sub is None:
            return results.failed(
                port.SettlementResult, "payee_not_in_payment", request.payee_ref
            )
        if not sub.get("transaction_id"):
            return results.failed(
                port.SettlementResult, "payment_not_captured", request.payment_id
            )
        return _share(provider, request, sub, idempotency_key)
    except port.ProviderObjectNotFound as error:
        return results.failed(port.SettlementResult, "not_found", str(error.detail))
    except port.ProviderUnavailable as error:
        return results.from_query(port.SettlementResult, error)
    except Unreachable as error:
        return results.unknown(port.SettlementResult, error)


def reverse_settlement(provider, value: str, *, amount: int, idempotency_key: str):
    """分账回退: return ``amount`` of what the settlement shared to the platform."""
    port.check_idempotency_key(idempotency_key)
    port.check_amount(amount, "amount")
    out_order_no, sub_mchid = split_settlement_id(value)
    try:
        existing = _get(
            f"/v3/ecommerce/profitsharing/returnorders?sub_mchid={sub_mchid}"
            f"&out_order_no={out_order_no}&out_return_no={idempotency_key}"
        )
        if existing is None:
            reply = call(
                "POST",
                "/v3/ecommerce/profitsharing/returnorders",
                {
                    "sub_mchid": sub_mchid,
                    "out_order_no": out_order_no,
                    "out_return_no": idempotency_key,
                    "return_mchid": provider.cfg.mch_id,
                    "amount": amount,
                    "description": "分账回退",
                },
            )
            if not reply.ok:
                return results.refused(port.SettlementResult, reply)
            existing = reply.data
        elif existing["amount"] != amount:
            raise port.ProviderIdempotencyError(
                "This key returned a different amount at WeChat Pay."
            )
    except port.ProviderUnavailable as error:
        return results.from_query(port.SettlementResult, error)
    except Unreachable as error:
        return results.unknown(port.SettlementResult, error)
    if existing.get("result") == "FAILED":
        return results.failed(
            port.SettlementResult, "return_failed", existing.get("fail_reason", "")
        )
    pending = existing.get("result") == "PROCESSING"
    status = port.OperationStatus.PENDING if pending else port.OperationStatus.REVERSED
    return port.SettlementResult(
        outcome=Outcome.PENDING if pending else Outcome.SUCCEEDED,
        settlement_id=value,
        status=status,
    )


def payout(provider, request: port.PayoutRequest, *, idempotency_key: str):
    """二级商户提现 of the payee's available balance; PENDING until WeChat's
    withdrawal reaches SUCCESS (the same key queries it again)."""
    port.check_idempotency_key(idempotency_key)
    number = out_no(idempotency_key, 32)
    try:
        sub_mchid = provider._sub_mchid(request.payee_ref)
        path = (
            f"/v3/ecommerce/fund/withdraw/out-request-no/{number}?sub_mchid={sub_mchid}"
        )
        existing = _get(path)
        if existing is None:
            reply = call(
                "POST",
                "/v3/ecommerce/fund/withdraw",
                {
                    "sub_mchid": sub_mchid,
                    "out_request_no": number,
                    "amount": request.amount,
                    "remark": "提现",
                    "bank_memo": "提现",
                    "account_type": "BASIC",
                },
            )
            if not reply.ok:
                return results.refused(port.PayoutResult, reply)
            existing = _get(path) or {**reply.data, "status": "CREATE_SUCCESS"}
        elif existing["amount"] != request.amount:
            raise port.ProviderIdempotencyError(
                "This key withdrew a different amount at WeChat Pay."
            )
    except NotOnboarded:
        return results.not_onboarded(port.PayoutResult, request.payee_ref)
    except port.ProviderUnavailable as error:
        return results.from_query(port.PayoutResult, error)
    except Unreachable as error:
        return results.unknown(port.PayoutResult, error)
    status = results.withdraw_status(existing.get("status", ""))
    return port.PayoutResult(
        outcome=status.outcome,
        payout_id=existing["withdraw_id"],
        status=status,
        failure_code="" if status.outcome is not Outcome.FAILED else "withdraw_failed",
        failure_message=existing.get("reason", ""),
    )
