"""Rows of words found by overlap (``layout.rows_by_overlap``), as a zone read again is regrouped.

The boxes are those Tesseract gave on devset2's pages (seed 43, form 13; seed 13, document 14;
the footer of ``tests/resources/footer-recipients-signer.png``): the recipients' column beside
the signer's.
"""

from __future__ import annotations

from sohoa.digitize import layout
from sohoa.digitize.model import Word


def _rows(words: list[Word]) -> list[str]:
    regrouped = layout.rows_by_overlap(words, block=2001)
    lines: dict[int, list[Word]] = {}
    for word in regrouped:
        lines.setdefault(word.line, []).append(word)
    return [" ".join(w.text for w in sorted(row, key=lambda w: w.left)) for _, row in sorted(lines.items())]


def test_a_tall_box_beside_does_not_weave_the_next_line_into_its_row() -> None:
    """'TỊCH', its box run down into the seal below it (77 px for letters of 34), reached the
    middle of '- Lưu: VT.' on the line below in the column beside it: the two recipients'
    lines were read as one, '- - Chủ Lưu: tịch VI. UBND thành phố;'."""
    words = [
        Word("-", 382, 1859, 12, 3, 93),
        Word("Chủ", 411, 1838, 80, 34, 97),
        Word("tịch", 505, 1840, 80, 40, 93),
        Word("UBND", 600, 1841, 120, 31, 92),
        Word("thành", 733, 1838, 125, 34, 96),
        Word("phố;", 872, 1837, 90, 44, 73),
        Word("PHÓ", 1385, 1856, 120, 49, 92),
        Word("CHỦ", 1527, 1851, 120, 54, 96),
        Word("TỊCH", 1666, 1838, 120, 77, 96),
        Word("-", 382, 1917, 12, 3, 93),
        Word("Lưu:", 413, 1899, 90, 31, 96),
        Word("VT.", 513, 1899, 70, 31, 90),
    ]
    assert _rows(words) == ["- Chủ tịch UBND thành phố; PHÓ CHỦ TỊCH", "- Lưu: VT."]


def test_a_word_level_with_its_neighbours_joins_their_row_across_columns() -> None:
    """'TỊCH' stands a little lower than 'PHÓ CHỦ' before it (its tone mark below), and lower
    than the recipients' line their row began with: level with a word of the row, it joins it."""
    words = [
        Word("-", 355, 284, 12, 3, 93),
        Word("Chủ", 383, 260, 80, 38, 96),
        Word("tịch", 480, 263, 80, 43, 93),
        Word("huyện;", 718, 262, 120, 47, 96),
        Word("PHÓ", 1569, 279, 120, 52, 96),
        Word("CHỦ", 1707, 276, 120, 55, 96),
        Word("TỊCH", 1839, 290, 120, 51, 96),
    ]
    assert _rows(words) == ["- Chủ tịch huyện; PHÓ CHỦ TỊCH"]


def test_a_word_level_with_two_rows_joins_the_one_whose_word_stands_nearest() -> None:
    """'TỊCH', its box bitten by the seal (85 px), began a row above the recipients' line beside
    it; 'PHÓ CHỦ' below stand level with both, and joined the recipients' row: the title was
    read 'PHÓ CHỦ'. The row whose word's middle is nearest takes them."""
    words = [
        Word("TỊCH", 1610, 1834, 148, 85, 96),
        Word("-", 382, 1861, 12, 3, 93),
        Word("Chủ", 410, 1835, 80, 41, 96),
        Word("tịch", 509, 1839, 80, 45, 93),
        Word("UBND", 605, 1841, 120, 35, 92),
        Word("thành", 755, 1837, 125, 39, 96),
        Word("phố;", 892, 1836, 90, 49, 90),
        Word("PHÓ", 1310, 1854, 127, 53, 96),
        Word("CHỦ", 1460, 1848, 131, 60, 96),
    ]
    assert sorted(_rows(words)) == ["- Chủ tịch UBND thành phố;", "PHÓ CHỦ TỊCH"]
