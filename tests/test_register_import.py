"""Importing registers as units hand them over: CSV (UTF-8 BOM, Windows-1258) and XLSX, on both databases."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sohoa.archive.models import AuditEvent, RegisterRow, Unit
from sohoa.archive.register import import_register, parse_mapping
from sohoa.archive.store import Archive
from sohoa.errors import InputFileError, SohoaError

from .register_support import HEADER, write_csv

DATA = Path(__file__).parent / "data" / "register"


def stored(archive: Archive) -> dict[str, dict]:
    """Every row, keyed by dossier code (or result key), with its unit's code."""
    with archive.sessions() as session:
        rows = session.execute(
            select(RegisterRow, Unit.code).join(Unit, Unit.id == RegisterRow.unit_id)
        ).all()
        return {
            (r.dossier_code or r.result_key): {
                "unit": code,
                "procedure": r.procedure,
                "field": r.field,
                "applicant": r.applicant,
                "result_number": r.result_number,
                "number_key": r.number_key,
                "issued_date": r.issued_date,
                "date_kind": r.date_kind,
                "valid": r.valid,
                "stored_at": r.stored_at,
                "digitised_on": r.digitised_on,
                "updated_at": r.updated_at,
            }
            for r, code in rows
        }


def test_utf8_bom_paper_register_with_titles(archive: Archive) -> None:
    result = import_register(archive, DATA / "so-theo-doi-khai-quang.utf8-bom.csv")
    assert result.to_json() == {"imported": 6, "updated": 0, "unchanged": 0, "errors": []}
    assert result.ignored_columns == ["STT"]
    rows = stored(archive)
    first = rows["000.00.12.H62-230105-0001"]
    assert first["procedure"] == "Đăng ký khai sinh" and first["field"] == "Hộ tịch"
    assert first["unit"] == "khai-quang" and first["applicant"] == "Nguyễn Văn Lượng"
    assert (first["result_number"], first["number_key"]) == ("01/TLKS-BS", "1/tlks-bs")
    assert (first["issued_date"], first["valid"], first["stored_at"]) == (date(2023, 1, 5), True, None)
    assert rows["000.00.12.H62-230212-0003"]["issued_date"] == date(2023, 2, 12)  # ISO
    certified = rows["000.00.12.H62-230301-0002"]
    assert certified["result_number"] == "143/SCT-BS"  # "Số: " dropped
    # "Có" in Đã lưu kho on a row seen for the first time: in the store since it was issued.
    assert certified["stored_at"] == certified["digitised_on"] == date(2023, 3, 1)
    paper = rows["khai-quang|27/xntthn|2023"]  # no dossier code: unit + number + year
    assert (paper["issued_date"], paper["valid"]) == (date(2023, 4, 17), True)  # d/m/yyyy; blank = valid
    death = rows["000.00.12.H62-230520-0007"]
    assert (death["issued_date"], death["valid"]) == (date(2023, 5, 20), False)  # trailing time; Hết hiệu lực
    business = rows["000.00.12.H62-230615-0004"]
    assert business["unit"] == "tc-kh" and business["stored_at"] == date(2023, 6, 15)


def test_windows_1258_export_with_other_headers(archive: Archive) -> None:
    raw = (DATA / "mot-cua-thanh-tru.cp1258.csv").read_bytes()
    assert b"\xcc" in raw or b"\xec" in raw  # combining tone marks, as Windows-1258 writes them
    result = import_register(archive, DATA / "mot-cua-thanh-tru.cp1258.csv")
    assert result.to_json()["imported"] == 3 and result.errors == []
    rows = stored(archive)
    birth = rows["000.00.12.H62-230710-0001"]
    assert birth["applicant"] == "Nguyễn Thị Hường" and unicodedata.is_normalized("NFC", birth["applicant"])
    assert (birth["unit"], birth["date_kind"], birth["issued_date"]) == (
        "thanh-tru",
        "returned",
        date(2023, 7, 12),
    )
    assert rows["000.00.12.H62-230711-0002"]["procedure"] == "Đăng ký thường trú"
    assert rows["000.00.12.H62-230801-0001"]["applicant"] == "Hồ Thị Ngọc Ánh"
    assert rows["000.00.12.H62-230801-0001"]["valid"] is False


def test_bad_rows_are_reported_by_row_number_and_none_dropped(archive: Archive) -> None:
    result = import_register(archive, DATA / "loi-nhap-lieu.csv")
    reasons = {e.row: e.reason for e in result.errors}
    assert result.imported == 2  # rows 2 and 13
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 14]
    assert "'31/02/2023' không phải ngày có thật" in reasons[3]
    assert "no Ngày ban hành" in reasons[4]
    assert "không có đơn vị 'Phường Không Tồn Tại'" in reasons[5]
    assert "neither a Mã hồ sơ nor a Số ký hiệu kết quả" in reasons[6]
    assert "Còn hiệu lực: 'chắc vậy'" in reasons[7]
    assert reasons[8] == "the same result as row 2 of this file"
    assert "'05/01/23' không phải ngày" in reasons[9]
    assert "Đã lưu kho: 'hôm qua'" in reasons[10]
    assert "07/01/2099 is in the future" in reasons[11]
    assert reasons[14].startswith("a total line ('Tổng cộng: 12 hồ sơ')")  # reported, not skipped
    data_rows = 13 - 1  # 13 non-blank lines after the header line
    assert result.imported + result.updated + result.unchanged + len(result.errors) == data_rows
    assert set(stored(archive)) == {"000.00.12.H62-230101-0001", "000.00.12.H62-230101-0011"}


