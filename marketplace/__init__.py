"""The platform: settings, the three faces and the shared sub-apps."""

from marketplace.celery import app as celery_app

__all__ = ["celery_app"]
