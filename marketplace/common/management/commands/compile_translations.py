"""Compile every project ``.po`` catalog to its ``.mo`` with polib.

``make messages`` runs this after ``makemessages``; the ``.mo`` files are committed, so
running the project needs no gettext. ``tests/test_translations.py`` fails when a
committed ``.mo`` differs from what this command would write.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def project_catalogs() -> list[Path]:
    """Return the ``.po`` files under ``LOCALE_PATHS``, sorted."""
    return sorted(
        po for locale in settings.LOCALE_PATHS for po in Path(locale).rglob("*.po")
    )


def compiled(po_path: Path) -> bytes:
    """Return the ``.mo`` bytes of a catalog: translated, non-fuzzy entries only."""
    import polib

    return polib.pofile(str(po_path)).to_binary()


class Command(BaseCommand):
    help = "Compile the project's .po catalogs to .mo files (no gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit with an error if a .mo is missing or stale.",
        )

    def handle(self, *args, check=False, **options):
        stale = []
        for po_path in project_catalogs():
            mo_path = po_path.with_suffix(".mo")
            data = compiled(po_path)
            if mo_path.exists() and mo_path.read_bytes() == data:
                continue
            stale.append(mo_path)
            if not check:
                mo_path.write_bytes(data)
                self.stdout.write(f"compiled {mo_path.relative_to(settings.BASE_DIR)}")
        if check and stale:
            names = ", ".join(str(p.relative_to(settings.BASE_DIR)) for p in stale)
            raise SystemExit(f"Stale or missing .mo files: {names}")
