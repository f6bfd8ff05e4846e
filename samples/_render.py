"""Layout in millimetres, then drawing: Pillow page images, fpdf2 born-digital PDFs, and scan degradations.

The layout is computed once per document in page millimetres with the Noto Serif metrics, and both
renderers place the very same runs at the very same positions. That is what lets the ground-truth text
(the lines the layout produced, in reading order) match what is printed on every condition.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

try:
    from . import _templates as tpl
except ImportError:  # imported with samples/ on sys.path (script or tests)
    import _templates as tpl  # type: ignore[no-redef]

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONT_FILES = {
    "R": FONT_DIR / "NotoSerif-Regular.ttf",
    "B": FONT_DIR / "NotoSerif-Bold.ttf",
    "I": FONT_DIR / "NotoSerif-Italic.ttf",
    "BI": FONT_DIR / "NotoSerif-BoldItalic.ttf",
}
PT = 25.4 / 72  # mm per point
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 30.0, 195.0, 20.0, 277.0  # NĐ 30: left 30, right 15, top/bottom 20 mm
HEADER_LEFT, HEADER_RIGHT = (22.0, 102.0), (100.0, 198.0)
FOOTER_LEFT, FOOTER_RIGHT = (30.0, 100.0), (104.0, 195.0)
LINE_FACTOR = 1.32  # line pitch / font size
_REF_PX = 1000


# ---------------------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Run:
    """Text drawn at one position: x is the left edge, y the baseline, both in mm from the page's top left."""

    text: str
    style: str
    size: float
    x: float
    y: float


@dataclass
class PageLayout:
    runs: list[Run] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # x1, y, x2 in mm
    lines: list[str] = field(default_factory=list)  # ground-truth lines in reading order
    signature: tuple[float, float, float, float] | None = None  # centre x, top, bottom, column width (mm)
    footer_lines: int = 0  # how many of `lines` belong to the Nơi nhận and signer blocks


@functools.cache
def _ref_font(style: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[style]), _REF_PX, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=4096)
def measure(text: str, style: str, size: float) -> float:
    """Advance width of `text` in mm at `size` pt (unhinted, so it scales to any dpi)."""
    return _ref_font(style).getlength(text) / _REF_PX * size * PT


def _line_pitch(size: float) -> float:
    return size * PT * LINE_FACTOR


TAB = 9.0  # mm of extra space before a word written with a leading tab ("Giới tính: Nam\tDân tộc: Kinh")


def _width(word: str, style: str, size: float) -> float:
    return measure(word.lstrip("\t"), style, size) + (TAB if word.startswith("\t") else 0.0)


def _wrap(para: tpl.Para, width: float) -> list[list[tuple[str, str]]]:
    words = [(w, style) for style, text in para.runs for w in text.replace("\t", " \t").split(" ") if w]
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for word, style in words:
        avail = width - (para.indent if len(lines) == 1 and para.align != "C" else 0.0)
        w = _width(word, style, para.size)
        gap = measure(" ", lines[-1][-1][1], para.size) if lines[-1] else 0.0
        if lines[-1] and used + gap + w > avail:
            lines.append([(word, style)])
            used = w
        else:
            lines[-1].append((word, style))
            used += gap + w
    return [ln for ln in lines if ln]


def _place_line(words: list[tuple[str, str]], para: tpl.Para, col: tuple[float, float], y: float,
                first: bool, last: bool) -> list[Run]:
    size = para.size
    left, right = col
    indent = para.indent if first and para.align != "C" else 0.0
    if para.align == "J" and not last and len(words) > 1 and not any(w.startswith("\t") for w, _ in words):
        total = sum(measure(w, s, size) for w, s in words)
        gap = (right - left - indent - total) / (len(words) - 1)
        x, runs = left + indent, []
        for w, s in words:
            runs.append(Run(w, s, size, x, y))
            x += measure(w, s, size) + gap
        return runs
    # Same-style neighbours share one run so a PDF text layer keeps its real spaces.
    groups: list[tuple[str, str]] = []
    for w, s in words:
        if groups and groups[-1][1] == s and not w.startswith("\t"):
            groups[-1] = (groups[-1][0] + " " + w, s)
        else:
            groups.append((w, s))
    widths = [_width(t, s, size) for t, s in groups]
    spaces = [measure(" ", s, size) for _, s in groups[:-1]]
    natural = sum(widths) + sum(spaces)
    x = (left + right - natural) / 2 if para.align == "C" else left + indent
    runs = []
    for i, (t, s) in enumerate(groups):
        runs.append(Run(t.lstrip("\t"), s, size, x + (TAB if t.startswith("\t") else 0.0), y))
        x += widths[i] + (spaces[i] if i < len(spaces) else 0.0)
    return runs


