"""axe-core in a Playwright page: the vendored ``axe.min.js`` (see vendor/).

``serious_violations(page)`` runs axe on what the page shows now and returns its
serious and critical violations, short enough for an assertion's diff::

    assert axe(page) == []
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
IMPACTS = ("serious", "critical")

RUN = """async (options) => {
    const results = await axe.run(document, options);
    return results.violations;
}"""


@cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def serious_violations(page, *, disable: tuple[str, ...] = ()) -> list[dict]:
    """Return the page's violations of impact serious or critical, per rule.

    Each is ``{"id", "impact", "help", "targets"}``, ``targets`` the CSS selectors
    of the offending nodes. ``disable`` turns rules off by id (say why at the call).
    Injected with ``evaluate``, so a Content-Security-Policy cannot block it.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in page.evaluate(RUN, options)
        if violation["impact"] in IMPACTS
    ]
