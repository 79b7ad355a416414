"""What WeChat Pay holds for one platform (服务商) and its sub-merchants (二级商户).

Money follows 平台收付通: a paid sub-order's amount is frozen in its sub-merchant's
account; 请求分账 moves receivers' amounts (the platform's commission) out of it, and
``finish`` / 完结分账 unfreezes what is left into the sub-merchant's available
balance; 分账回退 moves a shared amount back from the receiver to the sub-merchant; a
refund takes the sub-order's frozen remainder first, then the sub-merchant's
available balance (``NOT_ENOUGH`` when short, unless it is a 垫付退款 the platform's
balance pays, ``top_up``); 提现 pays the available balance out.

Every ``out_*_no`` is idempotent: the same number with the same parameters answers
as the first call did and acts once; with other parameters it is refused.
"""

from __future__ import annotations

import itertools
import json

import responses
from django.utils import timezone

from tests.fakes.wechatpay import bills, crypto
from tests.fakes.wechatpay.funds import FundsMixin
from tests.fakes.wechatpay.helpers import wechat_time
from tests.fakes.wechatpay.payments import PaymentsMixin
from tests.fakes.wechatpay.server import ApiError, Wire


class FakeWeChatPay(PaymentsMixin, FundsMixin):
    """The provider's state plus the switches tests use to drive and break it."""

    def __init__(
        self, *, sp_mchid: str = "1900000109", sp_appid: str = "wx8888888888888888"
    ):
        self.sp_mchid, self.sp_appid = sp_mchid, sp_appid
        self.serial = crypto.PLATFORM_KEY_ID  # certificate_serial() in cert mode
        self.fee_bps = 0
        self.seq = itertools.count(1)
        self.platform_available = 0
        self.merchants: dict[str, dict] = {}
        self.applyments: dict[str, dict] = {}
        self.combines: dict[str, dict] = {}
        self.sub_orders: dict[tuple[str, str], dict] = {}  # (sub_mchid, out_trade_no)
        self.by_transaction: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.sharings: dict[tuple[str, str], dict] = {}
        self.returns: dict[tuple[str, str], dict] = {}
        self.withdrawals: dict[str, dict] = {}
        self.movements: list[dict] = []
        self.dropped: set[str] = set()
        self.files: dict[str, bytes] = {}
        self.callbacks: list[str] = []
        self.faults: list[list] = []
        self.requests: list[tuple[str, str]] = []
        self.hold_sharing = False
        self.refuse_returns = 0
        self.outside_withdrawals: set[str] = set()
        self.webhook_client = None
        self.webhook_path = "/payments/webhooks/wechatpay/"
        self.delivered: list[int] = []

    def install(self, mock: responses.RequestsMock) -> None:
        Wire(self).install(mock)

    def certificates(self, match, query, body):
        return 200, crypto.certificates_body()

    def _id(self, prefix: str, width: int = 20) -> str:
        return f"{prefix}{next(self.seq):0{width}d}"

    # --- Switches
    def top_up(self, amount: int) -> None:
        """The platform puts ``amount`` of its own money in its balance (充值), as
        a platform does to fund refunds it advances (垫付退款)."""
        self.platform_available += amount

    def arm(self, fault: str, *, operation: str, times: int = 1) -> None:
        self.faults.append([operation, fault, times])

    def take_fault(self, operation: str) -> str:
        for fault in self.faults:
            if fault[0] == operation and fault[2] > 0:
                fault[2] -= 1
                return fault[1]
        return ""

    # --- Bills (交易账单, 分账账单)
    def trade_bill(self, match, query, body):
        return self._bill(
            bills.trade_bill(self, query["bill_date"], query.get("sub_mchid"))
        )

    def sharing_bill(self, match, query, body):
        return self._bill(
            bills.sharing_bill(self, query["bill_date"], query.get("sub_mchid"))
        )

    def _bill(self, content: bytes | None):
        if content is None:
            raise ApiError(400, "NO_STATEMENT_EXIST", "当日无账单")
        token = self._id("T", 12)
        self.files[token] = content
        return 200, {
            "hash_type": "SHA1",
            "hash_value": bills.sha1(content),
            "download_url": f"https://api.mch.weixin.qq.com/v3/billdownload/file?token={token}",
        }

    def download_bill(self, match, query, body):
        content = self.files.get(query.get("token", ""))
        if content is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "账单文件不存在")
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, content

    def drop(self, source: str) -> None:
        """Leave every movement of ``source`` (an ``out_*_no``) out of the bills."""
        self.dropped.add(source)

    # --- Callbacks (回调通知)
    def queue_callback(
        self, event_type: str, summary: str, original: str, resource: dict
    ) -> None:
        body = {
            "id": f"EV-{next(self.seq):018d}",
            "create_time": wechat_time(timezone.now()),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original,
                **crypto.encrypt_resource(
                    json.dumps(resource, ensure_ascii=False), associated_data=original
                ),
            },
        }
        self.callbacks.append(json.dumps(body, ensure_ascii=False))

    def deliver_callbacks(
        self, client=None, *, order="as-sent", duplicates=0, timestamp=None
    ) -> list[int]:
        """POST the queued callbacks, each signed anew, to the webhook endpoint."""
        from django.test import Client

        client = client or self.webhook_client or Client()
        queued, self.callbacks = self.callbacks, []
        if order == "reversed":
            queued.reverse()
        statuses = []
        for body in queued:
            for _ in range(1 + duplicates):
                headers = crypto.platform_headers(
                    body, timestamp=timestamp, serial=self.serial
                )
                response = client.post(
                    self.webhook_path,
                    data=body.encode(),
                    content_type="application/json",
                    headers=headers,
                )
                statuses.append(response.status_code)
        self.delivered.extend(statuses)
        return statuses

    # --- Counting
    def effects(self) -> dict[str, int]:
        return {
            "captures": sum(
                1
                for c in self.combines.values()
                if any(s["transaction_id"] for s in c["subs"])
            ),
            "transfers": len(self.sharings),
            "reversals": len(self.returns),
            "refunds": len(self.refunds),
            "payouts": len(set(self.withdrawals) - self.outside_withdrawals),
        }
