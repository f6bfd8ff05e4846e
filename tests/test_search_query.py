"""What a clerk at the desk notices: the right document on top, accents or not, with the words shown.

A small hand-made archive in a real index (default backend) under tmp_path; each test states
the behaviour.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from sohoa.search import IndexEntry, SearchBackend, open_backend, search

LUONG_MARKED = 1
LUONG_OTHER_MARKS = 2
LUONG_ASCII = 3
DECISION = 4
CITES_DECISION = 5
MARRIAGE = 6
SCATTERED = 7
OCR_DAMAGED = 8
THANH = 9
THANH_GRAVE = 10
UNDATED = 11


def _entry(doc_id: int, text: str, unit: str = "P05", **fields: object) -> IndexEntry:
    return IndexEntry(
        id=doc_id,
        version=f"v{doc_id}",
        source_name=f"scan_{doc_id}.pdf",
        unit=unit,
        unit_name={"P05": "Phường Khai Quang", "P02": "Phường Đống Đa", "TP": "Phòng Tư pháp"}[unit],
        fields=fields,
        text=text,
    )


ENTRIES = [
    _entry(
        LUONG_MARKED,
        "TRÍCH LỤC KHAI SINH\nHọ, chữ đệm và tên: Nguyễn Văn Lượng\nSố định danh cá nhân: 026216169402",
        doc_type="Trích lục khai sinh",
        field="Hộ tịch",
        number="101/TLKS-BS",
        issued_date="2017-10-19",
        subject_names=["Nguyễn Văn Lượng"],
        id_numbers=["026216169402"],
    ),
    _entry(
        LUONG_OTHER_MARKS,
        "Công văn trả lời đơn của ông Nguyễn Văn Lương, phường Đống Đa",
        unit="P02",
        doc_type="Công văn",
        field="Khiếu nại tố cáo",
        number="12/UBND-VX",
        issued_date="2019-03-02",
    ),
    _entry(
        LUONG_ASCII,
        "Bien ban lam viec voi ong Nguyen Van Luong ve ho so dat dai",
        doc_type="Biên bản",
        field="Đất đai",
        issued_date="2020-07-15",
    ),
    _entry(
        DECISION,
        "QUYẾT ĐỊNH Về việc cấp giấy phép xây dựng nhà ở riêng lẻ cho hộ gia đình bà Phạm Thị Mai",
        unit="TP",
        doc_type="Quyết định",
        field="Xây dựng",
        number="1234/QĐ-UBND",
        issued_date="2021-05-20",
        subject_names=["Phạm Thị Mai"],
    ),
    _entry(
        CITES_DECISION,
        "Căn cứ Quyết định số 1234/QĐ-UBND ngày 20/5/2021, đề nghị bà Phạm Thị Mai bổ sung hồ sơ",
        doc_type="Công văn",
        field="Xây dựng",
        number="231/UBND-ĐT",
        issued_date="2021-06-01",
    ),
    _entry(
        MARRIAGE,
        "GIẤY CHỨNG NHẬN KẾT HÔN\nHọ, chữ đệm, tên vợ: NGUYỄN THỊ THU HÀ\nSố định danh cá nhân: 026197419930",
        doc_type="Giấy chứng nhận kết hôn",
        field="Hộ tịch",
        number="147",
        issued_date="2019-08-28",
        subject_names=["Trần Văn Nam", "Nguyễn Thị Thu Hà"],
        id_numbers=["026197419930"],
    ),
    _entry(
        SCATTERED,
        "Hội nghị kết thúc lúc 10 giờ. Bà Hà Thị Nguyễn trình bày về việc hôn nhân; ông Thu ghi biên bản.",
        doc_type="Biên bản",
        field="Hộ tịch",
        issued_date="2019-09-01",
    ),
    _entry(
        OCR_DAMAGED,
        "Giấy xác nhận tình trạng hôn nhân cho ông Hoàug Minh Tuấn",  # OCR read "n" as "u"
        doc_type="Giấy xác nhận tình trạng hôn nhân",
        field="Hộ tịch",
        issued_date="2024-09-10",
    ),
    _entry(THANH, "Đơn của ông Lê Văn Thanh về việc cấp lại giấy tờ", issued_date="2022-01-05"),
    _entry(THANH_GRAVE, "Đơn của ông Lê Văn Thành về việc cấp lại giấy tờ", issued_date="2022-01-06"),
    _entry(UNDATED, "Bản sao chứng thực không rõ ngày tháng của ông Lương Văn Tám"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchBackend:
    ix = open_backend(None, tmp_path_factory.mktemp("search") / "index")
    ix.add_or_update(ENTRIES)
    return ix


def ids(index: SearchBackend, query: str, **kwargs: object) -> list[int]:
    return [hit.id for hit in search(index, query, **kwargs).hits]  # type: ignore[arg-type]


def test_query_with_marks_ranks_exact_diacritics_first(index: SearchBackend) -> None:
    found = ids(index, "Lượng")
    assert found[0] == LUONG_MARKED
    assert {LUONG_OTHER_MARKS, LUONG_ASCII} <= set(found)  # Lương and Luong still found


def test_query_without_marks_finds_every_spelling(index: SearchBackend) -> None:
    assert {LUONG_MARKED, LUONG_OTHER_MARKS, LUONG_ASCII, UNDATED} <= set(ids(index, "luong"))


def test_unmarked_syllable_in_a_marked_query_is_taken_as_typed(index: SearchBackend) -> None:
    """Whoever types "Lê Văn Thanh" with marks means Thanh, not Thành."""
    assert ids(index, "Lê Văn Thanh")[:2] == [THANH, THANH_GRAVE]
    assert ids(index, "Lê Văn Thành")[:2] == [THANH_GRAVE, THANH]


def test_d_bar_folds_to_d(index: SearchBackend) -> None:
    assert ids(index, "dong da") == [LUONG_OTHER_MARKS]
    assert ids(index, "ĐỐNG ĐA") == [LUONG_OTHER_MARKS]


def test_nfd_query_behaves_like_nfc(index: SearchBackend) -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Lượng")
    assert ids(index, nfd) == ids(index, "Nguyễn Văn Lượng")
    assert ids(index, nfd)[0] == LUONG_MARKED


def test_document_number_whole_part_any_case_no_marks(index: SearchBackend) -> None:
    for query in ("1234/QĐ-UBND", "1234/qd-ubnd", "1234-QD-UBND", "1234/QĐ/UBND", "1234", "so:1234/qd-ubnd"):
        found = ids(index, query)
        assert found[0] == DECISION, query
    # the letter that cites the decision is found too, below the decision itself
    assert ids(index, "1234/QĐ-UBND") == [DECISION, CITES_DECISION]
    assert DECISION in ids(index, "qd-ubnd")
    assert ids(index, "231/UBND-ĐT")[0] == CITES_DECISION
    assert ids(index, "231/ubnd-dt")[0] == CITES_DECISION


def test_id_number_matches_exactly(index: SearchBackend) -> None:
    assert ids(index, "026197419930") == [MARRIAGE]
    assert ids(index, "026 197 419 930") == [MARRIAGE]
    assert ids(index, "cccd:026216169402") == [LUONG_MARKED]
    assert ids(index, "02619741993") == []  # one digit short is another person


def test_phrase_needs_adjacent_words(index: SearchBackend) -> None:
    assert MARRIAGE in ids(index, '"nguyen thi thu ha"')
    assert SCATTERED not in ids(index, '"nguyen thi thu ha"')
    assert SCATTERED in ids(index, "nguyen thi thu ha")  # without quotes: every word, anywhere


def test_name_written_together_ranks_above_scattered_words(index: SearchBackend) -> None:
    found = ids(index, "nguyen thi thu ha ket hon")
    assert found[0] == MARRIAGE
    assert SCATTERED in found


def test_not_or_and_parentheses(index: SearchBackend) -> None:
    assert LUONG_OTHER_MARKS not in ids(index, "luong NOT dong")
    assert LUONG_OTHER_MARKS not in ids(index, "luong -dong")
    assert set(ids(index, "tuấn OR mai")) == {OCR_DAMAGED, DECISION, CITES_DECISION}
    assert set(ids(index, "(tuấn OR mai) AND giấy")) == {DECISION, OCR_DAMAGED}
    assert set(ids(index, "luong AND NOT (dong OR bien)")) == {LUONG_MARKED, UNDATED}


def test_field_value_queries(index: SearchBackend) -> None:
    assert ids(index, 'ten:"nguyen thi thu ha"') == [MARRIAGE]
    assert set(ids(index, 'loai:"giấy chứng nhận kết hôn"')) == {MARRIAGE}
    assert set(ids(index, "linhvuc:ho-tich nam:2019")) == {MARRIAGE, SCATTERED}
    assert set(ids(index, "nguyen nam:2017")) == {LUONG_MARKED}
    assert set(ids(index, "donvi:TP")) == {DECISION}


def test_unit_type_field_and_date_filters(index: SearchBackend) -> None:
    assert set(ids(index, "luong", units=["P02"])) == {LUONG_OTHER_MARKS}
    assert set(ids(index, "luong", units=["P02", "P05"])) == {
        LUONG_MARKED,
        LUONG_OTHER_MARKS,
        LUONG_ASCII,
        UNDATED,
    }
    assert ids(index, "luong", units=[]) == []
    assert set(ids(index, "luong", doc_type="trich luc khai sinh")) == {LUONG_MARKED}
    assert set(ids(index, "hôn nhân", field="Hộ tịch")) == {MARRIAGE, SCATTERED, OCR_DAMAGED}
    assert set(ids(index, "luong", date_from="2018-01-01", date_to="2019-12-31")) == {LUONG_OTHER_MARKS}
    assert ids(index, "luong", date_from="2021-01-01") == []


def test_sort_by_date_puts_newest_first_and_undated_last(index: SearchBackend) -> None:
    assert ids(index, "luong", sort="date") == [LUONG_ASCII, LUONG_OTHER_MARKS, LUONG_MARKED, UNDATED]


def test_empty_query_lists_what_the_filters_allow(index: SearchBackend) -> None:
    result = search(index, "", units=["TP"])
    assert result.total == 1 and [h.id for h in result.hits] == [DECISION]


def test_fuzzy_finds_ocr_damage_only_when_asked(index: SearchBackend) -> None:
    assert OCR_DAMAGED not in ids(index, "Hoàng Minh Tuấn")
    found = search(index, "Hoàng Minh Tuấn", fuzzy=True)
    assert found.hits[0].id == OCR_DAMAGED
    assert "[[Hoàug Minh Tuấn]]" in found.hits[0].snippet


def test_snippet_marks_matches_in_their_original_accents(index: SearchBackend) -> None:
    hit = search(index, "nguyen van luong").hits[0]
    assert hit.id == LUONG_MARKED
    assert "[[Nguyễn Văn Lượng]]" in hit.snippet
    hit = search(index, "1234/qd-ubnd").hits[1]
    assert "[[1234/QĐ-UBND]]" in hit.snippet
    assert "\n" not in hit.snippet


def test_total_counts_every_match_beyond_the_limit(index: SearchBackend) -> None:
    result = search(index, "luong", limit=2)
    assert result.total == 4 and len(result.hits) == 2


def test_json_shape_is_exactly_the_documented_one(index: SearchBackend) -> None:
    data = search(index, "Lượng", limit=3).to_json()
    assert list(data) == ["query", "total", "hits"]
    assert data["query"] == "Lượng"
    assert list(data["hits"][0]) == ["id", "score", "source_name", "fields", "snippet"]
    first = data["hits"][0]
    assert first["id"] == LUONG_MARKED and first["source_name"] == f"scan_{LUONG_MARKED}.pdf"
    assert first["fields"]["number"] == "101/TLKS-BS"
    assert first["fields"]["unit"] == "P05" and first["fields"]["unit_name"] == "Phường Khai Quang"


@pytest.mark.parametrize(
    "query",
    ['"unclosed phrase', "((luong", "luong))", "AND", "NOT", "OR luong", "abc:xyz", ":", "-", '""', "   "],
)
def test_odd_input_never_fails(index: SearchBackend, query: str) -> None:
    result = search(index, query)
    assert result.total >= 0


def test_stray_punctuation_is_ignored(index: SearchBackend) -> None:
    assert ids(index, "nguyen van - luong / ,") == ids(index, "nguyen van luong")


def test_bad_sort_or_date_is_a_value_error(index: SearchBackend) -> None:
    with pytest.raises(ValueError):
        search(index, "luong", sort="size")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        search(index, "luong", date_from="last year")


def test_reopened_index_answers_the_same(index: SearchBackend, tmp_path: Path) -> None:
    """A second process (here: a second object) reads the same index from disk."""
    other = open_backend(None, index.path)
    assert ids(other, "Lượng") == ids(index, "Lượng")
    other.close()
