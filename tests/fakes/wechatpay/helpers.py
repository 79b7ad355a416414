"""Helpers the fake's handlers share."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from tests.fakes.wechatpay.server import ApiError

SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def wechat_time(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds")


def require(body: dict, *names: str) -> None:
    for name in names:
        if body.get(name) in (None, ""):
            raise ApiError(
                400,
                "PARAM_ERROR",
                f"输入源“/body/{name}”映射到字段“{name}”必填性规则校验失败",
            )


def same(stored: dict, body: dict, name: str) -> dict:
    if stored["params"] != body:
        raise ApiError(
            400, "INVALID_REQUEST", f"{name}重复，请求参数与首次请求时不一致"
        )
    return stored
