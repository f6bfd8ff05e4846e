"""The invisible text of a searchable page PDF, written from the words the page's text holds.

The page's words come from several readings: Tesseract's first pass, zones read again, rows
read alone, stacked strips, ink the first pass missed; each word kept is the better reading of
its place. Tesseract's own text-only PDFs hold each reading whole: stacked strips have no place
on the page at all (a name read right under the pen was in the stored text and not in the PDF),
and a zone read again lay over the first pass's garbled reading of it, so the PDF held both.
So the layer is written here from the final words, each placed at its own box, and the PDF's
text is the stored text: what a search finds in the archive, a reader finds in the file, and a
PDF taken back in through its text layer holds the words that were stored.

The glyphs are those of Tesseract's ``GlyphLessFont`` (a Type 0 font, ``Identity-H``: a code is
the character's UTF-16 unit, every glyph 500/1000 of an em wide, a ``ToUnicode`` map from codes
to the same characters): the caller copies the font from the page's first Tesseract layer and
names it here, so the PDF/A conversion finds one embedded font, as before.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from sohoa.digitize.model import Word
from sohoa.digitize.rows import level, top_bottom

# Width of every glyph of the glyphless font, as a share of the font size (its /DW is 500).
GLYPH_WIDTH = 0.5
# Where the baseline sits in a run's box, from its top, in box heights: the glyphless font's
# glyphs stand on the baseline and reach one font size up (its ascent is 1000, its descent 0),
# and the font size is the box's height, so a baseline at the foot covers the box.
_BASELINE = 1.0
# Two neighbouring words' boxes may overlap this many word heights and still be one row's.
_OVERLAP = 0.25


def _hex(text: str) -> bytes:
    return b"<" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _units(text: str) -> int:
    return len(text.encode("utf-16-be")) // 2


def _runs(line: Sequence[Word]) -> list[list[Word]]:
    """The line cut where a word starts back over the one before it or stands above or below
    the word before it: a line the reading order joined from two rows (a seal's debris, a row's
    tone marks read apart) has words over each other, and on one baseline an extractor would
    weave their letters together. Each run gets the baseline of its own words; an extractor
    that groups letters by height alone may still join two runs that stand level."""
    runs: list[list[Word]] = []
    reach = 0
    for word in line:
        if not word.text.strip():
            continue
        if (
            runs
            and word.left >= reach - _OVERLAP * word.height
            and level(top_bottom(word), top_bottom(runs[-1][-1]))
        ):
            runs[-1].append(word)
        else:
            runs.append([word])
        reach = word.left + word.width if len(runs[-1]) == 1 else max(reach, word.left + word.width)
    return runs


def text_stream(
    lines: Sequence[Sequence[Word]], points_per_pixel: float, page_height: float, font: str
) -> bytes:
    """A content stream drawing ``lines`` (page pixels, reading order) as invisible text.

    Each word is placed at its box (``points_per_pixel`` converts, ``page_height`` in points
    turns the y axis) and stretched horizontally to reach the next word of its run, a space
    included, so a text extractor sees the words apart and in order. The words of a run (a
    line, or the part of it left to right, :func:`_runs`) share one baseline and size, the
    median of their boxes, so they stay one line when read back.
    """
    runs = [run for line in lines for run in _runs(line)]
    if not runs:
        return b""
    out = [b"BT", b"3 Tr"]  # render mode 3: neither fill nor stroke
    for words in runs:
        height = statistics.median_low(w.height for w in words)
        size = max(1.0, height * points_per_pixel)
        top = statistics.median_low(w.top for w in words)
        baseline = page_height - (top + _BASELINE * height) * points_per_pixel
        out.append(b"/%s %.2f Tf" % (font.lstrip("/").encode("ascii"), size))
        for number, word in enumerate(words):
            # every word ends in a space, the run's last too (as Tesseract writes them): an
            # extractor that joins lines by position alone still sees the words apart
            text = word.text.strip() + " "
            span = word.width
            following = words[number + 1] if number + 1 < len(words) else None
            if following is not None and following.left > word.left + word.width:
                span = following.left - word.left
            natural = _units(text) * GLYPH_WIDTH * size
            scale = 100.0 * max(1, span) * points_per_pixel / natural
            x = word.left * points_per_pixel
            out.append(b"1 0 0 1 %.2f %.2f Tm %.3f Tz %s Tj" % (x, baseline, scale, _hex(text)))
    out.append(b"ET")
    return b"\n".join(out)
