"""Vietnamese analysis: what is folded, what is kept, and that indexing and queries cut alike."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

from sohoa.search import IndexEntry
from sohoa.search import analysis as an
from sohoa.search.schema import analyze

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731 - a one-word helper


def test_fold_removes_every_mark_and_maps_d_bar() -> None:
    assert an.fold("Nguyễn Văn Lượng") == "nguyen van luong"
    assert an.fold("ĐỐNG ĐA, đường Đầm Vạc") == "dong da, duong dam vac"
    # all 134 precomposed Vietnamese vowels fold to a, e, i, o, u, y
    vowels = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    vowels += vowels.upper()
    assert set(an.fold(vowels)) <= set("aeiouy")


def test_search_and_extraction_fold_every_vietnamese_letter_alike() -> None:
    """One table of letters (sohoa.text): a name OCR read with an eth ('Ðặng', U+00D0 for Đ) that
    extraction matched as 'dang' is found by search as 'dang' too; before, search kept the eth."""
    from sohoa import text

    letters = set("ĐđÐð")
    for syllable in ("nguyễn", "lượng", "quyết", "định", "ủy", "phường", "khuất", "giáp", "hầu", "cấn"):
        letters |= set(syllable) | set(syllable.upper())
    vowels = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    letters |= set(vowels) | set(vowels.upper())
    for letter in sorted(letters):
        folded = an.fold(letter)
        assert folded == text.fold(letter) == text.fold_aligned(letter), letter
        assert folded == text.strip_marks(letter).lower(), letter
        assert len(folded) == 1 and folded.isascii(), letter
    assert an.fold("ÐẶNG Thị Hầu") == text.fold("Đặng thị hầu") == "dang thi hau"


def test_fold_maps_every_character_as_the_published_fold_table_does() -> None:
    # fold() uses a completed copy of FOLD_TABLE (other engines take the table itself): both
    # must fold every character alike, alone and inside Vietnamese words.
    for code in range(0x3400):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        for text in (char, f"Nguyễn{char}Đức {char.upper()}"):
            assert an.fold(text) == an.nfc(text).lower().translate(an.FOLD_TABLE), hex(code)


def test_fold_of_nfd_text_equals_fold_of_nfc_text() -> None:
    text = "Trần Thị Thu Hà, phường Đống Đa"
    assert an.fold(NFD(text)) == an.fold(text)
    assert an.exact_syllables(NFD(text)) == an.exact_syllables(text)


def test_nfd_syllables_stay_whole() -> None:
    # Tokenising NFD text naively cuts "Nguyễn" at each combining mark (field notes).
    assert an.exact_syllables(NFD("Nguyễn Thị")) == ["nguyễn", "thị"]
    # A stray combining mark that NFC cannot compose stays inside its syllable, folding drops it.
    assert an.folded_syllables("Lu\u0301\u031bong") == ["luong"]


def test_one_letter_syllables_are_kept() -> None:
    # Whoosh's StandardAnalyzer drops "ở", "An", "in": Vietnamese needs them.
    assert an.exact_syllables("Ông An ở Tổ 4") == ["ông", "an", "ở", "tổ", "4"]


def test_folding_each_syllable_equals_folding_the_text() -> None:
    text = "QUYẾT ĐỊNH Về việc cấp Giấy phép xây dựng số 172/GPXD cho bà Hoàng Thị Thu Hường."
    assert [an.fold(s) for s in an.exact_syllables(text)] == an.folded_syllables(text)


def test_marks_are_detected() -> None:
    assert an.has_marks("Lượng")
    assert an.has_marks("đa")
    assert not an.has_marks("nguyen van luong 1234/QD-UBND")


def test_number_terms_cover_whole_and_every_run_of_parts() -> None:
    terms = an.number_terms("Số: 15/2024/QĐ-UBND")
    assert "15-2024-qd-ubnd" in terms  # the whole number, label dropped, Đ folded
    assert {"15", "2024", "qd", "ubnd", "qd-ubnd", "2024-qd-ubnd"} <= set(terms)
    assert "15-ubnd" not in terms  # runs are contiguous
    # separators are equivalent, case and marks do not matter
    assert an.number_key(an.number_parts("1234/qd/ubnd")) == an.number_key(an.number_parts("1234-QĐ-UBND"))


def test_id_terms_ignore_spaces_and_dots() -> None:
    assert an.id_terms(["026 190 001 234", "026.092.408.410", "026178760070"]) == [
        "026190001234",
        "026092408410",
        "026178760070",
    ]


def test_keyword_key_compares_categories_folded() -> None:
    assert an.keyword_key("Hộ  tịch") == an.keyword_key("HỘ TỊCH") == an.keyword_key("ho tich") == "ho tich"


def test_engines_receive_the_terms_our_functions_make() -> None:
    """Backends index the analysed entry: values kept apart, keywords finished by our functions."""
    text = "Bà Hoàng Ngọc Lan, Số: 101/TLKS-BS"
    entry = IndexEntry(
        id=1,
        version="v",
        source_name="a.pdf",
        unit="P01",
        unit_name="Phường Đống Đa",
        fields={"number": "101/TLKS-BS", "subject_names": ["Hoàng Ngọc Lan", "Lê Thị Thu Hà"]},
        text=text,
    )
    analysed = analyze(entry)
    assert analysed.text[0] == text  # NFC values, cut by the engine with SYLLABLE_PATTERN
    assert analysed.names == ["Hoàng Ngọc Lan", "Lê Thị Thu Hà"]  # one value per name: no phrase across
    assert analysed.number == an.number_terms("101/TLKS-BS")
    assert analysed.meta["unit_name"] == "Phường Đống Đa"


def test_search_package_never_imports_the_archive() -> None:
    """Dependencies point one way: archive → search. The search package takes plain entries."""
    package = Path(an.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("sohoa.archive", "sohoa.digitize", "sohoa.cli")), path
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(("sohoa.archive", "sohoa.digitize", "sohoa.cli")), path
