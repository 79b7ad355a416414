"""The WeChat Pay adapter: 平台收付通 (e-commerce platform) with profit sharing.

Vendors are sub-merchants (二级商户); their account id at the port is the applyment's
``out_request_no``, resolved to the ``sub_mchid`` once the applyment is finished.

- ``create_payment``: 合单下单 (Native), one sub-order per split with profit sharing
  on; the shopper scans ``next_action.data["code_url"]``.
- ``settle``: 请求分账 of the commission to the platform with ``finish`` (the rest is
  unfrozen to the vendor), or 完结分账 when there is no commission. ``PROCESSING``
  is ``PENDING``; the same key later queries the order first and reports its end.
- ``reverse_settlement``: 分账回退 of a shared amount from the platform back to the
  sub-merchant, so a refund after sharing can be paid whole.
- ``refund``: 电商退款 per sub-order; a part already shared to the platform is refused
  (``settlement_not_returned``) until it is returned; an allocation's ``advance`` is
  asked as a 垫付退款 the platform's balance pays (``refunds``).
- ``payout``: 二级商户提现; ``create_vendor_account``: 二级商户进件.

Idempotency: every key becomes the call's ``out_*_no`` (shortened the same way when
it is longer than WeChat allows), and every mutation first queries that number, so
a repeat answers from what WeChat Pay holds and acts at most once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from django.utils import timezone

from marketplace.payments import port
from marketplace.payments.port import Outcome
from marketplace.payments.wechatpay import bills, refunds, results, sharing, webhooks
from marketplace.payments.wechatpay.client import (
    Unreachable,
    attach,
    call,
    config,
    out_no,
    parse_attach,
)
from marketplace.payments.wechatpay.results import NotOnboarded

_SUB_MCHIDS: dict[tuple[str, str], str] = {}


def forget_payees() -> None:
    """Drop the cached account id → sub_mchid map (tests switch fakes)."""
    _SUB_MCHIDS.clear()


def _when(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else timezone.now()


def _attach(sub: dict) -> dict:
    return parse_attach(sub.get("attach"))


PAYMENT_STATES = {
    "SUCCESS": port.PaymentStatus.SUCCEEDED,
    "REFUND": port.PaymentStatus.SUCCEEDED,
    "NOTPAY": port.PaymentStatus.REQUIRES_PAYMENT,
    "USERPAYING": port.PaymentStatus.PROCESSING,
    "CLOSED": port.PaymentStatus.CANCELED,
    "PAYERROR": port.PaymentStatus.FAILED,
}
# the sub-orders of one combined payment move together; the first state found wins
STATE_ORDER = ("SUCCESS", "REFUND", "PAYERROR", "NOTPAY", "USERPAYING", "CLOSED")


class WeChatPayProvider:
    name = "wechatpay"
    capabilities = port.Capabilities(
        funds_flow=port.FundsFlow.FUNDS_FROZEN_IN_PAYEE_ACCOUNT,
        has_capture_step=False,
        test_mode=False,  # the v3 API has no test mode
        lists_payouts=False,  # withdrawals (提现) are not in the bills
    )

    def __init__(self):
        self.cfg = config()

    # --- Payees ---------------------------------------------------------------------
    def _sub_mchid(self, account_id: str) -> str:
        """Return the payee's sub_mchid; raise NotOnboarded or Unreachable."""
        if account_id.isdigit():
            return account_id
        key = (self.cfg.mch_id, account_id)
        if key not in _SUB_MCHIDS:
            reply = call("GET", f"/v3/ecommerce/applyments/out-request-no/{account_id}")
            if reply.status == 404:
                raise NotOnboarded(account_id)
            body = results.check_query(reply).data
            if body.get("applyment_state") != "FINISH" or not body.get("sub_mchid"):
                raise NotOnboarded(account_id)
            _SUB_MCHIDS[key] = body["sub_mchid"]
        return _SUB_MCHIDS[key]

    def _combine(self, payment_id: str) -> dict:
        reply = call("GET", f"/v3/combine-transactions/out-trade-no/{payment_id}")
        return results.check_query(reply).data

    def _sub_order(self, combine: dict, payee_ref: str) -> dict | None:
        return next(
            (s for s in combine["sub_orders"] if _attach(s).get("p") == payee_ref),
            None,
        )

    # --- Payments -------------------------------------------------------------------
    def _payment_body(self, request: port.PaymentRequest, number: str, subs) -> dict:
        return {
            "combine_appid": self.cfg.app_id,
            "combine_mchid": self.cfg.mch_id,
            "combine_out_trade_no": number,
            "sub_orders": [
                {
                    "mchid": self.cfg.mch_id,
                    "sub_mchid": sub_mchid,
                    "out_trade_no": split.sub_reference,
                    "description": (request.description or request.merchant_reference)[
                        :127
                    ],
                    "attach": attach(
                        payment_id=number,
                        reference=request.merchant_reference,
                        payee_ref=split.payee_ref,
                    ),
                    "amount": {
                        "total_amount": split.amount,
                        "currency": request.currency,
                    },
                    "settle_info": {"profit_sharing": True},
                }
                for split, sub_mchid in zip(request.splits, subs, strict=True)
            ],
            "notify_url": self.cfg.notify_url,
        }

    def create_payment(self, request, *, idempotency_key):
        port.check_idempotency_key(idempotency_key)
        if request.currency != "CNY":
            return results.failed(
                port.PaymentResult, "currency_not_supported", "WeChat Pay charges CNY."
            )
        number = out_no(idempotency_key, 32)
        try:
            subs = [self._sub_mchid(split.payee_ref) for split in request.splits]
            body = self._payment_body(request, number, subs)
            reply = call("POST", "/v3/combine-transactions/native", body)
            if reply.ok:
                return port.PaymentResult(
                    outcome=Outcome.SUCCEEDED,
                    payment_id=number,
                    status=port.PaymentStatus.REQUIRES_PAYMENT,
                    next_action=port.NextAction(
                        kind="qr_code", data={"code_url": reply.data["code_url"]}
                    ),
                )
            if reply.code not in ("OUT_TRADE_NO_USED", "ORDER_PAID", "ORDERPAID"):
                return results.refused(port.PaymentResult, reply)
            return self._existing_payment(number, body)
        except NotOnboarded as error:
            return results.not_onboarded(port.PaymentResult, str(error))
        except port.ProviderUnavailable as error:
            return results.from_query(port.PaymentResult, error)
        except Unreachable as error:
            return results.unknown(port.PaymentResult, error)

    def _existing_payment(self, number: str, body: dict) -> port.PaymentResult:
        """The number is taken: the first result if it was this request, else 422."""
        try:
            combine = self._combine(number)
        except port.ProviderObjectNotFound:
            return results.failed(
                port.PaymentResult, "out_trade_no_used", "A sub_reference is taken."
            )
        first = [
            (s["sub_mchid"], s["out_trade_no"], s["amount"]["total_amount"])
            for s in combine["sub_orders"]
        ]
        asked = [
            (s["sub_mchid"], s["out_trade_no"], s["amount"]["total_amount"])
            for s in body["sub_orders"]
        ]
        if first != asked:
            raise port.ProviderIdempotencyError(
                "This key created a different payment at WeChat Pay."
            )
        info = self._payment_info(combine)
        return port.PaymentResult(
            outcome=Outcome.SUCCEEDED, payment_id=number, status=info.status
        )

    def capture(self, payment_id, *, amount=None, idempotency_key):
        """WeChat Pay captures when the shopper pays: report, change nothing."""
        port.check_idempotency_key(idempotency_key)
        info = self.get_payment(payment_id)
        return port.PaymentResult(
            outcome=Outcome.SUCCEEDED, payment_id=payment_id, status=info.status
        )

    def cancel(self, payment_id, *, idempotency_key):
        """合单关单: close every sub-order of an unpaid combined payment."""
        port.check_idempotency_key(idempotency_key)
        try:
            combine = self._combine(payment_id)
            reply = call(
                "POST",
                f"/v3/combine-transactions/out-trade-no/{payment_id}/close",
                {
                    "combine_appid": self.cfg.app_id,
                    "sub_orders": [
                        {
                            "mchid": self.cfg.mch_id,
                            "out_trade_no": s["out_trade_no"],
                            "sub_mchid": s["sub_mchid"],
                        }
                        for s in combine["sub_orders"]
                    ],
                },
            )
        except Unreachable as error:
            return results.unknown(port.PaymentResult, error)
        except port.ProviderObjectNotFound as error:
            return results.failed(port.PaymentResult, "not_found", str(error.detail))
        except port.ProviderUnavailable as error:
            return results.from_query(port.PaymentResult, error)
        if not reply.ok:
            return results.refused(port.PaymentResult, reply)
        return port.PaymentResult(
            outcome=Outcome.SUCCEEDED,
            payment_id=payment_id,
            status=port.PaymentStatus.CANCELED,
        )

    def _payment_info(self, combine: dict) -> port.PaymentInfo:
        subs = combine["sub_orders"]
        states = {s["trade_state"] for s in subs}
        status = next(
            (PAYMENT_STATES[s] for s in STATE_ORDER if s in states),
            port.PaymentStatus.REQUIRES_PAYMENT,
        )
        paid = [s for s in subs if s.get("transaction_id")]
        times = [s["success_time"] for s in paid if s.get("success_time")]
        return port.PaymentInfo(
            payment_id=combine["combine_out_trade_no"],
            merchant_reference=_attach(subs[0]).get("r", ""),
            status=status,
            amount=sum(s["amount"]["total_amount"] for s in subs),
            currency=subs[0]["amount"]["currency"],
            amount_captured=sum(s["amount"]["total_amount"] for s in paid),
            amount_refunded=0,  # the 合单查询 does not report refunds
            fee=0,  # WeChat Pay reports its fee in the trade bill only
            splits=tuple(
                port.SplitInfo(
                    payee_ref=_attach(s).get("p", s["sub_mchid"]),
                    sub_reference=s["out_trade_no"],
                    amount=s["amount"]["total_amount"],
                    refunded=0,
                    settled=0,
                )
                for s in subs
            ),
            created_at=_when(min(times)) if times else timezone.now(),
        )

    def get_payment(self, payment_id):
        try:
            return self._payment_info(self._combine(payment_id))
        except Unreachable as error:
            raise port.ProviderUnavailable(str(error)) from error

    # --- Refunds --------------------------------------------------------------------
    def refund(self, request, *, idempotency_key):
        return refunds.refund(self, request, idempotency_key=idempotency_key)

    # --- Settlements ----------------------------------------------------------------
    def settle(self, request, *, idempotency_key):
        return sharing.settle(self, request, idempotency_key=idempotency_key)

    def reverse_settlement(self, settlement_id, *, amount, idempotency_key):
        return sharing.reverse_settlement(
            self, settlement_id, amount=amount, idempotency_key=idempotency_key
        )

    # --- Payee accounts -------------------------------------------------------------
    def create_vendor_account(self, request, *, idempotency_key):
        """二级商户进件. The port's request carries only the display name; the
        licence, legal person and bank account are completed on WeChat Pay's pages
        (``onboarding_link``) before the applyment can finish."""
        port.check_idempotency_key(idempotency_key)
        number = out_no(idempotency_key, 32)
        body = {
            "out_request_no": number,
            "organization_type": "2401",  # 小微商户; upgraded during onboarding
            "merchant_shortname": request.display_name[:64],
            "contact_info": {"contact_type": "65", "contact_email": request.email},
            "sales_scene_info": {"store_name": request.display_name[:128]},
        }
        try:
            reply = call("POST", "/v3/ecommerce/applyments/", body)
        except Unreachable as error:
            return results.unknown(port.VendorAccountResult, error)
        if not reply.ok:
            if reply.code == "INVALID_REQUEST" and "不一致" in reply.message:
                raise port.ProviderIdempotencyError(reply.message)
            return results.refused(port.VendorAccountResult, reply)
        return port.VendorAccountResult(outcome=Outcome.SUCCEEDED, account_id=number)

    def _applyment(self, account_id: str) -> dict:
        try:
            reply = call(
                "GET", f"/v3/ecommerce/applyments/out-request-no/{quote(account_id)}"
            )
        except Unreachable as error:
            raise port.ProviderUnavailable(str(error)) from error
        return results.check_query(reply).data

    def onboarding_link(self, account_id, *, return_url, refresh_url):
        """The applyment's signing page (WeChat Pay's does not expire; ask again
        within a day so the page matches the applyment's current state)."""
        body = self._applyment(account_id)
        return port.OnboardingLink(
            url=body.get("sign_url") or body.get("legal_validation_url") or "",
            expires_at=timezone.now() + timedelta(days=1),
        )

    def get_vendor_account(self, account_id):
        body = self._applyment(account_id)
        finished = body.get("applyment_state") == "FINISH"
        return port.VendorAccountInfo(
            account_id=account_id,
            display_name=body.get("merchant_shortname", ""),
            currency="CNY",
            details_submitted=body.get("applyment_state") not in ("", "CHECKING"),
            payouts_enabled=finished,
        )

    def get_vendor_balance(self, account_id):
        try:
            sub_mchid = self._sub_mchid(account_id)
            reply = call(
                "GET", f"/v3/ecommerce/fund/balance/{sub_mchid}?account_type=BASIC"
            )
        except NotOnboarded:
            return port.VendorBalance(account_id, "CNY", available=0, pending=0)
        except Unreachable as error:
            raise port.ProviderUnavailable(str(error)) from error
        body = results.check_query(reply).data
        return port.VendorBalance(
            account_id=account_id,
            currency="CNY",
            available=body["available_amount"],
            pending=body["pending_amount"],
        )

    def payout(self, request, *, idempotency_key):
        return sharing.payout(self, request, idempotency_key=idempotency_key)

    # --- Webhooks and reconciliation -------------------------------------------------
    def parse_webhook(self, body, headers):
        return webhooks.parse(self, body, headers)

    def list_transactions(self, *, since, until, payee_ref=None):
        try:
            sub_mchid = self._sub_mchid(payee_ref) if payee_ref else None
            return bills.transactions(
                self, since=since, until=until, sub_mchid=sub_mchid
            )
        except NotOnboarded:
            return []
        except Unreachable as error:
            raise port.ProviderUnavailable(str(error)) from error
