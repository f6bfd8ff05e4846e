"""A consistent copy of an archive: its database and the files its rows name.

SQLite is copied with its online backup API (a consistent snapshot while other commands keep
working); the files copied are exactly those the snapshot names, so a restored copy has no
missing file and no orphan: ``sohoa --home OUT verify`` is clean and the identity check
passes (the identity file and the database carry the same archive id). Stored files never
change after they are written, so copying them after the snapshot is safe.

PostgreSQL cannot be snapshotted from here: the command copies the files and says so, and
the README gives the ``pg_dump`` step to run *before* it (files stored between the two steps
show up as harmless orphans in the copy, never as missing files).

The search index is derived and not copied: the copy marks its documents pending, so the
first search (or ``sohoa index sync``) rebuilds the index of a restored archive.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sohoa import clock
from sohoa.errors import ArchiveError, UsageError
from sohoa.i18n import _

from .db import _redact
from .fixity import backfill_registry
from .identity import MARKER
from .models import BatchItem, Document, Original, StoredFile
from .store import Archive

MANIFEST = "sohoa-backup.json"
_FILES_SQL = (
    "SELECT path FROM stored_files UNION SELECT stored_path FROM originals "
    "UNION SELECT pdf_path FROM documents UNION SELECT quarantine_path FROM batch_items "
    "WHERE quarantine_path IS NOT NULL"
)


@dataclass
class BackupResult:
    """What went into the copy; ``database_copied`` is False for PostgreSQL (use pg_dump)."""

    out: Path
    archive_id: str
    database: str
    database_copied: bool
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    pg_dump_command: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "archive_id": self.archive_id,
            "database": self.database,
            "database_copied": self.database_copied,
            "files": self.files,
            "bytes": self.bytes,
            "missing": self.missing,
            "pg_dump_command": self.pg_dump_command,
        }


def _prepare_out(archive: Archive, out: Path) -> Path:
    """An empty, owner-only folder outside the archive."""
    out = out.expanduser().resolve()
    home = archive.home.resolve()
    if out == home or home in out.parents:
        raise UsageError(
            _("thư mục sao lưu %(out)s nằm trong kho: chọn một thư mục ngoài kho") % {"out": out}
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(
            _("thư mục sao lưu %(out)s đã có dữ liệu: chọn một thư mục mới hoặc rỗng") % {"out": out}
        )
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(
            _("không tạo được thư mục sao lưu %(out)s (%(why)s)") % {"out": out, "why": exc.strerror}
        ) from exc
    return out


def _sqlite_snapshot(archive: Archive, target: Path) -> list[str]:
    """Copy the SQLite database with the online backup API; returns the files its rows name."""
    source = archive.engine.url.database
    if not source or source == ":memory:":
        raise ArchiveError(_("không sao lưu được cơ sở dữ liệu trong bộ nhớ"))
    src = sqlite3.connect(source, timeout=60)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # owner-only from the start
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # the index is not copied: the copy's documents are indexed again on first use
        dst.execute("UPDATE documents SET index_state = 'pending' WHERE index_state = 'indexed'")
        dst.commit()
        return sorted({p for (p,) in dst.execute(_FILES_SQL) if p})
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise ArchiveError(f"không sao lưu được cơ sở dữ liệu (cannot back up the database: {exc})") from exc
    finally:
        dst.close()
        src.close()


def _live_files(archive: Archive) -> list[str]:
    """The files the live database names (PostgreSQL: no snapshot taken here)."""
    with archive.sessions() as session:
        names: set[str] = set()
        for column in (StoredFile.path, Original.stored_path, Document.pdf_path, BatchItem.quarantine_path):
            names.update(p for p in session.scalars(select(column)) if p)
    return sorted(names)


def _private_dirs(out: Path, folder: Path) -> None:
    """Create ``folder`` and its parents below ``out`` owner-only (``mkdir(parents=True)`` would
    give the parents the umask's mode)."""
    missing = []
    while folder != out and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def _inside(rel: str) -> bool:
    """A path a row names is relative and stays inside the archive (never copy from elsewhere)."""
    path = Path(rel)
    return not path.is_absolute() and ".." not in path.parts


def _copy(out: Path, src: Path, dst: Path) -> int:
    """Copy one file keeping its mode (originals stay read-only); returns its size."""
    _private_dirs(out, dst.parent)
    shutil.copy2(src, dst)
    return dst.stat().st_size


def backup_archive(archive: Archive, out: Path) -> BackupResult:
    """Copy the archive's database (SQLite) and the files its rows name into ``out``."""
    out = _prepare_out(archive, out)
    backfill_registry(archive)  # an archive from before the registry: its copy is complete too
    dialect = archive.engine.dialect.name
    result = BackupResult(out, archive.archive_id, dialect, database_copied=dialect == "sqlite")
    if dialect == "sqlite":
        paths = _sqlite_snapshot(archive, out / "archive.db")
    else:
        paths = _live_files(archive)
        result.pg_dump_command = (
            f"pg_dump --format=custom --file {out / 'archive.pgdump'} '{_redact(str(archive.engine.url))}'"
        ).replace("postgresql+psycopg://", "postgresql://")
    try:
        for rel in paths:
            src = archive.path(rel)
            if not _inside(rel) or not src.is_file():
                result.missing.append(rel)
                continue
            result.bytes += _copy(out, src, out / rel)
            result.files += 1
        _copy(out, archive.home / MARKER, out / MARKER)
        manifest = {
            "archive_id": archive.archive_id,
            "taken_at": clock.now().isoformat(),
            "database": dialect,
            "database_copied": result.database_copied,
            "files": result.files,
            "bytes": result.bytes,
            "index": False,
        }
        fd = os.open(out / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=2)
        os.sync()
    except OSError as exc:
        raise ArchiveError(
            _("sao lưu dở dang vào %(out)s (%(why)s): xóa thư mục đó rồi chạy lại")
            % {"out": out, "why": exc.strerror or exc}
        ) from exc
    return result
