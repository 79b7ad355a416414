"""Read back the text of a PDF that fpdf2 wrote, through its fonts' ToUnicode maps.

Enough of PDF for the documents we make (no pypdf needed): the streams are plain or
Flate-compressed; text is shown with ``Tj``/``TJ`` as 2-byte glyph ids of a Type 0
font whose ``ToUnicode`` CMap maps them back. A glyph the font lacks has no entry,
so a character that did not render cannot come back.
"""

from __future__ import annotations

import re
import zlib

STREAM = re.compile(rb"<<(?P<dict>(?:(?!>>\s*stream).)*?)>>\s*stream\r?\n", re.S)
BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
HEX = re.compile(rb"<([0-9A-Fa-f]+)>")
TEXT_BLOCK = re.compile(rb"BT(.*?)ET", re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def streams(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return each stream's dictionary and its (decompressed) bytes."""
    found = []
    for match in STREAM.finditer(data):
        length = re.search(rb"/Length (\d+)", match.group("dict"))
        start = match.end()
        if length and b" R" not in match.group("dict").split(b"/Length")[1][:12]:
            body = data[start : start + int(length.group(1))]
        else:
            body = data[start : data.index(b"endstream", start)].rstrip(b"\r\n")
        if b"/FlateDecode" in match.group("dict"):
            body = zlib.decompress(body)
        found.append((match.group("dict"), body))
    return found


def _utf16(hexdigits: bytes) -> str:
    return bytes.fromhex(hexdigits.decode()).decode("utf-16-be")


def to_unicode_map(data: bytes) -> dict[int, str]:
    """Return glyph id -> text, from every ToUnicode CMap in the document."""
    mapping: dict[int, str] = {}
    for _dict, body in streams(data):
        if b"begincmap" not in body:
            continue
        for block in BFCHAR.findall(body):
            values = HEX.findall(block)
            for source, target in zip(values[::2], values[1::2], strict=True):
                mapping[int(source, 16)] = _utf16(target)
        for block in BFRANGE.findall(body):
            values = HEX.findall(block)
            for low, high, target in zip(
                values[::3], values[1::3], values[2::3], strict=True
            ):
                first = ord(_utf16(target))
                for offset, gid in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    mapping[gid] = chr(first + offset)
    return mapping


def _literal_strings(block: bytes) -> list[bytes]:
    """Return the literal ``(...)`` strings of a content block, unescaped."""
    strings, i = [], 0
    while (i := block.find(b"(", i)) != -1:
        depth, i, out = 1, i + 1, bytearray()
        while depth:
            char = block[i : i + 1]
            if char == b"\\":
                following = block[i + 1 : i + 2]
                octal = re.match(rb"[0-7]{1,3}", block[i + 1 : i + 4])
                if octal:
                    out.append(int(octal.group(), 8) & 0xFF)
                    i += 1 + len(octal.group())
                    continue
                out += ESCAPES.get(following, following)
                i += 2
                continue
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if not depth:
                    break
            out += char
            i += 1
        strings.append(bytes(out))
        i += 1
    return strings


def pdf_text(data: bytes) -> str:
    """Return the document's text, each shown string on its own line."""
    mapping = to_unicode_map(data)
    lines = []
    for _dict, body in streams(data):
        for block in TEXT_BLOCK.findall(body):
            shown = _literal_strings(block) + [
                bytes.fromhex(h.decode()) for h in HEX.findall(block)
            ]
            for raw in shown:
                gids = [
                    int.from_bytes(raw[k : k + 2], "big") for k in range(0, len(raw), 2)
                ]
                lines.append("".join(mapping.get(g, "\ufffd") for g in gids))
    return "\n".join(lines)


def embedded_fonts(data: bytes) -> list[str]:
    """Return the ``/BaseFont`` names of the document's fonts (subset-tagged)."""
    return sorted({m.decode() for m in re.findall(rb"/BaseFont /([^\s/>]+)", data)})


def embedded_font_programs(data: bytes) -> int:
    """Return how many font programs (FontFile2/FontFile3 streams) are embedded."""
    return len(re.findall(rb"/FontFile[23] ", data))
