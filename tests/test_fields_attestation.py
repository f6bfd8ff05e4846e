"""Attestations (chứng thực, "Lời chứng"): type, number, register book and date (issue 9).

The attester's wording follows Thông tư 01/2020/TT-BTP: a copy's stamp with ``Số chứng thực`` and
``Quyển số``, a signature's or contract's "Lời chứng" whose date is written in words, the short
``Số: 123/SCT/BS``. Each test is a page as such a paper prints it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sohoa.archive.review import DEFAULT_THRESHOLD
from sohoa.digitize.fields.attestation import read_attestation
from sohoa.digitize.fields_dates import find_dates_in_words, words_number
from sohoa.digitize.fields_text import page_lines
from sohoa.digitize.metadata import extract_fields
from sohoa.text import fold_aligned
from tests.fields_support import text_page as page

SIGNATURE_ATTESTED = """ĐƠN ĐỀ NGHỊ
Kính gửi: Ủy ban nhân dân phường Khai Quang
Tôi là Khuất Thị Lân, sinh ngày 02/03/1961, xin xác nhận việc cho tặng tài sản.
Người làm đơn
Khuất Thị Lân
LỜI CHỨNG CỦA NGƯỜI THỰC HIỆN CHỨNG THỰC
Hôm nay, ngày mười lăm tháng ba năm hai nghìn hai mươi tư
Tại Ủy ban nhân dân phường Khai Quang, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc.
Tôi, Lê Anh Tân, Phó Chủ tịch Ủy ban nhân dân phường Khai Quang
Chứng thực
Bà Khuất Thị Lân, Căn cước công dân số 026161004321 cấp ngày 10/05/2021,
đã ký vào giấy tờ này trước mặt tôi.
Số chứng thực: 123 Quyển số: 01-SCT/CK
NGƯỜI THỰC HIỆN CHỨNG THỰC
PHÓ CHỦ TỊCH
Lê Anh Tân"""


def test_a_signature_attestation_dated_in_words() -> None:
    result = extract_fields([page(SIGNATURE_ATTESTED)])
    v = result.values
    assert v["doc_type"] == "Lời chứng"
    assert v["number"] == "123"
    assert v["issued_date"] == "2024-03-15"  # the attestation's day, not the birth or the card's issue
    assert v["field"] == "Chứng thực"
    assert result.confidence["number"] >= DEFAULT_THRESHOLD
    found = read_attestation([page_lines(page(SIGNATURE_ATTESTED))])
    assert found is not None and found.book == "01-SCT/CK" and found.heading


COPY_STAMP = """BẢN SAO
Chứng thực bản sao đúng với bản chính.
Số chứng thực: 0457 Quyển số: 02/2024-SCT/BS
Ngày 05 tháng 4 năm 2024
NGƯỜI THỰC HIỆN CHỨNG THỰC
CÔNG CHỨC TƯ PHÁP - HỘ TỊCH
Nguyễn Văn Toản"""


def test_a_copy_stamp_on_a_paper_without_its_own_number() -> None:
    text = "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG\nCấp cho: Nguyễn Thị Hoa\n" + COPY_STAMP
    result = extract_fields([page(text)])
    v = result.values
    assert v["doc_type"] == "Lời chứng" and result.confidence["doc_type"] < DEFAULT_THRESHOLD
    assert v["number"] == "0457"
    assert v["issued_date"] == "2024-04-05"
    assert v["field"] == "Chứng thực"
    found = read_attestation([page_lines(page(text))])
    assert found is not None and found.book == "02/2024-SCT/BS"


def test_a_short_attestation_number() -> None:
    text = (
        "Chứng thực bản sao đúng với bản chính\nSố: 45/SCT/BS\nNgày 05 tháng 4 năm 2024\n"
        "Người thực hiện chứng thực"
    )
    found = read_attestation([page_lines(page(text))])
    assert found is not None
    assert found.number == "45/SCT/BS" and found.date == dt.date(2024, 4, 5)


def test_an_attested_copy_of_a_certificate_keeps_the_certificate_fields() -> None:
    text = (
        """ỦY BAN NHÂN DÂN
PHƯỜNG KHAI QUANG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY CHỨNG NHẬN KẾT HÔN
Số: 38
Họ, chữ đệm, tên chồng: Khuất Văn Lân
Họ, chữ đệm, tên vợ: Cấn Thị Tám
Khai Quang, ngày 10 tháng 6 năm 2020
"""
        + COPY_STAMP
    )
    v = extract_fields([page(text)]).values
    assert v["doc_type"] == "Giấy chứng nhận"
    assert v["number"] == "38"


def test_no_attestation_on_an_ordinary_paper() -> None:
    assert read_attestation([page_lines(page("QUYẾT ĐỊNH\nVề việc trợ cấp xã hội hằng tháng"))]) is None


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("mười lăm", 15),
        ("hai mươi tư", 24),
        ("ba mươi mốt", 31),
        ("mười hai", 12),
        ("hai nghìn không trăm hai mươi tư", 2024),
        ("hai nghìn hai mươi lăm", 2025),
        ("một nghìn chín trăm chín mươi", 1990),
        ("hai nghìn không trăm linh năm", 2005),
        ("hai nghìn tầng", None),
    ],
)
def test_numbers_in_words(words: str, number: int | None) -> None:
    assert words_number(fold_aligned(words)) == number


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Hôm nay, ngày mười lăm tháng ba năm hai nghìn hai mươi tư", dt.date(2024, 3, 15)),
        ("Ngày mười lăm, tháng ba, năm hai nghìn không trăm hai mươi tư", dt.date(2024, 3, 15)),
        ("ngày mồng một tháng năm năm hai nghìn không trăm linh năm", dt.date(2005, 5, 1)),
        ("ngày ba mươi tháng tư năm hai nghìn không trăm hai mươi lăm", dt.date(2025, 4, 30)),
        ("ngày ba mươi tháng hai năm hai nghìn không trăm hai mươi lăm", None),  # no 30 February
    ],
)
def test_dates_in_words(text: str, date: dt.date | None) -> None:
    found = [d for d, _, _ in find_dates_in_words(fold_aligned(text))]
    assert found == ([date] if date else [])
