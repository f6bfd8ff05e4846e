"""Confidence that tells the truth (issue 9: wrong with high confidence ≤ 2%).

A value above the review threshold never reaches a clerk, so it must be one the extractor has
evidence for: an ID number whose structure checks out and whose digits OCR read cleanly, a
signer's title from a block the seal left whole, a field of procedures the title or summary
names. Each test builds the page a scan would give and checks where the value lands: kept and
sure, or kept and sent to review.
"""

from __future__ import annotations

import dataclasses

import pytest

from sohoa.archive.review import DEFAULT_THRESHOLD
from sohoa.digitize.fields.people import cccd_is_plausible, cmnd_is_plausible
from sohoa.digitize.fields_domains import DOUBTFUL, SURE
from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.model import PageText, Word
from tests.fields_support import SCANNED_HEADING, letter_header, signature_block, text_page

HEADER = letter_header() + "QUYẾT ĐỊNH\nVề việc trợ cấp xã hội hằng tháng\n"
SIGNATURE = signature_block(first_recipient=None)


def decision_page(body: str) -> PageText:
    """A social-allowance decision of Khai Quang with ``body`` between its title and its signature."""
    return text_page(HEADER + body + "\n" + SIGNATURE)


def test_the_review_threshold_sits_between_sure_and_doubtful() -> None:
    assert DOUBTFUL < DEFAULT_THRESHOLD <= SURE


# --- ID numbers: structure ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "plausible"),
    [
        ("026190004321", True),  # Vĩnh Phúc, a woman born in 1990
        ("001205001234", True),  # Hà Nội, a man born in 2005
        ("079099123456", True),  # Hồ Chí Minh City, a man born in 1999
        ("003190004321", False),  # 003 is no province's code
        ("097190004321", False),  # past the last code (096)
        ("026590004321", False),  # century digit 5: born in the 2100s
        ("026299004321", False),  # born in 2099: the future
        ("02619000432", False),  # 11 digits
    ],
)
def test_cccd_structure(number: str, plausible: bool) -> None:
    assert cccd_is_plausible(number, this_year=2026) is plausible


def test_cmnd_structure() -> None:
    assert cmnd_is_plausible("125678901")
    assert not cmnd_is_plausible("995678901")  # no province issued 99...
    assert not cmnd_is_plausible("12567890")


@pytest.mark.parametrize(
    ("line", "value", "sure"),
    [
        ("Số định danh cá nhân: 026190004321", "026190004321", True),
        ("Số định danh cá nhân: 003190004321", "003190004321", False),  # no such province
        ("Số định danh cá nhân: 026790004321", "026790004321", False),  # impossible century digit
        ("CMND số: 125678901", "125678901", True),
        ("CMND số: 995678901", "995678901", False),
        ("Số CCCD: 02619OOO4321", "026190004321", False),  # OCR read letters O for zeros
        ("Mã số thuế: 0312345678", "0312345678", False),  # a business's code, not a person's
        # a seal over the end of a personal number: ten digits left, a valid length for no ID
        ("Số định danh cá nhân: 0261900043", "0261900043", False),
        ("CMND số: 1256789012", "1256789012", False),
        # a household business certificate's label for the owner's CCCD, its last digits lost
        ("Số giấy tờ pháp lý của cá nhân: 0261922076", "0261922076", False),
        ("Số giấy tờ pháp lý của cá nhân: 026190004321", "026190004321", True),
        ("Giấy tờ tùy thân: CMND số 125678901.", "125678901", True),  # the sentence's full stop
        ("Số CCCD: 026.190.004.321", "026190004321", True),  # printed in dotted groups of three
    ],
)
def test_id_number_is_sure_only_when_it_checks_out(line: str, value: str, sure: bool) -> None:
    result = extract_fields([decision_page("Điều 1. Trợ cấp cho bà Tạ Thị Tám.\n" + line)])
    assert result.values["id_numbers"] == [value]  # kept either way: a doubtful value goes to review
    assert (result.confidence["id_numbers"] >= DEFAULT_THRESHOLD) is sure


def test_an_identity_label_whose_number_was_not_read_whole_makes_the_list_doubtful() -> None:
    lines = "Số định danh cá nhân: 026190004321\nSố định danh cá nhân của người giám hộ: 02619 0O4,"
    result = extract_fields([decision_page("Điều 1. Trợ cấp cho bà Tạ Thị Tám.\n" + lines)])
    assert result.values["id_numbers"] == ["026190004321"]  # the one read whole is kept
    assert result.confidence["id_numbers"] < DEFAULT_THRESHOLD  # but a second number may be missing


