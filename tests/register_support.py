"""Helpers for the register and report tests: documents made directly as rows (the tests are
about counting, not OCR), and a CSV writer for register files."""

from __future__ import annotations

import csv
import hashlib
import itertools
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sohoa.archive.models import Document, Original, Unit
from sohoa.archive.store import Archive
from sohoa.fields import FIELD_NAMES

_serial = itertools.count(1)

HEADER = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục",
    "Lĩnh vực",
    "Đơn vị",
    "Chủ hồ sơ / Người nộp",
    "Số ký hiệu kết quả",
    "Ngày ban hành / Ngày trả kết quả",
    "Còn hiệu lực",
    "Đã lưu kho",
]


def at(day: date, hour: int = 9) -> datetime:
    """A digitisation moment: ``hour`` o'clock UTC on ``day`` (16:00 local: the same local day)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def add_document(
    archive: Archive,
    unit: str,
    created: datetime,
    *,
    number: str | None = None,
    issued: date | None = None,
    dossier: str | None = None,
    issuer: str | None = None,
    pages: int = 1,
) -> int:
    """Store a document row as ingest would (without files); returns its id."""
    serial = next(_serial)
    sha = hashlib.sha256(f"doc-{serial}-{created.isoformat()}".encode()).hexdigest()
    fields: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    fields.update(
        number=number, issued_date=issued.isoformat() if issued else None, dossier_code=dossier, issuer=issuer
    )
    with archive.sessions.begin() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit))
        session.add(
            Original(
                sha256=sha,
                size=1,
                media_type="application/pdf",
                source_name=f"scan-{serial}.pdf",
                stored_path=f"originals/{sha}.pdf",
                page_count=pages,
                created_at=created,
            )
        )
        doc = Document(
            original_sha256=sha,
            page_from=1,
            page_to=pages,
            unit_id=unit_id,
            status="stored",
            pdf_path=f"documents/{sha}.pdf",
            page_count=pages,
            fields=fields,
            issued_date=issued,
            created_at=created,
            updated_at=created,
        )
        session.add(doc)
        session.flush()
        return doc.id


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER, bom: bool = True) -> Path:
    """A register CSV as Excel's 'CSV UTF-8' writes it (with a BOM) unless ``bom`` is False."""
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# -- the report scenario (figures computed by hand in test_report_figures.py) -----------------
# Period 2024-Q2 (01/04–30/06/2024), as of 30/06/2024; default baseline 01/01/2024, target 20%.
SUB_UNIT = "mot-cua-kq"  # a sub-unit of Phường Khai Quang, added by the scenario


