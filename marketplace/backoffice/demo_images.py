"""Generated pictures for the demo: product cards and business-licence scans.

Drawn with Pillow and its built-in font (Latin only), so nothing is downloaded and no
system font is needed. The same input always draws the same picture.
"""

import io

from PIL import Image, ImageDraw, ImageFont

SIZE = 640


def _font(size: int):
    return ImageFont.load_default(size=size)


def initials(title: str) -> str:
    """Return up to two capitals (or digits) from an English title: 'X5', 'WL'."""
    words = [w for w in title.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0].upper() for w in words[:2]) or "?"


def _shape(draw: ImageDraw.ImageDraw, shape: str, fill, outline) -> None:
    """Draw a simple silhouette of the product kind in the card's upper part."""
    c, w = SIZE // 2, 8
    if shape == "phone":
        draw.rounded_rectangle((c - 85, 90, c + 85, 400), 28, fill=fill, width=w)
        draw.rounded_rectangle((c - 65, 120, c + 65, 360), 10, fill=outline)
        draw.ellipse((c - 10, 372, c + 10, 392), fill=outline)
    elif shape == "headphones":
        draw.arc((c - 140, 90, c + 140, 370), 180, 360, fill=fill, width=26)
        draw.rounded_rectangle((c - 165, 220, c - 95, 370), 24, fill=fill)
        draw.rounded_rectangle((c + 95, 220, c + 165, 370), 24, fill=fill)
    elif shape == "leaf":
        draw.ellipse((c - 150, 110, c + 150, 370), fill=fill)
        draw.line((c - 120, 340, c + 120, 140), fill=outline, width=w)
        for t in (0.3, 0.5, 0.7):
            x, y = c - 120 + 240 * t, 340 - 200 * t
            draw.line((x, y, x - 50, y - 50), fill=outline, width=w // 2)
            draw.line((x, y, x + 45, y + 35), fill=outline, width=w // 2)
    elif shape == "cup":
        draw.polygon(
            [(c - 130, 150), (c + 130, 150), (c + 95, 380), (c - 95, 380)], fill
        )
        draw.arc((c + 90, 190, c + 190, 310), 270, 90, fill=fill, width=22)
        draw.ellipse((c - 130, 130, c + 130, 170), fill=outline)
    elif shape == "pot":
        draw.ellipse((c - 160, 170, c + 160, 390), fill=fill)
        draw.rectangle((c - 190, 200, c + 190, 230), fill=fill)
        draw.ellipse((c - 30, 130, c + 30, 180), fill=fill)
    elif shape == "shirt":
        draw.polygon(
            [
                (c - 70, 100),
                (c - 190, 160),
                (c - 150, 250),
                (c - 110, 230),
                (c - 110, 400),
                (c + 110, 400),
                (c + 110, 230),
                (c + 150, 250),
                (c + 190, 160),
                (c + 70, 100),
                (c, 150),
            ],
            fill=fill,
        )
    elif shape == "circle":
        draw.ellipse((c - 140, 110, c + 140, 390), fill=fill)
        draw.ellipse((c - 60, 190, c + 60, 310), fill=outline)
    else:
        draw.rounded_rectangle((c - 150, 130, c + 150, 390), 18, fill=fill)
        draw.line((c - 150, 200, c + 150, 200), fill=outline, width=w)


def product_card(*, title: str, shape: str, colours, tint: int = 0) -> bytes:
    """Return a square PNG: a silhouette, the title's initials and a caption band.

    ``colours`` is (ink, paper) for the category; ``tint`` shifts the ink a little so
    a product's images (and neighbouring products) are told apart.
    """
    ink, paper = colours
    ink = tuple(max(0, min(255, v + (tint * 23) % 60 - 30)) for v in ink)
    image = Image.new("RGB", (SIZE, SIZE), paper)
    draw = ImageDraw.Draw(image)
    _shape(draw, shape, fill=ink, outline=paper)
    draw.text((SIZE // 2, 470), initials(title), font=_font(96), fill=ink, anchor="mm")
    draw.rectangle((0, SIZE - 70, SIZE, SIZE), fill=ink)
    caption = title if len(title) <= 40 else title[:39] + "…"
    draw.text((SIZE // 2, SIZE - 35), caption, font=_font(26), fill=paper, anchor="mm")
    return _png(image)


def licence_scan(*, company_en: str, licence_number: str, colour) -> bytes:
    """Return a PNG that looks like a photographed business licence (for review)."""
    image = Image.new("RGB", (900, 640), (250, 246, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 880, 620), outline=(170, 40, 40), width=10)
    draw.text(
        (450, 90), "BUSINESS LICENCE", font=_font(54), fill=(170, 40, 40), anchor="mm"
    )
    draw.text(
        (450, 150), "(demo document)", font=_font(26), fill=(120, 120, 120), anchor="mm"
    )
    rows = [
        ("Unified social credit code", licence_number),
        ("Name", company_en),
        ("Type", "Limited liability company"),
        ("Registered capital", "CNY 1,000,000"),
    ]
    for index, (label, value) in enumerate(rows):
        y = 240 + index * 70
        draw.text((80, y), label, font=_font(26), fill=(90, 90, 90))
        draw.text((420, y), value, font=_font(30), fill=(20, 20, 20))
    draw.ellipse((660, 440, 820, 600), outline=colour, width=8)
    draw.text((740, 520), "SEAL", font=_font(34), fill=colour, anchor="mm")
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
