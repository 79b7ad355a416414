#!/usr/bin/env python3
"""Build the CJK font the PDFs embed: Noto Sans CJK SC Regular cut to GB2312 + Latin.

Fetches Debian's ``fonts-noto-cjk`` package (``apt-get download``, no root needed)
or takes a ``.deb`` or ``.ttc`` given as the first argument, picks the SC face of
``NotoSansCJK-Regular.ttc``, keeps the characters of GB 2312 (the 6,763 hanzi and
its symbols), Latin-1, general and CJK punctuation and the full-width forms, drops
hinting and vertical metrics, and writes ``marketplace/common/fonts/`` with the
font's licence (SIL OFL 1.1). fpdf2 subsets again, to the glyphs a PDF uses.

Run with the project's venv (fontTools comes with fpdf2):
``.venv/bin/python scripts/build-cjk-font.py [package.deb|font.ttc]``; commit the
result.
"""

from __future__ import annotations

import glob
import subprocess
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "marketplace" / "common" / "fonts"
OUTPUT = DEST / "NotoSansSC-Regular-GB2312.otf"
TTC_NAME = "NotoSansCJK-Regular.ttc"
FACE = "Noto Sans CJK SC"
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 and Latin Extended-A
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x218F),  # letterlike symbols, number forms
    (0x2190, 0x21FF),  # arrows
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)


def gb2312_characters() -> set[int]:
    """Return every code point GB 2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def find_ttc(source: str | None, work: Path) -> Path:
    DEST.mkdir(parents=True, exist_ok=True)
    if source and source.endswith(".ttc"):
        return Path(source)
    if source is None:
        command = ["apt-get", "download", "fonts-noto-cjk"]
        subprocess.run(command, cwd=work, check=True)  # noqa: S603
        source = glob.glob(str(work / "fonts-noto-cjk_*.deb"))[0]
    command = ["dpkg-deb", "-x", source, str(work / "deb")]
    subprocess.run(command, check=True)  # noqa: S603
    write_licence(next((work / "deb").rglob("fonts-noto-cjk/copyright")))
    return next((work / "deb").rglob(TTC_NAME))


def write_licence(copyright_file: Path) -> None:
    """Write OFL.txt: the font's copyright line and the OFL text from Debian's file."""
    text = copyright_file.read_text()
    body = text.split("License: SIL-1.1\n", 2)[2].split("\nLicense:", 1)[0]
    lines = [line[1:] if line != " ." else "" for line in body.splitlines()]
    notice = (
        "Noto Sans CJK SC Regular, cut to GB 2312 + Latin by scripts/build-cjk-font.py."
        "\nCopyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name"
        " 'Source'.\nNoto is a trademark of Google Inc.\n\n"
    )
    (DEST / "OFL.txt").write_text(notice + "\n".join(lines).strip() + "\n")


def build(ttc: Path) -> None:
    collection = TTCollection(str(ttc))
    font = next(f for f in collection.fonts if f["name"].getDebugName(4) == FACE)
    unicodes = gb2312_characters()
    for low, high in RANGES:
        unicodes.update(range(low, high + 1))
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["kern", "liga", "locl", "ccmp"]
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    DEST.mkdir(parents=True, exist_ok=True)
    font.save(str(OUTPUT))
    print(f"{OUTPUT.relative_to(ROOT)}: {OUTPUT.stat().st_size:,} bytes")


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        build(find_ttc(sys.argv[1] if len(sys.argv) > 1 else None, Path(work)))


if __name__ == "__main__":
    main()
