"""Production settings for the benchmarks, plus the bench-only URLconf.

The harness sets ``DJANGO_SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``,
``DJANGO_ALLOWED_HOSTS`` and ``DJANGO_SECURE_SSL_REDIRECT=false`` (loopback HTTP);
everything else is exactly what production runs.
"""

from marketplace.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
