"""Reading order: from positioned words to the lines a person reads, top to bottom.

A result document has two places where two blocks sit side by side: the header (issuing body
and ``Số:`` on the left, the national motto and the place and date on the right) and the footer
(``Nơi nhận`` on the left, the signer block on the right). Read line by line, they interleave
(``ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI ...``), which garbles the issuer and the motto for search and
metadata. Tesseract's own page segmentation does not separate them reliably on these pages
(psm 3 and 4 keep such rows as one line), so we regroup words ourselves:

1. words form rows (Tesseract's line when known, else vertical overlap);
2. consecutive rows that share a vertical channel of white space near the middle of the text,
   with at least two of them having words on both sides, form a two-column band;
3. a band is read left column first, then right column; all other rows top to bottom.

The same code orders OCR words and the words of a born-digital PDF's text layer.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sohoa.digitize.model import Word

# The channel between two columns must lie in this middle share of the text's width ...
_CHANNEL_WINDOW = (0.25, 0.75)
# ... and be at least this many times the median word height wide.
_CHANNEL_MIN_WIDTH = 0.8
# A band needs this many rows that have words on both sides of its channel.
_MIN_TWO_SIDED_ROWS = 2


@dataclass
class _Row:
    words: list[Word]

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.top + w.height for w in self.words)

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.left + w.width for w in self.words)


def order_lines(words: Iterable[Word], *, keyed: bool = True) -> list[list[Word]]:
    """Lines of words in reading order; each word gets the block and line it is read in.

    ``keyed`` says that ``Word.block``/``Word.line`` carry the OCR engine's line identity (as
    Tesseract's TSV does); otherwise rows are found by vertical overlap (PDF text layers).
    In the result, ``block`` numbers the reading blocks (a band column is one block) and
    ``line`` numbers the lines of the page in reading order.
    """
    items = [w for w in words if w.text.strip()]
    if not items:
        return []
    rows = _rows_by_key(items) if keyed else _rows_by_overlap(items)
    rows.sort(key=lambda r: (r.top, r.left))
    heights = [w.height for w in items if w.height > 0]
    unit = statistics.median(heights) if heights else 10.0
    left_edge = min(w.left for w in items)
    right_edge = max(w.left + w.width for w in items)

    ordered: list[list[list[Word]]] = []  # blocks of lines
    index = 0
    while index < len(rows):
        end, channel = _band(rows, index, left_edge, right_edge, unit)
        if channel is None:
            ordered.append([rows[index].words])
            index += 1
            continue
        split = (channel[0] + channel[1]) / 2
        left_lines, right_lines = [], []
        for row in rows[index:end]:
            left = [w for w in row.words if w.left + w.width / 2 < split]
            right = [w for w in row.words if w.left + w.width / 2 >= split]
            if left:
                left_lines.append(left)
            if right:
                right_lines.append(right)
        ordered.append(left_lines)
        ordered.append(right_lines)
        index = end

    result: list[list[Word]] = []
    block_number = 0
    for block in ordered:
        if not block:
            continue
        block_number += 1
        for line in block:
            number = len(result) + 1
            result.append(
                [
                    Word(w.text, w.left, w.top, w.width, w.height, w.conf, block=block_number, line=number)
                    for w in sorted(line, key=lambda w: w.left)
                ]
            )
    return result


def lines_text(lines: list[list[Word]]) -> str:
    """The page text: words joined by one space, lines by a newline, NFC."""
    return unicodedata.normalize("NFC", "\n".join(" ".join(w.text for w in line) for line in lines))


def _rows_by_key(words: list[Word]) -> list[_Row]:
    groups: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        groups.setdefault((word.block, word.line), []).append(word)
    return [_Row(sorted(group, key=lambda w: w.left)) for group in groups.values()]


def _rows_by_overlap(words: list[Word]) -> list[_Row]:
    """Rows of words whose vertical middles fall inside one another's extent."""
    rows: list[_Row] = []
    for word in sorted(words, key=lambda w: (w.top, w.left)):
        middle = word.top + word.height / 2
        for row in reversed(rows[-3:]):
            if row.top <= middle <= row.bottom:
                row.words.append(word)
                break
        else:
            rows.append(_Row([word]))
    for row in rows:
        row.words.sort(key=lambda w: w.left)
    return rows


def _free(row: _Row, low: float, high: float) -> list[tuple[float, float]]:
    """White intervals of a row inside [low, high]."""
    spans = sorted((w.left, w.left + w.width) for w in row.words)
    free: list[tuple[float, float]] = []
    cursor = low
    for start, end in spans:
        if start > cursor:
            free.append((cursor, min(start, high)))
        cursor = max(cursor, end)
        if cursor >= high:
            break
    if cursor < high:
        free.append((cursor, high))
    return [(a, b) for a, b in free if b > a]


_Intervals = list[tuple[float, float]]


def _intersect(first: _Intervals, second: _Intervals) -> _Intervals:
    out = []
    for a1, b1 in first:
        for a2, b2 in second:
            low, high = max(a1, a2), min(b1, b2)
            if high > low:
                out.append((low, high))
    return out


def _band(
    rows: list[_Row], start: int, left_edge: float, right_edge: float, unit: float
) -> tuple[int, tuple[float, float] | None]:
    """The end (exclusive) and channel of a two-column band starting at ``rows[start]``.

    Returns ``(start + 1, None)`` when no band starts there.
    """
    width = right_edge - left_edge
    low = left_edge + _CHANNEL_WINDOW[0] * width
    high = left_edge + _CHANNEL_WINDOW[1] * width
    min_width = _CHANNEL_MIN_WIDTH * unit
    free = [iv for iv in _free(rows[start], low, high) if iv[1] - iv[0] >= min_width]
    if not free:
        return start + 1, None
    # The first row may be one-sided: the motto often starts a little above the issuing body.
    end = start + 1
    while end < len(rows):
        narrowed = [iv for iv in _intersect(free, _free(rows[end], low, high)) if iv[1] - iv[0] >= min_width]
        if not narrowed:
            break
        free = narrowed
        end += 1
    channel = max(free, key=lambda iv: iv[1] - iv[0])
    two_sided = sum(1 for row in rows[start:end] if _two_sided(row, [channel]))
    if two_sided < _MIN_TWO_SIDED_ROWS:
        return start + 1, None
    return end, channel


def _two_sided(row: _Row, free: list[tuple[float, float]]) -> bool:
    """True when the row has words both left and right of one of the free intervals."""
    for low, high in free:
        if any(w.left + w.width <= low for w in row.words) and any(w.left >= high for w in row.words):
            return True
    return False
