"""Fields read from the structure of a form, not from closed lists (issue 9, items 2 and 3).

Each test builds a text-layer page the way a form or a published document prints it and checks
one behaviour a clerk would notice: a correct name left as printed, a rare surname kept, a label
not glued to a name, a number or an issue date found where the form puts it, the signer's title
as printed, identifiers of every kind, the caller's units, and guesses sent to review.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from sohoa.archive.review import DEFAULT_THRESHOLD
from sohoa.digitize.fields_context import FieldContext
from sohoa.digitize.fields_domains import DOUBTFUL, infer_field
from sohoa.digitize.fields_names import repair_name
from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.model import PageText, Word
from tests.fields_support import SCANNED_HEADING, certificate_header, letter_header, signature_block
from tests.fields_support import text_page as page

HEADER = letter_header()
SIGNATURE = signature_block()


def decision(body: str, signature: str = SIGNATURE, header: str = HEADER) -> str:
    return header + "QUYẾT ĐỊNH\nVề việc trợ cấp xã hội hằng tháng\n" + body + "\n" + signature


# --- item 2: never alter a correct reading ---------------------------------------------------

# Valid given names the old repair rewrote into their neighbours (Lân -> Lan, Tư -> Tú ...).
TEN_NAMES = ("Lân", "Tư", "Tám", "Năm", "Quyền", "Toản", "Thăng", "Lĩnh", "Tuân", "Chử")


@pytest.mark.parametrize("given", TEN_NAMES)
def test_a_valid_given_name_is_never_repaired(given: str) -> None:
    assert repair_name(f"Nguyễn Văn {given}") == (f"Nguyễn Văn {given}", 0)
    body = f"Điều 1. Trợ cấp cho ông Nguyễn Văn {given}, sinh năm 1950."
    assert extract_fields([page(decision(body))]).values["subject_names"] == [f"Nguyễn Văn {given}"]


def test_a_valid_name_in_capitals_on_a_form_is_kept() -> None:
    body = "Họ, chữ đệm và tên: CHỬ VĂN TOẢN\nNgày, tháng, năm sinh: 02/03/1950"
    assert extract_fields([page(decision(body))]).values["subject_names"] == ["Chử Văn Toản"]


RARE_SURNAMES = (
    "Khuất", "Cấn", "Phí", "Giáp", "Lục", "Ninh", "Từ", "Hầu", "Lã", "Mạc", "Ông", "Quách", "Tạ", "Thân",
    "Âu", "Doãn", "Khổng",
)  # fmt: skip


@pytest.mark.parametrize("surname", RARE_SURNAMES)
def test_rare_surnames_are_kept(surname: str) -> None:
    body = f"Họ và tên: {surname} Thị Hằng\nĐiều 1. Trợ cấp cho bà {surname} Thị Hằng."
    assert extract_fields([page(decision(body))]).values["subject_names"] == [f"{surname} Thị Hằng"]


def test_signer_with_a_rare_surname_is_kept() -> None:
    signature = SIGNATURE.replace("Lê Anh Tân", "Khuất Văn Lân")
    assert extract_fields([page(decision("Điều 1.", signature))]).values["signer"] == "Khuất Văn Lân"


def test_an_unlisted_surname_is_kept_but_goes_to_review() -> None:
    result = extract_fields([page(decision("Người yêu cầu: Sa Văn Mạnh"))])
    assert result.values["subject_names"] == ["Sa Văn Mạnh"]
    assert result.confidence["subject_names"] < DEFAULT_THRESHOLD


def test_a_syllable_that_is_no_vietnamese_is_repaired_and_doubtful() -> None:
    result = extract_fields([page(decision("Điều 1. Trợ cấp cho bà Nguyẻn Thị Hưong, sinh năm 1944."))])
    assert result.values["subject_names"] == ["Nguyễn Thị Hương"]
    assert result.confidence["subject_names"] < DEFAULT_THRESHOLD


def test_a_broken_surname_a_letter_off_two_is_repaired_by_the_marks_read() -> None:
    # 'Prạm': a letter off 'Phạm' and 'Trầm'; the dot below OCR did read is Phạm's
    result = extract_fields([page(decision("Điều 1. Trợ cấp cho bà Prạm Thị Hương, sinh năm 1944."))])
    assert result.values["subject_names"] == ["Phạm Thị Hương"]
    assert result.confidence["subject_names"] < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    "line",
    [
        "Họ, chữ đệm, tên: NGUYỄN THỊ MINH ANH Giới tính: Nữ",
        "Họ và tên: Nguyễn Thị Minh Anh Giới tính: Nữ",
        "Họ và tên: NGUYỄN THỊ MINH ANH GIỚI TÍNH: NỮ",
        "Họ và tên: Nguyễn Thị Minh Anh Dân tộc: Kinh",
        # the full stop after the name read as a colon by OCR (an image PDF): the name stays whole
        "Họ và tên đại diện hộ kinh doanh: NGUYỄN THỊ MINH ANH: Giới tính: Nữ",
        "Họ và tên: Nguyễn Thị Minh Anh: Ngày sinh: 02/9/1990",
    ],
)
def test_a_label_after_a_name_is_cut_off(line: str) -> None:
    assert extract_fields([page(decision(line))]).values["subject_names"] == ["Nguyễn Thị Minh Anh"]


def test_a_given_name_before_a_lower_case_label_stays() -> None:
    body = "Họ và tên: Nguyễn Văn An sinh năm: 1970"
    assert extract_fields([page(decision(body))]).values["subject_names"] == ["Nguyễn Văn An"]


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Điều 1. Cấp cho anh Cấn Văn Tư hộ khẩu tại phường Khai Quang.", "Cấn Văn Tư"),
        ("Điều 1. Hỗ trợ chị Phí Thị Năm, cư trú tại tổ 3.", "Phí Thị Năm"),
        ("Điều 1. Cháu Lục Minh Quyền được nhận hỗ trợ; giao cho em Giáp Văn Thăng.", "Lục Minh Quyền"),
        ("Chủ hộ: Hầu Văn Lĩnh", "Hầu Văn Lĩnh"),
        ("Người yêu cầu: Ninh Thị Tám", "Ninh Thị Tám"),
        ("Cấp cho: Ông Từ Văn Tuân", "Từ Văn Tuân"),
        ("3. Hộ ông Lưu Mạnh Toàn, thửa đất số 416, tờ bản đồ số 28.", "Lưu Mạnh Toàn"),
    ],
)
def test_names_after_honorifics_and_labels(line: str, name: str) -> None:
    assert name in extract_fields([page(decision(line))]).values["subject_names"]


def test_a_household_business_named_after_its_owner_names_the_owner() -> None:
    body = "Điều 1. Cho phép hộ kinh doanh Khuất Thanh Tám được bán lẻ sản phẩm rượu."
    assert extract_fields([page(decision(body))]).values["subject_names"] == ["Khuất Thanh Tám"]
    # a trade name is no person's
    body = "Điều 1. Cho phép hộ kinh doanh Tạp Hóa Minh Anh được bán lẻ sản phẩm rượu."
    assert extract_fields([page(decision(body))]).values["subject_names"] == []
    body = "Tên hộ kinh doanh: HỘ KINH DOANH TẠP HÓA MINH ANH\nChủ hộ: Hầu Văn Lĩnh"
    assert extract_fields([page(decision(body))]).values["subject_names"] == ["Hầu Văn Lĩnh"]


def test_a_business_owner_whose_surname_ocr_slipped_on_is_kept_for_review() -> None:
    # 'Đinh Văn Lân' read 'Đỉnh Văn Lần' (devset2 --face times, seed 27): no listed surname as
    # spelt, but one marks aside, and Văn after it marks a person's name, not a trade name
    body = "Điều 1. Cho phép hộ kinh doanh Đỉnh Văn Lần được bán lẻ sản phẩm rượu."
    result = extract_fields([page(decision(body))])
    assert result.values["subject_names"] == ["Đỉnh Văn Lần"]
    assert result.confidence["subject_names"] < 0.8
    body = "Điều 1. Cho phép hộ kinh doanh Sách Văn Hóa Minh được bán lẻ sản phẩm rượu."
    assert extract_fields([page(decision(body))]).values["subject_names"] == []


def test_capitalised_given_name_anh_is_not_an_honorific() -> None:
    body = "Điều 1. Trợ cấp cho bà Lê Thị Anh Đào, sinh năm 1940."
    assert extract_fields([page(decision(body))]).values["subject_names"] == ["Lê Thị Anh Đào"]


# --- item 3: numbers wherever the form prints them ----------------------------------------

CERT_HEADER = certificate_header(ward="TÍCH SƠN")


def test_marriage_certificate_number_under_the_title() -> None:
    text = (
        CERT_HEADER
        + """GIẤY CHỨNG NHẬN KẾT HÔN
