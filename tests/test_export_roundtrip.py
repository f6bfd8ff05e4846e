"""The round trip through the real command: ingest -> edit by hand -> register link -> export ->
import into a new archive on the other database -> verify clean -> the same documents, fields with
their manual marks, units, register links, checksums and search results (as sets of checksums).

SQLite -> PostgreSQL, then the PostgreSQL copy exported again -> a new SQLite archive. Also: a
second import stores nothing, a damaged bag is refused (exit 4) with nothing changed, and the bag
validates with ``bagit.py --validate``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sohoa.archive.models import Document, RegisterLink, RegisterRow, StoredFile, Unit
from sohoa.archive.store import Archive, open_archive
from tests.conftest import SAMPLES, run_sohoa

SCANS = ["cv-0001.clean-300.png", "qd-0001.tiff-multi.tif", "ks-0001.pdf-text.pdf"]
QUERIES = ["Nguyễn Văn Lượng", "nguyen van luong", "4242/QĐ-UBND", "thu hồi đất", "khai sinh", "Hiếu"]
REGISTER_CSV = (
    "Mã hồ sơ,Tên thủ tục,Lĩnh vực,Đơn vị,Chủ hồ sơ / Người nộp,Số ký hiệu kết quả,"
    "Ngày ban hành / Ngày trả kết quả,Còn hiệu lực,Đã lưu kho\n"
    "000.00.12.H62-231027-0001,Thu hồi đất,Đất đai,Phường Khai Quang,Trần Văn Hưởng,4242/QĐ-UBND,"
    "27/10/2023,Có,Không\n"
    "000.00.12.H62-231101-0002,Đăng ký khai sinh,Hộ tịch,Phường Khai Quang,Phạm Thị Hoa,99/TLKS-BS,"
    "01/11/2023,Có,Không\n"
)
EDITED = "Về việc thu hồi đất của hộ ông Nguyễn Văn Lượng"


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite archive: three scans ingested, one field corrected by hand, a register row linked."""
    home = tmp_path_factory.mktemp("source") / "home"
    _ok(run_sohoa(home, "ingest", *(str(SAMPLES / s) for s in SCANS), "--unit", "khai-quang"))
    _ok(run_sohoa(home, "units", "set-code", "khai-quang", "000.00.12.H62"))
    archive = open_archive(home)
    try:
        with archive.sessions() as session:
            decision = session.scalar(select(Document.id).where(Document.page_to == 2))
    finally:
        archive.close()
    _ok(run_sohoa(home, "edit", str(decision), "--set", f"summary={EDITED}"))
    register = home.parent / "so-theo-doi.csv"
    register.write_text(REGISTER_CSV, encoding="utf-8")
    _ok(run_sohoa(home, "register", "import", str(register), "--no-match"))
    _ok(run_sohoa(home, "register", "link", str(decision), "000.00.12.H62-231027-0001"))
    return home


def _snapshot(archive: Archive) -> dict[str, Any]:
    """What a round trip must keep, keyed by what is the same in every archive (no ids, no paths)."""
    docs: dict[str, Any] = {}
    with archive.sessions() as session:
        for doc in session.scalars(select(Document).order_by(Document.id)):
            key = f"{doc.original_sha256}-p{doc.page_from}"
            pdf = session.scalar(select(StoredFile.sha256).where(StoredFile.path == doc.pdf_path))
            link = session.execute(
                select(RegisterLink.method, RegisterRow.dossier_code)
                .join(RegisterRow, RegisterRow.id == RegisterLink.row_id)
                .where(RegisterLink.document_id == doc.id)
            ).all()
            docs[key] = {
                "unit": doc.unit.code,
                "fields": doc.fields,
                "field_source": doc.field_source,
                "field_confidence": doc.field_confidence,
                "status": doc.status,
                "review_state": doc.review_state,
                "issued_date": doc.issued_date,
                "pages": [(p.number, p.method, p.text, p.words) for p in doc.pages],
                "pdf_sha256": pdf,
                "register": [tuple(r) for r in link],
            }
        checksums = {sha for sha in session.scalars(select(StoredFile.sha256)) if sha}
        units = {
            u.code: (u.name, u.kind, u.parent.code if u.parent else None, u.organ_code)
            for u in session.scalars(select(Unit))
        }
        rows = {(r.dossier_code, r.result_number, r.applicant, r.issued_date) for r in session.scalars(
            select(RegisterRow))}  # fmt: skip
        ids = {doc.id: f"{doc.original_sha256}-p{doc.page_from}" for doc in session.scalars(select(Document))}
    return {"documents": docs, "checksums": checksums, "units": units, "rows": rows, "ids": ids}