# --- OCR'd pages: word confidence -----------------------------------------------------------


def ocr_page(rows: list[tuple[int, int, str, float]]) -> PageText:
    """A page as Tesseract gives it: (top, left, text, word confidence) per run; one block per row."""
    words: list[Word] = []
    for top, left, text, conf in rows:
        x = left
        for token in text.split():
            w = 22 * len(token)
            words.append(Word(token, x, top, w, 40, conf, block=top, line=1))
            x += w + 18
    text = "\n".join(t for _, _, t, _ in rows)
    return PageText(number=1, text=text, method="ocr", confidence=0.9, words=words, width=2480, height=3508)


def decision_rows(
    id_conf: float = 95.0, title_conf: float = 95.0, name: bool = True, subject_conf: float = 95.0
) -> list:
    rows = [
        *SCANNED_HEADING,
        (700, 300, "Điều 1. Trợ cấp cho bà", 95.0),
        (700, 760, "Khổng Thị Tư,", subject_conf),
        (700, 1100, "sinh năm 1941,", 95.0),
        (760, 300, "số định danh cá nhân:", 95.0),
        (760, 760, "026141004321", id_conf),
        (2600, 250, "Nơi nhận:", 95.0),
        (2600, 1477, "TM. ỦY BAN NHÂN DÂN", 95.0),
        (2660, 250, "- Lưu: VT.", 95.0),
        (2660, 1550, "PHÓ CHỦ TỊCH", title_conf),
    ]
    if name:
        rows.append((3000, 1550, "Lã Văn Thăng", 95.0))  # centred under the title, as printed
    return rows


@pytest.mark.parametrize(
    ("registered", "sure"),
    [
        ("ngày 28 tháng 04 năm 2022", False),  # the place-date line's 28 read as 26: one digit off
        ("ngày 26 tháng 04 năm 2022", True),  # the two agree
        ("ngày 12 tháng 03 năm 2020", True),  # an older registration: no slip of one digit
    ],
)
def test_a_place_date_one_digit_off_the_registration_date_goes_to_review(registered: str, sure: bool) -> None:
    text = (
        letter_header(number="", date="ngày 26 tháng 4 năm 2022")
        + "GIẤY CHỨNG NHẬN\nĐĂNG KÝ HỘ KINH DOANH\nMã số hộ kinh doanh: 25679393460\n"
        + f"Đăng ký lần đầu: {registered}\n"
        + "1. Tên hộ kinh doanh: HỘ KINH DOANH VẬT LIỆU XÂY DỰNG SƠN\n"
        + signature_block()
    )
    result = extract_fields([text_page(text)])
    assert result.values["issued_date"] == "2022-04-26"
    assert (result.confidence["issued_date"] >= DEFAULT_THRESHOLD) is sure


def test_a_number_whose_box_a_seal_ring_grew_goes_to_review() -> None:
    # the ring crosses "026141004321": Tesseract reads it at 95, but its box is half again as tall
    page = ocr_page(decision_rows())
    at = next(i for i, w in enumerate(page.words) if w.text == "026141004321")
    page.words[at] = dataclasses.replace(page.words[at], top=page.words[at].top - 20, height=60)
    result = extract_fields([page])
    assert result.values["id_numbers"] == ["026141004321"]
    assert result.confidence["id_numbers"] < DEFAULT_THRESHOLD


def test_digits_read_unsure_make_the_id_doubtful() -> None:
    sure = extract_fields([ocr_page(decision_rows())])
    assert sure.values["id_numbers"] == ["026141004321"]
    assert sure.confidence["id_numbers"] >= DEFAULT_THRESHOLD
    unsure = extract_fields([ocr_page(decision_rows(id_conf=62.0))])
    assert unsure.values["id_numbers"] == ["026141004321"]
    assert unsure.confidence["id_numbers"] < DEFAULT_THRESHOLD


def test_a_name_read_unsure_goes_to_review() -> None:
    sure = extract_fields([ocr_page(decision_rows())])
    assert sure.values["subject_names"] == ["Khổng Thị Tư"]
    assert sure.confidence["subject_names"] >= DEFAULT_THRESHOLD
    unsure = extract_fields([ocr_page(decision_rows(subject_conf=55.0))])
    assert unsure.values["subject_names"] == ["Khổng Thị Tư"]  # a valid name is kept as read
    assert unsure.confidence["subject_names"] < DEFAULT_THRESHOLD


