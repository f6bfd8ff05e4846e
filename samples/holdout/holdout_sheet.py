"""A page described in millimetres, drawn either as pixels (Pillow) or as a born-digital PDF (fpdf2).

A :class:`Sheet` is filled top to bottom by the kinds in ``holdout_kinds.py``: centred lines, justified
paragraphs, form rows with dot leaders, tables (ruled or not), two-column header and footer. Every
printed line is also appended to ``sheet.lines`` in reading order, which becomes the ground truth
``text``; the positioned pieces (``Run``, ``Rule``) are what both painters draw, so the image and the
PDF show the same page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP = 25.0, 18.0, 16.0
TEXT_W = PAGE_W - LEFT - RIGHT
PT = 25.4 / 72.0  # millimetres per typographic point
_MEASURE = 1000  # fonts are measured at this size and scaled

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_NOTO = Path("/usr/share/fonts/truetype/noto")
# family -> style -> file; none of these is the dev set's Noto Serif.
FAMILIES: dict[str, dict[str, Path]] = {
    "dejavu-serif": {"": _DEJAVU / "DejaVuSerif.ttf", "B": _DEJAVU / "DejaVuSerif-Bold.ttf",
                     "I": _DEJAVU / "DejaVuSerif-Italic.ttf", "BI": _DEJAVU / "DejaVuSerif-BoldItalic.ttf"},
    "dejavu-serif-cond": {"": _DEJAVU / "DejaVuSerifCondensed.ttf",
                          "B": _DEJAVU / "DejaVuSerifCondensed-Bold.ttf",
                          "I": _DEJAVU / "DejaVuSerifCondensed-Italic.ttf",
                          "BI": _DEJAVU / "DejaVuSerifCondensed-BoldItalic.ttf"},
    "noto-sans": {"": _NOTO / "NotoSans-Regular.ttf", "B": _NOTO / "NotoSans-Bold.ttf",
                  "I": _NOTO / "NotoSans-Italic.ttf", "BI": _NOTO / "NotoSans-BoldItalic.ttf"},
    "dejavu-sans-cond": {"": _DEJAVU / "DejaVuSansCondensed.ttf",
                         "B": _DEJAVU / "DejaVuSansCondensed-Bold.ttf",
                         "I": _DEJAVU / "DejaVuSansCondensed-Oblique.ttf",
                         "BI": _DEJAVU / "DejaVuSansCondensed-BoldOblique.ttf"},
}


@lru_cache(maxsize=64)
def _font(family: str, style: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FAMILIES[family][style]), size)


def width_mm(text: str, family: str, style: str, size: float) -> float:
    """Advance width of ``text`` in millimetres at ``size`` points."""
    return _font(family, style, _MEASURE).getlength(text) / _MEASURE * size * PT


def ascent_mm(family: str, style: str, size: float) -> float:
    """Distance from the top of a line box to its baseline."""
    return _font(family, style, _MEASURE).getmetrics()[0] / _MEASURE * size * PT


@dataclass(frozen=True)
class Run:
    """Text placed with its top-left corner at (x, y) mm."""

    x: float
    y: float
    text: str
    style: str
    size: float


@dataclass(frozen=True)
class Rule:
    """A straight line from (x1, y1) to (x2, y2) mm, ``weight`` mm thick."""

    x1: float
    y1: float
    x2: float
    y2: float
    weight: float = 0.25


@dataclass
class Sheet:
    """One A4 page being laid out; ``y`` is the next free line top in mm."""

    family: str
    size: float
    y: float = TOP
    runs: list[Run] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    # where the signature goes: (centre x, top of the signer's name) in mm; the seal sits left of it
    sign_at: tuple[float, float] | None = None

    # --- measuring -----------------------------------------------------------------------
    def leading(self, size: float | None = None) -> float:
        """Line pitch in mm for a size."""
        return (size or self.size) * PT * 1.38

    def width(self, text: str, style: str = "", size: float | None = None) -> float:
        return width_mm(text, self.family, style, size or self.size)

    def fit(self, text: str, style: str, size: float, room: float) -> float:
        """The largest size up to ``size`` at which ``text`` fits ``room`` mm."""
        while size > 7 and self.width(text, style, size) > room:
            size -= 0.25
        return size

    def wrap(self, text: str, style: str, size: float, room: float, first_indent: float = 0) -> list[str]:
        """Greedy word wrap to ``room`` mm (the first line ``first_indent`` mm narrower)."""
        out: list[str] = []
        line: list[str] = []
        for word in text.split():
            trial = " ".join([*line, word])
            limit = room - (first_indent if not out else 0)
            if line and self.width(trial, style, size) > limit:
                out.append(" ".join(line))
                line = [word]
            else:
                line.append(word)
        if line:
            out.append(" ".join(line))
        return out

    # --- placing -------------------------------------------------------------------------
    def put(self, x: float, y: float, text: str, style: str = "", size: float | None = None,
            anchor: str = "l", record: bool = True) -> float:
        """Place one line at ``x`` (left, centre or right edge by ``anchor``); return its width."""
        size = size or self.size
        w = self.width(text, style, size)
        left = x - w / 2 if anchor == "c" else x - w if anchor == "r" else x
        self.runs.append(Run(left, y, text, style, size))
        if record:
            self.lines.append(text)
        return w

    def centre(self, text: str, style: str = "B", size: float | None = None, x: float | None = None,
               room: float = TEXT_W) -> None:
        """Centred line(s) across the text block (or around ``x``), wrapped to ``room``."""
        size = size or self.size
        for part in self.wrap(text, style, size, room):
            self.put(PAGE_W / 2 if x is None else x, self.y, part, style, size, anchor="c")
            self.y += self.leading(size)

    def paragraph(self, text: str, indent: float = 10.0, style: str = "", size: float | None = None,
                  justify: bool = True, left: float = LEFT, room: float = TEXT_W) -> None:
        """A body paragraph: first line indented, full lines justified word by word."""
        size = size or self.size
        parts = self.wrap(text, style, size, room, indent)
        for i, part in enumerate(parts):
            x0 = left + (indent if i == 0 else 0)
            words = part.split()
            avail = room - (indent if i == 0 else 0)
            if justify and i < len(parts) - 1 and len(words) > 1:
                gap = (avail - sum(self.width(w, style, size) for w in words)) / (len(words) - 1)
                x = x0
                for word in words:
                    self.runs.append(Run(x, self.y, word, style, size))
                    x += self.width(word, style, size) + gap
                self.lines.append(part)
            else:
                self.put(x0, self.y, part, style, size)
            self.y += self.leading(size)

    def form_row(self, label: str, value: str = "", dots: bool = True, left: float = LEFT,
                 room: float = TEXT_W, value_style: str = "B") -> None:
        """``Label: VALUE ......`` on a fill-in line; the dots run to the right edge."""
        x = left
        x += self.put(x, self.y, label + " ", "", record=False)
        text = label
        if value:
            x += self.put(x, self.y, value + " ", value_style, record=False)
            text += " " + value
        if dots:
            dot_w = self.width(".")
            count = int((left + room - x) / dot_w)
            if count >= 3:
                self.put(x, self.y, "." * count, "", record=False)
                text += " " + "." * count
        self.lines.append(text)
        self.y += self.leading()

    def form_pairs(self, pairs: list[tuple[str, str]], stops: list[float]) -> None:
        """Several ``Label: value`` pairs on one line at tab stops (mm from the left margin)."""
        pieces = []
        for (label, value), stop in zip(pairs, stops, strict=True):
            x = LEFT + stop
            x += self.put(x, self.y, label + " ", "", record=False)
            self.put(x, self.y, value, "B", record=False)
            pieces.append(f"{label} {value}")
        self.lines.append(" ".join(pieces))
        self.y += self.leading()

    def dotted_line(self, left: float = LEFT, room: float = TEXT_W) -> None:
        """An empty fill-in line (only dots)."""
        count = int(room / self.width("."))
        self.put(left, self.y, "." * count)
        self.y += self.leading()

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], ruled: bool,
              size: float | None = None) -> None:
        """A table read row by row; ruled tables get a full grid, unruled ones a rule under the header."""
        size = size or self.size - 1
        pad = 1.6
        pitch = self.leading(size) + (2 * pad if ruled else 0.8)
        left = LEFT + (TEXT_W - sum(widths)) / 2
        top = self.y
        edges = [left]
        for w in widths:
            edges.append(edges[-1] + w)
        for r, row in enumerate([header, *rows]):
            style = "B" if r == 0 else ""
            for c, cell in enumerate(row):
                cell_size = self.fit(cell, style, size, widths[c] - 2 * pad)
                if c == 0 or (r > 0 and cell[:1].isdigit()):
                    self.put((edges[c] + edges[c + 1]) / 2, self.y + (pad if ruled else 0.4), cell, style,
                             cell_size, anchor="c", record=False)
                else:
                    self.put(edges[c] + pad, self.y + (pad if ruled else 0.4), cell, style, cell_size,
                             record=False)
            self.lines.append(" ".join(cell for cell in row if cell))
            self.y += pitch
            if ruled or r == 0:
                self.rules.append(Rule(left, self.y - (0 if ruled else 0.4), edges[-1],
                                       self.y - (0 if ruled else 0.4), 0.2))
        if ruled:
            self.rules.append(Rule(left, top, edges[-1], top, 0.2))
            for x in edges:
                self.rules.append(Rule(x, top, x, self.y, 0.2))
        self.y += 2.5

    def gap(self, mm: float) -> None:
        self.y += mm


# --- painting ----------------------------------------------------------------------------------


def paint(sheet: Sheet, dpi: int, ink: int = 0) -> Image.Image:
    """Draw the sheet as a greyscale image at ``dpi`` (white paper, ``ink`` grey level)."""
    scale = dpi / 25.4
    image = Image.new("L", (round(PAGE_W * scale), round(PAGE_H * scale)), 255)
    draw = ImageDraw.Draw(image)
    for run in sheet.runs:
        font = _font(sheet.family, run.style, max(6, round(run.size * dpi / 72)))
        draw.text((run.x * scale, run.y * scale), run.text, font=font, fill=ink, anchor="la")
    for rule in sheet.rules:
        draw.line([(rule.x1 * scale, rule.y1 * scale), (rule.x2 * scale, rule.y2 * scale)], fill=ink,
                  width=max(1, round(rule.weight * scale)))
    return image


def write_pdf(sheet: Sheet, out: Path, title: str) -> None:
    """Write the sheet as a born-digital PDF: real Unicode text in the embedded fonts, vector rules."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))  # byte-identical re-renders
    pdf.set_title(title)
    pdf.set_creator("sohoa hold-out generator")
    pdf.set_producer("fpdf2")
    pdf.set_auto_page_break(False)
    for style, path in FAMILIES[sheet.family].items():
        pdf.add_font("hold", style, str(path))
    pdf.add_page()
    for run in sheet.runs:
        pdf.set_font("hold", run.style, run.size)
        pdf.text(run.x, run.y + ascent_mm(sheet.family, run.style, run.size), run.text)
    for rule in sheet.rules:
        pdf.set_line_width(rule.weight)
        pdf.line(rule.x1, rule.y1, rule.x2, rule.y2)
    pdf.output(str(out))
