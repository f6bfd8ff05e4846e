"""desk jobs: upload progress kept in the database

Revision ID: 0011
Revises: 0010

Reserved in the chain so parallel work never forks Alembic's history; its owner fills it in.
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