def test_strict_imports_nothing_when_a_row_is_bad(archive: Archive) -> None:
    result = import_register(archive, DATA / "loi-nhap-lieu.csv", strict=True)
    assert not result.committed and len(result.errors) == 10
    with archive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RegisterRow)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_reimport_changes_nothing(archive: Archive) -> None:
    path = DATA / "so-theo-doi-khai-quang.utf8-bom.csv"
    import_register(archive, path)
    before = stored(archive)
    again = import_register(archive, path)
    assert again.to_json() == {"imported": 0, "updated": 0, "unchanged": 6, "errors": []}
    assert stored(archive) == before  # not even updated_at moved


def test_later_export_updates_rows_and_blank_cells_keep_values(archive: Archive, tmp_path: Path) -> None:
    code = "000.00.12.H62-240110-0001"
    first = [[1, code, "Đăng ký khai sinh", "Hộ tịch", "Phường Hội Hợp", "Trần Văn Bình", "3/TLKS-BS",
              "10/01/2024", "Có", "Không"]]  # fmt: skip
    import_register(archive, write_csv(tmp_path / "t1.csv", first), as_of=date(2024, 2, 1))
    later = [[1, code, "", "", "Phường Hội Hợp", "", "3/TLKS-BS", "10/01/2024", "", "Có"]]
    result = import_register(archive, write_csv(tmp_path / "t2.csv", later), as_of=date(2024, 3, 5))
    assert result.to_json() == {"imported": 0, "updated": 1, "unchanged": 0, "errors": []}
    row = stored(archive)[code]
    assert row["procedure"] == "Đăng ký khai sinh" and row["applicant"] == "Trần Văn Bình"  # blanks kept
    # Not stored at the first export, stored at the second: it entered the store by 05/03/2024.
    assert row["stored_at"] == row["digitised_on"] == date(2024, 3, 5)
    dated = [[1, code, "", "", "Phường Hội Hợp", "", "3/TLKS-BS", "10/01/2024", "Hết hiệu lực", "20/02/2024"]]
    import_register(archive, write_csv(tmp_path / "t3.csv", dated))
    row = stored(archive)[code]
    assert (row["valid"], row["stored_at"], row["digitised_on"]) == (
        False,
        date(2024, 2, 20),
        date(2024, 2, 20),
    )


def test_paper_row_adopts_the_dossier_code_of_a_later_export(archive: Archive, tmp_path: Path) -> None:
    paper = [[1, "", "Cấp giấy phép xây dựng", "Xây dựng", "Phòng Quản lý đô thị", "Ngô Văn Tú", "Số 05/GPXD",
              "03/03/2023", "Có", ""]]  # fmt: skip
    import_register(archive, write_csv(tmp_path / "paper.csv", paper))
    export = [[1, "000.00.12.H62-230303-0009", "Cấp giấy phép xây dựng", "Xây dựng", "Phòng Quản lý đô thị",
               "Ngô Văn Tú", "5/GPXD", "03/03/2023", "Có", "Không"]]  # fmt: skip
    result = import_register(archive, write_csv(tmp_path / "export.csv", export))
    assert (result.imported, result.updated) == (0, 1)
    assert list(stored(archive)) == ["000.00.12.H62-230303-0009"]
    # The same result the next year is another result (numbers restart each year).
    next_year = [[1, "", "Cấp giấy phép xây dựng", "Xây dựng", "qldt", "", "5/GPXD", "04/03/2024", "Có", ""]]
    assert import_register(archive, write_csv(tmp_path / "n.csv", next_year)).imported == 1


def test_map_names_other_headers(archive: Archive, tmp_path: Path) -> None:
    header = ["Số GCN", "Ngày cấp GCN", "Tình trạng", "Ghi chú"]
    rows = [["12/GCN-HKD", "01/06/2023", "Còn hiệu lực", "bản gốc"], ["13/GCN-HKD", "02/06/2023", "Hết", ""]]
    path = write_csv(tmp_path / "hkd.csv", rows, header=header, bom=False)
    with pytest.raises(InputFileError, match="không thấy dòng tiêu đề"):
        import_register(archive, path, unit="tc-kh")
    mapping = parse_mapping(
        ["Số GCN=Số ký hiệu kết quả", "Ngày cấp GCN=issued_date", "Tình trạng=Còn hiệu lực"]
    )
    result = import_register(archive, path, unit="Phòng Tài chính – Kế hoạch", mapping=mapping)
    assert result.imported == 2 and result.ignored_columns == ["Ghi chú"]
    rows_by_key = stored(archive)
    assert rows_by_key["tc-kh|13/gcn-hkd|2023"]["valid"] is False
    with pytest.raises(SohoaError, match="không có cột 'Số nhà'"):
        parse_mapping(["Địa chỉ=Số nhà"])


