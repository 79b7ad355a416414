"""Production settings pass Django's deployment checklist and refuse to start bare."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
    "DJANGO_SECRET_KEY": "x" * 32 + "-a-long-random-production-like-key-0123456789",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_at_warning_level():
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": os.environ["DATABASE_URL"]}

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_their_services():
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(DJANGO_SETTINGS_MODULE="marketplace.settings.production")

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "Production needs these set: DATABASE_URL, REDIS_URL" in result.stderr