def test_a_signer_name_off_the_block_axis_lost_a_syllable_and_goes_to_review() -> None:
    # the title lines agree on the block's axis; "Lã Minh" sits half a syllable left of it, its
    # "Thăng" pushed off the line by the signature's stroke
    rows = decision_rows(name=False) + [(3000, 1550, "Lã Minh", 95.0)]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer"] == "Lã Minh"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] >= DEFAULT_THRESHOLD  # the title is whole: not the clerk's
    centred = _with_signer(decision_rows(), ("Lã Minh", 95.0))
    assert extract_fields([ocr_page(centred)]).confidence["signer"] >= DEFAULT_THRESHOLD


def test_signer_title_from_a_whole_block_is_sure() -> None:
    result = extract_fields([ocr_page(decision_rows())])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH" and result.values["signer"] == "Lã Văn Thăng"
    assert result.confidence["signer_title"] >= DEFAULT_THRESHOLD


def test_a_title_line_that_lost_a_word_to_the_seal_goes_to_review() -> None:
    # "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" under the seal read as one clean "CHỦ TỊCH": every word
    # sure, but the line sits right of the block's axis by the width of the lost "PHÓ"
    rows = [(r[0], r[1] + 75 if r[2] == "PHÓ CHỦ TỊCH" else r[1], r[2], r[3]) for r in decision_rows()]
    rows = [(r[0], r[1], "CHỦ TỊCH" if r[2] == "PHÓ CHỦ TỊCH" else r[2], r[3]) for r in rows]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer_title"] == "CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD
    # the same line printed centred over the name is a chairman's block read whole
    rows = [(r[0], r[1] + 40 if r[2] == "CHỦ TỊCH" else r[1], r[2], r[3]) for r in rows]
    rows = [(r[0], r[1] - 75 if r[2] == "CHỦ TỊCH" else r[1], r[2], r[3]) for r in rows]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer_title"] == "CHỦ TỊCH"
    assert result.confidence["signer_title"] >= DEFAULT_THRESHOLD


def test_signer_title_beside_a_name_the_seal_ate_goes_to_review() -> None:
    result = extract_fields([ocr_page(decision_rows(name=False))])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"  # still read, as printed
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


def test_signer_title_read_unsure_goes_to_review() -> None:
    result = extract_fields([ocr_page(decision_rows(title_conf=58.0))])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


# --- field of procedures, end to end ----------------------------------------------------------


def test_a_fine_in_the_field_of_land_is_read_but_reviewed() -> None:
    text = decision_page("").text.replace(
        "Về việc trợ cấp xã hội hằng tháng", "Về việc xử phạt vi phạm hành chính trong lĩnh vực đất đai"
    )
    result = extract_fields([text_page(text)])
    assert result.values["field"] == "Xử lý vi phạm hành chính"
    assert result.confidence["field"] < DEFAULT_THRESHOLD


def test_a_field_the_summary_names_is_sure() -> None:
    body = "Căn cứ Luật Đất đai;\nĐiều 1. Cho bà Tạ Thị Tám chuyển mục đích sử dụng đất."
    text = decision_page(body).text.replace(
        "Về việc trợ cấp xã hội hằng tháng", "Về việc cho phép chuyển mục đích sử dụng đất"
    )
    result = extract_fields([text_page(text)])
    assert result.values["field"] == "Đất đai"
    assert result.confidence["field"] >= DEFAULT_THRESHOLD


def test_a_social_allowance_is_filed_under_the_readable_field_for_review() -> None:
    # domain.md's "Lao động – Thương binh xã hội"; another archive files it under the national
    # database's "Bảo trợ xã hội", so the clerk confirms
    body = "Căn cứ Luật Người cao tuổi;\nĐiều 1. Trợ cấp cho bà Tạ Thị Tám."
    result = extract_fields([decision_page(body)])
    assert result.values["field"] == "Lao động – Thương binh xã hội"
    assert result.confidence["field"] < DEFAULT_THRESHOLD


