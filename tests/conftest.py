"""Shared fixtures: real archives on SQLite (in tmp_path) and on the local PostgreSQL server.

PostgreSQL runs on every machine here, CI's included (127.0.0.1:5432, trust auth, database
``test``); each test gets its own schema, dropped afterwards, so tests never see each other's
rows. Set ``SOHOA_TEST_PG_URL`` to point elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text

from sohoa.archive.store import Archive, open_archive

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PG_URL = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def load_generator() -> ModuleType:
    """``samples/generate.py``, imported by path once (samples/ is a folder of scripts, not a package)."""
    name = "samples_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SAMPLES / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema; fails loudly if the server is down."""
    schema = f"sohoa_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the server is part of the machine: its absence is a failure, not a skip
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable ({exc}); start it or set SOHOA_TEST_PG_URL")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    """An empty archive (units preloaded) on SQLite and on PostgreSQL."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    arch = open_archive(tmp_path / "home", url)
    yield arch
    arch.close()


@pytest.fixture
def sqlite_archive(tmp_path: Path) -> Iterator[Archive]:
    arch = open_archive(tmp_path / "home")
    yield arch
    arch.close()
