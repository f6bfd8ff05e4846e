"""Privacy (issue 8, item 6): searches, views, lists, reports and exports leave who/when/what in
the audit trail, a search never waits behind an ingest's write lock, and ``sohoa audit`` reads it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sohoa.archive import audit, indexing
from sohoa.archive.models import ArchiveSetting, AuditEvent
from sohoa.archive.store import Archive, open_archive

from .register_support import add_document, at

SOHOA = [sys.executable, "-m", "sohoa.cli"]
QUERY = "15/QĐ-UBND"


def _sohoa(
    home: Path, *args: str, user: str = "can-bo-1", url: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOHOA_USER": user}
    base = [*SOHOA, "--home", str(home), *(["--db-url", url] if url else [])]
    return subprocess.run([*base, *args], capture_output=True, text=True, timeout=timeout, env=env)


def _archive_with_a_document(home: Path, url: str | None = None) -> int:
    archive = open_archive(home, url)
    doc_id = add_document(archive, "khai-quang", at(date(2024, 6, 10)), number="15/QĐ-UBND")
    indexing.sync_index(archive)  # as ingest does: a search never writes, so writers index
    archive.close()
    return doc_id


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_reads_are_audited_with_who_when_and_what(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if db == "postgresql" else None
    home = tmp_path / "home"
    doc_id = _archive_with_a_document(home, url)

    found = _sohoa(home, "search", "15/QĐ-UBND", "--unit", "khai quang", "--json", "-vv", url=url)
    assert found.returncode == 0, found.stderr
    assert [h["id"] for h in json.loads(found.stdout)["hits"]] == [doc_id]
    assert "15/QĐ" not in found.stderr  # the query is in the audit, never in a log line
    assert _sohoa(home, "show", str(doc_id), user="can-bo-2", url=url).returncode == 0
    assert _sohoa(home, "list", url=url).returncode == 0
    assert _sohoa(home, "report", "--period", "2024", "--format", "json", url=url).returncode == 0
    out = tmp_path / "bao-cao.csv"
    assert _sohoa(home, "report", "--format", "csv", "--out", str(out), url=url).returncode == 0

    trail = _sohoa(home, "audit", "--json", user="thanh-tra", url=url)
    assert trail.returncode == 0, trail.stderr
    events = json.loads(trail.stdout)
    by_action = {e["action"]: e for e in events}
    search = by_action["search"]
    assert search["actor"] == "can-bo-1"
    assert search["detail"]["query"] == "15/QĐ-UBND"
    assert search["detail"]["filters"]["unit"] == "khai quang"
    assert search["detail"]["hits"] == 1 and search["detail"]["shown"] == [doc_id]
    assert by_action["view"]["actor"] == "can-bo-2" and by_action["view"]["document_id"] == doc_id
    assert by_action["list"]["detail"]["shown"] == [doc_id]
    assert by_action["report"]["detail"]["period"] == "2024"
    assert by_action["export"]["detail"]["file"] == "bao-cao.csv"  # the base name, not the folder
    assert by_action["audit.read"]["actor"] == "thanh-tra"  # reading the trail is itself recorded
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)  # newest first

    # filters: one user; one document (its view, and the search that showed it)
    mine = json.loads(_sohoa(home, "audit", "--user", "can-bo-2", "--json", url=url).stdout)
    assert {e["action"] for e in mine} == {"view"}
    about = json.loads(_sohoa(home, "audit", "--document", str(doc_id), "--json", url=url).stdout)
    assert {"view", "search"} <= {e["action"] for e in about}
    assert "list" in {e["action"] for e in about}  # the list showed it too

    table = _sohoa(home, "audit", url=url)
    assert "tìm kiếm" in table.stdout and "xem văn bản" in table.stdout and "can-bo-2" in table.stdout


def test_search_never_waits_behind_a_writer(tmp_path: Path) -> None:
    """An ingest holds SQLite's write lock: a search answers at once; its audit row follows later."""
    home = tmp_path / "home"
    doc_id = _archive_with_a_document(home)
    assert _sohoa(home, "index", "sync").returncode == 0  # nothing pending: the search only reads

    writer = sqlite3.connect(home / "archive.db", timeout=1, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the write lock, as an ingest storing a document holds it
    writer.execute("UPDATE units SET name = name WHERE code = 'khai-quang'")
    try:
        started = time.monotonic()
        found = _sohoa(home, "search", QUERY, "--json", timeout=50)
        seconds = time.monotonic() - started
        assert found.returncode == 0, found.stderr
        assert doc_id in [h["id"] for h in json.loads(found.stdout)["hits"]]
        assert seconds < 20, f"the search waited {seconds:.1f} s"  # the busy timeout would be 60 s
        spool = home / audit.SPOOL_DIR
        spooled = "".join(p.read_text(encoding="utf-8") for p in spool.glob("*.jsonl"))
        assert QUERY in spooled  # recorded durably meanwhile, waiting to be folded
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    trail = json.loads(_sohoa(home, "audit", "--json").stdout)  # folds the spool, then reads
    assert [e["detail"]["query"] for e in trail if e["action"] == "search"] == [QUERY]
    assert list(spool.glob("*.jsonl")) == []


def test_spool_is_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _archive_with_a_document(home)
    assert _sohoa(home, "search", "x").returncode == 0
    folder = home / audit.SPOOL_DIR
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def _events(archive: Archive) -> int:
    with archive.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "search")
        )


def test_folding_is_exactly_once(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    for n in range(3):
        audit.record(archive, "search", detail={"query": f"q{n}", "hits": n})
    assert audit.fold_spool(archive) == 3
    assert audit.fold_spool(archive) == 0
    assert _events(archive) == 3

    # a crash after the commit and before the file's deletion: the marker says it is folded already
    audit.record(archive, "search", detail={"query": "again", "hits": 0})
    folder = archive.home / audit.SPOOL_DIR
    (folder / audit.SPOOL_FILE).rename(folder / "folding-crashed.jsonl")
    with archive.sessions.begin() as session:
        session.add(ArchiveSetting(key="audit_spool:crashed", value="1"))
    assert audit.fold_spool(archive) == 0
    assert not (folder / "folding-crashed.jsonl").exists()
    assert _events(archive) == 3
    with archive.sessions() as session:  # the marker is cleaned up too
        assert session.get(ArchiveSetting, "audit_spool:crashed") is None


def test_fold_without_waiting_leaves_the_spool_when_the_database_is_busy(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    audit.record(archive, "search", detail={"query": "q", "hits": 0})
    writer = sqlite3.connect(archive.home / "archive.db", timeout=1, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert audit.fold_spool(archive, wait=False) == 0
        assert time.monotonic() - started < 2
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert audit.fold_spool(archive, wait=False) == 1
    assert _events(archive) == 1


def test_a_reference_to_a_missing_row_never_blocks_the_spool(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    audit.record(archive, "view", document_id=987654)  # no such document: a foreign key would refuse it
    audit.record(archive, "search", detail={"query": "q", "hits": 0})
    assert audit.fold_spool(archive) == 2
    with archive.sessions() as session:
        view = session.scalar(select(AuditEvent).where(AuditEvent.action == "view"))
        assert view is not None and view.document_id is None and view.detail["document_id"] == 987654
