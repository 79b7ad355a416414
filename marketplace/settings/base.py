"""Every setting, read from the environment.

With nothing set, the marketplace runs on its embedded default: a PostgreSQL from the
``pgserver`` package with its data under ``DATA_DIR``, and a Celery broker on the
filesystem. Setting ``DATABASE_URL`` and ``REDIS_URL`` moves it onto real services.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from marketplace.settings.embedded import embedded_database, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / ".data")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or local_secret_key(DATA_DIR)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "marketplace.common",
    "marketplace.accounts",
    "marketplace.rules",
    "marketplace.payments",
    "marketplace.ledger",
    "vendors",
    "marketplace.catalog",
    "orders",
    "marketplace.storefront",
    "marketplace.dashboard",
    "marketplace.backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "marketplace" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASES = {
    "default": env.db_url_config(DATABASE_URL)
    if DATABASE_URL
    else embedded_database(DATA_DIR)
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "marketplace.common.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # A task taken but not acknowledged (acks_late) goes back on the queue when its
    # worker is lost; with Redis, after this many seconds. Keep it above the longest
    # task and the longest countdown (webhook retries wait up to an hour).
    _visibility = env.int("CELERY_VISIBILITY_TIMEOUT", default=3 * 3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        "unacked_restore_interval": max(1, min(10, _visibility // 3)),
        "unacked_restore_throttle": 1,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"  # the host is only a name
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (worker control) tables; kombu's default is ./control in the cwd.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# Public catalog answers (product lists, searches) are cached this many seconds under
# a version the catalog and vendor services bump on every change they make
# (marketplace/common/cache.py); stock moved by orders shows when the answer expires.
# Off without Redis: a per-process cache would not see the worker's bumps.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=10 if REDIS_URL else 0)
# Product pages, stock included, are cached this long under the same version and
# their product's stock token, which every order's stock move renews on commit: a
# service change and stock moved by orders both show at once. 0: a product page is
# cached like a list (above).
CATALOG_PRODUCT_CACHE_SECONDS = env.int(
    "CATALOG_PRODUCT_CACHE_SECONDS", default=3600 if REDIS_URL else 0
)
# The rules in force (marketplace/rules/selectors.py) are cached this long under a
# version change_rules bumps, so a change shows at once. Off without Redis, as above.
RULES_CACHE_SECONDS = env.int("RULES_CACHE_SECONDS", default=3600 if REDIS_URL else 0)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "deliver-outbox": {
        "task": "marketplace.outbox.deliver_pending_outbox_task",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=30.0),
    },
    # orders: payment timeout, auto-completion, idempotency keys, lost webhook tasks
    "expire-unpaid-orders": {
        "task": "orders.tasks.expire_unpaid_orders_task",
        "schedule": env.float("EXPIRE_UNPAID_SWEEP_SECONDS", default=60.0),
    },
    "complete-due-vendor-orders": {
        "task": "orders.tasks.complete_due_vendor_orders_task",
        "schedule": env.float("AUTO_COMPLETE_SWEEP_SECONDS", default=300.0),
    },
    "purge-idempotency-keys": {
        "task": "orders.tasks.purge_expired_idempotency_keys_task",
        "schedule": 3600.0,
    },
    "process-pending-webhook-events": {
        "task": "orders.tasks.process_pending_webhook_events_task",
        "schedule": 60.0,
    },
}

# --- Authentication -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
_validators = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_validators}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_validators}.MinimumLengthValidator"},
    {"NAME": f"{_validators}.CommonPasswordValidator"},
    {"NAME": f"{_validators}.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

# --- Language, time and money ---------------------------------------------------
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("BUSINESS_TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="CNY")

# --- Payments (marketplace.payments) --------------------------------------------
# The adapter of the payment-provider port that runs: a name in
# marketplace/payments/providers.py PROVIDERS ("sandbox" is the embedded test mode).
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="sandbox")
# Where the provider posts its webhooks (the endpoint in orders), and how old or new
# a webhook's signed timestamp may be.
PAYMENT_WEBHOOK_URL = env.str(
    "PAYMENT_WEBHOOK_URL",
    default=f"{SITE_URL.rstrip('/')}/payments/webhooks/{PAYMENT_PROVIDER}/",
)
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env.int(
    "PAYMENT_WEBHOOK_TOLERANCE_SECONDS", default=300
)
# The sandbox signs its webhooks with this; empty means derived from SECRET_KEY with a
# salt (marketplace/payments/sandbox/webhooks.py), so no secret sits in the repo.
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="")
# How the sandbox posts webhooks: "http" (urllib), or "django_test_client" (tests).
SANDBOX_WEBHOOK_TRANSPORT = env.str("SANDBOX_WEBHOOK_TRANSPORT", default="http")
# WeChat Pay 平台收付通 (PAYMENT_PROVIDER=wechatpay; marketplace/payments/wechatpay/).
# The v3 API has no test mode: these are a real platform merchant's credentials.
WECHATPAY_MCH_ID = env.str("WECHATPAY_MCH_ID", default="")
WECHATPAY_APP_ID = env.str("WECHATPAY_APP_ID", default="")
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_PRIVATE_KEY_PATH = env.str("WECHATPAY_PRIVATE_KEY_PATH", default="")
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
# The WeChat Pay public key and its id (PUB_KEY_ID_...), or else platform certificates
# downloaded into WECHATPAY_CERT_DIR.
WECHATPAY_PUBLIC_KEY_PATH = env.str("WECHATPAY_PUBLIC_KEY_PATH", default="")
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_CERT_DIR = env.str("WECHATPAY_CERT_DIR", default="")
WECHATPAY_TIMEOUT_SECONDS = env.float("WECHATPAY_TIMEOUT_SECONDS", default=10.0)
# Whether the sandbox can freeze a vendor's security deposit in its own account
# (Capabilities.can_hold_deposits), like a provider with that function; otherwise
# the deposit is paid to the platform, as with Stripe.
SANDBOX_HOLD_DEPOSITS = env.bool("SANDBOX_HOLD_DEPOSITS", default=False)
# The sandbox's money shape (marketplace/payments/port.py FundsFlow):
# "charges_on_platform_then_transfers" (Stripe-like) or "funds_frozen_in_payee_account"
# (WeChat Pay 平台收付通-like: each vendor's part frozen in its own account).
SANDBOX_FUNDS_FLOW = env.str(
    "SANDBOX_FUNDS_FLOW", default="charges_on_platform_then_transfers"
)
# Stripe Connect (PAYMENT_PROVIDER=stripe_connect, payments/stripe_connect/):
# the platform's secret key (sk_test_... in test mode), the signing secret of the
# Connect webhook endpoint and, if the platform's own events go to a second endpoint,
# its secret; the country of new connected accounts (empty: the vendor's country);
# the SDK's own retries (0: the outbox retries with the same idempotency key) and its
# HTTP timeout in seconds.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_ACCOUNT_WEBHOOK_SECRET = env.str("STRIPE_ACCOUNT_WEBHOOK_SECRET", default="")
STRIPE_CONNECT_COUNTRY = env.str("STRIPE_CONNECT_COUNTRY", default="")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=0)
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=30)
# orders: settlement at the end of the holding period (issue 4)
CELERY_BEAT_SCHEDULE["settle-due-vendor-orders"] = {
    "task": "orders.tasks.settle_due_vendor_orders_task",
    "schedule": env.float("SETTLEMENT_SWEEP_SECONDS", default=600.0),
}
# The daily reconciliation of the previous full business day, at a fixed time of the
# business time zone (after the provider's day has closed), "HH:MM".
RECONCILIATION_TIME = env.str("RECONCILIATION_TIME", default="03:30")


def _daily_at(hh_mm: str):
    from celery.schedules import crontab

    hour, _, minute = hh_mm.partition(":")
    if not (hour.isdigit() and minute.isdigit()) or int(hour) > 23 or int(minute) > 59:
        raise ImproperlyConfigured(f"RECONCILIATION_TIME={hh_mm!r} is not HH:MM")
    return crontab(hour=int(hour), minute=int(minute))


CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE["reconcile-yesterday"] = {
    "task": "orders.tasks.reconcile_yesterday_task",
    "schedule": _daily_at(RECONCILIATION_TIME),
}
CELERY_BEAT_SCHEDULE["sandbox-webhook-sweep"] = {
    "task": "marketplace.payments.tasks.send_pending_sandbox_webhooks_task",
    "schedule": 60.0,
}

# --- Files ----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
PRIVATE_MEDIA_ROOT = Path(
    env.str("PRIVATE_MEDIA_ROOT", default=str(DATA_DIR / "private"))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Public media served by Django itself only for the embedded demo; production puts a
# web server or object storage in front of MEDIA_ROOT.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not env.str("DATABASE_URL", default=""))
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
IMAGE_MAX_SIDE = env.int("IMAGE_MAX_SIDE", default=2048)

# --- Email ----------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@marketplace.local")

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "marketplace.accounts.authentication.TokenAuth",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "marketplace.common.errors.problem_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "marketplace.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "STRICT_JSON": True,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketplace API",
    "DESCRIPTION": "Store (/api/store/), vendor (/api/vendor/) and operator "
    "(/api/ops/) APIs. Money is sent as integer minor units with a currency.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a ``Status`` (and ``from_status``/``to_status``) with
    # different choices: give each choice set one stable, descriptive name.
    "ENUM_NAME_OVERRIDES": {
        "VendorStatusEnum": "vendors.models.Vendor.Status",
        "StaffInvitationStatusEnum": "vendors.models.StaffInvitation.Status",
        "ProductStatusEnum": "marketplace.catalog.models.Product.Status",
        "ProductRevisionStatusEnum": (
            "marketplace.catalog.models.ProductRevision.Status"
        ),
        "OrderStatusEnum": "orders.models.Order.Status",
        "VendorOrderStatusEnum": "orders.models.VendorOrder.Status",
        "RefundRequestStatusEnum": "orders.models.RefundRequest.Status",
        "RefundRequestTypeEnum": "orders.models.RefundRequest.Type",
        "RefundStatusEnum": "orders.models.Refund.Status",
        "RefundKindEnum": "orders.models.Refund.Kind",
        "WithdrawalStatusEnum": "vendors.models.Withdrawal.Status",
        "DepositPaymentStatusEnum": "vendors.models.DepositPayment.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The embedded PostgreSQL's start and stop in every process are not news.
    # The stripe SDK logs every request and response at INFO.
    "loggers": {"pgserver": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}
