"""Whether two boxes on a page stand on one printed row: the one test every reader of rows uses.

A row's words do not share a top or a height: tone marks stretch a box up, descenders down, a
seal's ring or a pen's stroke grows one word's box over the row, and a skewed scan tilts the
row. What they share is their middles: a word's box holds the middles of the words beside it.
The layout's row grouping, the text layer's runs, the re-read zones' row mates and the signer
block's rows all ask it, each with its own strictness (one box holding the other's middle, or
each the other's); the arithmetic lives here so that they ask the same question.
"""

from __future__ import annotations

from typing import Protocol


class Box(Protocol):
    """Anything with a box's top and height in page pixels (an OCR word, Tesseract's TSV word)."""

    @property
    def top(self) -> int: ...

    @property
    def height(self) -> int: ...


def top_bottom(box: Box) -> tuple[float, float]:
    """The box's top and bottom."""
    return box.top, box.top + box.height


def holds_middle(outer: tuple[float, float], inner: tuple[float, float]) -> bool:
    """True when the span ``outer`` (top, bottom) holds the middle of the span ``inner``."""
    return outer[0] <= (inner[0] + inner[1]) / 2 <= outer[1]


def level(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """True when either span holds the other's middle: a hyphen's middle is within the word's beside
    it, not the other way round, and a word the ring grew holds its neighbours' middles."""
    return holds_middle(a, b) or holds_middle(b, a)


def each_level(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """True when each span holds the other's middle: two words of one row, not a tall box beside
    a row it only reaches into."""
    return holds_middle(a, b) and holds_middle(b, a)
