"""Alembic environment: always run from ``sohoa.archive.db.migrate`` with a live connection."""

from __future__ import annotations

from alembic import context

from sohoa.archive.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through sohoa, which opens the connection (e.g. sohoa units list)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