Số: 38
Quyển số: 02/2024
Họ, chữ đệm, tên chồng: KHUẤT VĂN LÂN
Ngày, tháng, năm sinh: ngày 03 tháng 11 năm 1992
Mã hồ sơ: 000.28.12.H62-240828-0052
Tích Sơn, ngày 28 tháng 8 năm 2024
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Đức Bình"""
    )
    result = extract_fields([page(text)])
    assert result.values["number"] == "38"
    assert result.confidence["number"] >= DEFAULT_THRESHOLD
    assert result.values["issued_date"] == "2024-08-28"
    assert result.values["place"] == "Tích Sơn"
    assert result.values["subject_names"] == ["Khuất Văn Lân"]


def test_building_permit_number_beside_its_title() -> None:
    text = CERT_HEADER + "GIẤY PHÉP XÂY DỰNG Số: 312/GPXD\nCấp cho: Ông Cấn Văn Tám\n" + SIGNATURE
    result = extract_fields([page(text)])
    assert result.values["number"] == "312/GPXD"
    assert result.values["field"] == "Xây dựng"


def test_disability_certificate_number_and_field() -> None:
    text = (
        CERT_HEADER
        + """GIẤY XÁC NHẬN KHUYẾT TẬT
Số hiệu: 0125
Họ và tên: Giáp Thị Lĩnh Giới tính: Nữ
Dạng khuyết tật: vận động. Mức độ khuyết tật: nặng.
"""
        + SIGNATURE
    )
    result = extract_fields([page(text)])
    assert result.values["number"] == "0125"
    assert result.values["field"] == "Lao động – Thương binh xã hội"
    assert result.values["subject_names"] == ["Giáp Thị Lĩnh"]


def test_household_business_code_is_the_number() -> None:
    title = "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH\n"
    text = CERT_HEADER + title + "Mã số hộ kinh doanh: 2508001234\n" + SIGNATURE
    result = extract_fields([page(text)])
    assert result.values["number"] == "2508001234"
    assert result.values["id_numbers"] == []


def test_other_labels_with_so_are_not_the_number() -> None:
    text = CERT_HEADER + "GIẤY XÁC NHẬN\nQuyển số: 02\nMã hồ sơ: 000.28.12.H62-240828-0052\n" + SIGNATURE
    assert extract_fields([page(text)]).values["number"] is None


def test_a_number_deep_in_the_body_is_doubtful() -> None:
    body = "\n".join(f"Căn cứ văn bản thứ {i};" for i in range(6)) + "\nSố: 77/TB-UBND"
    text = CERT_HEADER + "THÔNG BÁO\n" + body + "\n" + SIGNATURE
    result = extract_fields([page(text)])
    assert result.values["number"] == "77/TB-UBND"
    assert result.confidence["number"] < DEFAULT_THRESHOLD


# --- issued date: the place-date line or a labelled issue date, never another date -----------


def test_issue_date_is_never_a_birth_or_death_date() -> None:
    text = (
        CERT_HEADER
        + """TRÍCH LỤC KHAI TỬ