def test_a_field_outside_the_filing_list_is_found_but_reviewed() -> None:
    # a fine is filed under the handling of violations by one archive, under the domain violated by another
    text = decision_page("Căn cứ Luật Xử lý vi phạm hành chính;\nĐiều 1. Phạt bà Tạ Thị Tám.").text.replace(
        "Về việc trợ cấp xã hội hằng tháng", "Về việc xử phạt vi phạm hành chính"
    )
    result = extract_fields([text_page(text)])
    assert result.values["field"] == "Xử lý vi phạm hành chính"
    assert result.confidence["field"] < DEFAULT_THRESHOLD


def test_signer_name_under_a_block_the_seal_ate_is_kept_for_review() -> None:
    rows = [r for r in decision_rows() if r[2] not in ("TM. ỦY BAN NHÂN DÂN", "PHÓ CHỦ TỊCH")]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer"] == "Lã Văn Thăng"  # the name alone under the signature
    assert result.confidence["signer"] < DEFAULT_THRESHOLD  # nothing above says it is the signer
    assert result.values["signer_title"] is None


def test_a_deputy_title_that_lost_its_pho_is_given_as_the_deputy_s_and_reviewed() -> None:
    lost = {"TM. ỦY BAN NHÂN DÂN": "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH": "CHỦ TỊCH"}
    rows = [(r[0], r[1], lost.get(r[2], r[2]), r[3]) for r in decision_rows()]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("own_title", "read_as", "given"),
    [
        ("CHÁNH VĂN PHÒNG", "VĂN PHÒNG", "CHÁNH VĂN PHÒNG"),
        # the department cut from the title also names a unit (the seal's ring does too): read
        # sure, on a straight line, it is print
        ("TRƯỞNG PHÒNG TƯ PHÁP", "PHÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP"),
        ("TRƯỞNG PHÒNG TƯ PHÁP", "HÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP"),
        ("TRƯỞNG PHÒNG TƯ PHÁP", "RƯỞNG PHÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP"),
        # only "TUQ." lost: the title below is whole, not a deputy's cut short
        ("TRƯỞNG PHÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP"),
    ],
)
def test_a_title_the_seal_cut_on_its_left_under_the_head_s_title_is_completed_for_review(
    own_title: str, read_as: str, given: str
) -> None:
    # "TL. CHỦ TỊCH" / "CHÁNH VĂN PHÒNG" with the seal over the left of both lines: "TL." and
    # "CHÁNH" lost, the rest read sure
    lost = {"TM. ỦY BAN NHÂN DÂN": "CHỦ TỊCH", "PHÓ CHỦ TỊCH": read_as}
    rows = [(r[0], r[1], lost.get(r[2], r[2]), r[3]) for r in decision_rows()]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer_title"] == given
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD
    # before this, the head's title was given: 'CHỦ TỊCH' for the chief of the office
    printed = {"TM. ỦY BAN NHÂN DÂN": "TL. CHỦ TỊCH", "PHÓ CHỦ TỊCH": own_title}
    rows = [(r[0], r[1], printed.get(r[2], r[2]), r[3]) for r in decision_rows()]
    assert extract_fields([ocr_page(rows)]).values["signer_title"] == own_title


def test_a_unit_s_name_read_unsure_under_the_title_is_the_seal_s_ring() -> None:
    rows = [(r[0], r[1], "CHỦ TỊCH" if r[2] == "PHÓ CHỦ TỊCH" else r[2], r[3]) for r in decision_rows()] + [
        (2720, 1500, "PHÒNG TƯ PHÁP", 62.0)
    ]
    rows = [r for r in rows if r[0] != 3000] + [(3000, 1530, "Lã Văn Thăng", 95.0)]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer_title"] == "CHỦ TỊCH"


def test_a_position_read_twice_one_line_over_the_other_is_the_deputy_s_for_review() -> None:
    # "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH": the seal took "KT." above and "PHÓ" below
    lost = {"TM. ỦY BAN NHÂN DÂN": "CHỦ TỊCH", "PHÓ CHỦ TỊCH": "CHỦ TỊCH"}
    rows = [(r[0], r[1], lost.get(r[2], r[2]), r[3]) for r in decision_rows()]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


def test_a_title_a_letter_off_a_known_position_goes_to_review() -> None:
    rows = [(r[0], r[1], "HỦ TỊCH" if r[2] == "PHÓ CHỦ TỊCH" else r[2], r[3]) for r in decision_rows()]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer_title"] == "CHỦ TỊCH"  # 'HỦ' is a syllable, but a letter is lost
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


