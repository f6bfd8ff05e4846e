"""many desks: page leases for workers on a queue

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["batch_items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "kind", "page", name="uq_queue_tasks_item_kind_page"),
    )
    op.create_index("ix_queue_tasks_batch_id", "queue_tasks", ["batch_id"])
    op.create_index("ix_queue_tasks_status_lease", "queue_tasks", ["status", "lease_until"])
    op.create_table(
        "queue_workers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_queue_workers_seen_at", "queue_workers", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_workers_seen_at", table_name="queue_workers")
    op.drop_table("queue_workers")
    op.drop_index("ix_queue_tasks_status_lease", table_name="queue_tasks")
    op.drop_index("ix_queue_tasks_batch_id", table_name="queue_tasks")
    op.drop_table("queue_tasks")
