"""Reading order: from positioned words to the lines a person reads, top to bottom.

A result document has two places where two blocks sit side by side: the header (issuing body
and ``Số:`` on the left, the national motto and the place and date on the right) and the footer
(``Nơi nhận`` on the left, the signer block on the right). Read line by line, they interleave
(``ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI ...``), which garbles the issuer and the motto for search and
metadata. Tesseract's own page segmentation does not separate them reliably on these pages
(psm 3 and 4 keep such rows as one line), so we regroup words ourselves:

1. words form rows (Tesseract's line when known, else vertical overlap);
2. a row is two-sided when a wide gap near the middle of the text splits it;
3. from the top of the page down (header) and from the bottom up (footer), rows join a band
   while each side stays clear of the other side's columns; a band needs two two-sided rows;
4. a band is read left column first, then right column; all other rows top to bottom;
5. a row of three cells or more (a table's) ends a band: tables are read row by row.

Bands are looked for only at the top and the bottom of a page: in the body, rows such as
``Dân tộc: Kinh      Quốc tịch: Việt Nam`` are read across, as printed. The same code orders OCR
words and the words of a born-digital PDF's text layer.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sohoa.digitize.model import Word
from sohoa.digitize.rows import holds_middle, top_bottom

# The gap between the two columns lies in this middle share of the text's width ...
_SPLIT_WINDOW = (0.25, 0.75)
# ... and is at least this many median word heights wide.
_SPLIT_MIN_GAP = 1.5
# A band needs this many rows that have words on both sides.
_MIN_TWO_SIDED_ROWS = 2
# A column is never wider than this share of the text width (the motto line is ~55%).
_MAX_COLUMN_SHARE = 0.62
# Rows met before the first two-sided row: in the header, the motto a line above the issuing
# body; in the footer (read bottom up), the signer's name and a long list of recipients.
_MAX_PENDING_HEADER = 3
_MAX_PENDING_FOOTER = 15
# Lines across the page below the footer band (a letterhead's address, a small-print note) are
# passed over, read after the band, rather than ending the search before it began.
_MAX_WIDE_BELOW_FOOTER = 3
_SMALL_PRINT = 0.85


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

    low = left_edge + _SPLIT_WINDOW[0] * (right_edge - left_edge)
    high = left_edge + _SPLIT_WINDOW[1] * (right_edge - left_edge)
    splits = [_split(row, low, high, _SPLIT_MIN_GAP * unit) for row in rows]
    max_column = _MAX_COLUMN_SHARE * (right_edge - left_edge)
    header = _band(rows, splits, range(len(rows)), max_column, _MAX_PENDING_HEADER, unit=unit)
    used = set(header[0]) if header else set()
    remaining = [i for i in range(len(rows) - 1, -1, -1) if i not in used]
    footer = _band(rows, splits, remaining, max_column, _MAX_PENDING_FOOTER, _MAX_WIDE_BELOW_FOOTER, unit)

    # Blocks keyed by the first row they hold, so rows left out of a band keep their place.
    keyed_blocks: list[tuple[int, int, list[list[Word]]]] = []
    for band in (header, footer):
        if band:
            keyed_blocks += [(band[0][0], 0, band[1]), (band[0][0], 1, band[2])]
    footer_rows = set(footer[0]) if footer else set()
    keyed_blocks += [(i, 0, [rows[i].words]) for i in range(len(rows)) if i not in used | footer_rows]
    ordered = [block for _, _, block in sorted(keyed_blocks, key=lambda item: (item[0], item[1]))]

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


def rows_by_overlap(words: Iterable[Word], block: int) -> list[Word]:
    """The words with ``block`` and a fresh ``line`` key per row found by vertical overlap.

    For words read from a crop in auto-segmentation mode, where each column's lines come as
    their own lines: regrouped into page rows, the left and right columns of a footer meet in
    one row again, which is what :func:`order_lines` needs to find the band and read each
    column whole.
    """
    regrouped: list[Word] = []
    for number, row in enumerate(_rows_by_overlap([w for w in words if w.text.strip()]), start=1):
        regrouped += [
            Word(w.text, w.left, w.top, w.width, w.height, w.conf, block, number) for w in row.words
        ]
    return regrouped


def _rows_by_key(words: list[Word]) -> list[_Row]:
    groups: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        groups.setdefault((word.block, word.line), []).append(word)
    return [_Row(sorted(group, key=lambda w: w.left)) for group in groups.values()]


def _rows_by_overlap(words: list[Word]) -> list[_Row]:
    """Rows of words whose vertical middles fall inside one another's extent.

    A word joins a row holding its middle that it also stands level with (:func:`_stands_level`),
    the one whose nearest word stands nearest (:func:`_distance`); else it begins a row. A mark
    of punctuation inside two rows' extents (the dash of '- Như Điều 3;' inside the taller title
    line beside it) joins the row whose own middle is nearest: a word's middle moves with its
    tone marks, a dash's does not.
    """
    rows: list[_Row] = []
    for word in sorted(words, key=lambda w: (w.top, w.left)):
        middle = word.top + word.height / 2
        holding = [row for row in reversed(rows[-3:]) if row.top <= middle <= row.bottom]
        if not any(ch.isalnum() for ch in word.text):
            if holding:
                min(holding, key=lambda row: abs((row.top + row.bottom) / 2 - middle)).words.append(word)
            else:
                rows.append(_Row([word]))
            continue
        # a word joins a row when it stands level with a word of it too (its box holds that word's
        # middle): one tall box (a title's last word run into the seal below it, 77 px for 34)
        # stretches its row over the next line of the column beside it, which would be woven
        # into the row ('- - Chủ Lưu: tịch VI. UBND thành phố;')
        level = [row for row in holding if _stands_level(word, row)]
        if level:
            min(level, key=lambda row: _distance(word, row)).words.append(word)
        else:
            rows.append(_Row([word]))
    for row in rows:
        row.words.sort(key=lambda w: w.left)
    return rows


def _solid(row: _Row) -> list[Word]:
    """The row's words of letters or digits, or all of them when it holds only marks (the dash
    that begins '- Như Điều 3;')."""
    return [w for w in row.words if any(ch.isalnum() for ch in w.text)] or row.words


def _stands_level(word: Word, row: _Row) -> bool:
    """True when ``word``'s box holds the middle of one of the row's :func:`_solid` words."""
    return any(holds_middle(top_bottom(word), top_bottom(w)) for w in _solid(row))


def _distance(word: Word, row: _Row) -> float:
    """How far ``word``'s middle is from the nearest middle of the row's :func:`_solid` words."""
    middle = word.top + word.height / 2
    return min(abs(w.top + w.height / 2 - middle) for w in _solid(row))


def _split(row: _Row, low: float, high: float, min_gap: float) -> int | None:
    """Index of the first word right of the widest wide gap inside [low, high], if any.

    Tokens without a letter or digit (``_``, ``|``, ``—``: rules and specks read as text) do not
    close a gap.
    """
    solid = [w for w in row.words if any(ch.isalnum() for ch in w.text)]
    best_middle, best_gap = None, min_gap
    for before, after in zip(solid, solid[1:], strict=False):
        gap = after.left - (before.left + before.width)
        middle = before.left + before.width + gap / 2
        if gap >= best_gap and low <= middle <= high:
            best_middle, best_gap = middle, gap
    if best_middle is None:
        return None
    return next(k for k, w in enumerate(row.words) if w.left + w.width / 2 >= best_middle)


def _cells(row: _Row, min_gap: float) -> int:
    """How many runs of words a row holds, parted by gaps of at least ``min_gap``."""
    solid = [w for w in row.words if any(ch.isalnum() for ch in w.text)]
    gaps = sum(
        1
        for before, after in zip(solid, solid[1:], strict=False)
        if after.left - before.left - before.width >= min_gap
    )
    return gaps + 1 if solid else 0


def _row_height(row: _Row) -> float:
    return statistics.median(w.height for w in row.words)


def _overlaps(span: tuple[int, int], union: tuple[int, int] | None) -> bool:
    return union is not None and span[0] < union[1] and union[0] < span[1]


def _widen(union: tuple[int, int] | None, span: tuple[int, int]) -> tuple[int, int]:
    return span if union is None else (min(union[0], span[0]), max(union[1], span[1]))


def _span(words: list[Word]) -> tuple[int, int]:
    """Horizontal extent of the row's letters and digits (a stray ':' does not widen it)."""
    solid = [w for w in words if any(ch.isalnum() for ch in w.text)] or words
    return min(w.left for w in solid), max(w.left + w.width for w in solid)


