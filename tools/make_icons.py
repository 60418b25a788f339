"""Draw the app icons (PWA manifest) from the shapes of jakcctv/static/img/favicon.svg, with Pillow.

Pillow cannot read SVG, so the favicon's three shapes are drawn again here (same 32-unit grid):
a red rounded square, a white camera body and its lens. Run it after changing the favicon:
    .venv/bin/python tools/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

RED, WHITE = (180, 35, 42, 255), (255, 255, 255, 255)
STATIC_IMG = Path(__file__).resolve().parent.parent / "jakcctv" / "static" / "img"
SUPERSAMPLE = 4


def draw(size, *, maskable=False):
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    unit = big / 32
    if maskable:
        # Full bleed, and the glyph inside the central 80% that every mask shape keeps.
        pen.rectangle([0, 0, big, big], fill=RED)
        scale, offset = 0.7, big * 0.15
    else:
        pen.rounded_rectangle([0, 0, big - 1, big - 1], radius=6 * unit, fill=RED)
        scale, offset = 1.0, 0.0

    def at(x, y):
        return (offset + x * unit * scale, offset + y * unit * scale)

    pen.rounded_rectangle([*at(5, 10), *at(20, 22)], radius=2 * unit * scale, fill=WHITE)
    pen.polygon([at(20, 14), at(27, 10), at(27, 22), at(20, 18)], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main():
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ]:
        draw(size, maskable=maskable).save(STATIC_IMG / name, optimize=True)
        print(STATIC_IMG / name)


if __name__ == "__main__":
    main()
