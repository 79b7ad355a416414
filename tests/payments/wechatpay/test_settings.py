"""Production refuses to run WeChat Pay without its merchant credentials."""

import os

from tests.test_deploy_check import PRODUCTION_ENV, run_manage

WECHATPAY_ENV = {
    "WECHATPAY_MCH_ID": "1900000109",
    "WECHATPAY_APP_ID": "wx8888888888888888",
    "WECHATPAY_CERT_SERIAL_NO": "3775B6A45ACD588826D15E583A95F5DD00000001",
    "WECHATPAY_PRIVATE_KEY_PATH": "/run/secrets/apiclient_key.pem",
    "WECHATPAY_APIV3_KEY": "0123456789abcdef0123456789abcdef",
    "WECHATPAY_PUBLIC_KEY_PATH": "/run/secrets/pub_key.pem",
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0119000000000001",
}


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATPAY_")}
    return {**env, **PRODUCTION_ENV, "PAYMENT_PROVIDER": "wechatpay", **extra}


def test_production_with_wechatpay_names_the_missing_credentials():
    result = run_manage("check", env=production_env())

    assert result.returncode != 0
    assert (
        "WeChat Pay needs these set: WECHATPAY_MCH_ID, WECHATPAY_APP_ID, "
        "WECHATPAY_CERT_SERIAL_NO, WECHATPAY_PRIVATE_KEY_PATH, WECHATPAY_APIV3_KEY, "
        "WECHATPAY_PUBLIC_KEY_PATH and WECHATPAY_PUBLIC_KEY_ID"
    ) in result.stderr


def test_production_with_wechatpay_credentials_starts():
    result = run_manage("check", env=production_env(**WECHATPAY_ENV))

    assert result.returncode == 0, result.stderr
