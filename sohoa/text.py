"""Vietnamese text helpers used at every boundary: NFC normalisation and diacritic folding.

Folding is for *matching only*: stored text keeps its diacritics. ``đ``/``Đ`` has no Unicode
decomposition, so it is mapped to ``d`` explicitly.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """The one normal form sohoa stores and compares (scanners and PDFs often hand out NFD)."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, strip tone and vowel marks, ``đ`` -> ``d``, collapse whitespace: for matching."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()
