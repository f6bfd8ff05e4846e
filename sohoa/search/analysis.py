"""Vietnamese text analysis: one code path for what is indexed and what is asked.

Every string that reaches the index or a query goes through :func:`nfc` first, because
scanners, PDFs and keyboards disagree on the Unicode normal form and a tokenizer fed NFD text
cuts ``Nguyễn`` into ``nguye``. Words are Vietnamese syllables (runs of letters and digits);
no word segmentation, because a segmenter splits the same name differently with and without
accents, while syllables with folding match both.

Two forms of every syllable are indexed:

* the *exact* form: NFC, lower case, marks kept (``lượng``) — a query typed with marks
  ranks these matches first;
* the *folded* form: every tone and vowel mark removed and ``đ`` mapped to ``d``
  explicitly (``luong``) — Unicode does not decompose ``đ``, so a generic "strip accents"
  misses it; the letters are :data:`sohoa.text.MARKS_TABLE`'s, as extraction folds them. A
  query typed without marks matches everything through this form.

Stored text keeps its marks: folding is for matching only.

Document numbers and symbols (``1234/QĐ-UBND``, ``000.00.12.H62-240610-0001``) are cut into
their alphanumeric parts, and every contiguous run of parts becomes one keyword, so the
whole number, ``qd-ubnd``, ``QĐ/UBND`` and ``1234`` all hit the same document.

Engines receive the output of these functions as ready terms (see
:func:`sohoa.search.schema.analyze`), so no engine's tokenizer decides what a word is; a
change of behaviour here bumps ``SCHEMA_VERSION`` in :mod:`sohoa.search.schema`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from sohoa.text import MARKS_TABLE, nfc

__all__ = [
    "SYLLABLE_PATTERN",
    "SYLLABLE_RE",
    "FOLD_TABLE",
    "nfc",
    "fold",
    "has_marks",
    "iter_syllables",
    "exact_syllables",
    "folded_syllables",
    "bigrams",
    "number_parts",
    "number_terms",
    "number_key",
    "id_terms",
    "keyword_key",
]


_FOLD_TABLE = MARKS_TABLE  # the archive's one table of letters (sohoa.text)
FOLD_TABLE = _FOLD_TABLE  # for engines that fold with a character map of their own

# The same map with every other character below U+3000 mapped to itself: ``str.translate``
# pays for each character a map lacks as much as for a lookup error, so this complete map
# folds a document's text in about 55% of the time (snippets fold every hit on each search).
_FOLD_LOOKUP: dict[int, int | None] = {code: code for code in range(0x3000)} | _FOLD_TABLE

# A syllable: letters and digits, with any combining mark NFC could not compose kept inside
# the syllable (fold() deletes them) instead of cutting it in two.
SYLLABLE_PATTERN = r"[^\W_](?:[^\W_]|[\u0300-\u036f])*"
SYLLABLE_RE = re.compile(SYLLABLE_PATTERN)
_SYLLABLE_RE = SYLLABLE_RE

# Between ID-number digits people and OCR put spaces or dots: "0012 3456 7890".
_DIGITS_RE = re.compile(r"\d[\d .]*\d|\d")


def fold(text: str) -> str:
    """Lower-case ``text`` and remove every tone and vowel mark; ``đ`` becomes ``d``.

    ``fold("Nguyễn Văn Lượng, Đống Đa") == "nguyen van luong, dong da"``. Only for matching:
    what is stored and shown keeps its marks.
    """
    return nfc(text).lower().translate(_FOLD_LOOKUP)


def has_marks(text: str) -> bool:
    """True when ``text`` carries any Vietnamese mark (so the user typed diacritics)."""
    lowered = nfc(text).lower()
    return lowered.translate(_FOLD_TABLE) != lowered


def iter_syllables(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, syllable)`` over NFC ``text``; the syllable is lower-cased NFC.

    Offsets point into ``text`` itself, so highlighting can wrap the original accented
    characters. Callers pass NFC text (stored text is NFC by construction).
    """
    for match in _SYLLABLE_RE.finditer(text):
        yield match.start(), match.end(), match.group().lower()


def exact_syllables(text: str) -> list[str]:
    """The exact (marked, lower-case) syllables of ``text``, in order."""
    return _SYLLABLE_RE.findall(nfc(text).lower())


def folded_syllables(text: str) -> list[str]:
    """The folded syllables of ``text``, in order; ``fold`` of each exact syllable.

    Folding the whole string before cutting is the same as folding each syllable (the fold
    table maps letters to letters and deletes only marks, which sit inside syllables) and
    several times faster, which matters at 100,000 documents.
    """
    return _SYLLABLE_RE.findall(fold(text))


def bigrams(syllables: list[str]) -> list[str]:
    """Adjacent pairs ``"a b"`` of folded syllables.

    Used to pair up the words of a query (adjacency bonuses); phrases themselves are
    answered from positions.
    """
    return [a + " " + b for a, b in zip(syllables, syllables[1:], strict=False)]


_NUMBER_LABEL_RE = re.compile(r"^\s*(?:số|so)\s*[:.]\s*", re.IGNORECASE)


def number_parts(number: str) -> list[str]:
    """Folded alphanumeric parts of a document number: ``1234/QĐ-UBND`` → ``1234 qd ubnd``.

    A leading ``Số:`` label is dropped; separators (``/ - . space``) are all equivalent,
    since clerks type ``QĐ/UBND`` for ``QĐ-UBND``.
    """
    return _SYLLABLE_RE.findall(fold(_NUMBER_LABEL_RE.sub("", nfc(number))))


def number_key(parts: list[str]) -> str:
    """The single keyword for a run of number parts (``1234-qd-ubnd``)."""
    return "-".join(parts)


# More than this many parts is not a document number but text; keep the keyword count bounded.
_MAX_NUMBER_PARTS = 8


def number_terms(number: str) -> list[str]:
    """Every contiguous run of a number's parts, each as one keyword.

    ``15/2024/QĐ-UBND`` gives ``15``, ``2024``, ``qd``, ``ubnd``, ``15-2024``, ``qd-ubnd``,
    ... and ``15-2024-qd-ubnd``: the whole number and any part of it are exact term lookups.
    """
    parts = number_parts(number)[:_MAX_NUMBER_PARTS]
    return [number_key(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)]


def id_terms(values: Iterable[str]) -> list[str]:
    """Digit strings of personal ID numbers, spaces and dots removed (``001 234 567 890``)."""
    terms: list[str] = []
    for value in values:
        for run in _DIGITS_RE.findall(nfc(str(value))):
            digits = run.replace(" ", "").replace(".", "")
            if digits:
                terms.append(digits)
    return terms


def keyword_key(value: str) -> str:
    """Normalise a category value (type, field) for exact filtering: folded, single-spaced.

    ``"Hộ  tịch"``, ``"HỘ TỊCH"`` and ``"ho tich"`` all give ``"ho tich"``.
    """
    return " ".join(folded_syllables(value))