def test_a_field_only_the_body_names_is_reviewed() -> None:
    text = decision_page("Điều 1. Xem xét đơn của ông Tạ Văn Tám trong lĩnh vực đất đai.").text.replace(
        "Về việc trợ cấp xã hội hằng tháng", "Về việc trả lời đơn của công dân"
    )
    result = extract_fields([text_page(text)])
    assert result.values["field"] == "Đất đai"
    assert result.confidence["field"] < DEFAULT_THRESHOLD


def test_a_signer_name_read_in_mixed_case_is_given_as_a_name_and_reviewed() -> None:
    rows = [(r[0], r[1], "Lã VĂn Thăng" if r[2] == "Lã Văn Thăng" else r[2], r[3]) for r in decision_rows()]
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer"] == "Lã Văn Thăng"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD  # a letter in the wrong case: the clerk checks


def _with_signer(rows: list, *pieces: tuple[str, float]) -> list:
    """``rows`` with the signer's name line replaced by ``pieces`` (text, word confidence) on one row,
    centred on the block's axis as printed."""
    out = [r for r in rows if r[2] != "Lã Văn Thăng"]
    width = sum(22 * len(t) + 18 for text, _ in pieces for t in text.split()) - 18
    x = 1678 - width // 2  # the axis of "TM. ỦY BAN NHÂN DÂN" and "PHÓ CHỦ TỊCH"
    for text, conf in pieces:
        out.append((3000, x, text, conf))
        x += sum(22 * len(t) + 18 for t in text.split())
    return out


def test_a_signer_name_with_one_syllable_read_unsure_goes_to_review() -> None:
    # the line's mean (88) looks fine; the one syllable OCR doubted is where a mark may be wrong
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("Tạ Công", 96.0), ("Tuần", 72.0)))])
    assert result.values["signer"] == "Tạ Công Tuần"  # kept as read: a valid syllable is never repaired
    assert result.confidence["signer"] < DEFAULT_THRESHOLD
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("Tạ Công Tuân", 96.0)))])
    assert result.confidence["signer"] >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("read", "sure"),
    [
        ("Vũ Đúc Tư", False),  # "Đức" with another mark: valid Vietnamese, no name's spelling
        ("Phạm Thanh Lần", False),  # "Lân"
        ("Trấn Bá Hạnh", False),  # the surname "Trần" with another mark
        ("Vũ Đức Tư", True),
        ("Khuất Văn Lân", True),  # a rare surname and a rare given name, both as listed
    ],
)
def test_a_name_whose_marks_are_off_a_listed_name_goes_to_review(read: str, sure: bool) -> None:
    result = extract_fields([ocr_page(_with_signer(decision_rows(), (read, 96.0)))])
    assert result.values["signer"] == read
    assert (result.confidence["signer"] >= DEFAULT_THRESHOLD) is sure


def test_a_signer_whose_surname_lost_its_capital_to_the_signature_is_given_for_review() -> None:
    # the pen stroke ate the "H" of "Hoàng": the rest is read sure, but alone it is no name
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("oàng Minh Hiền", 95.0)))])
    assert result.values["signer"] == "Hoàng Minh Hiền"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD
    # letters that end no surname, or several, give nothing
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("inh Minh Hiền", 95.0)))])
    assert result.values["signer"] != "Hoàng Minh Hiền"


def test_a_surname_the_signature_left_unsure_or_as_one_marked_letter_is_completed_for_review() -> None:
    # the stroke over "Nguyễn" ate its "N" and left the rest read at 16
    rows = _with_signer(decision_rows(), ("guyen", 16.0), ("Thị Hùng", 96.0))
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer"] == "Nguyễn Thị Hùng"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD
    # a lone letter that keeps its marks: "ũ" ends Vũ and the rare Ngũ; the common one is given
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("ũ", 93.0), ("Oanh", 96.0)))])
    assert result.values["signer"] == "Vũ Oanh"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD
    # a bare "u" ends a dozen surnames (Lưu, Chu, Hầu...): no surname is made up
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("u", 93.0), ("Oanh", 96.0)))])
    assert not (result.values["signer"] or "").endswith(" Oanh")


