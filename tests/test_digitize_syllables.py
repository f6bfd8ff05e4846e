"""The Vietnamese syllable set and the OCR repair built on it.

The repair must never damage correct text: it is run over the exact printed text of every
committed sample and must leave it untouched, while fixing the tone-mark slips Tesseract makes.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from sohoa.digitize.syllables import attested, is_syllable, repair_text, repair_token, valid_share
from sohoa.text import strip_marks

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize(
    "word",
    ["Nguyễn", "Lượng", "quyết", "Quyền", "giết", "gìn", "khuỷu", "nghiêng", "hòa", "hoà", "thuý", "ĐỊNH"],
)
def test_real_syllables_are_valid(word: str) -> None:
    assert is_syllable(word)
    assert is_syllable(unicodedata.normalize("NFD", word))


@pytest.mark.parametrize("token", ["UBND", "ka", "ce", "ngi", "viềc", "Céng", "hßa", "x·", "quyêt"])
def test_malformed_tokens_are_not_syllables(token: str) -> None:
    assert not is_syllable(token)


def test_legacy_font_garbage_scores_low_and_prose_high() -> None:
    garbage, _ = valid_share("Céng hßa x· héi chñ nghÜa ViÖt Nam §éc lËp Tù do H¹nh phóc")
    prose, tokens = valid_share("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;")
    assert garbage < 0.5 < 0.9 < prose and tokens == 12


@pytest.mark.parametrize(
    ("ocr", "printed"),
    [
        ("Quyêt", "Quyết"),  # tone mark lost on a stop-final syllable
        ("viềc", "việc"),  # grave is impossible before -c; the only attested neighbour wins
        ("viêc,", "việc,"),  # punctuation kept
        ("ÐIỀU", "ĐIỀU"),  # Icelandic eth for Vietnamese đ
        ("(Ðinh", "(Đinh"),
        ("Øanh", "Oanh"),  # an O a seal's ring crossed comes back slashed
        ("ØANH,", "OANH,"),
    ],
)
def test_tone_mark_slips_are_repaired(ocr: str, printed: str) -> None:
    assert repair_token(ocr) == printed


@pytest.mark.parametrize(
    "token", ["Viet", "UBND", "QĐ-UBND", "HĐND", "TLKS-BS", "m²", "2024", "bẠn", "ãinh", "Ø16", "Nøa"]
)
def test_ambiguous_or_foreign_tokens_are_left_alone(token: str) -> None:
    assert repair_token(token) == token


@pytest.mark.parametrize(
    ("ocr", "printed"),
    [
        ("TRẦNMINHTOẢN", "TRẦN MINH TOẢN"),  # a name in a table's cell, its spaces lost
        ("PHÒNGTƯPHÁP,", "PHÒNG TƯ PHÁP,"),
        ("CÔNGHIỀN", "CÔNGHIỀN"),  # 'CÔNG HIỀN' or 'CÔ NGHIỀN': left as read
        ("HĐND", "HĐND"),  # abbreviations are no syllables
        ("Trầnminhtoản", "Trầnminhtoản"),  # only capitals are parted
    ],
)
def test_capitals_ocr_read_without_their_spaces_are_parted_into_syllables(ocr: str, printed: str) -> None:
    assert repair_token(ocr) == printed


def test_square_metres_after_a_number() -> None:
    # a printed m2 is left as read; a raised 2 Tesseract garbled is the printed m²
    assert repair_text("thu hồi 263,6 m2, đất 151,7 m? và 12 m3") == "thu hồi 263,6 m2, đất 151,7 m² và 12 m3"
    assert repair_text("mã m2 không đổi") == "mã m2 không đổi"


def test_repairs_only_produce_attested_syllables() -> None:
    assert "việc" in attested() and "viếc" not in attested()
    assert all(is_syllable(s) for s in attested())


def test_repair_leaves_every_printed_sample_text_unchanged() -> None:
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.pdf-text.json"))]
    assert truths
    for truth in truths:
        for page in truth["text"].split("\f"):
            assert repair_text(page) == page, truth["stem"]


def test_fold_maps_d_bar_and_every_mark() -> None:
    assert strip_marks("Nguyễn Đức Lượng") == "Nguyen Duc Luong"


def test_every_name_syllable_is_valid_and_in_use() -> None:
    from sohoa.digitize.fields_names import NAME_SYLLABLES, surnames

    words = {unicodedata.normalize("NFC", w.lower()) for w in [*surnames(), *NAME_SYLLABLES]}
    assert {w for w in words if not is_syllable(w)} == set()
    assert {w for w in words if w not in attested() and len(w) > 1} == set()


@pytest.mark.parametrize(
    "word", ["Lân", "Tư", "Tám", "Năm", "Quyền", "Toản", "Thăng", "Lĩnh", "Tuân", "Chử", "LÂN"]
)
def test_valid_syllables_are_never_repaired(word: str) -> None:
    assert repair_token(word) == word
    assert repair_text(f"Ông Nguyễn Văn {word}") == f"Ông Nguyễn Văn {word}"