Họ, chữ đệm, tên: LÃ VĂN TƯ
Sinh ngày 05 tháng 3 năm 1940
Đã chết vào lúc 10 giờ, ngày 01 tháng 02 năm 2024
Ngày cấp: 12/04/2024
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Đức Bình"""
    )
    result = extract_fields([page(text)])
    assert result.values["issued_date"] == "2024-04-12"
    assert result.values["subject_names"] == ["Lã Văn Tư"]


def test_place_date_line_above_the_signer_beats_a_validity_date() -> None:
    text = (
        CERT_HEADER
        + """GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
Giấy này có giá trị đến ngày 10 tháng 3 năm 2025
Tích Sơn, ngày 10 tháng 9 năm 2024
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Đức Bình"""
    )
    result = extract_fields([page(text)])
    assert result.values["issued_date"] == "2024-09-10"
    assert result.values["valid_until"] == "2025-03-10"


def test_issue_date_labelled_cap_ngay() -> None:
    text = CERT_HEADER + "GIẤY CHỨNG NHẬN\nNgày sinh: 01/01/1990\nCấp ngày 15/05/2023\n" + SIGNATURE
    assert extract_fields([page(text)]).values["issued_date"] == "2023-05-15"


# --- signer title as printed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "title"),
    [
        ("TUQ. CHỦ TỊCH\nTRƯỞNG PHÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP"),
        ("TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG", "CHÁNH VĂN PHÒNG"),
        ("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        ("KT. TRƯỞNG PHÒNG\nPHÓ TRƯỞNG PHÒNG QUẢN LÝ ĐÔ THỊ", "PHÓ TRƯỞNG PHÒNG QUẢN LÝ ĐÔ THỊ"),
        ("Q. CHỦ TỊCH", "CHỦ TỊCH"),
        ("CÔNG CHỨC TƯ PHÁP -\nHỘ TỊCH", "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH"),
        ("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", "CHỦ TỊCH"),
    ],
)
def test_signer_title_is_read_as_printed(block: str, title: str) -> None:
    signature = f"Nơi nhận:\n- Như trên;\n- Lưu: VT.\n{block}\nThân Thị Quyền"
    values = extract_fields([page(decision("Điều 1.", signature))]).values
    assert values["signer_title"] == title
    assert values["signer"] == "Thân Thị Quyền"


@pytest.mark.parametrize(
    ("block", "title", "doubtful"),
    [
        ("TỊCH\nTRƯỞNG PHÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP", True),  # 'TUQ. CHỦ' lost
        ("CHỦ TỊCH\nCHÁNH VĂN PHÒNG", "CHÁNH VĂN PHÒNG", False),  # 'TL.' alone lost, all read sure
    ],
)
def test_a_head_s_title_whose_tuq_the_seal_took_is_not_the_signer_s(
    block: str, title: str, doubtful: bool
) -> None:
    """'TUQ. CHỦ TỊCH' / 'TRƯỞNG PHÒNG TƯ PHÁP' with 'TUQ.' (and 'CHỦ') lost to the seal: two
    positions stacked are the head's and the signer's, never one title. Where the head's title
    itself was cut, the signer's goes to review."""
    signature = f"Nơi nhận:\n- Như trên;\n- Lưu: VT.\n{block}\nThân Thị Quyền"
    result = extract_fields([page(decision("Điều 1.", signature))])
    assert result.values["signer_title"] == title
    assert (result.confidence["signer_title"] < DEFAULT_THRESHOLD) == doubtful
    assert result.values["signer"] == "Thân Thị Quyền"


@pytest.mark.parametrize(
    "block",
    [
        "TỊCH\nCHỦ TỊCH",  # 'KT. CHỦ' and 'PHÓ' lost
        "CHỦ TỊCH\nÓ CHỦ TỊCH",  # 'KT.' and 'PH' lost
    ],
)
def test_a_deputy_s_title_cut_on_the_left_under_the_head_s_is_the_deputy_s(block: str) -> None:
    signature = f"Nơi nhận:\n- Như trên;\n- Lưu: VT.\nTM. ỦY BAN NHÂN DÂN\n{block}\nThân Thị Quyền"
    result = extract_fields([page(decision("Điều 1.", signature))])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("printed", "title", "doubtful"),
    [
        ("TRƯỜNG ?HÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP", True),  # "?HÒNG" is no syllable: a letter lost
        ("TRHỞNG PHÒNG TƯ PHÁP", "TRƯỞNG PHÒNG TƯ PHÁP", True),
        ("TƯỞNG PHÒNG TƯ PHÁP", "TƯỞNG PHÒNG TƯ PHÁP", False),  # a valid syllable: kept as printed
    ],
)
def test_a_position_s_word_the_seal_garbled_is_restored_for_review(
    printed: str, title: str, doubtful: bool
) -> None:
    signature = f"Nơi nhận:\n- Như trên;\n- Lưu: VT.\nTUQ. CHỦ TỊCH\n{printed}\nThân Thị Quyền"
    result = extract_fields([page(decision("Điều 1.", signature))])
    assert result.values["signer_title"] == title
    assert (result.confidence["signer_title"] < DEFAULT_THRESHOLD) == doubtful


def test_unknown_title_merged_with_recipients_on_a_text_line() -> None:
    signature = "Nơi nhận: TUQ. CHỦ TỊCH\n- Như trên; TRƯỞNG PHÒNG TƯ PHÁP\n- Lưu: VT.\nMạc Văn Thăng"
    values = extract_fields([page(decision("Điều 1.", signature))]).values
    assert values["signer_title"] == "TRƯỞNG PHÒNG TƯ PHÁP"
    assert values["signer"] == "Mạc Văn Thăng"


# --- identifiers ----------------------------------------------------------------------------


