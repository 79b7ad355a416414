"""No floats in money code: a float literal, ``float(`` or a true division fails."""

import io
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MONEY_CODE = [
    "marketplace/common/money.py",
    "marketplace/ledger",
    "marketplace/payments",
    "marketplace/catalog/pricing.py",
    "orders",
    "vendors",
]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.money,
    pytest.mark.usefixtures("funds_flow"),
]


def money_files() -> list[Path]:
    files = []
    for name in MONEY_CODE:
        path = ROOT / name
        found = [path] if path.is_file() else sorted(path.rglob("*.py"))
        files += [f for f in found if "migrations" not in f.parts]
    return files


def float_uses(source: str) -> list[tuple[int, str]]:
    """Return (line, token) of each float literal, ``float`` call or ``/``."""
    found = []
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for index, token in enumerate(tokens):
        text = token.string
        if token.type == tokenize.NUMBER and (
            "." in text or ("e" in text.lower() and not text.lower().startswith("0x"))
        ):
            found.append((token.start[0], text))
        elif token.type == tokenize.NAME and text == "float":
            after = tokens[index + 1].string if index + 1 < len(tokens) else ""
            if after == "(":
                found.append((token.start[0], "float("))
        elif token.type == tokenize.OP and text in ("/", "/="):
            found.append((token.start[0], text))
    return found


def test_the_scanner_finds_floats():
    assert float_uses("x = 1.5 * y\nz = float(a)\nw = a / b\nn = 10**2 // 3\n") == [
        (1, "1.5"),
        (2, "float("),
        (3, "/"),
    ]


def test_money_code_has_no_floats():
    problems = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in money_files()
        for line, text in float_uses(path.read_text())
    ]

    assert len(money_files()) > 30
    assert problems == []
