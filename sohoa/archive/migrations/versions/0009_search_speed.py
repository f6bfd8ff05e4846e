"""search speed: what the PostgreSQL backend's faster queries need

Revision ID: 0009
Revises: 0008

Reserved in the chain so parallel work never forks Alembic's history; its owner fills it in.
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
