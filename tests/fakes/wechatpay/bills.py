"""The fake's bills in WeChat Pay's CSV format: a header row, one row per movement
with each field prefixed by a backtick, then a summary header and summary row.
Amounts are in yuan with two decimals; times are Beijing time. Unlike WeChat Pay,
which makes a day's bills the next morning, the fake serves today's bill too, so a
test can reconcile the day it ran."""

from __future__ import annotations

import hashlib
from datetime import date

from django.utils import timezone

SHANGHAI = timezone.get_fixed_timezone(8 * 60)
TRADE_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
TRADE_SUMMARY = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,"
    "申请退款总金额"
)
SHARING_HEADER = (
    "分账发起时间,分账方商户号,微信订单号,微信分账/回退单号,分账明细单号,商户分账/回退单号,"
    "分账金额(元),分账接收方,动账类型,处理状态,分账描述,备注"
)
SHARING_SUMMARY = "总条数,分账总金额(元),回退总金额(元),解冻总金额(元)"


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def sha1(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()  # noqa: S324 (WeChat's bill hash)


def _on(movement: dict, bill_date: str) -> bool:
    return movement["time"].astimezone(SHANGHAI).date() == date.fromisoformat(bill_date)


def _row(values) -> str:
    return ",".join(f"`{value}" for value in values)


def _stamp(movement: dict) -> str:
    return movement["time"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def trade_bill(fake, bill_date: str, sub_mchid: str | None) -> bytes | None:
    rows, settled, refunded, fees = [], 0, 0, 0
    for m in fake.movements:
        if m["kind"] not in ("payment", "refund") or not _on(m, bill_date):
            continue
        if m["source"] in fake.dropped:
            continue
        if m["kind"] == "payment":
            sub, refund = m["sub"], None
        else:
            sub, refund = m["refund"]["sub"], m["refund"]
        if sub_mchid and sub["sub_mchid"] != sub_mchid:
            continue
        amount = sub["amount"] if refund is None else 0
        settled += amount
        fees += sub["fee"] if refund is None else 0
        refunded += refund["amount"] if refund else 0
        rows.append(
            _row(
                [
                    _stamp(m),
                    fake.sp_appid,
                    fake.sp_mchid,
                    sub["sub_mchid"],
                    "",
                    sub["transaction_id"],
                    sub["out_trade_no"],
                    "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                    "NATIVE",
                    "REFUND" if refund else "SUCCESS",
                    "OTHERS",
                    "CNY",
                    yuan(amount),
                    "0.00",
                    refund["refund_id"] if refund else "0",
                    refund["params"]["out_refund_no"] if refund else "0",
                    yuan(refund["amount"]) if refund else "0.00",
                    "0.00",
                    "ORIGINAL" if refund else "",
                    "SUCCESS" if refund else "",
                    "order",
                    sub["attach"],
                    yuan(sub["fee"] if not refund else 0),
                    f"{fake.fee_bps / 100:.2f}%",
                    yuan(sub["amount"]),
                    yuan(refund["amount"]) if refund else "0.00",
                    "",
                ]
            )
        )
    if not rows:
        return None
    summary = _row(
        [
            len(rows),
            yuan(settled),
            yuan(refunded),
            "0.00",
            yuan(fees),
            yuan(settled),
            yuan(refunded),
        ]
    )
    return "\r\n".join([TRADE_HEADER, *rows, TRADE_SUMMARY, summary, ""]).encode()


def sharing_bill(fake, bill_date: str, sub_mchid: str | None) -> bytes | None:
    rows, shared, returned, unfrozen = [], 0, 0, 0
    for m in fake.movements:
        if m["kind"] not in ("sharing", "return") or not _on(m, bill_date):
            continue
        if m["source"] in fake.dropped:
            continue
        if m["kind"] == "sharing":
            order = m["order"]
            params = order["params"]
            if sub_mchid and params["sub_mchid"] != sub_mchid:
                continue
            base = [
                _stamp(m),
                params["sub_mchid"],
                params["transaction_id"],
                order["order_id"],
            ]
            if order["amount"]:
                shared += order["amount"]
                rows.append(
                    _row(
                        [
                            *base,
                            f"3601{order['order_id'][4:]}0",
                            params["out_order_no"],
                            yuan(order["amount"]),
                            fake.sp_mchid,
                            "分账",
                            "SUCCESS",
                            "平台佣金",
                            "",
                        ]
                    )
                )
            if order["finish"]:
                unfrozen += order["unfrozen"]
                rows.append(
                    _row(
                        [
                            *base,
                            f"3601{order['order_id'][4:]}9",
                            params["out_order_no"],
                            yuan(order["unfrozen"]),
                            params["sub_mchid"],
                            "解冻",
                            "SUCCESS",
                            "完结分账",
                            "",
                        ]
                    )
                )
        else:
            stored = m["return"]
            params = stored["params"]
            if sub_mchid and params["sub_mchid"] != sub_mchid:
                continue
            returned += params["amount"]
            rows.append(
                _row(
                    [
                        _stamp(m),
                        params["sub_mchid"],
                        stored["order"]["params"]["transaction_id"],
                        stored["return_no"],
                        "",
                        params["out_return_no"],
                        yuan(params["amount"]),
                        params["return_mchid"],
                        "回退",
                        "SUCCESS",
                        params["description"],
                        params["out_order_no"],
                    ]
                )
            )
    if not rows:
        return None
    summary = _row([len(rows), yuan(shared), yuan(returned), yuan(unfrozen)])
    return "\r\n".join([SHARING_HEADER, *rows, SHARING_SUMMARY, summary, ""]).encode()
