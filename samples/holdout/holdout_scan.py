"""Pen, seal and scanner for the hold-out set: what happens to a printed page before sohoa sees it.

Written apart from the dev generator's degradations on purpose. A signed original gets a pen signature
and a round seal stamped over the left of it (covering the title lines and part of the name, as
offices do); each condition then simulates one way the page reaches the archive. Everything is driven
by the ``numpy`` generator passed in, so a seed gives the same pixels.
"""

from __future__ import annotations

import math

import numpy as np
from holdout_sheet import FAMILIES, Sheet
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SEAL_RED = (196, 38, 52)
PEN_BLUE = (28, 48, 150)


def _mm(dpi: int) -> float:
    return dpi / 25.4


def signature(image: Image.Image, sheet: Sheet, dpi: int, rng: np.random.Generator) -> None:
    """A looping pen stroke above the signer's name (in place, RGB)."""
    if sheet.sign_at is None:
        return
    k = _mm(dpi)
    cx, name_top = sheet.sign_at
    xs = np.linspace(-18, 18, 240)
    phase, freq = rng.uniform(0, 6), rng.uniform(0.55, 0.9)
    ys = 5 * np.sin(xs * freq + phase) * np.exp(-((xs / 16) ** 2)) + 2.5 * np.sin(xs * 2.3 + phase)
    ys += np.linspace(3, -3, xs.size) * rng.uniform(0.5, 1.2)
    points = [((cx + x) * k, (name_top - 10 + y) * k) for x, y in zip(xs, ys, strict=True)]
    ImageDraw.Draw(image).line(points, fill=PEN_BLUE, width=max(2, round(0.45 * k)), joint="curve")


def seal(image: Image.Image, sheet: Sheet, dpi: int, rim: str, rng: np.random.Generator) -> None:
    """A round red seal (two rings, rim text, a star) multiplied over the left of the signature."""
    if sheet.sign_at is None:
        return
    k = _mm(dpi)
    cx, name_top = sheet.sign_at
    radius = 18.5 * k
    centre = ((cx - 17 + rng.uniform(-3, 3)) * k, (name_top - 12 + rng.uniform(-3, 3)) * k)
    size = int(2 * radius + 8)
    layer = Image.new("L", (size, size), 0)  # ink coverage
    draw = ImageDraw.Draw(layer)
    c = size / 2
    for r, w in ((radius, 0.75), (radius - 4.4 * k, 0.4)):
        draw.ellipse((c - r, c - r, c + r, c + r), outline=230, width=max(2, round(w * k)))
    font = ImageFont.truetype(str(FAMILIES["dejavu-sans-cond"]["B"]), max(8, round(2.6 * k)))
    text = f"{rim} ★ "
    step = 2 * math.pi / len(text)
    for i, ch in enumerate(text):
        angle = -math.pi / 2 + i * step
        glyph = Image.new("L", (round(4 * k), round(4 * k)), 0)
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=230, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        r = radius - 2.2 * k
        x, y = c + r * math.cos(angle) - glyph.width / 2, c + r * math.sin(angle) - glyph.height / 2
        layer.paste(glyph, (round(x), round(y)), glyph)
    spikes = [(7 * k if j % 2 == 0 else 2.8 * k, -math.pi / 2 + j * math.pi / 5) for j in range(10)]
    star = [(c + r * math.cos(a), c + r * math.sin(a)) for r, a in spikes]
    draw.polygon(star, fill=230)
    # uneven stamp pressure: some ink missing in blotches
    blotch = rng.uniform(0.55, 1.0, size=(max(2, size // 40),) * 2)
    blotches = Image.fromarray((blotch * 255).astype(np.uint8))
    pressure = np.asarray(blotches.resize((size, size), Image.BICUBIC))
    cover = np.asarray(layer, dtype=np.float32) / 255 * pressure / 255 * 0.85
    left, top = round(centre[0] - c), round(centre[1] - c)
    page = np.asarray(image, dtype=np.float32)
    region = page[top:top + size, left:left + size]
    cover = cover[: region.shape[0], : region.shape[1], None]
    tint = np.array(SEAL_RED, dtype=np.float32) / 255
    page[top:top + size, left:left + size] = region * (1 - cover + cover * tint)
    image.paste(Image.fromarray(page.clip(0, 255).astype(np.uint8)))


def noise(array: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return (array.astype(np.float32) + rng.normal(0, sigma, array.shape)).clip(0, 255)


def office_scan(grey: Image.Image, rng: np.random.Generator) -> Image.Image:
    """200 dpi office scanner: greyish paper lit unevenly, toner not quite black, soft focus, grain."""
    a = np.asarray(grey, dtype=np.float32)
    h, w = a.shape
    light = 236 - 14 * np.linspace(0, 1, w)[None, :] * rng.uniform(0.5, 1) - 8 * np.linspace(1, 0, h)[:, None]
    out = light - (255 - a) * rng.uniform(0.74, 0.84)
    image = Image.fromarray(noise(out, 5.0, rng).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.7))
    return image


def fax(grey: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Bi-level fax: a noisy threshold, specks on the paper, a few dropped scan lines."""
    a = noise(np.asarray(grey), 18.0, rng)
    ink = a < 150
    specks = rng.random(ink.shape) < 0.0006
    ink |= specks
    for row in rng.choice(ink.shape[0], size=6, replace=False):
        start = int(rng.integers(0, ink.shape[1] // 2))
        ink[row, start:start + int(rng.integers(200, ink.shape[1] // 2))] = False
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8)).convert("1", dither=Image.Dither.NONE)


def posterise(grey: Image.Image, levels: int) -> Image.Image:
    """Fewer grey levels: a lossless PNG of a clean page stays small."""
    step = 256 // levels
    return grey.point(lambda v: min(255, (v // step) * step + step // 2) if v < 255 - step // 2 else 255)