def test_cmnd_cccd_and_passport_numbers() -> None:
    body = """Ông Quách Văn Lân, CMND số 125678901 do Công an tỉnh cấp.
Bà Tạ Thị Tám, số định danh cá nhân: 026190004321.
Ông Âu Minh Tuân, hộ chiếu số: C1234567.
Số tiền hỗ trợ: 150000000 đồng, điện thoại 0912345678."""
    values = extract_fields([page(decision(body))]).values
    assert values["id_numbers"] == ["125678901", "026190004321", "C1234567"]
    assert values["subject_names"] == ["Quách Văn Lân", "Tạ Thị Tám", "Âu Minh Tuân"]


# --- the caller's units and province codes --------------------------------------------------

# the ward as OCR may give it: its accent lost in the heading, "Hoà" (older tone placement) in the date line
XUAN_HOA = letter_header(
    ward="XUÂN HOA", number="21/QĐ-UBND", place="Xuân Hoà", date="ngày 03 tháng 7 năm 2024"
)


def test_units_come_from_the_caller() -> None:
    context = FieldContext.build(["Phường Xuân Hòa", "Thành phố Phúc Yên"])
    text = decision("Điều 1.", header=XUAN_HOA)
    known = extract_fields([page(text)], context)
    assert known.values["issuer"] == "ỦY BAN NHÂN DÂN PHƯỜNG XUÂN HÒA"  # OCR's lost accent restored
    assert known.values["place"] == "Xuân Hòa"
    assert known.confidence["issuer"] >= DEFAULT_THRESHOLD
    unknown = extract_fields([page(text)])  # Vĩnh Yên's units: the issuer is read but doubtful
    assert unknown.values["issuer"] == "ỦY BAN NHÂN DÂN PHƯỜNG XUÂN HOA"
    assert unknown.confidence["issuer"] < DEFAULT_THRESHOLD


def test_drafting_units_and_dossier_codes_are_configuration() -> None:
    header = HEADER.replace("15/QĐ-UBND", "12/UBND-KTHT")
    text = decision("Mã hồ sơ: 000.00.12.126-240610-0001", header=header)
    text = text.replace("QUYẾT ĐỊNH\nVề việc trợ cấp xã hội hằng tháng\n", "V/v hồ sơ của công dân\n")
    context = FieldContext.build(
        ["Phường Khai Quang"], drafting_fields={"KTHT": "Xây dựng"}, organ_codes=["H26"]
    )
    values = extract_fields([page(text)], context).values
    assert values["doc_type"] == "Công văn"
    assert values["field"] == "Xây dựng"
    assert values["dossier_code"] == "000.00.12.H26-240610-0001"
    assert extract_fields([page(text)]).values["field"] != "Xây dựng"


# --- field of procedures from wording -------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "summary", "field"),
    [
        ("Trích lục khai sinh", "(Bản sao)", "Hộ tịch"),
        ("Giấy chứng nhận kết hôn", None, "Hộ tịch"),
        ("Quyết định", "Về việc thu hồi đất để mở rộng Trường Tiểu học", "Đất đai"),
        ("Quyết định", "Về việc cho phép chuyển mục đích sử dụng đất", "Đất đai"),
        ("Giấy chứng nhận đăng ký hộ kinh doanh", None, "Đăng ký kinh doanh"),
        ("Giấy phép xây dựng", None, "Xây dựng"),
        ("Lời chứng của người thực hiện chứng thực", None, "Chứng thực"),
        # the national database's subdivisions, filed under domain.md's readable names
        ("Quyết định", "Về việc khen thưởng thành tích xuất sắc", "Nội vụ"),
        ("Quyết định", "Về việc cho nhận con nuôi", "Tư pháp"),
        # a nursery or kindergarten a ward licenses is education's, though no "giáo dục" is printed
        ("Quyết định", "Về việc cho phép thành lập nhóm trẻ độc lập tư thục", "Giáo dục"),
        ("Quyết định", "Về việc cho phép hoạt động lớp mẫu giáo độc lập", "Giáo dục"),
        ("Quyết định", "Về việc miễn, giảm học phí", "Giáo dục"),
        ("Giấy phép", "Sửa chữa, cải tạo nhà ở riêng lẻ", "Xây dựng"),
    ],
)
def test_field_from_wording(title: str, summary: str | None, field: str) -> None:
    found, strength = infer_field(title, summary)
    assert found == field
    assert strength >= DEFAULT_THRESHOLD  # the title or summary says it outright: no review


@pytest.mark.parametrize(
    ("title", "summary", "field"),
    [
        # the wording is plain, but the field's name is a filing habit: a readable name holding
        # several fields of the national database ("Bảo trợ xã hội" or "Lao động – Thương binh xã
        # hội", "Tiếp công dân" or "Khiếu nại tố cáo"), or a field outside the readable list (a
        # fine under the handling of violations or the domain violated)
        ("Giấy xác nhận khuyết tật", None, "Lao động – Thương binh xã hội"),
        ("Quyết định", "Về việc hưởng trợ cấp xã hội hằng tháng", "Lao động – Thương binh xã hội"),
        ("Quyết định", "Về việc trợ cấp hằng tháng cho thân nhân liệt sĩ", "Lao động – Thương binh xã hội"),
        ("Quyết định", "Về việc công nhận hộ nghèo năm 2024", "Lao động – Thương binh xã hội"),
        ("Thông báo", "Về lịch tiếp công dân tháng 7 năm 2024", "Khiếu nại tố cáo"),
        ("Thông báo", "Lịch trực tiếp dân của lãnh đạo UBND phường", "Khiếu nại tố cáo"),
        # residence registration, the commune police's since 2021, in a ward's older results
        ("Quyết định", "Về việc đăng ký tạm trú", "Đăng ký, quản lý cư trú"),
        ("Quyết định", "Về việc giải quyết khiếu nại của bà Nguyễn Thị Hoa", "Khiếu nại tố cáo"),
        ("Quyết định", "Về việc cấp phép khai thác khoáng sản", "Tài nguyên môi trường"),
        ("Giấy phép", "Khai thác, sử dụng nước dưới đất", "Tài nguyên môi trường"),
        ("Giấy phép bán lẻ sản phẩm rượu", None, "Lưu thông hàng hóa trong nước"),
        ("Giấy phép bán lẻ sản phẩm thuốc lá", None, "Lưu thông hàng hóa trong nước"),
        ("Quyết định", "Về việc xử phạt vi phạm hành chính", "Xử lý vi phạm hành chính"),
    ],
)
def test_field_whose_naming_is_arguable_is_found_but_reviewed(
    title: str, summary: str | None, field: str
) -> None:
    found, strength = infer_field(title, summary)
    assert found == field
    assert DOUBTFUL <= strength < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("title", "summary", "field"),
    [
        # a fine "in the field of land": the fine's field, but the land domain competes
        (
            "Quyết định",
            "Về việc xử phạt vi phạm hành chính trong lĩnh vực đất đai",
            "Xử lý vi phạm hành chính",
        ),
        # culture's title and a commendation's wording: a judgement call
        ("Quyết định", "Về việc công nhận danh hiệu Gia đình văn hóa năm 2024", "Văn hóa"),
        # a reply to a petition says little of its field
        ("Công văn", "V/v trả lời đơn kiến nghị của công dân", "Khiếu nại tố cáo"),
    ],
)
def test_field_from_ambiguous_wording_goes_to_review(title: str, summary: str, field: str) -> None:
    found, strength = infer_field(title, summary)
    assert found == field
    assert strength < DEFAULT_THRESHOLD


