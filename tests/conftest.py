"""Shared fixtures: real archives on SQLite (in tmp_path) and on the local PostgreSQL server.

PostgreSQL runs on every machine here, CI's included (127.0.0.1:5432, trust auth, database
``test``); each test gets its own schema, dropped afterwards, so tests never see each other's
rows. Set ``SOHOA_TEST_PG_URL`` to point elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
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


def load_devset2() -> ModuleType:
    """``bench/devset2.py``: the second hand's result forms (other fonts, violet seals, scribbles).

    Its own imports are resolved from ``bench/``, so that folder goes on the path first.
    """
    bench = str(Path(__file__).resolve().parents[1] / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import devset2

    return devset2


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


def add_stored_document(
    archive: Archive,
    n: int,
    *,
    unit: str = "khai-quang",
    text: str = "Giấy xác nhận tình trạng hôn nhân",
    fields: dict | None = None,
    register: bool = True,
) -> int:
    """A document made as rows plus real files on disk (no OCR: for tests where OCR adds nothing).

    The original and its PDF are written where the storing path writes them; with ``register``
    they are recorded in ``stored_files`` with their checksums as the storing path does,
    without it the archive looks like one made before the fixity registry. Returns the id.
    """
    import hashlib

    from sohoa.archive import storage
    from sohoa.archive.fixity import record_stored_file
    from sohoa.archive.models import Document, Original, Page
    from sohoa.archive.units import resolve_unit
    from sohoa.fields import FIELD_NAMES

    scan = f"scan {n} of {text}".encode() * 50
    pdf = b"%PDF-1.4\n% document " + str(n).encode() + b"\n" + text.encode() * 20 + b"\n%%EOF\n"
    sha = hashlib.sha256(scan).hexdigest()
    original_rel, pdf_rel = storage.original_relpath(sha, ".png"), storage.pdf_relpath(sha, 1)
    for rel, data in ((original_rel, scan), (pdf_rel, pdf)):
        path = archive.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o444)
    all_fields = {name: (fields or {}).get(name) for name in FIELD_NAMES}
    with archive.sessions.begin() as session:
        original = Original(
            sha256=sha, size=len(scan), media_type="image/png", source_name=f"/scans/{n}.png",
            stored_path=original_rel, page_count=1,
        )  # fmt: skip
        doc = Document(
            original=original, unit=resolve_unit(session, unit), pdf_path=pdf_rel, page_count=1,
            fields=all_fields, field_confidence={k: 0.9 for k in FIELD_NAMES},
            field_source={k: "auto" for k in FIELD_NAMES},
        )  # fmt: skip
        doc.pages.append(Page(number=1, source_page=1, method="ocr", text=text, confidence=0.9))
        session.add(doc)
        session.flush()
        if register:
            record_stored_file(
                session, path=original_rel, role="original", sha256=sha, size=len(scan),
                original_sha256=sha, document_id=doc.id,
            )  # fmt: skip
            record_stored_file(
                session, path=pdf_rel, role="pdf", sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf),
                original_sha256=sha, document_id=doc.id,
            )  # fmt: skip
        return doc.id


def run_sohoa(
    archive_or_home: Archive | Path, *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The real ``sohoa`` command on an archive (its folder and, for PostgreSQL, its database URL)."""
    if isinstance(archive_or_home, Archive):
        home = archive_or_home.home
        url = archive_or_home.engine.url.render_as_string(hide_password=False)
        where = ["--home", str(home), "--db-url", url]
    else:
        where = ["--home", str(archive_or_home)]
    return subprocess.run(
        [sys.executable, "-m", "sohoa.cli", *where, *args], capture_output=True, text=True, timeout=timeout
    )
