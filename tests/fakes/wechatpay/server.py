"""The fake's wire: routing, request signature checks, faults and signed responses.

``FakeWeChatPay`` (``state.py``) holds what WeChat Pay would hold; this module is the
HTTP face the SDK talks to through ``responses``. Every request must carry the
merchant's valid ``Authorization`` (401 ``SIGN_ERROR`` otherwise); every answer is
signed with the platform key, as the SDK verifies 2xx answers. Faults are armed per
port operation: ``server_error`` (500 before acting), ``rate_limited`` (429 before
acting), ``timeout_after_commit`` (acts, then the response is lost) and
``webhook_before_response`` (acts, delivers its callbacks, then answers).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

from tests.fakes.wechatpay import crypto

GATEWAY = "https://api.mch.weixin.qq.com"


class ApiError(Exception):
    """A WeChat Pay error answer: HTTP status and ``{"code", "message"}``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: (
        str  # name of a FakeWeChatPay method: (match, query, body) -> (status, body)
    )
    operation: str  # the port operation a fault is armed for
    acting: bool  # a POST that changes state


def _r(method, pattern, handler, operation, acting=False):
    return Route(method, re.compile(f"^{pattern}$"), handler, operation, acting)


ROUTES = [
    _r("GET", r"/v3/certificates", "certificates", "certificates"),
    _r(
        "POST",
        r"/v3/combine-transactions/native",
        "create_combine",
        "create_payment",
        True,
    ),
    _r(
        "GET",
        r"/v3/combine-transactions/out-trade-no/([\w-]+)",
        "get_combine",
        "get_payment",
    ),
    _r(
        "POST",
        r"/v3/combine-transactions/out-trade-no/([\w-]+)/close",
        "close_combine",
        "cancel",
        True,
    ),
    _r("POST", r"/v3/ecommerce/refunds/apply", "apply_refund", "refund", True),
    _r(
        "GET",
        r"/v3/ecommerce/refunds/out-refund-no/([\w-]+)",
        "get_refund",
        "get_refund",
    ),
    _r("POST", r"/v3/ecommerce/profitsharing/orders", "create_sharing", "settle", True),
    _r("GET", r"/v3/ecommerce/profitsharing/orders", "get_sharing", "get_settlement"),
    _r(
        "POST",
        r"/v3/ecommerce/profitsharing/finish-order",
        "finish_sharing",
        "settle",
        True,
    ),
    _r(
        "GET",
        r"/v3/ecommerce/profitsharing/orders/(\w+)/amounts",
        "get_unsplit",
        "get_payment_amounts",
    ),
    _r(
        "POST",
        r"/v3/ecommerce/profitsharing/returnorders",
        "create_return",
        "reverse_settlement",
        True,
    ),
    _r(
        "GET", r"/v3/ecommerce/profitsharing/returnorders", "get_return", "get_reversal"
    ),
    _r("POST", r"/v3/ecommerce/fund/withdraw", "create_withdraw", "payout", True),
    _r(
        "GET",
        r"/v3/ecommerce/fund/withdraw/out-request-no/([\w-]+)",
        "get_withdraw",
        "get_payout",
    ),
    _r("GET", r"/v3/ecommerce/fund/balance/(\d+)", "get_balance", "get_vendor_balance"),
    _r(
        "POST",
        r"/v3/ecommerce/applyments/",
        "create_applyment",
        "create_vendor_account",
        True,
    ),
    _r(
        "GET",
        r"/v3/ecommerce/applyments/out-request-no/([\w-]+)",
        "get_applyment",
        "get_vendor_account",
    ),
    _r("GET", r"/v3/bill/tradebill", "trade_bill", "list_transactions"),
    _r("GET", r"/v3/profitsharing/bills", "sharing_bill", "list_transactions"),
    _r("GET", r"/v3/billdownload/file", "download_bill", "download_bill"),
]


def _json(
    status: int, payload, serial: str = crypto.PLATFORM_KEY_ID
) -> tuple[int, dict, str]:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
    headers = crypto.platform_headers(body, serial=serial)
    headers["Content-Type"] = "application/json"
    headers["Request-ID"] = "08F4F0E9B40610"
    return status, headers, body


def _error(status: int, code: str, message: str) -> tuple[int, dict, str]:
    return _json(status, {"code": code, "message": message})


class Wire:
    """Install a fake's routes on a ``responses.RequestsMock``."""

    def __init__(self, fake):
        self.fake = fake

    def install(self, mock: responses.RequestsMock) -> None:
        pattern = re.compile(re.escape(GATEWAY) + r"/v3/.*")
        for method in ("GET", "POST"):
            mock.add_callback(method, pattern, callback=self.handle)

    def _route(self, method: str, path: str):
        for route in ROUTES:
            if route.method == method and (match := route.pattern.match(path)):
                return route, match
        return None, None

    def handle(self, request):
        fake = self.fake
        url = urlsplit(request.url)
        path_url = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or ""
        if isinstance(body, bytes):
            body = body.decode()
        route, match = self._route(request.method, url.path)
        if route is None:
            return _error(404, "NOT_FOUND", "请求的资源不存在")
        if route.handler != "download_bill" and not crypto.check_authorization(
            request.headers.get("Authorization", ""),
            method=request.method,
            path=path_url,
            body=body,
            mchid=fake.sp_mchid,
        ):
            return _error(401, "SIGN_ERROR", "签名错误")
        fault = fake.take_fault(route.operation)
        if fault == "server_error":
            return _error(500, "SYSTEM_ERROR", "系统错误")
        if fault == "rate_limited":
            return _error(429, "FREQUENCY_LIMITED", "频率超限")
        query = dict(parse_qsl(url.query))
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return _error(400, "PARAM_ERROR", "请求体不是合法的JSON")
        fake.requests.append((request.method, url.path))
        try:
            result = getattr(fake, route.handler)(match, query, payload)
        except ApiError as error:
            return _error(error.status, error.code, error.message)
        if fault == "timeout_after_commit":
            raise requests.exceptions.ReadTimeout("Read timed out (fake fault).")
        if fault == "webhook_before_response":
            fake.deliver_callbacks()
        if isinstance(result, tuple) and len(result) == 3:  # a raw file (bills)
            return result
        status, payload = result
        return _json(status, payload, fake.serial)