def test_field_from_weak_wording_alone_goes_to_review() -> None:
    # "bản sao", "trích lục": words several fields share
    assert infer_field("Thông báo", "Về việc cấp bản sao")[1] < DEFAULT_THRESHOLD
    assert infer_field("Quyết định", "Về việc bồi thường, hỗ trợ")[1] < DEFAULT_THRESHOLD


def test_field_named_outright_wins_over_scattered_words() -> None:
    found, strength = infer_field(
        "Kế hoạch", "Tuyên truyền trong lĩnh vực hộ tịch năm 2024", "Phối hợp với trường học, y tế và văn hóa"
    )
    assert found == "Hộ tịch" and strength >= DEFAULT_THRESHOLD


def test_drafting_unit_and_wording_weighed_together() -> None:
    # the drafting unit (Tư pháp) agrees with nothing in the wording: not sure
    found, strength = infer_field(
        None,
        "V/v trả lời đơn của công dân",
        "đề nghị cải chính thông tin trên giấy tờ hộ tịch",
        drafted="Tư pháp",
    )
    assert found == "Tư pháp" and strength < DEFAULT_THRESHOLD
    found, strength = infer_field(None, "V/v cấp Giấy chứng nhận quyền sử dụng đất", None, drafted="Đất đai")
    assert found == "Đất đai" and strength >= DEFAULT_THRESHOLD


@pytest.mark.parametrize("prefix", ["V/v", "VW", "Vlv"])  # "V/v" as a fax and a grey scan give it
def test_a_reply_to_a_petition_is_filed_as_one_whoever_drafted_it(prefix: str) -> None:
    """The land office drafts the reply to a petition about a land certificate: the reply names
    the procedure that gave it, the handling of a petition, and its subject does not change that."""
    header = HEADER.replace("15/QĐ-UBND", "108/UBND-TNMT")
    text = decision(
        "Ủy ban nhân dân nhận được đơn của ông Ninh Bá Khải về việc cấp đổi giấy chứng nhận.", header=header
    )
    text = text.replace(
        "QUYẾT ĐỊNH\nVề việc trợ cấp xã hội hằng tháng\n", f"{prefix} trả lời đơn kiến nghị của công dân\n"
    )
    context = FieldContext.build(["Phường Khai Quang"], drafting_fields={"TNMT": "Đất đai"})
    result = extract_fields([page(text)], context)
    assert result.values["summary"] == "V/v trả lời đơn kiến nghị của công dân"
    assert result.values["field"] == "Khiếu nại tố cáo"
    assert result.confidence["field"] < DEFAULT_THRESHOLD  # a drafting unit that disagrees: the clerk's call


def test_field_from_the_body_alone_is_doubtful() -> None:
    body = "Ủy ban nhân dân phường thông báo lịch tiêm chủng, y tế dự phòng"
    found, strength = infer_field("Thông báo", None, body)
    assert found == "Y tế" and strength < DEFAULT_THRESHOLD


# --- notices and replies: names in table rows, summaries without "Về việc", công văn ---------

NOTICE = """UBND PHƯỜNG ĐỐNG ĐA
Số: 45/TB-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Đống Đa, ngày 02 tháng 7 năm 2024
THÔNG BÁO
Lịch tiếp công dân định kỳ của Chủ tịch UBND phường quý III năm 2024
Thực hiện Luật Tiếp công dân năm 2013, UBND phường thông báo lịch tiếp công dân như sau:
Tháng Người tiếp Chức vụ Ngày tiếp
7 Ông Khuất Văn Lân Chủ tịch UBND Ngày 05, 20
8 Bà Cấn Thị Tám Phó Chủ tịch UBND Ngày 05, 20
Nơi nhận: TM. ỦY BAN NHÂN DÂN
- Lưu: VT. CHỦ TỊCH
Đoàn Văn Hùng"""


def test_notice_with_a_schedule_table() -> None:
    result = extract_fields([page(NOTICE)])
    v = result.values
    assert v["subject_names"] == ["Khuất Văn Lân", "Cấn Thị Tám"]  # the position column is not glued on
    assert v["summary"] == "Lịch tiếp công dân định kỳ của Chủ tịch UBND phường quý III năm 2024"
    assert result.confidence["summary"] < DEFAULT_THRESHOLD  # no "Về việc": found by a weaker rule
    assert v["field"] == "Khiếu nại tố cáo"
    assert v["signer"] == "Đoàn Văn Hùng" and v["signer_title"] == "CHỦ TỊCH"


