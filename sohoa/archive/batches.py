"""Batches: which files a run of ``sohoa ingest`` covers, and how each one ended.

A batch is keyed by its command (unit, paths, options). Running the same command after a
crash or Ctrl-C finds the unfinished batch and processes only the files still ``pending``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sohoa.text import nfc

from .models import AuditEvent, Batch, BatchItem, Unit, utcnow

#: File types a scanner or a one-stop export produces; other files met while walking a
#: folder (Thumbs.db, notes, our own JSON) are skipped and counted, not failed.
SCAN_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".pdf"})


@dataclass(frozen=True)
class InputFile:
    """A file to ingest: ``path`` as on disk (may be NFD), ``name`` its NFC form for people."""

    path: Path

    @property
    def name(self) -> str:
        return nfc(str(self.path))


def collect_files(paths: list[Path]) -> tuple[list[InputFile], list[str]]:
    """Expand files and folders (recursively, in name order) into the files to ingest.

    A path given explicitly is always tried (a wrong type then fails with its reason); inside
    folders only scan-like files are taken and the rest reported as skipped. Hidden files and
    folders are ignored.
    """
    files: list[InputFile] = []
    skipped: list[str] = []
    seen: set[str] = set()

    def add(path: Path) -> None:
        key = nfc(str(path.resolve()))
        if key not in seen:
            seen.add(key)
            files.append(InputFile(path.resolve()))

    for given in paths:
        if given.is_dir():
            for path in sorted(given.rglob("*"), key=lambda p: nfc(str(p))):
                rel = path.relative_to(given)
                if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                    continue
                if path.suffix.lower() in SCAN_SUFFIXES:
                    add(path)
                else:
                    skipped.append(nfc(str(path)))
        else:
            add(given)
    return files, skipped


def path_key(name: str) -> str:
    """The key a batch item is unique by: a path may be longer than a database index entry."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()


def batch_key(unit: Unit, files: list[InputFile], options: dict[str, object]) -> str:
    """Identity of a command: the same unit, files and options give the same key."""
    payload = json.dumps(
        {"unit": unit.id, "files": sorted(f.name for f in files), "options": options}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def start_or_resume(
    session: Session, unit: Unit, files: list[InputFile], options: dict[str, object], actor: str
) -> tuple[Batch, bool]:
    """The unfinished batch of this same command, or a new one; with one item per file."""
    key = batch_key(unit, files, options)
    batch = session.scalar(
        select(Batch).where(Batch.key == key, Batch.status != "finished").order_by(Batch.id.desc()).limit(1)
    )
    resumed = batch is not None
    if batch is None:
        batch = Batch(key=key, unit=unit, options=options, actor=actor, status="running")
        session.add(batch)
        session.flush()
    batch.status = "running"
    session.add(
        AuditEvent(
            actor=actor,
            action="batch.resume" if resumed else "batch.start",
            unit_id=unit.id,
            batch_id=batch.id,
            detail={"files": len(files)},
        )
    )
    known = {item.path for item in batch.items}
    for f in files:
        if f.name not in known:
            session.add(BatchItem(batch=batch, path=f.name, path_key=path_key(f.name), status="pending"))
    session.flush()
    return batch, resumed


def finish(session: Session, batch: Batch, status: str, when: datetime | None = None) -> None:
    """Mark the batch ``finished`` or ``interrupted``."""
    batch.status = status
    batch.finished_at = when or utcnow()
