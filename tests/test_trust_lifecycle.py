"""Creating an archive, backing it up and restoring it, voiding and moving documents.

Through the real ``sohoa`` command where the exit code or the printed shape is the contract,
on SQLite and PostgreSQL; documents are rows plus real files (OCR adds nothing here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from sohoa.archive import fixity, indexing, matching, reports
from sohoa.archive.identity import MARKER, folder_id
from sohoa.archive.models import AuditEvent, Document, RegisterLink, RegisterRow, Unit
from sohoa.archive.store import open_archive
from sohoa.search import search

from .conftest import add_stored_document, run_sohoa

SOHOA = [sys.executable, "-m", "sohoa.cli"]

TEXT = "Giấy khai sinh của Phạm Thị Hồng Nhung"


# -- init ------------------------------------------------------------------------------------
def test_init_creates_then_shows_and_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "kho"
    refused = run_sohoa(home, "init", "--search-backend", "postgres")
    assert refused.returncode == 2 and "PostgreSQL" in refused.stderr and "Traceback" not in refused.stderr
    assert not (home / "archive.db").exists() and not (home / MARKER).exists()

    made = run_sohoa(home, "init", "--tz", "Asia/Bangkok", "--group-mode", "r", "--json")
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    assert created["created"] is True and created["archive_id"] == folder_id(home)
    want = {"search_backend": "tantivy", "time_zone": "Asia/Bangkok", "group_mode": "r"}
    assert created["settings"] == want

    again = run_sohoa(home, "init", "--tz", "Asia/Tokyo")
    assert again.returncode == 0, again.stderr
    assert created["archive_id"] in again.stdout and "Asia/Bangkok" in again.stdout
    assert "--update" in again.stderr
    shown = json.loads(run_sohoa(home, "init", "--json").stdout)
    assert shown["created"] is False and shown["settings"] == created["settings"]

    updated = json.loads(run_sohoa(home, "init", "--tz", "Asia/Tokyo", "--update", "--json").stdout)
    assert updated["settings"]["time_zone"] == "Asia/Tokyo" and updated["archive_id"] == created["archive_id"]
    assert run_sohoa(home, "init", "--tz", "Mars/Olympus").returncode == 2


def test_init_postgres_backend_on_a_postgres_archive(tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "kho"
    made = run_sohoa(home, "--db-url", pg_url, "init", "--search-backend", "postgres", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["settings"]["search_backend"] == "postgres"


def test_search_backend_variable_chooses_then_the_stored_setting_wins(tmp_path: Path) -> None:
    home = tmp_path / "kho"
    env = {**os.environ, "SOHOA_SEARCH_BACKEND": "whoosh"}
    base = [*SOHOA, "--home", str(home)]
    made = subprocess.run([*base, "init", "--json"], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["settings"]["search_backend"] == "whoosh"
    env["SOHOA_SEARCH_BACKEND"] = "tantivy"  # disagrees with what the archive stored: refused, exit 2
    run = subprocess.run([*base, "search", "x"], env=env, capture_output=True, text=True)
    assert run.returncode == 2 and "index rebuild --backend" in run.stderr and "Traceback" not in run.stderr


def test_an_archive_used_before_init_is_existing(sqlite_archive) -> None:
    add_stored_document(sqlite_archive, 1)
    shown = json.loads(run_sohoa(sqlite_archive.home, "init", "--search-backend", "whoosh", "--json").stdout)
    assert shown["created"] is False and shown["not_applied"] == {"search_backend": "whoosh"}
    assert shown["settings"]["search_backend"] == "tantivy"  # the default it has been using


# -- backup ----------------------------------------------------------------------------------
def test_backup_restores_to_an_archive_that_passes_identity_and_verify(archive, tmp_path: Path) -> None:
    ids = [add_stored_document(archive, n, text=f"{TEXT} số {n}") for n in range(3)]
    indexing.sync_index(archive)
    (archive.home / "documents" / "stray.pdf").write_bytes(b"not the archive's")  # not copied
    out = tmp_path / "sao-luu"

    made = run_sohoa(archive, "backup", str(out), "--json")
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["files"] == 6 and result["missing"] == []
    assert result["archive_id"] == archive.archive_id == folder_id(out)
    assert not (out / "documents" / "stray.pdf").exists()
    assert run_sohoa(archive, "backup", str(out)).returncode == 2  # never into a folder holding data

    restored_home = tmp_path / "restored"
    shutil.copytree(out, restored_home, symlinks=True)
    if archive.engine.dialect.name == "sqlite":
        assert result["database_copied"] is True
        restored = open_archive(restored_home)  # the copied database and folder: one archive
    else:
        assert result["database_copied"] is False and "pg_dump" in result["pg_dump_command"]
        assert "pg_dump" in run_sohoa(archive, "backup", str(tmp_path / "again")).stdout
        restored = open_archive(restored_home, archive.engine.url.render_as_string(hide_password=False))
    try:
        assert restored.archive_id == archive.archive_id
        check = run_sohoa(restored, "verify", "--json")
        assert check.returncode == 0, check.stdout + check.stderr
        assert json.loads(check.stdout)["checked"] == 6
        if archive.engine.dialect.name != "sqlite":  # pg_restore brings rows marked indexed: README step
            assert run_sohoa(restored, "index", "rebuild").returncode == 0
        else:  # the README's restore step: a search never writes, a writer re-indexes
            assert run_sohoa(restored, "index", "sync").returncode == 0
        hits = run_sohoa(restored, "search", "Nhung", "--json")
        assert hits.returncode == 0, hits.stderr
        assert sorted(h["id"] for h in json.loads(hits.stdout)["hits"]) == ids
        assert run_sohoa(restored, "index", "check").returncode == 0
    finally:
        restored.close()


# -- void and move ---------------------------------------------------------------------------
def _row(archive, unit: str, number: str) -> int:
    with archive.sessions.begin() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit))
        row = RegisterRow(unit_id=unit_id, result_number=number, issued_date=date(2026, 1, 5))
        session.add(row)
        session.flush()
        return row.id


def _report_pages(archive) -> dict[str, int]:
    today = archive.today()
    with archive.sessions() as session:
        report = reports.compute_report(session, period=reports.parse_period(str(today.year)), as_of=today)
    return {line.code: line.pages for line in report.units if line.code in ("khai-quang", "tich-son")}


def _hits(archive, query: str, units: list[str] | None = None) -> list[int]:
    return [h.id for h in search(indexing.open_index(archive), query, units=units).hits]


def test_void_keeps_the_record_and_leaves_counts_matching_and_search(archive) -> None:
    keep = add_stored_document(archive, 1, text=TEXT)
    gone = add_stored_document(archive, 2, text=TEXT + " bản trùng")
    row = _row(archive, "khai-quang", "15/GKS")
    matching.link_document(archive, gone, str(row))
    indexing.sync_index(archive)
    assert sorted(_hits(archive, "Nhung")) == [keep, gone]
    assert _report_pages(archive)["khai-quang"] == 2

    unknown = run_sohoa(archive, "void", "999", "--reason", "nhầm")
    assert unknown.returncode == 7 and "Traceback" not in unknown.stderr
    blank = run_sohoa(archive, "void", str(gone), "--reason", "   ")
    assert blank.returncode == 2 and "Traceback" not in blank.stderr
    voided = run_sohoa(archive, "void", str(gone), "--reason", "Bản quét trùng, giữ bản số 1", "--json")
    assert voided.returncode == 0, voided.stderr
    assert json.loads(voided.stdout)["unlinked_row"] == row
    assert run_sohoa(archive, "void", str(gone), "--reason", "lần nữa").returncode == 2

    with archive.sessions() as session:
        doc = session.get(Document, gone)
        assert doc.status == "voided" and doc.voided_at is not None
        assert doc.void_reason == "Bản quét trùng, giữ bản số 1" and doc.pages  # the record is kept
        assert session.scalar(select(RegisterLink).where(RegisterLink.document_id == gone)) is None
        assert session.get(RegisterRow, row).digitised_on is None
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "document.void"))
        assert event.document_id == gone and event.actor == archive.actor
        assert event.detail["reason"] == doc.void_reason and event.detail["unit"] == "khai-quang"
    assert _hits(archive, "Nhung") == [keep]
    search_cli = json.loads(run_sohoa(archive, "search", "Nhung", "--json").stdout)
    assert [h["id"] for h in search_cli["hits"]] == [keep]
    assert run_sohoa(archive, "index", "check").returncode == 0
    assert indexing.check_index(archive).ok
    indexing.rebuild_index(archive)  # a rebuild leaves it out too
    assert _hits(archive, "Nhung") == [keep]
    assert _report_pages(archive)["khai-quang"] == 1
    assert matching.match_documents(archive).considered == 1  # only the kept document
    assert fixity.verify(archive).ok and fixity.verify(archive).checked == 4  # its files are still kept
    shown = json.loads(run_sohoa(archive, "show", str(gone), "--json").stdout)
    assert "đã hủy (voided): Bản quét trùng, giữ bản số 1" in shown["warnings"]  # a reader sees why
    queue = json.loads(run_sohoa(archive, "review", "--json").stdout)
    assert gone not in [entry["id"] for entry in queue]  # a voided document needs no card checked
    relink = run_sohoa(archive, "register", "link", str(gone), str(row))  # nor counts again by hand
    assert relink.returncode == 2 and "đã bị hủy" in relink.stderr, relink.stderr
    with archive.sessions() as session:
        assert session.scalar(select(RegisterLink).where(RegisterLink.document_id == gone)) is None


def test_move_files_a_document_under_another_unit(archive) -> None:
    doc_id = add_stored_document(archive, 1, text=TEXT)
    row = _row(archive, "khai-quang", "16/GKS")
    matching.link_document(archive, doc_id, str(row))
    indexing.sync_index(archive)
    assert _hits(archive, "Nhung", units=["tich-son"]) == []

    assert run_sohoa(archive, "move", str(doc_id), "--unit", "Phường Không Có").returncode == 8
    assert run_sohoa(archive, "move", "999", "--unit", "tich-son").returncode == 7
    moved = run_sohoa(archive, "move", str(doc_id), "--unit", "tích sơn", "--reason", "nộp nhầm phường")
    assert moved.returncode == 0, moved.stderr
    assert "khai-quang -> tich-son" in moved.stdout

    with archive.sessions() as session:
        assert session.get(Document, doc_id).unit.code == "tich-son"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "document.move"))
        assert event.detail["from_unit"] == "khai-quang" and event.detail["to_unit"] == "tich-son"
        assert event.detail["reason"] == "nộp nhầm phường" and event.actor == archive.actor
        # the row is Khai Quang's: the link goes, and the row no longer counts as digitised
        assert session.scalar(select(RegisterLink).where(RegisterLink.document_id == doc_id)) is None
        assert session.get(RegisterRow, row).digitised_on is None
    assert _report_pages(archive) == {"khai-quang": 0, "tich-son": 1}
    assert _hits(archive, "Nhung", units=["tich-son"]) == [doc_id]
    assert _hits(archive, "Nhung", units=["khai-quang"]) == []
    assert indexing.check_index(archive).ok