class _Flow:
    """Places paragraphs top to bottom, opening a new page (numbered at the top centre) when one is full."""

    def __init__(self) -> None:
        self.pages = [PageLayout()]
        self.y = TOP

    @property
    def page(self) -> PageLayout:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(PageLayout())
        number = str(len(self.pages))
        self.page.runs.append(Run(number, "R", 13.0, (PAGE_W - measure(number, "R", 13.0)) / 2, 13.0))
        self.page.lines.append(number)
        self.y = TOP

    def place(self, para: tpl.Para, col: tuple[float, float], paginate: bool = True) -> None:
        pitch = _line_pitch(para.size)
        if self.y > TOP:
            self.y += para.space_before
        lines = _wrap(para, col[1] - col[0])
        for i, words in enumerate(lines):
            if paginate and self.y + pitch > BOTTOM:
                self.new_page()
            baseline = self.y + para.size * PT * 1.02
            self.page.runs.extend(_place_line(words, para, col, baseline, i == 0, i == len(lines) - 1))
            self.page.lines.append(" ".join(w.lstrip("\t") for w, _ in words))
            self.y += pitch
        if para.rule_below:
            mid = (col[0] + col[1]) / 2
            self.page.rules.append((mid - para.rule_below / 2, self.y + 0.3, mid + para.rule_below / 2))
            self.y += 1.8
        if para.signature:
            self.page.signature = ((col[0] + col[1]) / 2, self.y, self.y + para.gap_after, col[1] - col[0])
        self.y += para.gap_after


def _block_height(paras: list[tpl.Para], col: tuple[float, float]) -> float:
    probe = _Flow()
    probe.y = TOP + 1.0
    for para in paras:
        probe.place(para, col, paginate=False)
    return probe.y - TOP


def layout(spec: tpl.Spec) -> list[PageLayout]:
    """Pages of placed runs; each page's `lines` is its ground truth in reading order.

    A signer block never stands alone on a page: when it does not fit under the body, the last two body
    paragraphs move to the next page with it, as a typist would arrange it.
    """
    pages = _layout(spec, carry=0)
    if pages[-1].signature is not None and _body_lines_on_last_page(pages) == 0:
        pages = _layout(spec, carry=min(2, len(spec.body)))
    return pages


def _body_lines_on_last_page(pages: list[PageLayout]) -> int:
    """Body lines on the last page of a multi-page layout (its page number and footer excluded)."""
    return -1 if len(pages) == 1 else len(pages[-1].lines) - 1 - pages[-1].footer_lines


def _layout(spec: tpl.Spec, carry: int) -> list[PageLayout]:
    flow = _Flow()
    for para in spec.header_left:
        flow.place(para, HEADER_LEFT, paginate=False)
    left_end, flow.y = flow.y, TOP
    for para in spec.header_right:
        flow.place(para, HEADER_RIGHT, paginate=False)
    flow.y = max(left_end, flow.y)
    for i, para in enumerate(spec.body):
        if carry and i == len(spec.body) - carry:
            flow.new_page()
        flow.place(para, (LEFT, RIGHT))
    footer = max(_block_height(spec.recipients, FOOTER_LEFT), _block_height(spec.signer, FOOTER_RIGHT))
    if flow.y + 6.0 + footer > BOTTOM:
        flow.new_page()
    start = flow.y + 6.0
    before = len(flow.page.lines)
    for block, col in ((spec.recipients, FOOTER_LEFT), (spec.signer, FOOTER_RIGHT)):
        flow.y = start
        for para in block:
            flow.place(para, col, paginate=False)
    flow.page.footer_lines = len(flow.page.lines) - before
    return flow.pages


# ---------------------------------------------------------------------------------------------- images


@functools.lru_cache(maxsize=64)
def _font(style: str, px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[style]), px, layout_engine=ImageFont.Layout.BASIC)


