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

from marketplace.settings.base import *  # noqa: E402, F403
from marketplace.settings.base import env  # noqa: E402

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
