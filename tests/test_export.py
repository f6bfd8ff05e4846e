"""``sohoa export`` contracts on documents made as rows (no OCR): the TT 05/2025 metadata XML and
JSON, selection by unit, period and id list, the refusal of a non-empty OUT, the audit trail, a
valid BagIt bag; ``sohoa units set-code``. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from sohoa.archive.handover.records import ELEMENTS, TYPE_CODES, split_number, type_code
from sohoa.archive.models import Document
from sohoa.archive.settings import write_setting
from sohoa.archive.store import Archive
from tests.conftest import add_stored_document, run_sohoa

DECISION = {
    "doc_type": "Quyết định",
    "number": "15/2024/QĐ-UBND",
    "issued_date": "2024-03-05",
    "issuer": "ỦY BAN NHÂN DÂN PHƯỜNG KHAI QUANG",
    "summary": "Về việc cấp giấy phép xây dựng cho bà Trần Thị Hoa",
    "signer": "Lê Anh Tân",
    "signer_title": "PHÓ CHỦ TỊCH",
}


def _documents(bag: Path) -> dict[str, Path]:
    return {p.name: p for p in (bag / "data" / "documents").iterdir()}


def _keys(archive: Archive, ids: list[int]) -> set[str]:
    with archive.sessions() as session:
        docs = session.scalars(select(Document).where(Document.id.in_(ids)))
        return {f"{d.original_sha256}-p{d.page_from}" for d in docs}


def test_metadata_xml_and_json_carry_the_standards_fields(archive: Archive, tmp_path: Path) -> None:
    scanned = add_stored_document(archive, 1, fields=DECISION)
    born = add_stored_document(archive, 2, fields={**DECISION, "doc_type": "Công văn", "number": "7/UBND-VP"})
    with archive.sessions.begin() as session:
        session.get(Document, born).pages[0].method = "text-layer"  # read from a text layer: born digital
        write_setting(session, "handover.mode.02", "01")  # decisions: public
        write_setting(session, "handover.maintenance.default", "04")  # everything else: 30 years
    assert run_sohoa(archive, "units", "set-code", "khai-quang", "000.00.12.h62").returncode == 0

    done = run_sohoa(archive, "export", str(tmp_path / "bag"), "--documents", f"{scanned},{born}", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["documents"] == 2
    folders = _documents(tmp_path / "bag")
    (decision_key,) = _keys(archive, [scanned])
    folder = folders[decision_key]
    root = ET.parse(folder / "metadata.xml").getroot()
    assert [child.tag for child in root] == list(ELEMENTS)
    xml = {child.tag: child.text for child in root}
    assert xml["FileCode"] == "000.00.12.H62.2024.02"
    assert root.find("TypeName").get("code") == "02" and xml["TypeName"] == "Quyết định"
    assert (xml["CodeNumber"], xml["CodeNotation"]) == ("15/2024", "QĐ-UBND")
    assert xml["IssuedDate"] == "2024-03-05" and xml["OrganName"] == DECISION["issuer"]
    assert xml["Subject"] == DECISION["summary"] and xml["Language"] == "Tiếng Việt"
    assert (xml["Position"], xml["FullName"], xml["PageAmount"]) == ("PHÓ CHỦ TỊCH", "Lê Anh Tân", "1")
    assert (xml["ConfidenceLevel"], xml["Mode"], xml["Maintenance"]) == ("02", "01", "04")
    data = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    standard = data["standard"]
    assert standard["TypeName"] == {"code": "02", "name": "Quyết định"}
    assert {k: v for k, v in standard.items() if k not in ("TypeName", "PageAmount")} == {
        k: v for k, v in xml.items() if k not in ("TypeName", "PageAmount")
    }
    assert data["document"]["field_source"]["summary"] == "auto"
    (pdf,) = folder.glob("*.pdf")
    assert pdf.name == "000.00.12.H62.2024.02.001.pdf"  # <mã hồ sơ>.<số thứ tự>

    (born_key,) = _keys(archive, [born])
    born_xml = {c.tag: c.text for c in ET.parse(folders[born_key] / "metadata.xml").getroot()}
    assert born_xml["ConfidenceLevel"] == "01" and born_xml["TypeName"] == "Công văn"
    assert (born_xml["Mode"], born_xml["Maintenance"]) == ("02", "04")  # the defaults for other types

    bagit_py = str(Path(sys.executable).parent / "bagit.py")
    validated = subprocess.run([bagit_py, "--validate", str(tmp_path / "bag")], capture_output=True)
    assert validated.returncode == 0, validated.stderr[-1000:]
    assert (tmp_path / "bag" / "manifest-sha256.txt").exists()
    history = json.loads((folder / "history.json").read_text(encoding="utf-8"))
    assert {f["role"] for f in history["fixity"]} == {"original", "pdf"}


def test_selection_by_list_unit_and_period(archive: Archive, tmp_path: Path) -> None:
    ids = [
        add_stored_document(archive, n, fields={**DECISION, "issued_date": f"{year}-06-01"})
        for n, year in enumerate([2023, 2024, 2024, 2025, 2024], start=1)
    ]
    add_stored_document(archive, 9, unit="lien-bao", fields={**DECISION, "issued_date": "2024-06-01"})
    with archive.sessions.begin() as session:  # the period is the issued date, not the day stored
        for doc in session.scalars(select(Document).where(Document.id.in_(ids))):
            doc.issued_date = date.fromisoformat(doc.fields["issued_date"])

    listed = run_sohoa(archive, "export", str(tmp_path / "a"), "--documents", f"{ids[0]},{ids[2]}-{ids[3]}")
    assert listed.returncode == 0, listed.stderr
    assert set(_documents(tmp_path / "a")) == _keys(archive, [ids[0], ids[2], ids[3]])

    period = run_sohoa(archive, "export", str(tmp_path / "b"), "--unit", "khai quang", "--period", "2024")
    assert period.returncode == 0, period.stderr
    assert set(_documents(tmp_path / "b")) == _keys(archive, [ids[1], ids[2], ids[4]])

    for bad in (
        ["--documents", "1,x"],
        ["--documents", "5-2"],
        ["--unit", "khai-quang", "--documents", "1"],
        ["--documents", "1", "--period", "2024"],
        ["--unit", "khai-quang", "--period", "2024-13"],
        [],
    ):
        done = run_sohoa(archive, "export", str(tmp_path / "c"), *bad)
        assert done.returncode == 2, (bad, done.stderr)
        assert "Traceback" not in done.stderr and not (tmp_path / "c").exists()
    assert run_sohoa(archive, "export", str(tmp_path / "c"), "--documents", "999").returncode == 7
    assert run_sohoa(archive, "export", str(tmp_path / "c"), "--unit", "không có").returncode == 8


def test_non_empty_out_exits_2_untouched_and_the_export_is_audited(archive: Archive, tmp_path: Path) -> None:
    doc = add_stored_document(archive, 1, fields=DECISION)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("giữ nguyên", encoding="utf-8")
    done = run_sohoa(archive, "export", str(out), "--documents", str(doc))
    assert done.returncode == 2 and "đã có dữ liệu" in done.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]

    empty = tmp_path / "empty"
    empty.mkdir()  # an empty folder is fine
    assert run_sohoa(archive, "export", str(empty), "--documents", str(doc)).returncode == 0
    assert (empty / "bagit.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left

    trail = run_sohoa(archive, "audit", "--json")
    assert trail.returncode == 0, trail.stderr
    exports = [e for e in json.loads(trail.stdout) if e["action"] == "export"]
    assert len(exports) == 1 and exports[0]["detail"]["ids"] == str(doc)
    assert exports[0]["detail"]["out"] == str(empty)


def test_set_code_refuses_a_malformed_code(archive: Archive) -> None:
    done = run_sohoa(archive, "units", "set-code", "khai-quang", "H62")
    assert done.returncode == 2 and "000.00.12.H62" in done.stderr
    assert run_sohoa(archive, "units", "set-code", "không có", "000.00.12.H62").returncode == 8


@pytest.mark.parametrize(
    ("number", "parts"),
    [("1234/QĐ-UBND", ("1234", "QĐ-UBND")), ("15/2024/QĐ-UBND", ("15/2024", "QĐ-UBND")),
     ("143/TLKS-BS", ("143", "TLKS-BS")), ("12", ("12", None)), (None, (None, None))],
)  # fmt: skip
def test_number_splits_into_code_number_and_notation(number: str | None, parts: tuple) -> None:
    assert split_number(number) == parts


def test_type_codes_fold_diacritics_and_fall_back_to_other() -> None:
    assert type_code("Quyết định") == type_code("QUYET DINH") == type_code("QĐ") == "02"
    assert type_code("Công văn") == "22" and type_code("Nghị quyết") == "01"
    assert type_code("Trích lục") == type_code(None) == "32"
    assert type_code("Bản thoả thuận") == type_code("Bản thỏa thuận") == "20"  # old and new tone placement
    # results sohoa stores that the list does not name keep their kind as text under 32 Khác
    assert type_code("Giấy chứng nhận") == type_code("Giấy phép") == type_code("Thư công") == "32"


# NĐ 30/2020 Phụ lục III's abbreviations in its order (../shared/domain.md §1), then its copy forms
PHU_LUC_III = (
    "NQ", "QĐ", "CT", "QC", "QyĐ", "TC", "TB", "HD", "CTr", "KH", "PA", "ĐA", "DA", "BC", "BB", "TTr", "HĐ",
    "CĐ", "BGN", "BTT", "GUQ", "GM", "GGT", "GNP", "PG", "PC", "PB", "SY", "TrS", "SL",
)  # fmt: skip


def test_type_codes_are_01_to_32_in_phu_luc_iii_order_with_cong_van_22_and_khac_32() -> None:
    assert list(TYPE_CODES) == [f"{n:02d}" for n in range(1, 33)]
    assert (TYPE_CODES["01"], TYPE_CODES["02"], TYPE_CODES["22"], TYPE_CODES["32"]) == (
        "Nghị quyết", "Quyết định", "Công văn", "Khác",
    )  # fmt: skip
    codes = [type_code(abbreviation) for abbreviation in PHU_LUC_III]
    assert codes == [f"{n:02d}" for n in range(1, 32) if n != 22]  # every kind once, in order
    assert [type_code(TYPE_CODES[c]) for c in TYPE_CODES] == list(TYPE_CODES)  # names round-trip
    assert type_code("CT") == "03" and type_code("CTr") == "09"  # abbreviations match exactly