def rasterize(page: PageLayout, dpi: int) -> Image.Image:
    """Draw a page as an 8-bit greyscale image at `dpi` (antialiased black on white)."""
    k = dpi / 25.4
    img = Image.new("L", (round(PAGE_W * k), round(PAGE_H * k)), 255)
    draw = ImageDraw.Draw(img)
    for run in page.runs:
        draw.text((run.x * k, run.y * k), run.text, font=_font(run.style, round(run.size * PT * k, 2)),
                  fill=0, anchor="ls")
    width = max(1, round(0.3 * k))
    for x1, y, x2 in page.rules:
        draw.line([(x1 * k, y * k), (x2 * k, y * k)], fill=0, width=width)
    return img


def _rng(*key: object) -> np.random.Generator:
    """A numpy generator seeded from a readable key, so every degradation is reproducible."""
    digest = random.Random(":".join(map(str, key))).getrandbits(63)
    return np.random.default_rng(digest)


def _to_image(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def scan_look(img: Image.Image, rng: np.random.Generator, paper: float = 246.0, noise: float = 3.0,
              fade: float = 0.92, blur: float = 0.45) -> Image.Image:
    """Greyish paper, slightly faded toner, sensor noise and a little optical blur: a flatbed scan."""
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(img, dtype=np.float32)
    ink = (255.0 - arr) / 255.0 * fade
    if arr.ndim == 3:
        arr = paper * (1 - ink)
        arr = arr * np.array([1.0, 0.995, 0.975], dtype=np.float32)
    else:
        arr = paper * (1 - ink)
    arr += rng.normal(0, noise, arr.shape).astype(np.float32)
    return _to_image(arr)


def quantize(img: Image.Image, levels: int = 16) -> Image.Image:
    """Snap grey levels to `levels` steps: invisible on text, and halves the committed PNG/TIFF sizes."""
    step = 255 / (levels - 1)
    return img.point([round(round(v / step) * step) for v in range(256)])


def skew(img: Image.Image, angle: float) -> Image.Image:
    """Rotate as a page fed crooked into the scanner; the exposed corners are white."""
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)


