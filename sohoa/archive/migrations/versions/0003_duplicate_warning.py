"""documents: number + symbol + issuer key for the duplicate warning

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("dup_key", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.create_index("ix_documents_dup_key", ["dup_key"])
        batch.create_foreign_key("fk_documents_duplicate_of", "documents", ["duplicate_of"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("fk_documents_duplicate_of", type_="foreignkey")
        batch.drop_index("ix_documents_dup_key")
        batch.drop_column("duplicate_of")
        batch.drop_column("dup_key")