def dossier(unit_tag: str, n: int) -> str:
    return f"000.00.12.H62-{unit_tag}-{n:04d}"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` in Vĩnh Yên (UTC+7) on ``day``, as the UTC moment stored."""
    from datetime import timedelta

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def scenario_rows() -> list[list[Any]]:
    """The register: Khai Quang (K), its sub-unit (S), Tích Sơn (T), Tư pháp (P), Đống Đa (D)."""
    rows: list[list[Any]] = []

    def add(
        tag: str, n: int, unit: str, number: str, day: str, valid: str = "Có", stored: str = "Không"
    ) -> None:
        rows.append(
            [
                len(rows) + 1,
                dossier(tag, n),
                "Đăng ký khai sinh",
                "Hộ tịch",
                unit,
                "Nguyễn Văn Lượng",
                number,
                day,
                valid,
                stored,
            ]
        )

    kq = "UBND phường Khai Quang"
    for n in range(1, 11):  # K1..K10: backlog
        add("240105", n, kq, f"{n}/TLKS-BS", f"{n:02d}/05/2023")
    add("240105", 11, kq, "11/TLKS-BS", "11/05/2023", valid="Không")  # no longer valid: not backlog
    add("240105", 12, kq, "12/TLKS-BS", "12/05/2023", stored="Có")  # already in the store: not backlog
    add("240105", 13, kq, "13/TLKS-BS", "10/05/2024")  # new in the period
    add("240105", 14, kq, "14/TLKS-BS", "2024-06-30")  # new, last day of the period (ISO date)
    add("240105", 15, kq, "15/TLKS-BS", "01/07/2024")  # after the period
    add("240105", 16, kq, "16/TLKS-BS", "31/03/2024")  # before the period
    for n in range(1, 6):  # S1..S5: backlog of the sub-unit
        add("240106", n, SUB_UNIT, f"{n}/CT", f"0{n}/06/2023")
    ts = "Phường Tích Sơn"
    for n in range(1, 9):  # T1..T8: before Tích Sơn's baseline 01/03/2024
        add("240107", n, ts, f"{n}/QĐ-UBND", f"{10 + n}/01/2024")
    add("240107", 9, ts, "9/QĐ-UBND", "20/02/2024", stored="có")  # in the store before the baseline
    add("240107", 10, ts, "10/QĐ-UBND", "01/12/2023", stored="10/04/2024")  # stored after it: digitised
    add("240107", 11, ts, "11/QĐ-UBND", "02/04/2024")  # new in the period
    for n in range(1, 5):  # P1..P4: Tư pháp, nothing digitised
        add("240108", n, "Phòng Tư pháp", f"{n}/GCN", f"0{n}/09/2023")
    for n in range(1, 41):  # D1..D40: Đống Đa, slow
        add("240109", n, "Phường Đống Đa", f"{n}/TB", f"{(n % 28) + 1:02d}/10/2023")
    return rows


def build_scenario(archive: Archive, folder: Path) -> Path:
    """Import the scenario's register, set Tích Sơn's target, add and match its documents."""
    from sohoa.archive import matching, register, reports, units

    with archive.sessions.begin() as session:
        parent = units.resolve_unit(session, "khai-quang")
        units.add_unit(session, SUB_UNIT, "Bộ phận một cửa phường Khai Quang", "centre", parent)
    path = write_csv(folder / "so-theo-doi-2024.csv", scenario_rows())
    result = register.import_register(archive, path)
    assert result.errors == [] and result.imported == 76, result
    reports.set_target(archive, "tich-son", 2024, baseline=date(2024, 3, 1), percent=25)

    def doc(unit: str, tag: str, n: int, created: datetime, pages: int = 1) -> int:
        return add_document(archive, unit, created, dossier=dossier(tag, n), pages=pages)

    doc("khai-quang", "240105", 1, at(date(2024, 3, 15)))  # K1: digitised before the period
    doc("khai-quang", "240105", 2, at(date(2024, 6, 5)), pages=2)  # K2: in the 4-week window
    doc("khai-quang", "240105", 3, local(date(2024, 7, 1), 0, 30))  # K3: 1 July local: too late
    doc("khai-quang", "240105", 4, local(date(2024, 6, 2), 16))  # K4: 2 June: just before the window
    doc("khai-quang", "240105", 13, at(date(2024, 5, 20)), pages=3)  # K13: a new result digitised
    doc("khai-quang", "240105", 16, local(date(2024, 4, 1), 0, 30), pages=4)  # K16: first minutes of Q2
    doc(SUB_UNIT, "240106", 1, at(date(2024, 6, 10)))
    doc(SUB_UNIT, "240106", 2, at(date(2024, 6, 20)))
    doc("tich-son", "240107", 1, at(date(2024, 6, 25)))
    doc("dong-da", "240109", 7, at(date(2024, 6, 15)))
    # Thanh Trù has no register: its documents issued in the period are what it digitised.
    add_document(
        archive, "thanh-tru", at(date(2024, 5, 6)), issued=date(2024, 5, 5), number="5/UBND", pages=2
    )
    add_document(archive, "thanh-tru", at(date(2024, 4, 15)), issued=date(2024, 3, 1), number="6/UBND")
    add_document(archive, "thanh-tru", at(date(2024, 7, 2)), issued=date(2024, 6, 10), number="7/UBND")
    summary = matching.match_documents(archive)
    assert summary.linked_by_dossier == 10, summary
    return path