def fax(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """1-bit page with salt-and-pepper speckles: black dots on the paper, white dropouts in the ink."""
    arr = np.asarray(img) < 150
    h, w = arr.shape
    n = int(h * w * 0.0012)
    ys, xs = rng.integers(0, h - 2, n), rng.integers(0, w - 2, n)
    arr[ys, xs] = True
    big = rng.random(n) < 0.3  # some specks are 2x2 clumps
    arr[ys[big] + 1, xs[big]] = True
    arr[ys[big], xs[big] + 1] = True
    arr[ys[big] + 1, xs[big] + 1] = True
    drop = rng.random(arr.shape) < 0.015
    arr &= ~drop
    return Image.fromarray(~arr).convert("1")


def _circle_text(mask: Image.Image, text: str, cx: float, cy: float, r: float, px: float) -> None:
    font = _font("B", px)
    chars = list(text)
    step = 2 * math.pi / len(chars)
    for i, ch in enumerate(chars):
        if ch == " ":
            continue
        a = -math.pi / 2 + (i + 0.5) * step - math.pi * 0.92  # start at the lower left, clockwise
        tile = Image.new("L", (int(px * 1.6), int(px * 1.6)), 0)
        ImageDraw.Draw(tile).text((tile.width / 2, tile.height / 2), ch, font=font, fill=255, anchor="mm")
        tile = tile.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
        x, y = cx + r * math.cos(a), cy + r * math.sin(a)
        mask.paste(255, (int(x - tile.width / 2), int(y - tile.height / 2)), tile)


def seal_and_signature(img: Image.Image, page: PageLayout, dpi: int, seal_text: str,
                       rng: np.random.Generator) -> Image.Image:
    """A blue handwritten-looking signature and a semi-transparent red round seal over it (multiply blend)."""
    if page.signature is None:
        return img
    k = dpi / 25.4
    cx, top, bottom, _ = page.signature
    rgb = np.asarray(img.convert("RGB"), dtype=np.float32)
    # signature: a tall opening loop, then a slanted run of uneven loops, then a flourish under it
    sig = Image.new("L", img.size, 0)
    d = ImageDraw.Draw(sig)
    x0, x1 = (cx - 15) * k, (cx + 17) * k
    ymid = (top + bottom) / 2 * k
    t = np.linspace(0, 1, 500)
    freq = rng.uniform(3, 6) * (1 + 0.35 * np.sin(t * rng.uniform(2, 5)))  # loops speed up and slow down
    angle = 2 * np.pi * np.cumsum(freq) / len(t) + rng.uniform(0, 6.28)
    amp = rng.uniform(3.0, 5.0) * k * (1.6 - t) * (1 + 0.25 * rng.standard_normal(len(t)).cumsum() / 40)
    xs = x0 + (x1 - x0) * t + np.sin(angle) * 2.2 * k
    ys = ymid + np.cos(angle) * amp - rng.uniform(2, 6) * k * t  # the hand drifts upward
    width = max(2, round(rng.uniform(0.35, 0.55) * k))
    d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=255, width=width, joint="curve")
    fx = np.linspace(x0 - 2 * k, x1 + 3 * k, 120)
    fy = ymid + 6 * k - (fx - fx[0]) * rng.uniform(0.04, 0.12) + np.sin(np.linspace(0, 3.1, 120)) * 1.5 * k
    d.line(list(zip(fx.tolist(), fy.tolist(), strict=True)), fill=255, width=max(2, width - 1), joint="curve")
    m = np.asarray(sig, dtype=np.float32)[..., None] / 255.0
    blue = np.array([30, 50, 150], dtype=np.float32)
    rgb = rgb * (1 - m) + np.minimum(rgb, blue) * m
    # seal: double ring, text along the rim, a star in the middle
    seal = Image.new("L", img.size, 0)
    d = ImageDraw.Draw(seal)
    r = 18.0 * k
    sx, sy = (cx - 12.0) * k, (top + bottom) / 2 * k + rng.uniform(-2, 2) * k
    d.ellipse([sx - r, sy - r, sx + r, sy + r], outline=255, width=round(0.9 * k))
    ri = r - 6.2 * k
    d.ellipse([sx - ri, sy - ri, sx + ri, sy + ri], outline=255, width=round(0.45 * k))
    _circle_text(seal, seal_text + " * ", sx, sy, r - 3.2 * k, 3.0 * k)
    radii = [(4.5 if j % 2 == 0 else 1.9) * k for j in range(10)]
    star = [(sx + math.cos(-math.pi / 2 + j * math.pi / 5) * radii[j],
             sy + math.sin(-math.pi / 2 + j * math.pi / 5) * radii[j]) for j in range(10)]
    d.polygon(star, fill=255)
    seal = seal.rotate(rng.uniform(-25, 25), center=(sx, sy), resample=Image.Resampling.BILINEAR)
    ink = np.asarray(seal, dtype=np.float32) / 255.0
    ink *= rng.uniform(0.55, 0.8) * (0.75 + 0.25 * rng.random(ink.shape).astype(np.float32))
    red = np.array([205, 25, 35], dtype=np.float32) / 255.0
    rgb = rgb * (1 - ink[..., None] * (1 - red))
    return _to_image(rgb)


def degrade_seal(img: Image.Image, page: PageLayout, dpi: int, seal_text: str,
                 rng: np.random.Generator) -> Image.Image:
    out = seal_and_signature(img, page, dpi, seal_text, rng)
    return scan_look(out.convert("RGB"), rng, paper=248.0, noise=1.5, fade=0.95, blur=0.8)


# ---------------------------------------------------------------------------------------------- pdf


def write_text_pdf(pages: list[PageLayout], path: Path, title: str) -> None:
    """Born-digital PDF: the same runs as the images, as real Unicode text in embedded Noto Serif."""
    from fpdf import FPDF  # a dev dependency; only this condition needs it

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    for style, file in FONT_FILES.items():
        pdf.add_font("NotoSerif", "" if style == "R" else style, str(file))
    pdf.set_creation_date(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    pdf.set_title(title)
    pdf.set_producer("sohoa samples/generate.py")
    pdf.set_line_width(0.3)
    for page in pages:
        pdf.add_page()
        for run in page.runs:
            pdf.set_font("NotoSerif", "" if run.style == "R" else run.style, run.size)
            pdf.text(run.x, run.y, run.text)
        for x1, y, x2 in page.rules:
            pdf.line(x1, y, x2, y)
    pdf.output(str(path))
