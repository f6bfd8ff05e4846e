"""Matching documents to register rows: dossier code first, then number + symbol + issuer + date
tolerant of one OCR error, one to one, ambiguous cases left to a clerk; manual links audited."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sohoa.archive import matching
from sohoa.archive.models import AuditEvent, RegisterLink, RegisterRow
from sohoa.archive.register import import_register
from sohoa.archive.store import Archive
from sohoa.errors import NotFoundError, SohoaError

from .register_support import add_document, at, write_csv

KQ = "UBND phường Khai Quang"


def load(archive: Archive, tmp_path: Path, rows: list[tuple], header: list[str] | None = None) -> None:
    """Rows as (dossier, unit, number, date[, extra columns]) into the register."""
    if header is None:
        header = ["Mã hồ sơ", "Đơn vị", "Số ký hiệu kết quả", "Ngày ban hành"]
    path = write_csv(
        tmp_path / f"r{len(list(tmp_path.iterdir()))}.csv", [list(r) for r in rows], header=header
    )
    result = import_register(archive, path)
    assert result.errors == [], result.errors


def links(archive: Archive) -> dict[int, tuple[str | None, str | None, str]]:
    """document id -> (row's dossier code, row's number, method)."""
    with archive.sessions() as session:
        q = select(
            RegisterLink.document_id, RegisterRow.dossier_code, RegisterRow.result_number, RegisterLink.method
        )
        q = q.join(RegisterRow, RegisterRow.id == RegisterLink.row_id)
        return {d: (code, number, method) for d, code, number, method in session.execute(q)}


def row_id(archive: Archive, number: str) -> int:
    with archive.sessions() as session:
        return session.scalar(select(RegisterRow.id).where(RegisterRow.result_number == number))


def test_dossier_code_ignores_spaces_case_and_dash_forms(archive: Archive, tmp_path: Path) -> None:
    load(archive, tmp_path, [("000.00.12.H62-240610-0001", KQ, "1/TLKS-BS", "10/06/2024")])
    doc = add_document(archive, "khai-quang", at(date(2024, 6, 12)), dossier="000.00.12.h62 – 240610-0001")
    summary = matching.match_documents(archive)
    assert (summary.linked_by_dossier, summary.linked_by_number) == (1, 0)
    assert links(archive) == {doc: ("000.00.12.H62-240610-0001", "1/TLKS-BS", "dossier")}


@pytest.mark.parametrize(
    ("read_number", "read_date", "linked"),
    [
        ("13/QĐ-UBND", date(2024, 6, 10), True),  # exact
        ("13/OĐ-UBND", date(2024, 6, 10), True),  # Q read as O
        ("13/QD-UBND", date(2024, 6, 10), True),  # Đ without its bar
        ("013/QĐ-UBND", date(2024, 6, 10), True),  # zero padding
        ("13/QĐ-UBND", date(2024, 6, 16), True),  # 10/06 read as 16/06
        ("18/QĐ-UBND", date(2024, 6, 10), True),  # 3 read as its look-alike 8, the date exact
        ("14/QĐ-UBND", date(2024, 6, 10), False),  # 3 and 4 do not look alike: another result
        ("18/QĐ-UBND", date(2024, 6, 16), False),  # two misreadings at once
        ("13/QĐ-UBND", date(2023, 6, 10), False),  # last year's number 13
        ("13/GPXD", date(2024, 6, 10), False),  # another symbol
    ],
)
def test_number_symbol_and_date_tolerate_one_ocr_error(
    archive: Archive, tmp_path: Path, read_number: str, read_date: date, linked: bool
) -> None:
    load(archive, tmp_path, [("000.00.12.H62-240610-0013", KQ, "13/QĐ-UBND", "10/06/2024")])
    doc = add_document(archive, "khai-quang", at(date(2024, 6, 20)), number=read_number, issued=read_date)
    matching.match_documents(archive)
    assert (doc in links(archive)) is linked


def test_only_rows_of_the_unit_and_its_sub_units(archive: Archive, tmp_path: Path) -> None:
    load(archive, tmp_path, [("000.00.12.H62-240610-0005", KQ, "5/UBND-TP", "10/06/2024")])
    other = add_document(
        archive, "tich-son", at(date(2024, 6, 20)), number="5/UBND-TP", issued=date(2024, 6, 10)
    )
    matching.match_documents(archive)
    assert links(archive) == {}
    city = add_document(
        archive, "vinh-yen", at(date(2024, 6, 21)), number="05/UBND-TP", issued=date(2024, 6, 10)
    )
    matching.match_documents(archive)
    assert list(links(archive)) == [city] and other not in links(archive)


def test_a_hand_out_date_accepts_a_document_signed_before_it(archive: Archive, tmp_path: Path) -> None:
    header = ["Mã hồ sơ", "Đơn vị", "Số ký hiệu kết quả", "Ngày trả kết quả"]
    load(archive, tmp_path, [("000.00.12.H62-240614-0001", KQ, "88/SCT-BS", "14/06/2024")], header)
    early = add_document(
        archive, "khai-quang", at(date(2024, 6, 20)), number="88/SCT-BS", issued=date(2024, 6, 11)
    )
    matching.match_documents(archive)
    assert early in links(archive)


def test_an_issuer_named_by_the_register_must_agree(archive: Archive, tmp_path: Path) -> None:
    header = ["Mã hồ sơ", "Đơn vị", "Số ký hiệu kết quả", "Ngày ban hành", "Cơ quan ban hành"]
    rows = [("000.00.12.H62-240610-0031", "qldt", "31/GPXD", "10/06/2024", "UBND thành phố Vĩnh Yên")]
    load(archive, tmp_path, rows, header)
    wrong = add_document(archive, "qldt", at(date(2024, 6, 20)), number="31/GPXD", issued=date(2024, 6, 10),
                         issuer="Sở Xây dựng tỉnh Vĩnh Phúc")  # fmt: skip
    matching.match_documents(archive)
    assert links(archive) == {}
    right = add_document(archive, "qldt", at(date(2024, 6, 21)), number="31/GPXD", issued=date(2024, 6, 10),
                         issuer="ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN")  # fmt: skip
    matching.match_documents(archive)
    assert list(links(archive)) == [right] and wrong not in links(archive)


def test_two_rows_that_fit_equally_are_left_to_a_clerk(archive: Archive, tmp_path: Path) -> None:
    rows = [
        ("000.00.12.H62-240610-0001", KQ, "7/TLKS-BS", "10/06/2024"),
        ("000.00.12.H62-240610-0002", KQ, "7/TLKS-BS", "10/06/2024"),  # entered twice in the register
    ]
    load(archive, tmp_path, rows)
    doc = add_document(
        archive, "khai-quang", at(date(2024, 6, 20)), number="7/TLKS-BS", issued=date(2024, 6, 10)
    )
    summary = matching.match_documents(archive)
    assert (summary.linked, summary.ambiguous) == (0, 1)
    with archive.sessions() as session:
        found = matching.list_unmatched(session)
    [entry] = found.ambiguous
    assert entry["document"] == doc and len(entry["candidates"]) == 2
    assert {c["reason"] for c in entry["candidates"]} == {"several rows fit"}
    assert found.documents_total == 1 and found.rows_total == 2


def test_two_documents_for_one_row_link_only_the_clearly_better(archive: Archive, tmp_path: Path) -> None:
    load(archive, tmp_path, [("000.00.12.H62-240610-0009", KQ, "9/TLKS-BS", "10/06/2024")])
    first = add_document(
        archive, "khai-quang", at(date(2024, 6, 20)), number="9/TLKS-BS", issued=date(2024, 6, 10)
    )
    again = add_document(
        archive, "khai-quang", at(date(2024, 6, 21)), number="9/TLKS-BS", issued=date(2024, 6, 10)
    )
    summary = matching.match_documents(archive)
    assert (summary.linked, summary.ambiguous) == (0, 2)  # a duplicate scan: a clerk decides
    misread = add_document(archive, "khai-quang", at(date(2024, 6, 22)), number="9/TLKS-BS",
                           issued=date(2024, 6, 16))  # fmt: skip
    matching.link_document(archive, first, "000.00.12.H62-240610-0009")
    matching.match_documents(archive)
    assert list(links(archive)) == [first] and again not in links(archive) and misread not in links(archive)


def test_a_flagged_duplicate_scan_leaves_the_first_scan_to_match(archive: Archive, tmp_path: Path) -> None:
    """Ingest flags a second scan with the same number, symbol and issuer: only the first counts."""
    from sohoa.archive.models import Document

    load(archive, tmp_path, [("000.00.12.H62-240610-0010", KQ, "10/TLKS-BS", "10/06/2024")])
    first = add_document(
        archive, "khai-quang", at(date(2024, 6, 20)), number="10/TLKS-BS", issued=date(2024, 6, 10)
    )
    again = add_document(
        archive, "khai-quang", at(date(2024, 6, 21)), number="10/TLKS-BS", issued=date(2024, 6, 10)
    )
    with archive.sessions.begin() as session:
        session.get(Document, again).duplicate_of = first
    summary = matching.match_documents(archive)
    assert (summary.linked, summary.ambiguous) == (1, 0)
    assert list(links(archive)) == [first]


def test_one_document_one_row_is_enforced_by_the_database(archive: Archive, tmp_path: Path) -> None:
    load(archive, tmp_path, [("000.00.12.H62-240610-0001", KQ, "1/X", "10/06/2024"),
                             ("000.00.12.H62-240610-0002", KQ, "2/X", "10/06/2024")])  # fmt: skip
    doc = add_document(archive, "khai-quang", at(date(2024, 6, 20)), dossier="000.00.12.H62-240610-0001")
    other = add_document(archive, "khai-quang", at(date(2024, 6, 20)))
    matching.match_documents(archive)
    with archive.sessions() as session, pytest.raises(IntegrityError):
        session.add(RegisterLink(document_id=doc, row_id=row_id(archive, "2/X"), method="manual",
                                 digitised_on=date(2024, 6, 20)))  # fmt: skip
        session.commit()
    with archive.sessions() as session, pytest.raises(IntegrityError):
        session.add(RegisterLink(document_id=other, row_id=row_id(archive, "1/X"), method="manual",
                                 digitised_on=date(2024, 6, 20)))  # fmt: skip
        session.commit()


def test_a_dossier_code_already_linked_is_reported(archive: Archive, tmp_path: Path) -> None:
    load(archive, tmp_path, [("000.00.12.H62-240610-0001", KQ, "1/X", "10/06/2024")])
    add_document(archive, "khai-quang", at(date(2024, 6, 20)), dossier="000.00.12.H62-240610-0001")
    matching.match_documents(archive)
    copy = add_document(archive, "khai-quang", at(date(2024, 6, 25)), dossier="000.00.12.H62-240610-0001")
    summary = matching.match_documents(archive, new_only=True)
    assert (summary.considered, summary.linked, summary.ambiguous) == (1, 0, 1)
    with archive.sessions() as session:
        [entry] = matching.list_unmatched(session).ambiguous
    assert entry["document"] == copy and entry["candidates"][0]["reason"] == "row already linked"


def test_new_only_considers_documents_added_since_the_last_run(archive: Archive, tmp_path: Path) -> None:
    add_document(archive, "khai-quang", at(date(2024, 6, 1)), number="1/Y", issued=date(2024, 6, 1))
    assert matching.match_documents(archive).considered == 1
    assert matching.match_documents(archive, new_only=True).considered == 0
    add_document(archive, "khai-quang", at(date(2024, 6, 2)), number="2/Y", issued=date(2024, 6, 2))
    assert matching.match_documents(archive, new_only=True).considered == 1
    assert matching.match_documents(archive).considered == 2  # a full run looks at every unlinked one


def test_manual_link_is_audited_and_moves_only_with_replace(archive: Archive, tmp_path: Path) -> None:
    load(archive, tmp_path, [("000.00.12.H62-240610-0001", KQ, "1/X", "10/06/2024"),
                             ("000.00.12.H62-240610-0002", KQ, "2/X", "10/06/2024")])  # fmt: skip
    doc = add_document(archive, "khai-quang", at(date(2024, 6, 20)))
    stray = add_document(archive, "khai-quang", at(date(2024, 6, 22)))
    result = matching.link_document(archive, doc, "000.00.12.H62-240610-0001")
    assert (result.document_id, result.replaced, result.unchanged) == (doc, [], False)
    assert matching.link_document(archive, doc, "000.00.12.H62-240610-0001").unchanged
    with pytest.raises(SohoaError, match=f"văn bản {doc} đang liên kết với dòng .*--replace"):
        matching.link_document(archive, stray, "000.00.12.H62-240610-0001")
    second = row_id(archive, "2/X")
    moved = matching.link_document(archive, doc, str(second), replace=True)
    assert moved.replaced == [(doc, row_id(archive, "1/X"))]
    with archive.sessions() as session:
        days = dict(session.execute(select(RegisterRow.result_number, RegisterRow.digitised_on)).all())
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "register.link")).all()
    assert days == {"1/X": None, "2/X": date(2024, 6, 20)}
    assert [e.document_id for e in events] == [doc, doc]
    assert events[1].detail["replaced"] == [{"document_id": doc, "row_id": row_id(archive, "1/X")}]
    with pytest.raises(NotFoundError):
        matching.link_document(archive, doc, "000.00.12.H62-999999-0000")
    with pytest.raises(NotFoundError):
        matching.link_document(archive, 99999, str(second))


def test_unmatched_lists_no_applicant_names(archive: Archive, tmp_path: Path) -> None:
    header = ["Mã hồ sơ", "Đơn vị", "Chủ hồ sơ", "Số ký hiệu kết quả", "Ngày ban hành"]
    load(
        archive,
        tmp_path,
        [("000.00.12.H62-240610-0001", KQ, "Nguyễn Văn Lượng", "1/X", "10/06/2024")],
        header,
    )
    with archive.sessions() as session:
        found = matching.list_unmatched(session)
    assert found.rows_total == 1 and "Lượng" not in str(found.to_json())
    assert found.rows[0]["dossier_code"] == "000.00.12.H62-240610-0001"
