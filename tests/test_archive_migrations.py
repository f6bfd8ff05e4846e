"""Upgrading an archive that already holds documents keeps every row and reference."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from sohoa.archive.db import create_archive_engine, migrate
from sohoa.archive.store import open_archive


def test_upgrade_from_first_schema_with_documents(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    engine = create_archive_engine(url)
    migrate(engine, tmp_path, revision="0001")
    statements = [
        "insert into units (id, code, name, kind, aliases, created_at)"
        " values (1, 'khai-quang', 'Phường Khai Quang', 'ward', '[]', '2024-01-01')",
        "insert into originals values ('ab', 1, 'image/png', 'a.png', 'originals/ab', 1, '2024-01-01')",
        "insert into documents (id, original_sha256, page_from, page_to, unit_id, status, pdf_path,"
        " page_count, confidence, fields, field_confidence, field_source, review_state, index_state,"
        " created_at, updated_at) values (1, 'ab', 1, 1, 1, 'stored', 'documents/ab.pdf', 1, 0.9,"
        " '{}', '{}', '{}', 'pending', 'pending', '2024-01-01', '2024-01-01')",
        "insert into pages (document_id, number, source_page, method, text, confidence, dpi, width,"
        " height, rotation, skew, words, warnings) values (1, 1, 1, 'ocr', 'Số: 1', 0.9, 300, 1, 1, 0, 0,"
        " '[]', '[]')",
        "insert into audit_events (actor, action, document_id, detail, at)"
        " values ('clerk', 'ingest', 1, '{}', '2024-01-01')",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()
    archive = open_archive(tmp_path, url)  # upgrades to the newest schema
    with archive.engine.connect() as conn:
        assert conn.execute(text("select count(*) from documents")).scalar() == 1
        assert conn.execute(text("select count(*) from pages where document_id = 1")).scalar() == 1
        assert conn.execute(text("select dup_key from documents")).scalar() is None
        assert conn.execute(text("pragma foreign_keys")).scalar() == 1  # back on for normal work
    archive.close()


def test_the_newest_revision_that_opening_skips_alembic_for_is_alembic_s_head(tmp_path: Path) -> None:
    # an archive at HEAD_REVISION is opened without Alembic: a new migration must move it too
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sohoa.archive.db import HEAD_REVISION, MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD_REVISION]
    archive = open_archive(tmp_path, f"sqlite:///{tmp_path / 'archive.db'}")  # a fresh one: migrated
    with archive.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == HEAD_REVISION
