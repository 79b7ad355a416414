"""The fake's combined payments (合单) and refunds (电商退款).

A refund takes the sub-order's frozen remainder first, then the sub-merchant's
available balance. With ``refund_account`` = ``REFUND_SOURCE_PARTNER_ADVANCE``
(垫付退款) the platform's balance pays what the sub-merchant's cannot (``NOT_ENOUGH``
when the platform's is short too), reported as ``amount.advance``; without it a
shortfall is ``NOT_ENOUGH`` (二级商户可用余额不足).
"""

from __future__ import annotations

from django.utils import timezone

from tests.fakes.wechatpay.helpers import require, same, wechat_time
from tests.fakes.wechatpay.server import ApiError

PARTNER_ADVANCE = "REFUND_SOURCE_PARTNER_ADVANCE"  # 电商平台垫付
SUB_MERCHANT = "REFUND_SOURCE_SUB_MERCHANT"


class PaymentsMixin:
    # --- Combined payments (合单)
    def create_combine(self, match, query, body):
        require(
            body,
            "combine_appid",
            "combine_mchid",
            "combine_out_trade_no",
            "sub_orders",
            "notify_url",
        )
        if (
            body["combine_mchid"] != self.sp_mchid
            or body["combine_appid"] != self.sp_appid
        ):
            raise ApiError(400, "PARAM_ERROR", "combine_mchid与combine_appid不匹配")
        number = body["combine_out_trade_no"]
        if not 1 <= len(number) <= 32:
            raise ApiError(400, "PARAM_ERROR", "combine_out_trade_no长度不符合规则")
        if (stored := self.combines.get(number)) is not None:
            if stored["params"] != body:
                raise ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复")
            return 200, {"code_url": stored["code_url"]}
        if not 1 <= len(body["sub_orders"]) <= 50:
            raise ApiError(400, "PARAM_ERROR", "子单数量不符合规则")
        subs = []
        for sub in body["sub_orders"]:
            require(sub, "mchid", "sub_mchid", "out_trade_no", "description", "amount")
            self.merchant(sub["sub_mchid"])
            key = (sub["sub_mchid"], sub["out_trade_no"])
            if key in self.sub_orders or sub["mchid"] != self.sp_mchid:
                raise ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复")
            total = sub["amount"]["total_amount"]
            if (
                not isinstance(total, int)
                or total < 1
                or sub["amount"]["currency"] != "CNY"
            ):
                raise ApiError(400, "PARAM_ERROR", "amount.total_amount不符合规则")
            subs.append(
                {
                    "key": key,
                    "combine": number,
                    "sub_mchid": sub["sub_mchid"],
                    "out_trade_no": sub["out_trade_no"],
                    "attach": sub.get("attach", ""),
                    "amount": total,
                    "profit_sharing": bool(
                        sub.get("settle_info", {}).get("profit_sharing")
                    ),
                    "trade_state": "NOTPAY",
                    "transaction_id": "",
                    "success_time": None,
                    "fee": 0,
                    "unsplit": 0,
                    "refunded": 0,
                }
            )
        for sub in subs:
            self.sub_orders[sub["key"]] = sub
        stored = self.combines[number] = {
            "params": body,
            "subs": subs,
            "code_url": f"weixin://wxpay/bizpayurl/up?pr={self._id('NwY5Mz', 8)}",
            "created": timezone.now(),
        }
        return 200, {"code_url": stored["code_url"]}

    def _combine_body(self, number: str) -> dict:
        stored = self.combines[number]
        return {
            "combine_appid": self.sp_appid,
            "combine_mchid": self.sp_mchid,
            "combine_out_trade_no": number,
            "sub_orders": [
                {
                    "mchid": self.sp_mchid,
                    "sub_mchid": sub["sub_mchid"],
                    "out_trade_no": sub["out_trade_no"],
                    "trade_type": "NATIVE",
                    "trade_state": sub["trade_state"],
                    "attach": sub["attach"],
                    "amount": {
                        "total_amount": sub["amount"],
                        "currency": "CNY",
                        "payer_amount": sub["amount"],
                        "payer_currency": "CNY",
                    },
                    **(
                        {
                            "transaction_id": sub["transaction_id"],
                            "bank_type": "OTHERS",
                            "success_time": wechat_time(sub["success_time"]),
                        }
                        if sub["transaction_id"]
                        else {}
                    ),
                }
                for sub in stored["subs"]
            ],
            "combine_payer_info": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        }

    def get_combine(self, match, query, body):
        if match.group(1) not in self.combines:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
        return 200, self._combine_body(match.group(1))

    def close_combine(self, match, query, body):
        stored = self.combines.get(match.group(1))
        if stored is None:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
        require(body, "combine_appid", "sub_orders")
        if any(sub["transaction_id"] for sub in stored["subs"]):
            raise ApiError(400, "ORDER_PAID", "订单已支付")
        for sub in stored["subs"]:
            sub["trade_state"] = "CLOSED"
        return 204, None

    def pay(self, number: str, *, outcome: str = "succeeded") -> None:
        """The shopper scans and pays (or the bank declines) every sub-order."""
        stored = self.combines[number]
        if outcome != "succeeded":
            for sub in stored["subs"]:
                sub["trade_state"] = "PAYERROR"
            return  # WeChat Pay notifies successes only
        now = timezone.now()
        for sub in stored["subs"]:
            if sub["transaction_id"]:
                return
            sub.update(
                trade_state="SUCCESS",
                transaction_id=f"42000{next(self.seq):023d}",
                success_time=now,
                fee=sub["amount"] * self.fee_bps // 10_000,
            )
            sub["unsplit"] = sub["amount"] - sub["fee"]
            self.merchants[sub["sub_mchid"]]["frozen"] += sub["unsplit"]
            self.by_transaction[sub["transaction_id"]] = sub
            self.movements.append(
                {"kind": "payment", "time": now, "sub": sub, "source": number}
            )
        self.queue_callback(
            "TRANSACTION.SUCCESS", "支付成功", "transaction", self._combine_body(number)
        )

    # --- Refunds (电商退款)
    def apply_refund(self, match, query, body):
        require(
            body,
            "sub_mchid",
            "sp_appid",
            "out_trade_no",
            "out_refund_no",
            "amount",
            "notify_url",
        )
        number = body["out_refund_no"]
        if (stored := self.refunds.get(number)) is not None:
            return 200, self._refund_answer(same(stored, body, "out_refund_no"))
        sub = self.sub_orders.get((body["sub_mchid"], body["out_trade_no"]))
        if sub is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if not sub["transaction_id"]:
            raise ApiError(403, "INVALID_REQUEST", "订单未支付，不能退款")
        amount = body["amount"]
        if (
            amount.get("total") != sub["amount"]
            or amount.get("currency", "CNY") != "CNY"
        ):
            raise ApiError(400, "PARAM_ERROR", "订单金额total与原订单金额不一致")
        refund = amount.get("refund")
        shared = self._outstanding_shares(sub)
        if not isinstance(refund, int) or refund < 1:
            raise ApiError(400, "PARAM_ERROR", "退款金额不合法")
        if refund > sub["amount"] - sub["refunded"] - shared:
            raise ApiError(
                403, "NOT_ENOUGH", "可退款金额不足：订单已分账的部分需先分账回退"
            )
        merchant = self.merchants[sub["sub_mchid"]]
        from_frozen = min(sub["unsplit"], refund)
        from_available = min(refund - from_frozen, merchant["available"])
        advance = refund - from_frozen - from_available
        if advance and body.get("refund_account") != PARTNER_ADVANCE:
            raise ApiError(403, "NOT_ENOUGH", "二级商户可用余额不足")
        if advance > self.platform_available:
            raise ApiError(403, "NOT_ENOUGH", "电商平台垫付退款资金不足")
        sub["unsplit"] -= from_frozen
        merchant["frozen"] -= from_frozen
        merchant["available"] -= from_available
        self.platform_available -= advance
        sub["refunded"] += refund
        now = timezone.now()
        stored = self.refunds[number] = {
            "params": body,
            "sub": sub,
            "amount": refund,
            "advance": advance,
            "status": "SUCCESS",
            "refund_id": self._id("50300", 24),
            "created": now,
            "success_time": now,
        }
        self.movements.append(
            {"kind": "refund", "time": now, "refund": stored, "source": number}
        )
        self.queue_callback(
            "REFUND.SUCCESS",
            "退款成功",
            "refund",
            {
                "sp_mchid": self.sp_mchid,
                "sub_mchid": sub["sub_mchid"],
                "transaction_id": sub["transaction_id"],
                "out_trade_no": sub["out_trade_no"],
                "refund_id": stored["refund_id"],
                "out_refund_no": number,
                "refund_status": "SUCCESS",
                "success_time": wechat_time(now),
                "user_received_account": "支付用户零钱",
                "amount": {
                    "total": sub["amount"],
                    "refund": refund,
                    "payer_total": sub["amount"],
                    "payer_refund": refund,
                },
            },
        )
        return 200, self._refund_answer(stored)

    def _refund_answer(self, stored: dict) -> dict:
        return {
            "refund_id": stored["refund_id"],
            "out_refund_no": stored["params"]["out_refund_no"],
            "create_time": wechat_time(stored["created"]),
            "amount": {
                "refund": stored["amount"],
                "payer_refund": stored["amount"],
                "discount_refund": 0,
                "advance": stored["advance"],
                "currency": "CNY",
            },
            "refund_account": PARTNER_ADVANCE if stored["advance"] else SUB_MERCHANT,
        }

    def get_refund(self, match, query, body):
        stored = self.refunds.get(match.group(1))
        if stored is None or stored["params"]["sub_mchid"] != query.get("sub_mchid"):
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return 200, {
            **self._refund_answer(stored),
            "transaction_id": stored["sub"]["transaction_id"],
            "out_trade_no": stored["sub"]["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "success_time": wechat_time(stored["success_time"]),
            "status": stored["status"],
        }
