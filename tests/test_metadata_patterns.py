"""Metadata extraction on typed page texts: the OCR-error tolerance a clerk relies on.

These pages are text-layer pages without word boxes (as a born-digital PDF may give), so they
exercise the plain-text fallback; tests/test_metadata_samples.py covers real OCR output.
"""

from __future__ import annotations

from sohoa.digitize.metadata import FIELD_NAMES, extract_fields
from tests.fields_support import letter_header, signature_block
from tests.fields_support import text_page as page

BODY = """QUYẾT ĐỊNH
Về việc trợ cấp xã hội hằng tháng đối với người cao tuổi
ỦY BAN NHÂN DÂN PHƯỜNG KHAI QUANG
Căn cứ Luật Người cao tuổi ngày 23 tháng 11 năm 2009;
QUYẾT ĐỊNH:
Điều 1. Trợ cấp xã hội hằng tháng đối với bà Nguyễn Thị Hương, sinh ngày 02/03/1944, số định danh
cá nhân 026144001234, nơi cư trú: phường Khai Quang.
Mã hồ sơ: 000.25.12.H62-240604-0012
"""
SIGNATURE = signature_block(title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")


def decision(number: str = "1234/QĐ-UBND", date_line: str = "Khai Quang, ngày 10 tháng 6 năm 2024") -> str:
    place, _, date = date_line.partition(", ")  # the header prints "{place}, {date}"
    return letter_header(number=number, place=place, date=date) + BODY + SIGNATURE


def test_every_field_is_present_with_confidence_and_source() -> None:
    result = extract_fields([page(decision())])
    assert set(result.values) == set(FIELD_NAMES)
    assert set(result.confidence) == set(FIELD_NAMES)
    assert all(0.0 <= c <= 1.0 for c in result.confidence.values())
    assert set(result.source.values()) == {"auto"}


def test_reads_a_decision() -> None:
    v = extract_fields([page(decision())]).values
    assert v["doc_type"] == "Quyết định"
    assert v["title"] == "Quyết định"
    assert v["number"] == "1234/QĐ-UBND"
    assert v["issued_date"] == "2024-06-10"
    assert v["issuer"] == "ỦY BAN NHÂN DÂN PHƯỜNG KHAI QUANG"
    assert v["place"] == "Khai Quang"
    assert v["summary"] == "Về việc trợ cấp xã hội hằng tháng đối với người cao tuổi"
    assert v["signer"] == "Lê Anh Tân"
    assert v["signer_title"] == "PHÓ CHỦ TỊCH"
    assert v["subject_names"] == ["Nguyễn Thị Hương"]
    assert v["id_numbers"] == ["026144001234"]
    assert v["field"] == "Lao động – Thương binh xã hội"
    assert v["dossier_code"] == "000.25.12.H62-240604-0012"
    assert v["valid_until"] is None


def test_number_tolerates_ocr_spacing_and_accents() -> None:
    text = decision().replace("Số: 1234/QĐ-UBND", "Sô: 12 / QĐ - UBND")
    assert extract_fields([page(text)]).values["number"] == "12/QĐ-UBND"


def test_number_with_eth_and_letter_o_is_repaired() -> None:
    # Tesseract returns Ð (U+00D0, Icelandic eth) for Đ and O for 0 often enough to matter.
    text = decision().replace("Số: 1234/QĐ-UBND", "Số: 1O5/2024/QÐ-UBND")
    assert extract_fields([page(text)]).values["number"] == "105/2024/QĐ-UBND"


def test_plain_and_normative_numbers_are_kept_as_printed() -> None:
    assert extract_fields([page(decision(number="38"))]).values["number"] == "38"
    assert extract_fields([page(decision(number="05/2024/QĐ-UBND"))]).values["number"] == "05/2024/QĐ-UBND"


def test_dates_with_and_without_zero_padding() -> None:
    for line in (
        "Vĩnh Yên, ngày 5 tháng 3 năm 2019",
        "Vĩnh Yên, ngày 05 tháng 03 năm 2019",
        "Vinh Yen, ngay 05 thang 3 nam 2019",
        "Vĩnh Yên, ngáy O5 thảng 3 nãm 2019",
    ):
        result = extract_fields([page(decision(date_line=line))])
        assert result.values["issued_date"] == "2019-03-05", line
        assert result.values["place"] == "Vĩnh Yên", line


def test_a_date_whose_italic_digits_ocr_read_as_letters_is_found_and_sent_to_review() -> None:
    # A 1-bit fax of a place-date line in italic Times: the 6 read 'G' (or '6G', one glyph read
    # twice), 11 read 'II', 1 read 'I' (devset2 --face times, seed 27).
    for line, want in (
        ("Vĩnh Yên, ngày 2G tháng II năm 2025", "2025-11-26"),
        ("Vĩnh Yên, ngày 19 tháng 6G năm 2025", "2025-06-19"),
        ("Vĩnh Yên, ngày I tháng 5 năm 2025", "2025-05-01"),
        ("Vĩnh Yên, ngày 10 tháng 1l năm 2025", "2025-11-10"),  # 11, a 1 read as l: not one 1 twice
    ):
        result = extract_fields([page(decision(date_line=line))])
        assert result.values["issued_date"] == want, line
        assert result.confidence["issued_date"] < 0.8, line  # a letter taken for a digit: the clerk checks
    clean = extract_fields([page(decision(date_line="Vĩnh Yên, ngày 26 tháng 11 năm 2025"))])
    assert clean.values["issued_date"] == "2025-11-26"
    assert clean.confidence["issued_date"] >= 0.8


def test_ocr_tone_errors_in_known_phrases_are_repaired_but_names_are_not_invented() -> None:
    text = (
        decision()
        .replace("ỦY BAN NHÂN DÂN\nPHƯỜNG", "ỦY BAN NHÂN DẦN\nPHƯƠNG")
        .replace("QUYẾT ĐỊNH\nVề", "QUYÊT ĐỊNH\nVề")
    )
    v = extract_fields([page(text)]).values
    assert v["issuer"] == "ỦY BAN NHÂN DÂN PHƯỜNG KHAI QUANG"
    assert v["doc_type"] == "Quyết định"
    assert v["signer"] == "Lê Anh Tân"


def test_document_without_number_gives_none_and_zero_confidence() -> None:
    text = decision().replace("Số: 1234/QĐ-UBND\n", "")
    result = extract_fields([page(text)])
    assert result.values["number"] is None
    assert result.confidence["number"] == 0.0
    assert result.values["issued_date"] == "2024-06-10"


def test_signer_is_found_on_the_second_page() -> None:
    first, _, rest = decision().partition("Nơi nhận:")
    second = "2\nvà các cơ quan có liên quan chịu trách nhiệm thi hành Quyết định này./.\nNơi nhận:" + rest
    result = extract_fields([page(first, 1), page(second, 2)])
    assert result.values["signer"] == "Lê Anh Tân"
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.values["number"] == "1234/QĐ-UBND"


def test_deputy_position_is_inferred_when_its_line_is_lost() -> None:
    # OCR sometimes drops the "PHÓ CHỦ TỊCH" line under "KT. CHỦ TỊCH": KT. means a deputy signed.
    text = decision().replace("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "KT. CHỦ TỊCH")
    assert extract_fields([page(text)]).values["signer_title"] == "PHÓ CHỦ TỊCH"


def test_certificate_validity_six_months_from_issue() -> None:
    text = """ỦY BAN NHÂN DÂN
PHƯỜNG LIÊN BẢO
Số: 45/XNTTHN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Liên Bảo, ngày 31 tháng 8 năm 2023
GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
Họ, chữ đệm và tên: ĐẶNG THỊ THU HÀ
Số định danh cá nhân: 026190004321
Giấy này có giá trị sử dụng trong thời hạn 6 tháng, kể từ ngày cấp.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Trần Văn Hùng"""
    v = extract_fields([page(text)]).values
    assert v["doc_type"] == "Giấy xác nhận"
    assert v["title"] == "Giấy xác nhận tình trạng hôn nhân"
    assert v["field"] == "Hộ tịch"
    assert v["valid_until"] == "2024-02-29"
    assert v["subject_names"] == ["Đặng Thị Thu Hà"]
    assert v["signer_title"] == "CHỦ TỊCH"


def test_department_issuer_is_the_line_under_the_city() -> None:
    parent = "ỦY BAN NHÂN DÂN\nPHƯỜNG KHAI QUANG\n"
    text = decision().replace(parent, "UBND THÀNH PHỐ VĨNH YÊN\nPHÒNG TƯ PHÁP\n")
    assert extract_fields([page(text)]).values["issuer"] == "PHÒNG TƯ PHÁP"


def test_values_are_nfc_even_from_nfd_input() -> None:
    import unicodedata

    result = extract_fields([page(unicodedata.normalize("NFD", decision()))])
    for value in result.values.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                assert item == unicodedata.normalize("NFC", item)
    assert result.values["signer"] == "Lê Anh Tân"


def test_manual_value_overrides_with_full_confidence() -> None:
    result = extract_fields([page(decision())])
    result.set_manual("signer", "Lê Anh Tân")
    assert result.source["signer"] == "manual"
    assert result.confidence["signer"] == 1.0


def test_empty_document_gives_all_fields_empty() -> None:
    result = extract_fields([])
    assert all(v in (None, []) for v in result.values.values())
    assert all(c == 0.0 for c in result.confidence.values())


def test_cong_van_has_no_title_and_its_field_comes_from_the_drafting_unit() -> None:
    text = """ỦY BAN NHÂN DÂN
THÀNH PHỐ VĨNH YÊN
Số: 05/UBND-TP
V/w trả lời đơn của công dân
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Vĩnh Yên, ngày 05 tháng 02 năm 2024
Kính gửi: Bà Trần Thị Thu Hương, nơi cư trú: phường Tích Sơn.
Ủy ban nhân dân thành phố nhận được đơn của bà Trần Thị Thu
Hương đề nghị cải chính thông tin trên giấy tờ hộ tịch.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn Hùng"""
    result = extract_fields([page(text)])
    v = result.values
    assert v["doc_type"] == "Công văn" and v["title"] is None
    assert v["number"] == "05/UBND-TP"
    assert v["summary"] == "V/v trả lời đơn của công dân"
    assert v["field"] == "Tư pháp"
    assert v["subject_names"] == ["Trần Thị Thu Hương"]  # once, although wrapped over two lines
    assert v["issued_date"] == "2024-02-05"
    assert result.confidence["doc_type"] > 0.8


def test_header_columns_merged_into_one_text_line() -> None:
    # Some text layers return both header columns on one line each.
    text = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
THÀNH PHỐ VĨNH YÊN Độc lập - Tự do - Hạnh phúc
Số: 15/2024/QĐ-UBND Vĩnh Yên, ngày 10 tháng 6 năm 2024
QUYẾT ĐỊNH
Về việc cấp Giấy chứng nhận quyền sử dụng đất
Điều 1. Cấp Giấy chứng nhận cho ông Nguyễn Văn Lượng, số định danh cá nhân 026090001234.
Nơi nhận: TM. ỦY BAN NHÂN DÂN
- Như Điều 3; KT. CHỦ TỊCH
- Lưu: VT. PHÓ CHỦ TỊCH
Lê Anh Tân"""
    v = extract_fields([page(text)]).values
    assert v["issuer"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN"
    assert v["number"] == "15/2024/QĐ-UBND"
    assert v["issued_date"] == "2024-06-10"
    assert v["signer"] == "Lê Anh Tân"
    assert v["signer_title"] == "PHÓ CHỦ TỊCH"
    assert v["field"] == "Đất đai"
