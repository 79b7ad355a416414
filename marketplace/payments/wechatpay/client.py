"""The wire to WeChat Pay: ``wechatpayv3``'s signing and verifying core, configured
from the settings.

The SDK has no wrappers for the e-commerce (平台收付通) calls, so the adapter uses its
request core: it signs every request with the merchant key (``Authorization``) and
verifies the platform's signature on every 2xx answer, with the WeChat Pay public key
(``WECHATPAY_PUBLIC_KEY_*``) or, without one, the platform certificates it downloads
into ``WECHATPAY_CERT_DIR``. ``call`` turns what can go wrong on the way into
``Unreachable``; an answer, even a 4xx, comes back as a ``Reply``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from wechatpayv3.core import Core
from wechatpayv3.type import RequestType

REQUIRED = (
    "WECHATPAY_MCH_ID",
    "WECHATPAY_APP_ID",
    "WECHATPAY_CERT_SERIAL_NO",
    "WECHATPAY_PRIVATE_KEY_PATH",
    "WECHATPAY_APIV3_KEY",
)


class Unreachable(Exception):
    """No trustworthy answer: a timeout, a lost connection or a bad signature."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any  # the decoded JSON body, or the raw bytes of a file

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        return self.data.get("code", "") if isinstance(self.data, dict) else ""

    @property
    def message(self) -> str:
        return self.data.get("message", "") if isinstance(self.data, dict) else ""


@dataclass(frozen=True)
class Config:
    mch_id: str
    app_id: str
    cert_serial_no: str
    private_key_path: str
    apiv3_key: str
    public_key_path: str
    public_key_id: str
    cert_dir: str
    notify_url: str
    timeout: float


def config() -> Config:
    """Read the WeChat Pay settings; ImproperlyConfigured names what is missing."""
    missing = [name for name in REQUIRED if not getattr(settings, name, "")]
    if missing:
        raise ImproperlyConfigured(f"WeChat Pay needs these set: {', '.join(missing)}")
    return Config(
        mch_id=settings.WECHATPAY_MCH_ID,
        app_id=settings.WECHATPAY_APP_ID,
        cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
        private_key_path=settings.WECHATPAY_PRIVATE_KEY_PATH,
        apiv3_key=settings.WECHATPAY_APIV3_KEY,
        public_key_path=settings.WECHATPAY_PUBLIC_KEY_PATH,
        public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
        cert_dir=settings.WECHATPAY_CERT_DIR,
        notify_url=settings.PAYMENT_WEBHOOK_URL,
        timeout=settings.WECHATPAY_TIMEOUT_SECONDS,
    )


@lru_cache(maxsize=8)
def _core(cfg: Config) -> Core:
    public_key = Path(cfg.public_key_path).read_text() if cfg.public_key_path else None
    return Core(
        mchid=cfg.mch_id,
        cert_serial_no=cfg.cert_serial_no,
        private_key=Path(cfg.private_key_path).read_text(),
        apiv3_key=cfg.apiv3_key,
        cert_dir=cfg.cert_dir or None,
        timeout=(5, cfg.timeout),
        public_key=public_key,
        public_key_id=cfg.public_key_id or None,
    )


def core(cfg: Config | None = None) -> Core:
    return _core(cfg or config())


def call(
    method: str, path: str, body: dict | None = None, *, skip_verify: bool = False
) -> Reply:
    """Send one signed request; return the answer or raise ``Unreachable``."""
    try:
        status, text = core().request(
            path, method=RequestType[method], data=body, skip_verify=skip_verify
        )
    except requests.Timeout as error:
        raise Unreachable("timeout", "WeChat Pay did not answer in time.") from error
    except requests.RequestException as error:
        raise Unreachable("connection_error", str(error)) from error
    except Exception as error:  # the SDK raises a bare Exception on a bad signature
        raise Unreachable("bad_signature", str(error)) from error
    if isinstance(text, bytes) and not skip_verify:
        text = text.decode()
    if isinstance(text, str):
        try:
            return Reply(status, json.loads(text) if text else {})
        except ValueError:
            return Reply(status, {"code": "BAD_BODY", "message": text[:200]})
    return Reply(status, text)


def out_no(key: str, length: int) -> str:
    """Fit an idempotency key into an ``out_*_no`` of at most ``length`` characters,
    the same way every time (a long key keeps its head plus a digest)."""
    if len(key) <= length:
        return key
    return f"{key[: length - 13]}_{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def attach(*, payment_id: str, reference: str, payee_ref: str) -> str:
    """The sub-order's 商户数据包: ``payment|reference|payee`` (no commas, so the
    bills keep it in one field; every part is ``[A-Za-z0-9_-]``)."""
    return f"{payment_id}|{reference}|{payee_ref}"


def parse_attach(value: str | None) -> dict[str, str]:
    parts = (value or "").split("|")
    if len(parts) != 3:
        return {}
    return dict(zip(("c", "r", "p"), parts, strict=True))