def _searches(archive: Archive, snapshot: dict[str, Any]) -> dict[str, set[str]]:
    """Each query's hits as the set of their documents' keys (checksum and first page)."""
    found = {}
    for query in QUERIES:
        done = _ok(run_sohoa(archive, "search", query, "--json"))
        found[query] = {snapshot["ids"][hit["id"]] for hit in json.loads(done.stdout)["hits"]}
    return found


def _shown(archive: Archive, snapshot: dict[str, Any]) -> dict[str, Any]:
    """``show --json`` of every document, less what may differ (id, created_at, the PDF's path)."""
    shown = {}
    for doc_id, key in snapshot["ids"].items():
        data = json.loads(_ok(run_sohoa(archive, "show", str(doc_id), "--json")).stdout)
        for name in ("id", "created_at", "pdf"):
            data.pop(name)
        data["warnings"] = [w for w in data["warnings"] if "duplicate of document" not in w]
        shown[key] = data
    return shown


def _files(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): p.stat().st_size for p in home.rglob("*") if p.is_file() and (
        p.parts[len(home.parts)] in ("originals", "documents"))}  # fmt: skip


def _round_trip(src: Archive, dst: Archive, bag: Path) -> None:
    before = _snapshot(src)
    assert before["documents"], "the source archive holds documents"
    _ok(run_sohoa(src, "export", str(bag), "--unit", "khai-quang"))
    bagit_py = str(Path(sys.executable).parent / "bagit.py")
    validated = subprocess.run([bagit_py, "--validate", str(bag)], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stderr[-2000:]

    done = _ok(run_sohoa(dst, "import", str(bag), "--json"))
    assert json.loads(done.stdout)["imported"] == len(before["documents"])
    verify = run_sohoa(dst, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

    after = _snapshot(dst)
    assert after["documents"] == before["documents"]  # fields, manual marks, pages, PDF checksum, links
    assert after["checksums"] == before["checksums"]
    assert {c: u for c, u in after["units"].items() if c in before["units"]} == before["units"]
    assert after["rows"] >= {r for r in before["rows"] if r[0] == "000.00.12.H62-231027-0001"}
    assert _searches(dst, after) == _searches(src, before)
    assert _shown(dst, after) == _shown(src, before)
    edited = [d for d in after["documents"].values() if d["field_source"]["summary"] == "manual"]
    assert [d["fields"]["summary"] for d in edited] == [EDITED]
    assert [d["register"] for d in edited] == [[("manual", "000.00.12.H62-231027-0001")]]

    files = _files(dst.home)
    again = _ok(run_sohoa(dst, "import", str(bag), "--json"))  # twice: nothing new
    assert json.loads(again.stdout)["imported"] == 0
    assert json.loads(again.stdout)["already"] == len(before["documents"])
    assert _snapshot(dst)["documents"] == after["documents"] and _files(dst.home) == files


@pytest.mark.postgres
def test_round_trip_sqlite_to_postgresql_and_back(source: Path, pg_url: str, tmp_path: Path) -> None:
    src = open_archive(source)
    to_pg = open_archive(tmp_path / "pg-home", pg_url)
    back = open_archive(tmp_path / "sqlite-home")
    try:
        _round_trip(src, to_pg, tmp_path / "bag-1")
        _round_trip(to_pg, back, tmp_path / "bag-2")
    finally:
        for archive in (src, to_pg, back):
            archive.close()


def test_damaged_bag_is_refused_and_nothing_changes(source: Path, tmp_path: Path) -> None:
    src = open_archive(source)
    try:
        _ok(run_sohoa(src, "export", str(tmp_path / "bag"), "--documents", "1-3"))
    finally:
        src.close()
    target = tmp_path / "target"
    _ok(run_sohoa(target, "import", str(tmp_path / "bag")))
    first = open_archive(target)
    try:
        before, files = _snapshot(first), _files(target)
    finally:
        first.close()

    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "bag", damaged)
    pdf = next((damaged / "data" / "documents").rglob("*.pdf"))
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pdf.write_bytes(bytes(data))
    fresh = tmp_path / "fresh"
    for home in (target, fresh):  # into the archive holding it, and into an empty one
        done = run_sohoa(home, "import", str(damaged))
        assert done.returncode == 4, done.stderr
        assert "không hợp lệ" in done.stderr and "Traceback" not in done.stderr
    check = open_archive(target)
    try:
        assert _snapshot(check)["documents"] == before["documents"] and _files(target) == files
    finally:
        check.close()
    assert _files(fresh) == {}

    cut = tmp_path / "cut"  # a file missing from the payload
    shutil.copytree(tmp_path / "bag", cut)
    next((cut / "data" / "originals").rglob("*.*")).unlink()
    assert run_sohoa(fresh, "import", str(cut)).returncode == 4
    assert _files(fresh) == {}
