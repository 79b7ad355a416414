"""Playwright fixtures: Debian's Chromium, one per test process, a context per test.

``CHROMIUM_PATH`` names the browser (default: ``chromium`` on the PATH, else
``/usr/bin/chromium``). Without one the browser tests are skipped, unless
``CI=true`` or ``CHROMIUM_PATH`` is set: then they fail, so CI never goes green
without running them. Playwright never downloads a browser (no ``playwright
install``). Override ``browser_locale`` in a module for another language, or call
``new_context(locale=...)``.

The sync API keeps its event loop suspended in this thread, and while it is marked
running, Django refuses the ORM (``SynchronousOnlyOperation``) and asgiref refuses
``async_to_sync``. So the loop is marked running only during a browser test (with
``DJANGO_ALLOW_ASYNC_UNSAFE``, as pytest-django advises), and the other tests this
process runs afterwards see a plain synchronous thread.

Pages talk to pytest-django's ``live_server``; a test that writes what the server
reads uses ``@pytest.mark.django_db(transaction=True)``. A failed test leaves a
screenshot and the page's HTML in ``BROWSER_ARTIFACTS_DIR`` (default: a temporary
folder), and prints where.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.axe import serious_violations

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
DEBIAN_CHROMIUM = "/usr/bin/chromium"
BROWSER_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Mark every test in this folder ``browser``, so ``-m browser`` selects them."""
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember a failed setup or call, for the artifacts saved at teardown."""
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


def chromium_path(*, debian: str = DEBIAN_CHROMIUM) -> str:
    """Return the browser to run; skip, or fail under ``CI``, when there is none.

    A ``CHROMIUM_PATH`` that names no program always fails: it is a mistake.
    """
    configured = os.environ.get("CHROMIUM_PATH", "")
    path = configured or shutil.which("chromium") or debian
    if os.access(path, os.X_OK):
        return path
    if configured or os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(
            f"No Chromium at {path!r} (CHROMIUM_PATH={configured!r}): the browser "
            "tests cannot run. Install Debian's chromium (`apt-get install "
            "chromium`, as .ci/run does) or point CHROMIUM_PATH at a Chromium.",
            pytrace=False,
        )
    pytest.skip(
        "browser tests skipped: no Chromium (set CHROMIUM_PATH, or "
        "`apt-get install chromium`; under CI=true this fails instead)"
    )


class _Session:
    """Playwright and its Chromium for this process; its loop runs only in tests."""

    def __init__(self, executable: str):
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.loop = asyncio.get_running_loop()  # Playwright's, marked running now
        try:
            self.browser = self.playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except BaseException:
            self.playwright.stop()
            raise
        self.detach()

    def attach(self) -> None:
        """Mark Playwright's loop running again, as its sync calls expect."""
        asyncio._set_running_loop(self.loop)

    def detach(self) -> None:
        """Let this thread look synchronous until the next browser test."""
        asyncio._set_running_loop(None)

    def close(self) -> None:
        self.attach()
        try:
            self.browser.close()
        finally:
            self.playwright.stop()  # ends the loop and clears the mark itself


@pytest.fixture(scope="session")
def _playwright_session() -> Iterator[_Session]:
    session = _Session(chromium_path())
    yield session
    session.close()


@pytest.fixture(scope="session")
def browser(_playwright_session):
    """The headless Chromium of this test process (shared: open contexts, not tabs)."""
    return _playwright_session.browser


@pytest.fixture(autouse=True)
def _playwright_loop(request, monkeypatch):
    """Around a test using the browser, mark Playwright's loop running; unmark after."""
    if "browser" not in request.fixturenames:
        yield
        return
    session = request.getfixturevalue("_playwright_session")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    session.attach()
    try:
        yield
    finally:
        session.detach()


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory) -> Path:
    """Where failed browser tests leave their screenshots and HTML."""
    configured = os.environ.get("BROWSER_ARTIFACTS_DIR")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("browser-artifacts")


@pytest.fixture
def browser_locale() -> str:
    """The browser's language (``Accept-Language``); override it in a module."""
    return "en-US"


@pytest.fixture
def new_context(browser, browser_locale, live_server, artifacts_dir, request):
    """Return a factory of fresh browser contexts (own cookies and storage).

    Defaults: desktop viewport, ``browser_locale``, Shanghai time, ``base_url`` at
    the live server; keyword arguments go to ``Browser.new_context``. On failure
    each open page leaves a screenshot and its HTML in ``artifacts_dir``.
    """
    contexts = []

    def make(**options):
        options = {
            "viewport": DESKTOP,
            "locale": browser_locale,
            "timezone_id": "Asia/Shanghai",
            "base_url": live_server.url,
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    if request.node.stash.get(_FAILED, False):
        _save_artifacts(contexts, artifacts_dir, request.node.nodeid)
    for context in contexts:
        context.close()


def _save_artifacts(contexts, directory: Path, nodeid: str) -> None:
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in nodeid)[-150:]
    for c_index, context in enumerate(contexts):
        for p_index, page in enumerate(context.pages):
            base = directory / f"{stem}-{c_index}-{p_index}"
            try:
                page.screenshot(path=f"{base}.png", full_page=True)
                Path(f"{base}.html").write_text(page.content(), encoding="utf-8")
            except Exception as error:  # a crashed page must not hide the failure
                print(f"could not save {base}: {error}")
                continue
            print(f"browser artifacts of {nodeid} ({page.url}): {base}.png, .html")


@pytest.fixture
def page(new_context):
    """A page in a fresh desktop context (1280×800)."""
    return new_context().new_page()


@pytest.fixture
def mobile_page(new_context):
    """A page in a fresh phone context: 390×844, touch, mobile viewport rules."""
    return new_context(
        viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    ).new_page()


@pytest.fixture
def axe() -> Callable:
    """Return ``axe(page)``: the page's serious and critical axe-core violations."""
    return serious_violations