def test_a_name_syllable_the_seal_ring_turned_to_quoted_capitals_is_kept_for_review() -> None:
    # the ring through "Thị" came back as '“THÍ' at 76: a quote and capitals, not a title
    rows = _with_signer(decision_rows(), ("Nguyễn", 89.0), ("“THÍ", 76.0), ("Ngọc Ánh", 97.0))
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer"] == "Nguyễn Thí Ngọc Ánh"  # kept as read: "Thí" is a valid syllable
    assert result.confidence["signer"] < DEFAULT_THRESHOLD


def test_a_signature_stroke_grouped_with_the_name_row_is_set_aside() -> None:
    # Tesseract put a tall stroke of the signature, mostly above the row, on the name's line as "Ví"
    page = ocr_page(_with_signer(decision_rows(), ("oàng Minh Hiền", 95.0)))
    at = next(i for i, w in enumerate(page.words) if w.text == "oàng")
    head = page.words[at]
    page.words.insert(at, Word("Ví", head.left - 80, head.top - 110, 60, 130, 27.0, block=head.block, line=1))
    result = extract_fields([page])
    assert result.values["signer"] == "Hoàng Minh Hiền"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD


def test_a_surname_the_pen_crossed_and_read_in_small_letters_is_kept_for_review() -> None:
    # the signature's stroke over "Lương" grew its box to 108 px (the row's words stand 40 px
    # high) and OCR read its capital as a small letter, unsure: still the name's surname
    page = ocr_page(_with_signer(decision_rows(), ("lương", 49.0), ("Thu Hiền", 96.0)))
    at = next(i for i, w in enumerate(page.words) if w.text == "lương")
    page.words[at] = dataclasses.replace(page.words[at], top=page.words[at].top - 50, height=108)
    result = extract_fields([page])
    assert result.values["signer"] == "Lương Thu Hiền"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("pieces", "name"),
    [
        ((("Trần", 96.0), ("Bá Khánh", 97.0)), "Trần Bá Khánh"),  # else 'Bá Khánh', its surname lost
        ((("Nguyễn", 95.0), ("Thủy", 96.0)), "Nguyễn Thủy"),  # else no name: one syllable a line
        ((("Minh", 97.0), ("Nghĩa", 96.0)), "Minh Nghĩa"),  # the surname lost to the seal: for review
    ],
)
def test_a_name_ocr_gave_as_pieces_of_its_row_is_read_whole_for_review(pieces: tuple, name: str) -> None:
    # the seal's ring between two syllables: Tesseract gave the printed row as two lines, a pixel
    # apart in height, a word's gap apart across
    rows = _with_signer(decision_rows(), *pieces)
    at = [i for i, r in enumerate(rows) if r[0] == 3000][1:]
    for i in at:
        rows[i] = (3001, *rows[i][1:])
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer"] == name
    assert result.confidence["signer"] < DEFAULT_THRESHOLD  # a syllable may be lost in the gap


@pytest.mark.parametrize(("read", "name"), [("láp Quang Thịnh", "Quang Thịnh"), ("¡nh Kim Thủy", "Kim Thủy")])
def test_what_the_pen_left_of_a_surname_does_not_cost_the_name(read: str, name: str) -> None:
    # 'Giáp' and 'Ninh' under the pen and the ring came back 'láp' (92) and '¡nh' (74): no name's
    # word, yet no speck either; the given names stand, and the clerk completes the surname
    result = extract_fields([ocr_page(_with_signer(decision_rows(), (read, 92.0)))])
    assert result.values["signer"] == name
    assert result.confidence["signer"] < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("pieces", "name"),
    [
        ((("*:ĐăngˆThị", 54.0), ("Hạnh", 96.0)), "Đăng Thị Hạnh"),  # the ring glued two syllables
        ((("Trần›Đức Năm", 75.0),), "Trần Đức Năm"),
        ((("Nguyễn", 93.0), ("Ngọc@", 37.0), ("Quyền", 87.0)), "Nguyễn Ngọc Quyền"),  # else 'Ngọc' lost
        ((("Ngu$ễn Cường", 82.0),), "Nguyễn Cường"),  # one letter of the surname read as a mark
    ],
)
def test_marks_the_seal_left_on_the_name_s_words_are_taken_off_for_review(pieces: tuple, name: str) -> None:
    result = extract_fields([ocr_page(_with_signer(decision_rows(), *pieces))])
    assert result.values["signer"] == name
    assert result.confidence["signer"] < DEFAULT_THRESHOLD  # what the mark covered: the clerk checks


