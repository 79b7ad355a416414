"""``list_transactions`` from WeChat Pay's daily bills (交易账单 and 分账账单).

Bills are per Beijing-time day, CSV, every field prefixed by a backtick, amounts in
yuan, followed by a summary; the download is unsigned, so its SHA-1 is checked
against the signed answer that gave its URL. The platform's view lists the money of
the marketplace's payments at WeChat Pay: payments in, refunds out, what a
settlement unfroze to the vendor out (``settlement``) and returns from the platform
(``settlement_reversal``). A payee's view lists its payments, refunds, the
commission shared out of its part and the returns it received.

WeChat Pay makes a day's bills the next morning (from about 10:00 Beijing time):
reconcile a day after that (``RECONCILIATION_TIME``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from marketplace.payments import port
from marketplace.payments.port import TransactionType
from marketplace.payments.wechatpay.client import call, parse_attach
from marketplace.payments.wechatpay.refunds import refund_id_of
from marketplace.payments.wechatpay.sharing import settlement_id

BEIJING = ZoneInfo("Asia/Shanghai")


def fen(yuan: str) -> int:
    return int((Decimal(yuan) * 100).to_integral_exact())


def _download(path: str) -> list[dict] | None:
    """Apply for one bill and download it; None when WeChat has no bill that day."""
    reply = call("GET", path)
    if reply.code == "NO_STATEMENT_EXIST":
        return None  # no movement that day (a bill still being made is an error)
    if not reply.ok:
        raise port.ProviderUnavailable(reply.message or f"HTTP {reply.status}")
    url = urlsplit(reply.data["download_url"])
    content = call("GET", f"{url.path}?{url.query}", skip_verify=True).data
    if not isinstance(content, bytes) or (
        hashlib.sha1(content).hexdigest() != reply.data["hash_value"]  # noqa: S324
    ):
        raise port.ProviderUnavailable("The bill's hash does not match.")
    lines = content.decode("utf-8-sig").splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("总"))
    header = lines[0].split(",")
    # every value starts with a backtick, so ",`" separates fields even when a
    # value holds a comma
    return [
        dict(zip(header, line.removeprefix("`").split(",`"), strict=True))
        for line in lines[1:end]
    ]


def _stamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)


def _trade(rows: list[dict], payee: bool) -> list[port.Transaction]:
    found: dict[str, port.Transaction] = {}
    for row in rows:
        attach = parse_attach(row["商户数据包"])
        when = _stamp(row["交易时间"])
        if row["交易状态"] == "REFUND":
            refund_id = refund_id_of(row["商户退款单号"])
            previous = found.get(f"refund:{refund_id}")
            amount = (previous.amount if previous else 0) - fen(row["退款金额"])
            found[f"refund:{refund_id}"] = port.Transaction(
                transaction_id=row["微信退款单号"]
                if not previous
                else previous.transaction_id,
                type=TransactionType.REFUND,
                amount=amount,
                fee=0,
                currency=row["货币种类"],
                created_at=previous.created_at if previous else when,
                source_id=refund_id,
                reference=attach.get("r", ""),
            )
            continue
        number = attach.get("c", row["商户订单号"])
        key = f"payment:{row['商户订单号'] if payee else number}"
        previous = found.get(key)
        found[key] = port.Transaction(
            transaction_id=row["微信订单号"] if payee else number,
            type=TransactionType.PAYMENT,
            amount=(previous.amount if previous else 0) + fen(row["应结订单金额"]),
            fee=(previous.fee if previous else 0) + fen(row["手续费"]),
            currency=row["货币种类"],
            created_at=previous.created_at if previous else when,
            source_id=number,
            reference=attach.get("r", ""),
        )
    return list(found.values())


def _sharing(rows: list[dict], payee: bool) -> list[port.Transaction]:
    found = []
    for row in rows:
        kind, amount = row["动账类型"], fen(row["分账金额(元)"])
        if kind == "回退":
            number, sign, type_ = row["备注"], 1 if payee else -1, "settlement_reversal"
        elif kind == ("分账" if payee else "解冻"):
            number, sign, type_ = row["商户分账/回退单号"], -1, "settlement"
        else:
            continue
        found.append(
            port.Transaction(
                transaction_id=row["分账明细单号"] or row["微信分账/回退单号"],
                type=TransactionType(type_),
                amount=sign * amount,
                fee=0,
                currency="CNY",
                created_at=_stamp(row["分账发起时间"]),
                source_id=settlement_id(number, row["分账方商户号"]),
            )
        )
    return found


def transactions(provider, *, since, until, sub_mchid=None) -> list[port.Transaction]:
    day, last = since.astimezone(BEIJING).date(), until.astimezone(BEIJING).date()
    scope = f"&sub_mchid={sub_mchid}" if sub_mchid else ""
    found = []
    while day <= last:
        trade = _download(f"/v3/bill/tradebill?bill_date={day}&bill_type=ALL{scope}")
        found += _trade(trade or [], payee=bool(sub_mchid))
        sharing = _download(f"/v3/profitsharing/bills?bill_date={day}{scope}")
        found += _sharing(sharing or [], payee=bool(sub_mchid))
        day += timedelta(days=1)
    found = [t for t in found if since <= t.created_at < until]
    return sorted(found, key=lambda t: (t.created_at, t.transaction_id))
