"""reports: what the city-wide dashboard's summary needs

Revision ID: 0010
Revises: 0009

Reserved in the chain so parallel work never forks Alembic's history; its owner fills it in.
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