def test_a_name_line_s_own_full_stop_is_no_mark_of_the_seal() -> None:
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("Tạ Công Tuân.", 96.0)))])
    assert result.values["signer"] == "Tạ Công Tuân"
    assert result.confidence["signer"] >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("read", "sure"), [("Đồng Văn Hải", True), ("Mã Thị Lan", True), ("Căn Công Toản", False)]
)
def test_a_signer_whose_surname_opens_form_lines_elsewhere_is_still_read(read: str, sure: bool) -> None:
    # "Đồng", "Mã" (listed surnames) and "Căn" (a fax's Cấn, marks lost) open lines of forms
    # ("Đồng chí", "Mã số", "Căn cứ"); under the signature a line holds nothing but the name
    result = extract_fields([ocr_page(_with_signer(decision_rows(), (read, 93.0)))])
    assert result.values["signer"] == read
    assert (result.confidence["signer"] >= DEFAULT_THRESHOLD) is sure  # "Căn" is no listed surname


@pytest.mark.parametrize(
    ("read", "name"), [("Nguyễn Hữu Kh ánh", "Nguyễn Hữu Khánh"), ("N guyễn Thị Oanh", "Nguyễn Thị Oanh")]
)
def test_a_syllable_ocr_cut_in_two_is_joined_again_for_review(read: str, name: str) -> None:
    # the seal's ring through a syllable: OCR gave its two pieces as two words, the first no
    # syllable at all, the second in small letters
    result = extract_fields([ocr_page(_with_signer(decision_rows(), (read, 92.0)))])
    assert result.values["signer"] == name
    assert result.confidence["signer"] < DEFAULT_THRESHOLD


def test_a_mark_the_seal_s_ring_left_before_the_name_is_set_aside() -> None:
    # the ring beside "Hồ" came back as a spacing circumflex at 72: a mark, never a name's word
    result = extract_fields([ocr_page(_with_signer(decision_rows(), ("ˆ", 72.0), ("Hồ Ngọc Hiền", 96.0)))])
    assert result.values["signer"] == "Hồ Ngọc Hiền"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD  # something stood on the name's row


@pytest.mark.parametrize("stroke", ["/", "|", "\\"])
def test_a_pen_stroke_read_between_two_syllables_of_the_name_parts_them_for_review(stroke: str) -> None:
    # the signature's last stroke crossed the name between "Hữu" and "Tám": one word "Hữu/Tám"
    rows = _with_signer(decision_rows(), (f"Trần Hữu{stroke}Tám", 93.0))
    result = extract_fields([ocr_page(rows)])
    assert result.values["signer"] == "Trần Hữu Tám"
    assert result.confidence["signer"] < DEFAULT_THRESHOLD  # the pen crossed the name: the clerk checks


def _title_pieces(*pieces: tuple[str, float]) -> list:
    """``decision_rows()`` with the title line "PHÓ CHỦ TỊCH" replaced by ``pieces`` on its row."""
    out = [r for r in decision_rows() if r[2] != "PHÓ CHỦ TỊCH"]
    x = 1550
    for text, conf in pieces:
        out.append((2660, x, text, conf))
        x += sum(22 * len(t) + 18 for t in text.split())
    return out


def test_a_title_word_the_seal_garbled_is_read_from_the_words_around_it_for_review() -> None:
    # the ring over "PHÓ": what is left of it is read unsure, the rest sure
    result = extract_fields([ocr_page(_title_pieces(("1Ó", 30.0), ("CHỦ TỊCH", 95.0)))])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD
    # a lone unsure character is a speck, not a lost "PHÓ"
    result = extract_fields([ocr_page(_title_pieces(("2", 50.0), ("CHỦ TỊCH", 95.0)))])
    assert result.values["signer_title"] != "PHÓ CHỦ TỊCH"


def test_a_name_cut_after_its_middle_syllable_goes_to_review() -> None:
    # the seal over "LUYẾN": what is left is a surname and a middle name, no given name
    result = extract_fields([decision_page("Họ và tên: NGUYỄN VĂN\nSinh năm 1950.")])
    assert result.values["subject_names"] == ["Nguyễn Văn"]
    assert result.confidence["subject_names"] < DEFAULT_THRESHOLD
    result = extract_fields([decision_page("Họ và tên: NGUYỄN VĂN LUYẾN\nSinh năm 1950.")])
    assert result.confidence["subject_names"] >= DEFAULT_THRESHOLD