def test_reply_without_a_drafting_unit_is_a_cong_van() -> None:
    text = """ỦY BAN NHÂN DÂN
PHƯỜNG LIÊN BẢO
Số: 112/UBND
V/v trả lời đơn kiến nghị của công dân
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Liên Bảo, ngày 09 tháng 10 năm 2024
Kính gửi: Ông Từ Văn Chử
UBND phường nhận được đơn kiến nghị của ông Từ Văn Chử.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Âu Thị Thăng"""
    v = extract_fields([page(text)]).values
    assert v["doc_type"] == "Công văn" and v["number"] == "112/UBND"
    assert v["subject_names"] == ["Từ Văn Chử"]
    assert v["signer"] == "Âu Thị Thăng"


def test_an_unlabelled_twelve_digit_number_is_kept_but_doubtful() -> None:
    body = "Điều 1. Chuyển khoản vào tài khoản 105000123456 của bà Lê Thị Hoa."
    result = extract_fields([page(decision(body))])
    assert result.values["id_numbers"] == ["105000123456"]
    assert result.confidence["id_numbers"] < DEFAULT_THRESHOLD


# --- an OCR'd page with word boxes: two columns at the foot ----------------------------------


def boxed_page(rows: list[tuple[int, list[tuple[int, str]]]]) -> PageText:
    """A page as Tesseract gives it: words with boxes, one (block, line) per printed run."""
    words: list[Word] = []
    for n, (top, runs) in enumerate(rows):
        for k, (left, text) in enumerate(runs):
            x = left
            for token in text.split():
                w = 22 * len(token)
                words.append(Word(token, x, top, w, 40, 93.0, block=n * 10 + k, line=1))
                x += w + 18
    text = "\n".join(" ".join(t for _, t in runs) for _, runs in rows)
    return PageText(number=1, text=text, method="ocr", confidence=0.93, words=words, width=2480, height=3508)


