"""many desks: page leases for workers on a queue

Revision ID: 0008
Revises: 0007

Reserved in the chain so parallel work never forks Alembic's history; its owner fills it in.
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
