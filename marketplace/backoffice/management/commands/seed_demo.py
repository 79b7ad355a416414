"""``manage.py seed_demo``: load the demo marketplace into an empty database."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.backoffice.demo import DemoRefused, load_demo
from marketplace.backoffice.demo_data import PASSWORD


class Command(BaseCommand):
    help = (
        "Load a demo marketplace (operators, vendors, categories, products) through "
        "the services. Refuses when the database already holds users or catalog "
        "data; --if-empty makes that a quiet no-op instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, successfully, when the database already holds data.",
        )

    def handle(self, *args, if_empty=False, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError(
                "The demo has public passwords; it is never loaded with the "
                "production settings."
            )
        started = time.monotonic()
        try:
            result = load_demo(if_empty=if_empty)
        except DemoRefused as error:
            raise CommandError(str(error)) from error
        if not result.loaded:
            self.stdout.write("The database already holds data; demo not loaded.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded in {time.monotonic() - started:.1f} s: "
                f"{len(result.vendors)} vendors, {result.categories} categories, "
                f"{result.products} products, {result.variants} variants."
            )
        )
        self.stdout.write(f"\nDemo logins (password for all: {PASSWORD}):")
        for email, role in result.logins:
            self.stdout.write(f"  {email:<32} {role}")
        self.stdout.write(
            f"\nShop: {settings.SITE_URL}/   Admin: {settings.SITE_URL}/admin/   "
            f"API docs: {settings.SITE_URL}/api/docs/"
        )
