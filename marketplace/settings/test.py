"""Settings for the test suite: the real PostgreSQL and Redis, never the embedded ones.

``DATABASE_URL`` and ``REDIS_URL`` default to the local services CI starts; each
pytest-xdist worker gets its own database (pytest-django) and Redis database number.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace")
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{1 + int(_worker) % 15}")
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
        "OPTIONS": {"location": str(DATA_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Static files come from the apps' folders (no collectstatic before the tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
