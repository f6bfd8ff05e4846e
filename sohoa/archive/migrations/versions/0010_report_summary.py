"""reports: the indexes that let the city-wide dashboard read only what its figures need

Revision ID: 0010
Revises: 0009

No summary table: two indexes bring the whole city's report well under a second at a million
register rows (bench/desk_speed.py), and an index cannot drift from the rows it is built from.

* ``ix_register_rows_digitised`` holds only the rows that have a digitised day (a tenth of a
  register): the backlog rows digitised since the baseline are read from it instead of from a
  pass over every row issued before the baseline.
* ``ix_documents_report`` replaces ``ix_documents_unit_created`` (the same leading columns, so
  every query that used it still can) and adds the status and page count, so the pages figure
  is read from the index rather than from the documents' rows and their JSON fields.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DIGITISED = "digitised_on IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_register_rows_digitised",
        "register_rows",
        ["digitised_on", "issued_date", "valid", "unit_id"],
        unique=False,
        sqlite_where=sa.text(DIGITISED),
        postgresql_where=sa.text(DIGITISED),
    )
    op.create_index(
        "ix_documents_report", "documents", ["unit_id", "created_at", "status", "page_count"], unique=False
    )
    op.drop_index("ix_documents_unit_created", table_name="documents")


def downgrade() -> None:
    op.create_index("ix_documents_unit_created", "documents", ["unit_id", "created_at"], unique=False)
    op.drop_index("ix_documents_report", table_name="documents")
    op.drop_index("ix_register_rows_digitised", table_name="register_rows")
