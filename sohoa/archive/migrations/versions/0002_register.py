"""register rows, links, match candidates, unit targets (issue 5: reports)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:32:06.794638
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_match_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_document_id", sa.Integer(), nullable=False),
        sa.Column("considered", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
        sa.Column("ambiguous", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "register_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=60), nullable=True),
        sa.Column("result_key", sa.String(length=200), nullable=True),
        sa.Column("result_number", sa.String(length=100), nullable=True),
        sa.Column("number_key", sa.String(length=100), nullable=True),
        sa.Column("number_no", sa.String(length=20), nullable=True),
        sa.Column("procedure", sa.String(length=500), nullable=True),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("applicant", sa.String(length=300), nullable=True),
        sa.Column("issued_date", sa.Date(), nullable=False),
        sa.Column("date_kind", sa.String(length=10), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("stored_at", sa.Date(), nullable=True),
        sa.Column("digitised_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_code"),
    )
    with op.batch_alter_table("register_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_register_rows_report", ["unit_id", "issued_date", "valid", "digitised_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_register_rows_result_key"), ["result_key"], unique=False)
        batch_op.create_index("ix_register_rows_unit_number", ["unit_id", "number_no"], unique=False)

    op.create_table(
        "unit_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("baseline_date", sa.Date(), nullable=False),
        sa.Column("target_percent", sa.Float(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "year", name="uq_unit_targets_unit_year"),
    )
    op.create_table(
        "register_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["register_rows.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("register_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_register_candidates_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_register_candidates_row_id"), ["row_id"], unique=False)

    op.create_table(
        "register_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("digitised_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["register_rows.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id"),
        sa.UniqueConstraint("row_id"),
    )


def downgrade() -> None:
    op.drop_table("register_links")
    with op.batch_alter_table("register_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_candidates_row_id"))
        batch_op.drop_index(batch_op.f("ix_register_candidates_document_id"))

    op.drop_table("register_candidates")
    op.drop_table("unit_targets")
    with op.batch_alter_table("register_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_register_rows_unit_number")
        batch_op.drop_index(batch_op.f("ix_register_rows_result_key"))
        batch_op.drop_index("ix_register_rows_report")

    op.drop_table("register_rows")
    op.drop_table("register_match_runs")
