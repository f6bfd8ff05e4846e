"""PostgreSQL for the search tests: a fresh schema per test (or module), ``pg_trgm`` kept in ``public``.

Each search test on PostgreSQL gets its own schema through the URL's ``search_path``, so
parallel runs never see each other's tables. The extension is created once in ``public``
(where every test finds it by its schema); created inside a test's schema it would vanish
with that schema while other tests use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from .conftest import PG_URL


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose ``search_path`` is a new schema, dropped afterwards."""
    schema = f"sohoa_search_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('sohoa tests pg_trgm'))"))
            if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is None:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the server is part of the machine: its absence is a failure
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable ({exc}); start it or set SOHOA_TEST_PG_URL")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
