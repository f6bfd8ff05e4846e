"""Vietnamese text helpers used at every boundary: NFC, whitespace, and the one way marks are folded.

Folding is for *matching only*: stored text keeps its diacritics. Every fold here is made from
one table of letters (:data:`MARKS_TABLE`), so extraction, search and the archive agree on what
a letter without its marks is: ``đ`` and ``Đ`` have no Unicode decomposition, and OCR often
returns ``Ð`` (U+00D0, eth) for ``Đ``; all of them fold to ``d``. Before there were four folds,
and an OCR'd ``Ð`` matched in extraction but not in search.

* :func:`strip_marks` keeps case (``Nguyễn Đức`` → ``Nguyen Duc``): is a reading the same
  letters without marks?
* :func:`fold` lower-cases and collapses spaces too: for matching names, units and queries.
* :func:`fold_aligned` lower-cases and keeps one character for each character of NFC text,
  so a match in the folded text slices the value, marks and all, out of the original.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MARKS_TABLE", "fold", "fold_aligned", "nfc", "squash", "strip_marks"]

# Letters Unicode does not decompose: đ is a letter of its own; Ð (U+00D0) and ð are what OCR
# often returns for Đ and đ.
_UNDECOMPOSED = {"đ": "d", "Đ": "D", "Ð": "D", "ð": "d"}


def nfc(text: str) -> str:
    """The one normal form sohoa stores and compares (scanners and PDFs often hand out NFD)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and trim: OCR spacing is not meaningful."""
    return " ".join(text.split())


def _build_marks_table() -> dict[int, int | None]:
    """Every precomposed Latin letter to its base letter (case kept), lone combining marks deleted.

    Built from Unicode decompositions rather than typed by hand so that no Vietnamese vowel
    (134 precomposed forms) is forgotten. Whoosh's ``accent_map`` is not used: it maps some
    lone combining marks to letters (tilde to ``p``), which corrupts NFD leftovers.
    """
    table: dict[int, int | None] = {}
    for start, end in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):
        for code in range(start, end):
            char = chr(code)
            base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
            if len(base) == 1 and base != char and base.isascii():
                table[code] = ord(base)
    for code in range(0x0300, 0x0370):  # combining diacritical marks left after NFC
        table[code] = None
    for letter, base in _UNDECOMPOSED.items():
        table[ord(letter)] = ord(base)
    return table


MARKS_TABLE = _build_marks_table()


def strip_marks(text: str) -> str:
    """``text`` without any tone or vowel mark, ``đ`` as ``d``, case kept: ``Nguyễn Đức`` → ``Nguyen Duc``."""
    return nfc(text).translate(MARKS_TABLE)


def fold(text: str) -> str:
    """Lower-case, strip tone and vowel marks, ``đ`` -> ``d``, collapse whitespace: for matching."""
    return squash(strip_marks(text).casefold())


# Typographic look-alikes OCR emits for ASCII punctuation, folded with the letters.
_LOOK_ALIKES = {
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "−": "-",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "\u00a0": " ",
}


def _aligned_char(ch: str) -> str:
    special = _LOOK_ALIKES.get(ch)
    if special is not None:
        return special
    base = MARKS_TABLE.get(ord(ch), ord(ch))
    folded = chr(base).lower() if base is not None else ch  # a lone mark stays: one for one
    if len(folded) == 1:
        return folded
    return ch


class _AlignedTable(dict[int, str]):
    """``str.translate`` table that folds each character the first time it is met."""

    def __missing__(self, codepoint: int) -> str:
        folded = self[codepoint] = _aligned_char(chr(codepoint))
        return folded


_ALIGNED_TABLE = _AlignedTable()


def fold_aligned(text: str) -> str:
    """Lower-case ``text`` and strip its marks, one output character per input character.

    Meant for matching only: the same offsets index the original, so a match on the folded
    string slices the accented value out of the original. One ``str.translate`` (the
    extraction folds every word of a page, a thousand calls a document).
    """
    return text.translate(_ALIGNED_TABLE)
