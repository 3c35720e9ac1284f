"""The demo's product pictures, drawn with Pillow as the demo loads (no image files shipped,
nothing downloaded): a light card, a coloured disc with a mark, the product's name beneath."""

import random
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageColor, ImageDraw, ImageFont

WIDTH, HEIGHT = 960, 720  # the product page's 2x rendition: every size gets its 2x
SCALE = 2  # drawn twice as large, then reduced: smooth edges without anti-aliasing
BACKGROUND, INK = "#f4f1ea", "#3b3b3b"


def draw(*, name: str, colour: str, style: str = "initial", mark: str = "") -> ContentFile:
    """A PNG picture of a product. `style`: "initial" (the disc shows `mark`, else the name's
    first letter), "beans" or "ground" (coffee), "shirt" (a T-shirt with `mark` on it)."""
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
    pen = ImageDraw.Draw(image)
    cx, cy, r = _px(WIDTH / 2), _px(300), _px(220)
    fill = ImageColor.getrgb(colour)
    on_fill = INK if _light(fill) else "#ffffff"
    if style == "shirt":
        _shirt(pen, cx, cy, r, fill)
    else:
        pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    if style == "initial":  # the old SVGs' highlight: a soft white spot up to the left
        pen.ellipse((cx - _px(125), cy - _px(125), cx - _px(60), cy - _px(60)), fill=_mix(fill))
    if style == "beans":
        _beans(pen, cx, cy, r, name)
    elif style == "ground":
        _grounds(pen, cx, cy, r, name)
    else:
        text = mark or name[:1].upper()
        size = 220 if len(text) == 1 else 120
        pen.text((cx, cy), text, fill=on_fill, font=_font(size), anchor="mm")
    pen.text((cx, _px(640)), name, fill=INK, font=_font(48), anchor="mm")
    out = BytesIO()
    image.reduce(SCALE).save(out, "PNG", compress_level=1)
    return ContentFile(out.getvalue(), name=f"{style}.png")


def _px(value: float) -> int:
    return round(value * SCALE)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size * SCALE)  # Pillow's own font (FreeType)


def _light(rgb: tuple[int, ...]) -> bool:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 170


def _mix(rgb: tuple[int, ...], white: float = 0.35) -> tuple[int, ...]:
    return tuple(round(c + (255 - c) * white) for c in rgb[:3])


def _beans(pen, cx: int, cy: int, r: int, seed: str) -> None:
    """Whole coffee beans: light ovals, each with its dark crease."""
    rng = random.Random(seed)
    for _ in range(14):
        x, y = cx + rng.randint(-r // 2, r // 2), cy + rng.randint(-r // 2, r // 2)
        w, h = _px(38), _px(26)
        pen.ellipse((x - w, y - h, x + w, y + h), fill="#8a5a3c", outline="#2a1a12", width=_px(3))
        pen.arc((x - w, y - h // 2, x + w, y + h), 200, 340, fill="#2a1a12", width=_px(4))


def _grounds(pen, cx: int, cy: int, r: int, seed: str) -> None:
    """Ground coffee: a heap of fine specks."""
    rng = random.Random(seed)
    for _ in range(900):
        x, y = rng.gauss(cx, r / 3), rng.gauss(cy + r / 6, r / 4)
        if (x - cx) ** 2 + (y - cy) ** 2 < (r * 0.85) ** 2:
            dot = rng.choice((_px(3), _px(4), _px(5)))
            shade = rng.choice(("#2a1a12", "#8a5a3c", "#c49a6c"))
            pen.ellipse((x - dot, y - dot, x + dot, y + dot), fill=shade)


def _shirt(pen, cx: int, cy: int, r: int, fill: tuple[int, ...]) -> None:
    """A T-shirt seen from the front."""
    u = r / 10
    outline = [(-4, -8), (-1.5, -8), (0, -6.5), (1.5, -8), (4, -8), (9, -4), (7, -1), (5, -2.5)]
    outline += [(5, 9), (-5, 9), (-5, -2.5), (-7, -1), (-9, -4)]
    pen.polygon(
        [(cx + x * u, cy + y * u) for x, y in outline], fill=fill, outline=INK, width=_px(3)
    )
