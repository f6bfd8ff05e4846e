"""Text helpers for metadata extraction: a page's lines, their words and confidences.

Keywords are matched on folded text (``Quyêt định`` and ``Quyết định`` both fold to
``quyet dinh``) while values are sliced from the original NFC text, so they come back as
printed. That only works if folding maps each character to exactly one character, which
:func:`sohoa.text.fold_aligned` guarantees for NFC input.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from sohoa.digitize.model import PageText, Word
from sohoa.text import fold_aligned, nfc, squash


def sentence_case(text: str) -> str:
    """``GIẤY CHỨNG NHẬN KẾT HÔN`` -> ``Giấy chứng nhận kết hôn`` (titles are stored this way)."""
    lowered = text.lower()
    return lowered[:1].upper() + lowered[1:]


def is_upper_text(text: str) -> bool:
    """True when the letters of ``text`` are (almost) all capitals, as in headings and bodies' names."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper >= 0.8 * len(letters)


@dataclass
class Line:
    """One visual line (or one column's part of it) on a page.

    Geometry is in page pixels and ``None`` for text-layer pages that come without word boxes.
    ``conf`` is the mean OCR word confidence in [0, 1].
    """

    text: str
    page: int
    index: int
    conf: float
    left: int | None = None
    top: int | None = None
    right: int | None = None
    bottom: int | None = None
    words: list[Word] = field(default_factory=list)
    zone: str = ""
    _folded: str | None = field(default=None, repr=False, compare=False)

    @property
    def folded(self) -> str:
        """The folded text, computed once: every keyword test reads it."""
        if self._folded is None:
            self._folded = fold_aligned(self.text)
        return self._folded

    @property
    def centre_x(self) -> float | None:
        if self.left is None or self.right is None:
            return None
        return (self.left + self.right) / 2


@dataclass
class PageLines:
    """A page's lines in reading order plus its size (0 when unknown)."""

    number: int
    lines: list[Line]
    width: int
    height: int
    has_boxes: bool
    confidence: float


def _word_conf(word: Word) -> float:
    return max(0.0, min(1.0, word.conf / 100.0)) if word.conf >= 0 else 0.0


def _runs(words: list[Word]) -> list[list[Word]]:
    """Cut Tesseract's word stream into lines.

    A new line starts when Tesseract's (block, line) changes, or when a word does not share
    the previous word's row (text-layer words carry no line keys at all).
    """
    runs: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current:
            prev = current[-1]
            new_key = (word.block, word.line) != (prev.block, prev.line)
            overlap = min(word.top + word.height, prev.top + prev.height) - max(word.top, prev.top)
            other_row = overlap < 0.5 * min(word.height, prev.height)
            if new_key or other_row:
                runs.append(current)
                current = []
        current.append(word)
    if current:
        runs.append(current)
    return runs


# A gap this many word heights wide parts two columns read as one line.
_WIDE_GAP = 2.5


def _split_gaps(run: list[Word]) -> list[list[Word]]:
    """Split a line at wide horizontal gaps: psm 6 reads both header columns as one line.

    A gap is wide against the line's median word height, or against the taller of its own two
    words when that is taller: a title in capitals on one row with small recipients' lines
    ('- Như Điều 3; CHÁNH VĂN PHÒNG') had the gap after 'CHÁNH', 2.2 of its height, measured
    against the small print's, and 'CHÁNH' was cut from 'VĂN PHÒNG'.
    """
    run = sorted(run, key=lambda w: w.left)
    heights = [w.height for w in run if w.height > 0]
    median = statistics.median(heights) if heights else 20
    parts: list[list[Word]] = [[run[0]]]
    for word in run[1:]:
        prev = parts[-1][-1]
        if word.left - (prev.left + prev.width) > _WIDE_GAP * max(median, prev.height, word.height):
            parts.append([word])
        else:
            parts[-1].append(word)
    return parts


def span_conf(line: Line, start: int, end: int) -> float:
    """The lowest OCR confidence (0-100) of the line's words that print ``line.text[start:end]``.

    A field's value read from part of a line answers for its own words, not for the line's
    mean: a number read at 9 beside a place and date read at 97 is not sure. 100 when the
    line has no word boxes (a text layer prints its text as it is) or its words do not spell
    its text.
    """
    spans: list[tuple[int, int, float]] = []
    at = 0
    for word in line.words:
        found = line.text.find(word.text, at)
        if found < 0:
            return 100.0
        at = found + len(word.text)
        spans.append((found, at, word.conf))
    return min((conf for left, right, conf in spans if left < end and start < right), default=100.0)


def _line_from_words(words: list[Word], page: int) -> Line:
    text = nfc(" ".join(w.text for w in words))
    confs = [_word_conf(w) for w in words]
    return Line(
        text=squash(text),
        page=page,
        index=0,
        conf=sum(confs) / len(confs) if confs else 0.0,
        left=min(w.left for w in words),
        top=min(w.top for w in words),
        right=max(w.left + w.width for w in words),
        bottom=max(w.top + w.height for w in words),
        words=list(words),
    )


def page_lines(page: PageText) -> PageLines:
    """Turn a page into lines: from word boxes when there are any, else from the plain text."""
    words = [w for w in page.words if w.text and w.text.strip()]
    if words:
        lines: list[Line] = []
        for run in _runs(words):
            for part in _split_gaps(run):
                lines.append(_line_from_words(part, page.number))
        lines.sort(key=lambda ln: (ln.top or 0, ln.left or 0))
        lines = _order_rows(lines)
        width = page.width or max((ln.right or 0) for ln in lines)
        height = page.height or max((ln.bottom or 0) for ln in lines)
        for i, line in enumerate(lines):
            line.index = i
        return PageLines(page.number, lines, width, height, True, page.confidence)
    text_lines = [squash(nfc(t)) for t in page.text.splitlines()]
    conf = page.confidence if page.confidence > 0 else 1.0
    lines = [Line(text=t, page=page.number, index=0, conf=conf) for t in text_lines if t]
    for i, line in enumerate(lines):
        line.index = i
    return PageLines(page.number, lines, page.width, page.height, False, conf)


def _order_rows(lines: list[Line]) -> list[Line]:
    """Order lines top to bottom, left before right within one visual row."""
    rows: list[list[Line]] = []
    for line in lines:
        mid = ((line.top or 0) + (line.bottom or 0)) / 2
        if rows:
            last = rows[-1][0]
            if (last.top or 0) <= mid <= (last.bottom or 0):
                rows[-1].append(line)
                continue
        rows.append([line])
    return [ln for row in rows for ln in sorted(row, key=lambda x: x.left or 0)]


_DIGITISH = str.maketrans({"O": "0", "o": "0", "I": "1", "i": "1", "l": "1", "|": "1"})


def fix_digits(token: str) -> str:
    """Repair OCR letter-for-digit swaps inside a token that must be numeric (``2O24`` -> ``2024``)."""
    return token.translate(_DIGITISH)
