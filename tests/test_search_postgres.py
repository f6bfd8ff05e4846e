"""The postgres search backend inside a real PostgreSQL archive: the index commits with the document.

What a clerk notices: a document is searchable the moment its ingest, edit, void or move
commits (no ``index sync`` needed), a rolled-back edit never reaches the index, a rebuild that
holds the tables makes writers wait and then leaves their documents pending (stored, never
lost), and an account that may not create ``pg_trgm`` gets an error telling what a DBA must run.
The engine-level behaviour (phrases, numbers, filters, readers during writes) is in
``test_search_conformance.py``, which runs over this backend too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from sohoa.archive import indexing, lifecycle
from sohoa.archive.models import Document
from sohoa.archive.review import edit_fields
from sohoa.archive.store import Archive, open_archive
from sohoa.errors import ExitCode
from sohoa.search import search

from .conftest import PG_URL, add_stored_document, run_sohoa
from .search_pg_support import pg_schema_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_archive(tmp_path: Path) -> Iterator[Archive]:
    """An archive on PostgreSQL (a schema of its own) created with the postgres search backend."""
    with pg_schema_url() as url:
        lifecycle.init_archive(tmp_path / "home", url, search_backend="postgres")
        archive = open_archive(tmp_path / "home", url)
        yield archive
        archive.close()


def _ids(archive: Archive, query: str) -> list[int]:
    return [hit.id for hit in search(indexing.open_reader(archive), query, limit=50).hits]


def _state(archive: Archive, doc_id: int) -> str:
    with archive.sessions() as session:
        return session.scalar(select(Document.index_state).where(Document.id == doc_id)) or ""


def test_a_committed_document_is_searchable_without_a_sync(pg_archive: Archive) -> None:
    doc_id = add_stored_document(pg_archive, 1, text="Giấy khai sinh của Phạm Thị Hồng Nhung")
    assert _state(pg_archive, doc_id) == "indexed"  # marked in the same commit, no sync ran
    assert _ids(pg_archive, "pham thi hong nhung") == [doc_id]
    assert _ids(pg_archive, '"Phạm Thị Hồng Nhung"') == [doc_id]
    assert indexing.check_index(pg_archive).ok


def test_an_edit_reaches_the_index_only_if_it_commits(pg_archive: Archive) -> None:
    doc_id = add_stored_document(pg_archive, 1, text="Giấy xác nhận tình trạng hôn nhân")
    with pg_archive.sessions() as session:
        edit_fields(pg_archive, session, doc_id, {"number": "77/XNTTHN"})
        session.flush()
        session.rollback()  # the clerk's edit fails: neither the document nor the index changes
    assert _ids(pg_archive, "77/XNTTHN") == []
    with pg_archive.sessions.begin() as session:
        edit_fields(pg_archive, session, doc_id, {"number": "77/XNTTHN"})
    assert _ids(pg_archive, "77/XNTTHN") == [doc_id]
    assert _state(pg_archive, doc_id) == "indexed"
    assert indexing.check_index(pg_archive).ok  # the indexed version is the committed one


def test_void_and_move_change_the_index_with_the_document(pg_archive: Archive) -> None:
    kept = add_stored_document(pg_archive, 1, text="Trích lục khai sinh cho cháu Lê Văn Bình")
    voided = add_stored_document(pg_archive, 2, text="Trích lục khai sinh cho cháu Lê Văn Bình bản sao")
    lifecycle.void_document(pg_archive, voided, "quét trùng")
    assert _ids(pg_archive, "le van binh") == [kept]
    assert _state(pg_archive, voided) == "removed"
    lifecycle.move_document(pg_archive, kept, "tich-son", "nhầm đơn vị")
    with pg_archive.sessions() as session:
        doc = session.get(Document, kept)
        assert doc is not None
        unit_code = doc.unit.code
    hit = search(indexing.open_reader(pg_archive), "le van binh").hits[0]
    assert hit.fields["unit"] == unit_code
    assert indexing.check_index(pg_archive).ok


def test_a_writer_behind_a_rebuild_waits_then_leaves_its_document_pending(
    pg_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = add_stored_document(pg_archive, 1, text="Giấy phép xây dựng cho ông Trần Văn Nam")
    monkeypatch.setenv("SOHOA_INDEX_LOCK_TIMEOUT", "1")
    holder = pg_archive.engine.connect()
    holder.execute(text("LOCK TABLE search_documents IN EXCLUSIVE MODE"))  # as a rebuild does
    try:
        second = add_stored_document(pg_archive, 2, text="Giấy phép xây dựng cho bà Đỗ Thị Hoa")
    finally:
        holder.rollback()
        holder.close()
    assert _state(pg_archive, second) == "pending"  # stored all the same
    assert _ids(pg_archive, "do thi hoa") == []
    result = indexing.sync_index(pg_archive)
    assert result.error is None and result.pending == 0
    assert _ids(pg_archive, "do thi hoa") == [second] and _ids(pg_archive, "tran van nam") == [first]


def test_rebuild_switches_engines_and_back(pg_archive: Archive) -> None:
    doc_id = add_stored_document(pg_archive, 1, text="Quyết định số 15/2024/QĐ-UBND cấp phép")
    assert indexing.rebuild_index(pg_archive, backend="tantivy") == 1
    assert indexing.backend_name(pg_archive) == "tantivy"
    assert _ids(pg_archive, "15/2024/QĐ-UBND") == [doc_id]
    assert indexing.rebuild_index(pg_archive, backend="postgres") == 1
    assert indexing.backend_name(pg_archive) == "postgres"
    assert _ids(pg_archive, "15/2024/qd-ubnd") == [doc_id]


def test_postgres_search_on_sqlite_is_refused_with_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "kho"
    assert run_sohoa(home, "init", "--json").returncode == 0
    run = run_sohoa(home, "index", "rebuild", "--backend", "postgres")
    assert run.returncode == ExitCode.usage, run.stderr
    assert "PostgreSQL" in run.stderr and "tantivy" in run.stderr and "Traceback" not in run.stderr


def test_an_account_that_may_not_create_pg_trgm_is_told_what_a_dba_must_run(tmp_path: Path) -> None:
    """A fresh database without the extension, reached by an account that may not create it."""
    database, role = f"sohoa_noext_{uuid.uuid4().hex[:8]}", "sohoa_test_limited"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB"))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    owner = create_engine(PG_URL.rsplit("/", 1)[0] + f"/{database}", isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA kho AUTHORIZATION {role}"))
    owner.dispose()
    server = PG_URL.rsplit("/", 1)[0].replace("postgres@", f"{role}@")
    url = f"{server}/{database}?options=-csearch_path%3Dkho"
    try:
        run = run_sohoa(tmp_path / "kho", "--db-url", url, "init", "--search-backend", "postgres")
        assert run.returncode == ExitCode.archive, run.stderr
        assert "CREATE EXTENSION IF NOT EXISTS pg_trgm" in run.stderr and "Traceback" not in run.stderr
        # the archive itself works with the default engine: the missing extension blocks only this one
        shown = run_sohoa(tmp_path / "kho", "--db-url", url, "init", "--json")
        assert shown.returncode == 0, shown.stderr
        assert '"search_backend": "tantivy"' in shown.stdout
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        admin.dispose()
