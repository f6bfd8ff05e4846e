"""export and import: what hand-over bags need beyond the desk's columns

Revision ID: 0007
Revises: 0006

Reserved in the chain so parallel work never forks Alembic's history; its owner fills it in.
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
