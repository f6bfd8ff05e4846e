"""trust: archive identity and settings, fixity registry and history, long paths, voiding

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("original_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path", name="uq_stored_files_path"),
    )
    op.create_index("ix_stored_files_last_checked_at", "stored_files", ["last_checked_at"])
    op.create_index("ix_stored_files_document_id", "stored_files", ["document_id"])
    op.create_table(
        "fixity_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("altered", sa.Integer(), nullable=False),
        sa.Column("orphan", sa.Integer(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("originals") as batch:
        batch.alter_column("source_name", type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("batch_items") as batch:
        batch.drop_constraint("uq_batch_items_path", type_="unique")
        batch.alter_column("path", type_=sa.Text(), existing_nullable=False)
        batch.add_column(sa.Column("path_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("quarantine_path", sa.Text(), nullable=True))
    conn = op.get_bind()
    items = sa.table("batch_items", sa.column("id", sa.Integer), sa.column("path", sa.Text),
                     sa.column("path_key", sa.String))
    for item_id, path in conn.execute(sa.select(items.c.id, items.c.path)).fetchall():
        key = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()
        conn.execute(items.update().where(items.c.id == item_id).values(path_key=key))
    with op.batch_alter_table("batch_items") as batch:
        batch.alter_column("path_key", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_batch_items_path_key", ["batch_id", "path_key"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
    with op.batch_alter_table("batch_items") as batch:
        batch.drop_constraint("uq_batch_items_path_key", type_="unique")
        batch.drop_column("quarantine_path")
        batch.drop_column("path_key")
        batch.alter_column("path", type_=sa.String(length=1000), existing_nullable=False)
        batch.create_unique_constraint("uq_batch_items_path", ["batch_id", "path"])
    with op.batch_alter_table("originals") as batch:
        batch.alter_column("source_name", type_=sa.String(length=500), existing_nullable=False)
    op.drop_table("fixity_runs")
    op.drop_index("ix_stored_files_document_id", "stored_files")
    op.drop_index("ix_stored_files_last_checked_at", "stored_files")
    op.drop_table("stored_files")
    op.drop_table("archive_settings")