def test_xlsx_made_with_openpyxl(archive: Archive, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Ghi chú"
    sheet = book.create_sheet("Sổ 2023")
    sheet.append(["SỔ ĐĂNG KÝ KẾT QUẢ — PHƯỜNG NGÔ QUYỀN"])
    sheet.append([])
    sheet.append(["Mã hồ sơ", "Tên thủ tục", "Số", "Ký hiệu", "Ngày ban hành", "Còn hiệu lực", "Đã lưu kho"])
    sheet.append(
        ["000.00.12.H62-230901-0001", "Đăng ký khai sinh", 12, "TLKS-BS", datetime(2023, 9, 1), True, None]
    )
    sheet.append(["000.00.12.H62-230902-0001", "Đăng ký kết hôn", 7, "GCNKH", "02/09/2023", False, "x"])
    sheet.append(["000.00.12.H62-230903-0001", "Đăng ký khai tử", 9, "TLKT", "không rõ", True, None])
    decomposed = unicodedata.normalize("NFD", "Đăng ký lại khai sinh")
    sheet.append(["000.00.12.H62-230904-0001", decomposed, 3, "TLKS", datetime(2023, 9, 4, 8, 30), 1, 0])
    path = tmp_path / "so-ngo-quyen.xlsx"
    book.save(path)
    result = import_register(archive, path, unit="ngo-quyen", sheet="Sổ 2023")
    assert result.imported == 3
    assert [(e.row, e.reason) for e in result.errors] == [
        (6, "Ngày ban hành: 'không rõ' không phải ngày (viết dd/mm/yyyy hoặc yyyy-mm-dd)")
    ]
    rows = stored(archive)
    birth = rows["000.00.12.H62-230901-0001"]
    assert (birth["result_number"], birth["issued_date"], birth["valid"]) == (
        "12/TLKS-BS",
        date(2023, 9, 1),
        True,
    )
    assert rows["000.00.12.H62-230902-0001"]["valid"] is False
    again = rows["000.00.12.H62-230904-0001"]
    assert again["procedure"] == "Đăng ký lại khai sinh" and again["issued_date"] == date(2023, 9, 4)
    with pytest.raises(InputFileError, match="has no sheet 'Sổ 2024'"):
        import_register(archive, path, unit="ngo-quyen", sheet="Sổ 2024")


def test_audit_event_counts_without_personal_data(archive: Archive) -> None:
    import_register(archive, DATA / "so-theo-doi-khai-quang.utf8-bom.csv")
    with archive.sessions() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "register.import")).all()
    assert event.detail["file"] == "so-theo-doi-khai-quang.utf8-bom.csv" and len(event.detail["sha256"]) == 64
    assert (event.detail["imported"], event.detail["errors"], event.detail["rows"]) == (6, 0, 7)
    assert "Lượng" not in str(event.detail) and "Nguyễn" not in str(event.detail)


def test_files_that_are_not_registers_are_refused(archive: Archive, tmp_path: Path) -> None:
    notes = tmp_path / "ghi-chu.csv"
    notes.write_text("Họ tên,Địa chỉ\nNguyễn Văn A,Khai Quang\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="không thấy dòng tiêu đề"):
        import_register(archive, notes, unit="khai-quang")
    no_unit = write_csv(tmp_path / "no-unit.csv", [["1/QĐ", "01/01/2023"]], header=["Số ký hiệu", "Ngày ký"])
    with pytest.raises(InputFileError, match="không có cột 'Đơn vị'"):
        import_register(archive, no_unit)
    old = tmp_path / "so.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(InputFileError, match="lưu lại dạng .xlsx"):
        import_register(archive, old, unit="khai-quang")
    with archive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RegisterRow)) == 0


def test_header_constant_matches_the_issue() -> None:
    """The support CSV writer uses the issue's header names verbatim."""
    assert "Chủ hồ sơ / Người nộp" in HEADER and "Ngày ban hành / Ngày trả kết quả" in HEADER


def test_a_procedure_starting_like_a_total_is_a_result(archive: Archive, tmp_path: Path) -> None:
    header = ["Tên thủ tục", "Số ký hiệu kết quả", "Ngày ban hành"]
    rows = [["Công nhận hộ nghèo", "3/QĐ-UBND", "02/02/2023"], ["Cộng", "", ""]]
    result = import_register(archive, write_csv(tmp_path / "cn.csv", rows, header=header), unit="dinh-trung")
    assert result.imported == 1
    assert [(e.row, e.reason[:14]) for e in result.errors] == [(3, "a total line (")]
