"""search speed: the PostgreSQL backend's vectors out of line, and marks in their own vector

Revision ID: 0009
Revises: 0008

On PostgreSQL, when the ``postgres`` search table exists: every vector of
``search_documents`` moves out of line into TOAST, uncompressed (``toast_tuple_target = 128``,
``STORAGE EXTERNAL``), so a heap row is ~90 bytes and counting the matches of a common word
reads ~1,100 heap pages at 100,000 documents instead of one page per two documents; and a
third vector, ``etsv``, holds the exact (marked) syllables, which leave the GIN-indexed one;
and the GIN index writes each document straight in (``fastupdate = off``), so searches never
scan a pending list.

Storage settings apply to rows written afterwards. The rows already there were built by the
previous layout (marks in ``tsv``, no 3- and 4-syllable runs, an empty ``etsv``) and keep its
stamp (the table's comment), so the next writer rebuilds them, as for any other change of
layout: ``sohoa index rebuild``, or the first ingest. On SQLite, nothing at all. The
statements are written out (not imported from the backend) so this step stays what it was
when released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _has_search_table(conn: sa.Connection) -> bool:
    return bool(conn.execute(sa.text("SELECT to_regclass('search_documents') IS NOT NULL")).scalar())


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or not _has_search_table(conn):
        return
    for statement in (
        "ALTER TABLE search_documents ADD COLUMN IF NOT EXISTS etsv tsvector NOT NULL DEFAULT ''",
        "ALTER TABLE search_documents ALTER COLUMN etsv DROP DEFAULT",
        "ALTER TABLE search_documents ALTER COLUMN etsv SET STORAGE EXTERNAL",
        "ALTER TABLE search_documents SET (toast_tuple_target = 128)",
        "ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE EXTERNAL",
        "ALTER TABLE search_documents ALTER COLUMN ptsv SET STORAGE EXTERNAL",
        "ALTER INDEX search_documents_tsv SET (fastupdate = off)",
    ):
        conn.execute(sa.text(statement))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or not _has_search_table(conn):
        return
    for statement in (
        "ALTER INDEX search_documents_tsv RESET (fastupdate)",
        "ALTER TABLE search_documents SET (toast_tuple_target = 8160)",
        "ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE EXTENDED",
        "ALTER TABLE search_documents ALTER COLUMN ptsv SET STORAGE MAIN",
        "ALTER TABLE search_documents DROP COLUMN IF EXISTS etsv",
        # rows written by this release's layout: the previous release must rebuild them
        "COMMENT ON TABLE search_documents IS 'outdated: run sohoa index rebuild'",
    ):
        conn.execute(sa.text(statement))
