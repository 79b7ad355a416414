"""Production: every service and secret from the environment, HTTPS only.

Refuses to start without ``DJANGO_SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL`` and
``DJANGO_ALLOWED_HOSTS``, so a deployment never falls back to the embedded default.
Passes ``manage.py check --deploy --fail-level WARNING``.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_required = ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS")
_missing = [name for name in _required if not os.environ.get(name)]
if _missing:
    raise ImproperlyConfigured(f"Production needs these set: {', '.join(_missing)}")
if os.environ.get("PAYMENT_PROVIDER") == "wechatpay":
    _wechatpay = (
        "WECHATPAY_MCH_ID",
        "WECHATPAY_APP_ID",
        "WECHATPAY_CERT_SERIAL_NO",
        "WECHATPAY_PRIVATE_KEY_PATH",
        "WECHATPAY_APIV3_KEY",
    )
    _missing = [name for name in _wechatpay if not os.environ.get(name)]
    if not (
        os.environ.get("WECHATPAY_PUBLIC_KEY_PATH")
        and os.environ.get("WECHATPAY_PUBLIC_KEY_ID")
    ) and not os.environ.get("WECHATPAY_CERT_DIR"):
        _missing.append("WECHATPAY_PUBLIC_KEY_PATH and WECHATPAY_PUBLIC_KEY_ID")
    if _missing:
        raise ImproperlyConfigured(f"WeChat Pay needs these set: {', '.join(_missing)}")
if os.environ.get("MARKETPLACE_CRASH_AT"):
    raise ImproperlyConfigured("MARKETPLACE_CRASH_AT is for the kill tests only.")

from marketplace.settings.base import *  # noqa: E402, F403
from marketplace.settings.base import env  # noqa: E402

if PAYMENT_PROVIDER == "stripe_connect" and not (  # noqa: F405
    STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET  # noqa: F405
):
    raise ImproperlyConfigured(
        "PAYMENT_PROVIDER=stripe_connect needs STRIPE_SECRET_KEY and "
        "STRIPE_WEBHOOK_SECRET"
    )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
