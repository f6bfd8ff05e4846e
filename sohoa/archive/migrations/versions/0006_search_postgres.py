"""search on PostgreSQL: full-text columns and the extensions they need

Revision ID: 0006
Revises: 0005

On PostgreSQL: the ``pg_trgm`` extension (fuzzy variants of search words) and the tables of
the ``postgres`` search backend — one row per document with a ``tsvector`` of every field
(GIN index) and one of positions for phrases, the fields a hit shows, and the folded word
list (trigram index). On SQLite: nothing.

An archive on PostgreSQL need not search with it (tantivy is the default), so an account
that may not create the extension does not stop the upgrade: it is logged here, and choosing
the ``postgres`` backend later fails with exit 6 saying what a DBA must run. The DDL is
written out (not imported from the backend) so this step stays what it was when released.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def _trgm_schema(conn: sa.Connection) -> str | None:
    return conn.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()


def _create_trgm(conn: sa.Connection) -> str | None:
    """The schema of ``pg_trgm``, created in ``public`` when possible (a schema that is never
    dropped with an application's), else in the current one; None when this account may not."""
    schema = _trgm_schema(conn)
    for where in (" SCHEMA public", ""):
        if schema is not None:
            break
        try:
            with conn.begin_nested():
                conn.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}"))
        except DBAPIError:
            continue
        schema = _trgm_schema(conn)
    return schema


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    schema = _create_trgm(conn)
    if schema is None:
        log.warning(
            "pg_trgm could not be created: the postgres search backend needs a DBA to run "
            "CREATE EXTENSION pg_trgm in this database"
        )
        return
    if conn.execute(sa.text("SELECT to_regclass('search_documents') IS NOT NULL")).scalar():
        return
    for statement in (
        """CREATE TABLE search_documents (
            id bigint PRIMARY KEY,
            version char(16) NOT NULL,
            issued integer NOT NULL DEFAULT 0,
            tsv tsvector NOT NULL,
            ptsv tsvector NOT NULL
        ) WITH (toast_tuple_target = 8160)""",
        "ALTER TABLE search_documents ALTER COLUMN ptsv SET STORAGE MAIN",
        """CREATE TABLE search_stored (
            id bigint PRIMARY KEY,
            source_name text NOT NULL,
            meta text NOT NULL,
            body text NOT NULL
        )""",
        "CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv)",
        "CREATE INDEX search_documents_issued ON search_documents (issued)",
        "CREATE TABLE search_words (word text PRIMARY KEY)",
        f'CREATE INDEX search_words_trgm ON search_words USING gin (word "{schema}".gin_trgm_ops)',
        "COMMENT ON TABLE search_documents IS 'postgres 2.4'",
    ):
        conn.execute(sa.text(statement))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP TABLE IF EXISTS search_documents, search_stored, search_words"))
