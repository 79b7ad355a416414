"""The Chinese catalog translates every message, and the committed .mo files match.

English is the source language. ``make messages`` extracts the strings and compiles
the ``.mo`` files with ``manage.py compile_translations`` (polib, no gettext).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
CHINESE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
CATALOGS = sorted(LOCALE_DIR.rglob("*.po"))
# What `make messages` does not extract from (the Makefile's --ignore list).
NOT_EXTRACTED = (
    ".venv",
    ".data",
    ".git",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "node_modules",
    "tests",
    "bench",
    "staticfiles",
)


def test_the_chinese_catalog_translates_every_message():
    catalog = polib.pofile(str(CHINESE))

    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]

    assert untranslated == []
    assert fuzzy == []
    assert not catalog.metadata_is_fuzzy
    assert catalog.metadata["Plural-Forms"] == "nplurals=1; plural=0;"


@pytest.mark.parametrize(
    "po_path", CATALOGS, ids=lambda p: str(p.relative_to(BASE_DIR))
)
def test_the_committed_mo_is_the_compiled_po(po_path):
    mo_path = po_path.with_suffix(".mo")

    expected = polib.pofile(str(po_path)).to_binary()

    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    assert mo_path.read_bytes() == expected, f"{mo_path} is stale: run `make messages`"


@pytest.mark.skipif(not shutil.which("msgmerge"), reason="needs gettext installed")
def test_the_chinese_catalog_holds_every_message_of_the_project(tmp_path):
    """Extract the messages afresh into a copy of the project and compare msgids."""
    copy = tmp_path / "project"
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(*NOT_EXTRACTED),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.base",
            # Any database URL, so the embedded PostgreSQL is not started.
            "DATABASE_URL": "postgres://unused@127.0.0.1:1/unused",
            "DJANGO_SECRET_KEY": "extracting-messages-only",
            "DATA_DIR": str(tmp_path / "data"),
        },
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / CHINESE.relative_to(BASE_DIR)))}
    committed = {e.msgid for e in polib.pofile(str(CHINESE)) if not e.obsolete}

    assert sorted(fresh - committed) == [], "new messages: run `make messages`"
