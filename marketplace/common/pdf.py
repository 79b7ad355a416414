"""PDF documents (packing slips, statements) with an embedded Chinese font.

The font is Noto Sans CJK SC Regular cut to GB 2312 + Latin (SIL OFL 1.1, built by
``scripts/build-cjk-font.py``), kept in ``common/fonts/``: documents never rely on the
fonts of the machine that makes or opens them. fpdf2 embeds only the glyphs a
document uses, with a ToUnicode map, so the text can be searched and copied.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_PATH = FONT_DIR / "NotoSansSC-Regular-GB2312.otf"
FONT = "NotoSansSC"
GREY = (236, 236, 236)
# fontTools logs every table it subsets at INFO, for every document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


class Document(FPDF):
    """An A4 portrait document in the embedded CJK font, numbered "page/pages".

    ``title`` goes in the document's metadata and at the top of the first page;
    ``footer_text`` (say, the vendor's name) on every page's footer.
    """

    def __init__(self, *, title: str, footer_text: str = ""):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_title(title)
        self.set_creator("marketplace")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT, "", str(FONT_PATH))
        self.set_font(FONT, size=10)
        self.alias_nb_pages()

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")
        self.set_font(FONT, size=10)

    def heading(self, text: str, *, size: int = 16) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=10)
        self.ln(2)

    def key_values(self, rows: Sequence[tuple[str, str]], *, label_width=45) -> None:
        """Write label / value pairs, one per line; long values wrap."""
        for label, value in rows:
            self.set_text_color(90, 90, 90)
            self.cell(label_width, 6, label)
            self.set_text_color(0, 0, 0)
            self.multi_cell(0, 6, value or "—", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def grid(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[int],
        align: Sequence[str] | None = None,
    ) -> None:
        """Write a table with a grey heading row; cells wrap, rows split pages."""
        with self.table(
            col_widths=widths,
            text_align=tuple(align) if align else "LEFT",
            headings_style=FontFace(fill_color=GREY),
            line_height=5.5,
            padding=1.2,
        ) as table:
            header = table.row()
            for text in headings:
                header.cell(text)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(str(value))
        self.ln(3)

    def render(self) -> bytes:
        return bytes(self.output())
