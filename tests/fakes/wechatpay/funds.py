"""The fake's sub-merchants (进件, balances), profit sharing (分账, 完结分账, 分账回退)
and withdrawals (提现)."""

from __future__ import annotations

from django.utils import timezone

from tests.fakes.wechatpay.helpers import require, same, wechat_time
from tests.fakes.wechatpay.server import ApiError


class FundsMixin:
    # --- Sub-merchants
    def merchant(self, sub_mchid: str) -> dict:
        try:
            return self.merchants[sub_mchid]
        except KeyError:
            raise ApiError(400, "PARAM_ERROR", "sub_mchid无效或未完成进件") from None

    def create_applyment(self, match, query, body):
        require(body, "out_request_no", "organization_type", "merchant_shortname")
        if (stored := self.applyments.get(body["out_request_no"])) is not None:
            stored = same(stored, body, "out_request_no")
        else:
            stored = self.applyments[body["out_request_no"]] = {
                "params": body,
                "applyment_id": 2000002124775000 + next(self.seq),
                "state": "AUDITING",
                "sub_mchid": "",
            }
        return 200, {
            "applyment_id": stored["applyment_id"],
            "out_request_no": body["out_request_no"],
        }

    def get_applyment(self, match, query, body):
        stored = self.applyments.get(match.group(1))
        if stored is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "进件申请单不存在")
        state = stored["state"]
        return 200, {
            "applyment_id": stored["applyment_id"],
            "out_request_no": match.group(1),
            "applyment_state": state,
            "applyment_state_desc": {"AUDITING": "审核中", "FINISH": "完成"}[state],
            "sub_mchid": stored["sub_mchid"],
            "sign_url": f"https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId={stored['applyment_id']}",
            "audit_detail": [],
        }

    def finish_applyment(self, out_request_no: str) -> str:
        """Review passes and the sub-merchant signs: it gets its ``sub_mchid``."""
        stored = self.applyments[out_request_no]
        if not stored["sub_mchid"]:
            stored["sub_mchid"] = f"16{next(self.seq):08d}"
            stored["state"] = "FINISH"
            self.merchants[stored["sub_mchid"]] = {
                "name": stored["params"]["merchant_shortname"],
                "available": 0,
                "frozen": 0,
            }
        return stored["sub_mchid"]

    def get_balance(self, match, query, body):
        merchant = self.merchant(match.group(1))
        return 200, {
            "sub_mchid": match.group(1),
            "account_type": query.get("account_type", "BASIC"),
            "available_amount": merchant["available"],
            "pending_amount": merchant["frozen"],
        }

    # --- Profit sharing (分账), finishing (完结分账) and returns (分账回退)
    def _outstanding_shares(self, sub: dict) -> int:
        return sum(
            order["shared"] - order["returned"]
            for order in self.sharings.values()
            if order["sub"] is sub
        )

    def _sub_of(self, body: dict) -> dict:
        sub = self.by_transaction.get(body["transaction_id"])
        if sub is None or sub["sub_mchid"] != body["sub_mchid"]:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if not sub["profit_sharing"]:
            raise ApiError(403, "INVALID_REQUEST", "订单不需要分账")
        return sub

    def create_sharing(self, match, query, body):
        require(
            body, "appid", "sub_mchid", "transaction_id", "out_order_no", "receivers"
        )
        key = (body["sub_mchid"], body["out_order_no"])
        if (stored := self.sharings.get(key)) is not None:
            return 200, self._sharing_answer(same(stored, body, "out_order_no"))
        sub = self._sub_of(body)
        total = 0
        for receiver in body["receivers"]:
            require(receiver, "type", "receiver_account", "amount", "description")
            if receiver["receiver_account"] != self.sp_mchid or receiver["amount"] < 1:
                raise ApiError(400, "PARAM_ERROR", "分账接收方无效")
            total += receiver["amount"]
        if sub.get("finished"):
            raise ApiError(403, "INVALID_REQUEST", "订单已完结分账")
        if total > sub["unsplit"]:
            raise ApiError(403, "NOT_ENOUGH", "分账金额超过订单剩余待分金额")
        sub["unsplit"] -= total  # reserved now, moved when the order finishes
        stored = self.sharings[key] = {
            "params": body,
            "sub": sub,
            "order_id": self._id("30084507402014", 14),
            "amount": total,
            "finish": bool(body.get("finish")),
            "status": "PROCESSING",
            "shared": 0,
            "returned": 0,
            "unfrozen": 0,
            "created": timezone.now(),
            "finished": None,
        }
        if not self.hold_sharing:
            self._finish_sharing(stored)
        return 200, self._sharing_answer(stored)

    def _finish_sharing(self, stored: dict) -> None:
        sub, merchant = stored["sub"], self.merchants[stored["sub"]["sub_mchid"]]
        now = timezone.now()
        merchant["frozen"] -= stored["amount"]
        self.platform_available += stored["amount"]
        stored.update(status="FINISHED", shared=stored["amount"], finished=now)
        if stored["finish"]:
            stored["unfrozen"] = sub["unsplit"]
            merchant["frozen"] -= sub["unsplit"]
            merchant["available"] += sub["unsplit"]
            sub["unsplit"] = 0
            sub["finished"] = True
        self.movements.append(
            {
                "kind": "sharing",
                "time": now,
                "order": stored,
                "source": stored["params"]["out_order_no"],
            }
        )

    def release_sharing(self) -> None:
        """The profit-sharing orders held in PROCESSING finish now."""
        self.hold_sharing = False
        for stored in self.sharings.values():
            if stored["status"] == "PROCESSING":
                self._finish_sharing(stored)

    def finish_sharing(self, match, query, body):
        require(body, "sub_mchid", "transaction_id", "out_order_no", "description")
        key = (body["sub_mchid"], body["out_order_no"])
        if (stored := self.sharings.get(key)) is None:
            sub = self._sub_of(body)
            if sub.get("finished"):
                raise ApiError(403, "INVALID_REQUEST", "订单已完结分账")
            stored = self.sharings[key] = {
                "params": body,
                "sub": sub,
                "order_id": self._id("30084507402014", 14),
                "amount": 0,
                "finish": True,
                "status": "PROCESSING",
                "shared": 0,
                "returned": 0,
                "unfrozen": 0,
                "created": timezone.now(),
                "finished": None,
            }
            self._finish_sharing(stored)
        else:
            same(stored, body, "out_order_no")
        return 200, {
            "sub_mchid": body["sub_mchid"],
            "order_id": stored["order_id"],
            "out_order_no": body["out_order_no"],
        }

    def _sharing_answer(self, stored: dict) -> dict:
        params = stored["params"]
        done = stored["status"] == "FINISHED"
        return {
            "sub_mchid": params["sub_mchid"],
            "transaction_id": params["transaction_id"],
            "out_order_no": params["out_order_no"],
            "order_id": stored["order_id"],
            "status": stored["status"],
            "receivers": [
                {
                    **receiver,
                    "result": "SUCCESS" if done else "PENDING",
                    "detail_id": f"3601{stored['order_id'][4:]}{index}",
                    "create_time": wechat_time(stored["created"]),
                    **(
                        {"finish_time": wechat_time(stored["finished"])} if done else {}
                    ),
                }
                for index, receiver in enumerate(params.get("receivers", []))
            ],
        }

    def get_sharing(self, match, query, body):
        stored = self.sharings.get((query.get("sub_mchid"), query.get("out_order_no")))
        if stored is None or stored["params"]["transaction_id"] != query.get(
            "transaction_id"
        ):
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "分账单不存在")
        return 200, self._sharing_answer(stored)

    def get_unsplit(self, match, query, body):
        sub = self.by_transaction.get(match.group(1))
        if sub is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        return 200, {"transaction_id": match.group(1), "unsplit_amount": sub["unsplit"]}

    def create_return(self, match, query, body):
        require(
            body,
            "sub_mchid",
            "out_order_no",
            "out_return_no",
            "return_mchid",
            "amount",
            "description",
        )
        key = (body["sub_mchid"], body["out_return_no"])
        if (stored := self.returns.get(key)) is not None:
            return 200, self._return_answer(same(stored, body, "out_return_no"))
        order = self.sharings.get((body["sub_mchid"], body["out_order_no"]))
        if order is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "分账单不存在")
        if body["return_mchid"] != self.sp_mchid:
            raise ApiError(400, "PARAM_ERROR", "回退商户号不是原分账接收方")
        amount = body["amount"]
        if (
            not isinstance(amount, int)
            or not 1 <= amount <= order["shared"] - order["returned"]
        ):
            raise ApiError(400, "PARAM_ERROR", "回退金额超过可回退金额")
        if self.refuse_returns or amount > self.platform_available:
            self.refuse_returns = max(0, self.refuse_returns - 1)
            raise ApiError(403, "NOT_ENOUGH", "回退方账户余额不足")
        self.platform_available -= amount
        self.merchants[body["sub_mchid"]]["available"] += amount
        order["returned"] += amount
        now = timezone.now()
        stored = self.returns[key] = {
            "params": body,
            "order": order,
            "return_no": self._id("3008450740201411110007820472", 0),
            "created": now,
        }
        self.movements.append(
            {
                "kind": "return",
                "time": now,
                "return": stored,
                "source": body["out_return_no"],
            }
        )
        return 200, self._return_answer(stored)

    def _return_answer(self, stored: dict) -> dict:
        params = stored["params"]
        return {
            "sub_mchid": params["sub_mchid"],
            "order_id": stored["order"]["order_id"],
            "out_order_no": params["out_order_no"],
            "out_return_no": params["out_return_no"],
            "return_mchid": params["return_mchid"],
            "amount": params["amount"],
            "return_no": stored["return_no"],
            "result": "SUCCESS",
            "finish_time": wechat_time(stored["created"]),
        }

    def get_return(self, match, query, body):
        stored = self.returns.get((query.get("sub_mchid"), query.get("out_return_no")))
        if stored is None or stored["params"]["out_order_no"] != query.get(
            "out_order_no"
        ):
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "回退单不存在")
        return 200, self._return_answer(stored)

    # --- Withdrawals (二级商户提现)
    def create_withdraw(self, match, query, body):
        require(body, "sub_mchid", "out_request_no", "amount")
        number = body["out_request_no"]
        if (stored := self.withdrawals.get(number)) is not None:
            stored = same(stored, body, "out_request_no")
        else:
            merchant = self.merchant(body["sub_mchid"])
            amount = body["amount"]
            if not isinstance(amount, int) or amount < 1:
                raise ApiError(400, "PARAM_ERROR", "提现金额不合法")
            if amount > merchant["available"]:
                raise ApiError(403, "NOT_ENOUGH", "可用余额不足")
            merchant["available"] -= amount
            now = timezone.now()
            stored = self.withdrawals[number] = {
                "params": body,
                "withdraw_id": self._id("12321937198237912739132791732", 0),
                "status": "SUCCESS",
                "created": now,
            }
            self.movements.append(
                {"kind": "withdraw", "time": now, "withdraw": stored, "source": number}
            )
        return 200, {
            "sub_mchid": body["sub_mchid"],
            "withdraw_id": stored["withdraw_id"],
            "out_request_no": number,
        }

    def get_withdraw(self, match, query, body):
        stored = self.withdrawals.get(match.group(1))
        if stored is None or stored["params"]["sub_mchid"] != query.get("sub_mchid"):
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "提现单不存在")
        params = stored["params"]
        return 200, {
            "sub_mchid": params["sub_mchid"],
            "sp_mchid": self.sp_mchid,
            "status": stored["status"],
            "withdraw_id": stored["withdraw_id"],
            "out_request_no": params["out_request_no"],
            "amount": params["amount"],
            "create_time": wechat_time(stored["created"]),
            "update_time": wechat_time(stored["created"]),
            "reason": "",
            "remark": params.get("remark", ""),
            "bank_memo": params.get("bank_memo", ""),
            "account_type": "BASIC",
            "account_number": "***1234",
            "account_bank": "工商银行",
        }

    def withdraw_outside(self, sub_mchid: str) -> None:
        """The sub-merchant withdraws all it has available, outside the platform."""
        merchant = self.merchants[sub_mchid]
        if merchant["available"] > 0:
            number = self._id("outside", 10)
            self.outside_withdrawals.add(number)
            self.create_withdraw(
                None,
                {},
                {
                    "sub_mchid": sub_mchid,
                    "out_request_no": number,
                    "amount": merchant["available"],
                },
            )
