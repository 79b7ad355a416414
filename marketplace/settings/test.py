"""Settings for the test suite: the real PostgreSQL and Redis, never the embedded ones.

``DATABASE_URL`` and ``REDIS_URL`` default to the local services CI starts; each
pytest-xdist worker gets its own database (pytest-django) and Redis database number
(1-15 on the ``REDIS_URL`` server).
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace")
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
# Each xdist worker gets its own Redis database number on the configured server. The
# workers inherit the controller's environment, so the server is remembered apart from
# the URL this process settles on (one worker's URL is never taken as the base).
_redis = os.environ.get("MARKETPLACE_TEST_REDIS_BASE") or os.environ.get(
    "REDIS_URL", "redis://127.0.0.1:6379/0"
)
os.environ["MARKETPLACE_TEST_REDIS_BASE"] = _redis
os.environ["REDIS_URL"] = (
    urlsplit(_redis)._replace(path=f"/{1 + int(_worker) % 15}").geturl()
)
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault(
    "DATA_DIR", str(Path(tempfile.gettempdir()) / f"marketplace-test-{os.getpid()}")
)

from marketplace.settings.base import *  # noqa: E402, F403
from marketplace.settings.base import DATA_DIR  # noqa: E402

LANGUAGE_CODE = "en"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A real Celery worker (tests/flows) is another process: it writes its mail to files.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    **STORAGES,  # noqa: F405
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # A real worker (tests/flows) shares the private files by PRIVATE_MEDIA_ROOT.
        "OPTIONS": {
            "location": os.environ.get("PRIVATE_MEDIA_ROOT", str(DATA_DIR / "private")),
            "base_url": None,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Most tests write rows with factories, which bump no version: the catalog cache is on
# only where a test turns it on (tests/catalog/test_catalog_cache.py).
CATALOG_CACHE_SECONDS = 0
CATALOG_PRODUCT_CACHE_SECONDS = 0
# Factories write rules rows without bumping: cached only where a test turns it on.
RULES_CACHE_SECONDS = 0
# Runs that share a Redis database number (two checkouts, one machine) keep apart.
CACHES["default"]["KEY_PREFIX"] = f"{DATABASES['default']['NAME']}-{_worker}"  # noqa: F405
# Static files come from the apps' folders (no collectstatic before the tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