def test_signer_block_beside_recipients_on_an_ocr_page() -> None:
    rows = [
        (200, [(250, "ỦY BAN NHÂN DÂN"), (1300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]),
        (260, [(250, "PHƯỜNG TÍCH SƠN"), (1450, "Độc lập - Tự do - Hạnh phúc")]),
        (330, [(300, "Số: 88/QĐ-UBND"), (1350, "Tích Sơn, ngày 04 tháng 11 năm 2024")]),
        (500, [(1000, "QUYẾT ĐỊNH")]),
        (560, [(800, "Về việc trợ cấp xã hội hằng tháng")]),
        (700, [(300, "Điều 1. Trợ cấp cho bà Khổng Thị Tư, sinh năm 1941.")]),
        (2600, [(250, "Nơi nhận:"), (1500, "TUQ. CHỦ TỊCH")]),
        (2660, [(250, "- Như Điều 2;"), (1350, "TRƯỞNG PHÒNG TƯ PHÁP")]),
        (2720, [(250, "- Lưu: VT."), (1500, "TÍCH SƠN")]),  # the seal's ring text, read by OCR
        (3000, [(1450, "Lã Văn Thăng")]),
    ]
    v = extract_fields([boxed_page(rows)]).values
    assert v["signer_title"] == "TRƯỞNG PHÒNG TƯ PHÁP"
    assert v["signer"] == "Lã Văn Thăng"
    assert v["subject_names"] == ["Khổng Thị Tư"]
    assert v["number"] == "88/QĐ-UBND" and v["issued_date"] == "2024-11-04"


@pytest.mark.parametrize(
    ("unsure", "number_sure", "date_sure"),
    [
        ((), True, True),
        (("232/QĐ-UBND",), False, None),  # read right at 42: the number is the clerk's
        (("2024",), True, False),  # the year read unsure: the date is, the number is not
        (("2", "32/QĐ-UBND"), False, None),  # a number split in two, its second part unsure
    ],
)
def test_a_value_read_unsure_goes_to_the_clerk_however_sure_its_line(
    unsure: tuple[str, ...], number_sure: bool, date_sure: bool | None
) -> None:
    """'Số: 232/QĐ-UBND' and the place and date on one line, as Tesseract read them: the line
    read at 93 is sure, a value whose own words were read at 42 is not, and the clerk checks
    it against the paper. The words of the other value answer for it alone."""
    number = " ".join(unsure) if len(unsure) > 1 else "232/QĐ-UBND"
    rows = [
        (200, [(250, "ỦY BAN NHÂN DÂN"), (1300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]),
        (260, [(250, "PHƯỜNG TÍCH SƠN"), (1450, "Độc lập - Tự do - Hạnh phúc")]),
        (330, [(300, f"Số: {number} Tích Sơn, ngày 04 tháng 11 năm 2024")]),
        (500, [(1000, "QUYẾT ĐỊNH")]),
        (560, [(800, "Về việc thu hồi đất")]),
        (2600, [(1500, "CHỦ TỊCH")]),
        (3000, [(1450, "Lã Văn Thăng")]),
    ]
    scanned = boxed_page(rows)
    scanned.words = [replace(w, conf=42.0) if w.text in unsure else w for w in scanned.words]
    result = extract_fields([scanned])
    assert result.values["number"] == "232/QĐ-UBND" and result.values["issued_date"] == "2024-11-04"
    assert (result.confidence["number"] >= DEFAULT_THRESHOLD) is number_sure
    if date_sure is not None:  # (an unsure number lowers its line's mean, and so the date's)
        assert (result.confidence["issued_date"] >= DEFAULT_THRESHOLD) is date_sure


@pytest.mark.parametrize(
    ("printed", "number"),
    [
        ("Mã số hộ kinh doanh: 2508001234", "2508001234"),
        ("Mã số hộ kinh doanh: 25A8001234", "25A8001234"),
    ],
)
@pytest.mark.parametrize("unsure", [False, True])
def test_a_business_code_read_unsure_goes_to_the_clerk(printed: str, number: str, unsure: bool) -> None:
    """A household business certificate's code answers for its own word, as a decision's number
    does: read at 42 on a line of 93s, the clerk checks it against the paper."""
    rows = [
        (200, [(250, "ỦY BAN NHÂN DÂN"), (1300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]),
        (260, [(250, "PHƯỜNG TÍCH SƠN"), (1450, "Độc lập - Tự do - Hạnh phúc")]),
        (500, [(900, "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH")]),
        (600, [(300, printed)]),
        (700, [(300, "Tên hộ kinh doanh: Tạp hóa Hồng Nhung")]),
        (2600, [(1500, "TRƯỞNG PHÒNG TÀI CHÍNH - KẾ HOẠCH")]),
        (3000, [(1450, "Lã Văn Thăng")]),
    ]
    scanned = boxed_page(rows)
    if unsure:
        scanned.words = [replace(w, conf=42.0) if w.text == number else w for w in scanned.words]
    result = extract_fields([scanned])
    assert result.values["number"] == number
    assert (result.confidence["number"] >= DEFAULT_THRESHOLD) is not unsure


@pytest.mark.parametrize(
    ("printed", "number", "sure"), [("Số: 379/QĐ-UBND", "379/QĐ-UBND", True), ("Số: 3/9/QĐ-UBND", "3", False)]
)
def test_a_number_misread_into_its_symbol_goes_to_the_clerk(printed: str, number: str, sure: bool) -> None:
    """'379/QĐ-UBND' read '3/9/QĐ-UBND' at 69 from ink the first pass missed gives the number
    '3': what follows it, '/9/QĐ-UBND', says it was misread, and the clerk checks it."""
    result = extract_fields([page(decision("Điều 1.", header=HEADER.replace("Số: 15/QĐ-UBND", printed)))])
    assert result.values["number"] == number
    assert (result.confidence["number"] >= DEFAULT_THRESHOLD) is sure


@pytest.mark.parametrize(
    ("printed", "number"),
    [
        ("Số: 38/2024", "38/2024"),
        ("Số: 25A8001234", "25A8001234"),
        ("Số: 07/2024/GCN-HKD", "07/2024/GCN-HKD"),
    ],
)
def test_number_styles(printed: str, number: str) -> None:
    text = CERT_HEADER.replace("CỘNG HÒA", printed + "\nCỘNG HÒA") + "GIẤY CHỨNG NHẬN\n" + SIGNATURE
    assert extract_fields([page(text)]).values["number"] == number


def test_place_date_line_with_a_numeric_date() -> None:
    text = HEADER.replace("ngày 10 tháng 6 năm 2024", "ngày 10/6/2024")
    v = extract_fields([page(decision("Điều 1.", header=text))]).values
    assert v["issued_date"] == "2024-06-10" and v["place"] == "Khai Quang"


@pytest.mark.parametrize(
    "line",
    [
        "Ông (bà): Quách Văn Toản, sinh năm 1960.",
        "Tặng Giấy khen cho ông QUÁCH VĂN TOẢN, tổ dân phố số 2.",
        "Họ và tên: ................ Quách Văn Toản",
    ],
)
def test_names_in_other_printings(line: str) -> None:
    assert extract_fields([page(decision(line))]).values["subject_names"] == ["Quách Văn Toản"]


def test_label_and_value_far_apart_on_an_ocr_page() -> None:
    rows = [
        (200, [(250, "ỦY BAN NHÂN DÂN"), (1300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]),
        (260, [(250, "PHƯỜNG TÍCH SƠN"), (1450, "Độc lập - Tự do - Hạnh phúc")]),
        (500, [(800, "GIẤY XÁC NHẬN KHUYẾT TẬT")]),
        (600, [(250, "Họ và tên:"), (1100, "ĐỖ THỊ LÂN")]),
        (660, [(250, "Giới tính:"), (1100, "Nữ")]),
        (2600, [(1500, "CHỦ TỊCH")]),
        (3000, [(1450, "Lã Văn Thăng")]),
    ]
    assert extract_fields([boxed_page(rows)]).values["subject_names"] == ["Đỗ Thị Lân"]


def test_context_from_the_units_table_and_settings() -> None:
    # Names as the units table holds them (see archive/units.py), settings as text values.
    units = ["UBND thành phố Vĩnh Yên", "Phường Khai Quang", "Phòng Tài chính – Kế hoạch"]
    settings = {"fields.organ_codes": "H62", "fields.drafting_fields": '{"TCKH": "Đăng ký kinh doanh"}'}
    context = FieldContext.from_settings(units, settings)
    assert "UBND THÀNH PHỐ VĨNH YÊN" in context.issuer_lines()
    assert context.place_names() == ("Vĩnh Yên", "Khai Quang")
    assert context.drafting_field("TCKH") == "Đăng ký kinh doanh"
    issuer = "UBND THÀNH PHỐ VĨNH YÊN\nPHÒNG TÀI CHÍNH - KẾ HOẠCH"
    text = decision("Điều 1.", header=HEADER.replace("ỦY BAN NHÂN DÂN\nPHƯỜNG KHAI QUANG", issuer))
    result = extract_fields([page(text)], context)
    assert result.values["issuer"] == "PHÒNG TÀI CHÍNH - KẾ HOẠCH"
    assert result.confidence["issuer"] >= DEFAULT_THRESHOLD


def test_an_identity_cards_date_is_not_the_issue_date() -> None:
    text = (
        CERT_HEADER
        + """GIẤY CHỨNG NHẬN KẾT HÔN
Họ, chữ đệm, tên người chồng: NINH VĂN TÚ
Giấy tờ tùy thân: CCCD số 026092408410 cấp ngày 12/05/2021
Ngày, tháng, năm đăng ký: 03/02/2024
"""
        + SIGNATURE
    )
    result = extract_fields([page(text)])
    assert result.values["issued_date"] == "2024-02-03"  # the registration date, doubtful
    assert result.confidence["issued_date"] < DEFAULT_THRESHOLD


def test_ocr_variants_of_the_authority_prefix_and_a_speck_after_the_name() -> None:
    signature = "TM. ỦY BAN NHÂN DÂN\nKT, CHỦ TỊCH\nLê Anh Tân'"
    values = extract_fields([page(decision("Điều 1.", signature))]).values
    assert values["signer_title"] == "PHÓ CHỦ TỊCH"  # "KT," is "KT.": a deputy signed
    assert values["signer"] == "Lê Anh Tân"


# --- an OCR'd signer block: the seal's and the pen's specks among the title's lines ----------


def scanned_block(runs: list[tuple[int, int, str, float] | tuple[int, int, str, float, int]]) -> PageText:
    """A decision whose signer block is ``runs``: (top, left, text, confidence[, height]), each
    run a line of its own, as Tesseract splits a block the seal and the signature crossed."""
    head = [
        *SCANNED_HEADING,
        (700, 300, "Điều 1. Trợ cấp cho bà Khổng Thị Tư, sinh năm 1941.", 95.0),
        (2600, 250, "Nơi nhận:", 95.0),
        (2660, 250, "- Lưu: VT.", 95.0),
    ]
    words: list[Word] = []
    for n, run in enumerate([*head, *runs, (3000, 1450, "Lã Văn Thăng", 95.0)]):
        top, left, text, conf = run[:4]
        height = run[4] if len(run) > 4 else 40
        for token in text.split():
            width = 22 * len(token)
            words.append(Word(token, left, top, width, height, conf, block=n, line=1))
            left += width + 18
    text = "\n".join(str(run[2]) for run in [*head, *runs])
    return PageText(number=1, text=text, method="ocr", confidence=0.93, words=words, width=2480, height=3508)


@pytest.mark.parametrize(
    "runs",
    [
        # a speck the seal left on the mark's row, read as a line of its own between the two
        [
            (2600, 1450, "Q. CHỦ TỊCH", 95.0),
            (2605, 1760, "2", 95.0),
            (2660, 1350, "TRƯỞNG PHÒNG TƯ PHÁP", 95.0),
        ],
        # "TUQ." lost to the seal, and a recipient's dash read onto the title's row
        [(2600, 1540, "CHỦ TỊCH", 95.0), (2660, 1300, "- TRƯỞNG PHÒNG TƯ PHÁP", 95.0)],
        # the title's row read as two lines, a speck under it between them
        [
            (2600, 1450, "TUQ. CHỦ TỊCH", 95.0),
            (2660, 1350, "TRƯỞNG", 90.0),
            (2700, 1500, "tì", 86.0),
            (2660, 1510, "PHÒNG TƯ PHÁP", 95.0),
        ],
        # "TUQ." lost, and the seal split "TRƯỞNG", its first letter left standing alone
        [(2600, 1540, "CHỦ TỊCH", 95.0), (2660, 1300, "T ƯỞNG PHÒNG TƯ PHÁP", 95.0)],
        # the end of a recipient's line read on the title's row
        [(2600, 1450, "TUQ. CHỦ TỊCH", 95.0), (2660, 1000, "phổ; TRƯỞNG PHÒNG TƯ PHÁP", 95.0)],
        # the seal's ring under the title, read unsure
        [
            (2600, 1450, "TUQ. CHỦ TỊCH", 95.0),
            (2660, 1350, "TRƯỞNG PHÒNG TƯ PHÁP", 95.0),
            (2720, 1400, "(AX NHANG", 40.0),
        ],
    ],
)
def test_specks_among_the_title_lines_do_not_cut_the_title_off(runs: list) -> None:
    result = extract_fields([scanned_block(runs)])
    assert result.values["signer_title"] == "TRƯỞNG PHÒNG TƯ PHÁP"
    assert result.values["signer"] == "Lã Văn Thăng"


def test_a_deputy_s_title_the_seal_garbled_under_kt_is_the_deputy_s_for_review() -> None:
    # 'PHÓ CHỦ TỊCH' read as three lines on one row, 'CHỦ' under the ring read unsure and tall
    runs = [
        (2600, 1450, "KT. CHỦ TỊCH", 95.0),
        (2660, 1400, "ĐHÓ", 62.0, 36),
        (2655, 1484, "CHẾ", 17.0, 96),
        (2667, 1568, "TỊCH", 96.0, 37),
    ]
    result = extract_fields([scanned_block(runs)])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


@pytest.mark.parametrize("authority", ["qñAKT. CHỦ TỊCH", "NHẦM KT. CHỦ TỊCH"])
def test_kt_read_behind_debris_still_makes_the_title_under_it_a_deputy_s(authority: str) -> None:
    """The seal's ink over the line's start, or the end of 'TM. ỦY BAN NHÂN DÂN' run into it, left
    'KT. CHỦ TỊCH' behind debris, and the seal took "PHÓ" from the line under it: the title was
    'CHỦ TỊCH', the chairman's, for a deputy's signature."""
    runs = [(2600, 1400, authority, 80.0), (2660, 1450, "CHỦ TỊCH", 95.0)]
    result = extract_fields([scanned_block(runs)])
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD


@pytest.mark.parametrize("mark", ["Tui.", "TƯO.", "TUỢ,", "TQ."])
def test_a_delegation_mark_ocr_misread_still_opens_the_block(mark: str) -> None:
    """'TUQ.' under a seal's ring or a speck comes out 'Tui.', 'TƯO.', 'TUỢ,' or 'TQ.': still the
    mark, so the line under it is the signer's title, not the rest of one long title."""
    head = (2600, 1400, f"{mark} CHỦ TỊCH", 80.0)
    result = extract_fields([scanned_block([head, (2660, 1350, "TRƯỞNG PHÒNG TƯ PHÁP", 95.0)])])
    assert result.values["signer_title"] == "TRƯỞNG PHÒNG TƯ PHÁP"
    assert result.values["signer"] == "Lã Văn Thăng"
    # with the signer's own title line lost too, the head's title stands in, for review
    result = extract_fields([scanned_block([head])])
    assert result.values["signer_title"] == "CHỦ TỊCH"
    assert result.confidence["signer_title"] < DEFAULT_THRESHOLD