def _band(
    rows: list[_Row],
    splits: list[int | None],
    order: Iterable[int],
    max_column: float,
    max_pending: int,
    max_wide_before: int = 0,
    unit: float = 0.0,
) -> tuple[list[int], list[list[Word]], list[list[Word]]] | None:
    """Grow a two-column band over rows visited in ``order`` (top down, or bottom up).

    A two-sided row extends the left and right columns; a one-sided row joins the column it
    overlaps; a row overlapping both columns or wider than a column, or whose halves cross the
    columns, ends the band. Rows met before the first two-sided row (at most a few) wait, and
    are placed once the columns are known.
    Up to ``max_wide_before`` lines across the page in small print (words lower than
    ``_SMALL_PRINT`` times ``unit``, the page's median word height) met before any band row are
    passed over; a body line of normal size still ends the search.
    Returns the row indices taken and the left and right lines (top to bottom), or None.
    """
    left: tuple[int, int] | None = None
    right: tuple[int, int] | None = None
    taken: list[int] = []
    sides: dict[int, str] = {}
    pending: list[int] = []
    two_sided = 0
    for index in order:
        row, cut = rows[index], splits[index]
        if cut is not None and not 0 < cut < len(row.words):
            cut = None  # a split at the row's edge leaves one side empty: a one-sided row
        if unit and _cells(row, _SPLIT_MIN_GAP * unit) > 2:
            break  # a table row (three cells or more): read across, as printed
        if cut is not None:
            left_span, right_span = _span(row.words[:cut]), _span(row.words[cut:])
            if _overlaps(left_span, right) or _overlaps(right_span, left):
                break
            left, right = _widen(left, left_span), _widen(right, right_span)
            sides[index] = "both"
            two_sided += 1
        else:
            span = _span(row.words)
            if span[1] - span[0] > max_column:
                if not taken and max_wide_before > 0 and _row_height(row) < _SMALL_PRINT * unit:
                    max_wide_before -= 1
                    continue  # a line across the page below the band, left where it is
                break  # a line across the page: body text, not a column
            if left is None or right is None:
                if len(pending) == max_pending:
                    return None
                pending.append(index)
                taken.append(index)
                continue
            in_left, in_right = _overlaps(span, left), _overlaps(span, right)
            if in_left and in_right:
                break
            if not in_left and not in_right:
                in_left = (span[0] + span[1]) / 2 < (left[1] + right[0]) / 2
            sides[index] = "left" if in_left else "right"
            if in_left:
                left = _widen(left, span)
            else:
                right = _widen(right, span)
        taken.append(index)
    if two_sided < _MIN_TWO_SIDED_ROWS or left is None or right is None:
        return None
    for index in pending:
        span = _span(rows[index].words)
        in_left, in_right = _overlaps(span, left), _overlaps(span, right)
        if in_left == in_right:
            # Overlaps both or neither: a row across the page before the band (not part of it).
            taken = [i for i in taken if i != index]
            continue
        sides[index] = "left" if in_left else "right"
    taken = sorted(taken)
    left_lines: list[list[Word]] = []
    right_lines: list[list[Word]] = []
    for index in taken:
        row, side = rows[index], sides[index]
        if side == "both":
            cut = splits[index]
            left_lines.append(row.words[:cut])
            right_lines.append(row.words[cut:])
        elif side == "left":
            left_lines.append(row.words)
        else:
            right_lines.append(row.words)
    return taken, left_lines, right_lines
