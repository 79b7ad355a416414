"""The browser fixtures themselves: axe finds what it should, the phone is a phone,
and tests run after a browser test get a plain synchronous thread."""

import asyncio

import pytest
from asgiref.sync import async_to_sync

from marketplace.accounts.models import User
from tests.browser.conftest import chromium_path

INACCESSIBLE = """<!doctype html><html><head><title>t</title></head><body>
<main><button></button><img src="data:,"></main></body></html>"""


def test_axe_reports_serious_and_critical_violations(page, axe):
    page.set_content(INACCESSIBLE)

    violations = axe(page)

    assert {(v["id"], v["impact"]) for v in violations} == {
        ("html-has-lang", "serious"),
        ("button-name", "critical"),
        ("image-alt", "critical"),
    }
    assert axe(page, disable=("html-has-lang",)) == [
        v for v in violations if v["id"] != "html-has-lang"
    ]


def test_the_mobile_page_is_a_390_by_844_touch_screen(mobile_page):
    mobile_page.set_content(
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
    )

    screen = mobile_page.evaluate(
        "[innerWidth, innerHeight, matchMedia('(pointer: coarse)').matches,"
        " navigator.maxTouchPoints > 0]"
    )

    assert screen == [390, 844, True, True]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_page_asks_for_the_browser_locale(new_context, live_server, locale):
    page = new_context(locale=locale).new_page()

    response = page.goto("/no-such-page/")

    assert response.request.all_headers()["accept-language"].startswith(locale)


@pytest.mark.django_db
@pytest.mark.usefixtures("_playwright_session")
def test_other_tests_see_no_running_event_loop():
    # given: this process's Chromium is running (the session fixture)
    # then this test's thread is synchronous: the ORM and async_to_sync work
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert User.objects.count() == 0
    assert async_to_sync(asyncio.sleep)(0, "ok") == "ok"


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({}, pytest.skip.Exception),
        ({"CI": "true"}, pytest.fail.Exception),
        ({"CHROMIUM_PATH": "/nowhere/chromium"}, pytest.fail.Exception),
    ],
)
def test_without_a_chromium_browser_tests_skip_except_in_ci(
    monkeypatch, tmp_path, env, outcome
):
    for name in ("CI", "CHROMIUM_PATH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(outcome):
        chromium_path(debian=str(tmp_path / "chromium"))
