"""The access audit trail: who searched, viewed, listed, reported or exported what, and when.

Results hold names and ID numbers, so reading the archive leaves a trace as much as changing it.
A read must never wait for the database's write lock, though (on SQLite an ingest holds it for
each document it stores), so reads are recorded in two steps:

1. ``record`` appends one JSON line to ``audit-spool/events.jsonl`` in the archive folder, under
   a file lock that only other appenders take, and fsyncs it before the reader sees its answer.
   The folder is the owner's alone (0700, files 0600). No database lock is involved.
2. ``fold_spool`` moves the spooled lines into ``audit_events``. The command that spooled them
   tries it as it closes, without waiting (``fold_spool_quietly``: if a writer holds the lock,
   the lines simply stay for the next one); ``sohoa audit`` folds, waiting if needed, before
   it reads the trail.

Folding is exactly-once: the spool file is first renamed aside (``folding-<id>.jsonl``); its
events are inserted in one transaction together with a marker setting ``audit_spool:<id>``;
the file is deleted after the commit, and the marker after that. A crash between the commit and
the deletion leaves a file whose marker says it was folded already, so it is only deleted.

The query text of a search is recorded here (it is the audit) and in the database, never in a
log line.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sohoa import clock
from sohoa.i18n import _
from sohoa.i18n import lazy_gettext as L_

from .models import ArchiveSetting, AuditEvent, Batch, Document, Unit
from .storage import fsync_dir
from .store import Archive

log = logging.getLogger(__name__)

SPOOL_DIR = "audit-spool"
SPOOL_FILE = "events.jsonl"
_APPEND_LOCK = ".append.lock"
_FOLD_LOCK = ".fold.lock"
_MARKER = "audit_spool:"

#: What each action is called in the Vietnamese table of ``sohoa audit``.
ACTION_LABELS = {
    "search": L_("tìm kiếm"),
    "view": L_("xem văn bản"),
    "download": L_("tải tệp"),
    "export": L_("xuất tệp"),
    "list": L_("xem danh sách"),
    "review.list": L_("xem hàng chờ kiểm tra"),
    "report": L_("xem báo cáo"),
    "audit.read": L_("xem nhật ký truy cập"),
    "ingest": L_("số hóa"),
    "ingest.failed": L_("số hóa lỗi"),
    "edit": L_("sửa trường"),
    "accept": L_("duyệt thẻ"),
    "batch.start": L_("bắt đầu lô"),
    "batch.resume": L_("tiếp tục lô"),
    "register.import": L_("nhập sổ theo dõi"),
    "register.match": L_("đối chiếu sổ"),
    "register.link": L_("liên kết sổ"),
    "register.target": L_("đặt chỉ tiêu"),
    "unit.add": L_("thêm đơn vị"),
    "unit.rename": L_("đổi tên đơn vị"),
}


#: Reads that show several documents; their ``detail["shown"]`` lists the ids on the screen.
LISTING_ACTIONS = ("search", "list", "review.list")


# -- step 1: spool a read, never touching the database -------------------------------------
def spool_dir(archive: Archive) -> Path:
    """The owner-only folder of spooled events (created 0700 on first use)."""
    folder = archive.home / SPOOL_DIR
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    return folder


@contextlib.contextmanager
def _flock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive lock on ``path``; yields False when ``wait`` is off and another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def record(
    archive: Archive,
    action: str,
    *,
    document_id: int | None = None,
    unit_id: int | None = None,
    batch_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a read (search, view, list, report, export) durably, without waiting on the database.

    Call it before showing the answer: when it cannot be written (a full disk) the command fails
    instead of showing personal data without a trace.
    """
    event = {
        "at": clock.now().isoformat(),
        "actor": archive.actor,
        "action": action,
        "document_id": document_id,
        "unit_id": unit_id,
        "batch_id": batch_id,
        "detail": detail or {},
    }
    line = (json.dumps(event, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    folder = spool_dir(archive)
    target = folder / SPOOL_FILE
    with _flock(folder / _APPEND_LOCK):
        created = not target.exists()
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(folder)


# -- step 2: fold the spool into audit_events ----------------------------------------------
def fold_spool(archive: Archive, *, wait: bool = True) -> int:
    """Move spooled events into ``audit_events``; returns how many were added.

    With ``wait`` off nothing waits: another folder at work, or a database write lock held
    by someone else, leaves the spool for next time (and returns 0).
    """
    folder = archive.home / SPOOL_DIR
    if not folder.is_dir():
        return 0
    added = 0
    with _flock(folder / _FOLD_LOCK, wait=wait) as got:
        if not got:
            return 0
        with _flock(folder / _APPEND_LOCK):
            current = folder / SPOOL_FILE
            if current.exists() and current.stat().st_size > 0:
                current.rename(folder / f"folding-{uuid.uuid4().hex}.jsonl")
                fsync_dir(folder)
        for path in sorted(folder.glob("folding-*.jsonl")):
            folded = _fold_file_retrying(archive, path) if wait else _fold_file(archive, path, wait=False)
            if folded is None:
                break  # the database is busy: the rest waits for the next fold
            added += folded
    return added


def fold_spool_quietly(archive: Archive) -> None:
    """``fold_spool`` without waiting and without failing the command that just answered."""
    try:
        if (archive.home / SPOOL_DIR / SPOOL_FILE).exists() or any(
            (archive.home / SPOOL_DIR).glob("folding-*.jsonl")
        ):
            fold_spool(archive, wait=False)
    except Exception as exc:  # noqa: BLE001 - the events stay spooled; the next fold takes them
        log.debug("audit spool not folded now (%s); it stays for the next command", type(exc).__name__)


def _read_spool_file(path: Path) -> list[dict[str, Any]]:
    events = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except ValueError:  # a line cut by a crash mid-write: its reader never got an answer
            log.warning("audit spool %s line %d is incomplete; skipped", path.name, number)
    return events


def _keep_known_references(session: Session, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move a reference to a row that does not exist into ``detail``: one bad line must never
    block the spool (a foreign key refusing it would refuse the whole file, every time)."""
    tables = {"document_id": Document, "unit_id": Unit, "batch_id": Batch}
    for key, model in tables.items():
        wanted = sorted({e[key] for e in events if isinstance(e.get(key), int)})
        known: set[int] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            known.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
        for event in events:
            value = event.get(key)
            if value is not None and value not in known:
                event["detail"] = {**(event.get("detail") or {}), key: value}
                event[key] = None
    return events


def _event_row(event: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        at=datetime.fromisoformat(event["at"]),
        actor=str(event.get("actor") or "unknown")[:100],
        action=str(event["action"])[:40],
        document_id=event.get("document_id"),
        unit_id=event.get("unit_id"),
        batch_id=event.get("batch_id"),
        detail=event.get("detail") or {},
    )


def _fold_file_retrying(archive: Archive, path: Path, attempts: int = 5) -> int:
    """``_fold_file`` for a folder that waits: SQLite refuses a read turning into a write when
    another writer committed in between (no busy wait helps there), so it tries again."""
    for attempt in range(1, attempts + 1):
        try:
            return _fold_file(archive, path, wait=True) or 0
        except OperationalError:
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)
    return 0


def _fold_file(archive: Archive, path: Path, *, wait: bool) -> int | None:
    """Insert one renamed spool file's events with its marker; None when the database is busy."""
    marker = _MARKER + path.stem.removeprefix("folding-")
    sqlite = archive.engine.dialect.name == "sqlite"
    with archive.engine.connect() as conn:
        if sqlite and not wait:
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            conn.commit()
        try:
            with Session(bind=conn) as session:
                if session.get(ArchiveSetting, marker) is not None:
                    added = 0  # folded already: a crash came before the file was deleted
                else:
                    events = _keep_known_references(session, _read_spool_file(path))
                    session.add_all(_event_row(e) for e in events)
                    session.add(ArchiveSetting(key=marker, value=str(len(events))))
                    session.commit()
                    added = len(events)
        except OperationalError:
            if wait:
                raise
            return None
        finally:
            if sqlite and not wait:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA busy_timeout=60000")
                conn.commit()
    path.unlink()
    fsync_dir(path.parent)
    with contextlib.suppress(OperationalError), archive.sessions.begin() as session:
        session.execute(delete(ArchiveSetting).where(ArchiveSetting.key == marker))
    return added


# -- reading the trail ---------------------------------------------------------------------
@dataclass
class AuditEntry:
    """One line of the trail as ``sohoa audit`` shows it; ``at`` in the archive's zone."""

    id: int
    at: datetime
    actor: str
    action: str
    document_id: int | None
    unit: str | None
    batch_id: int | None
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "document_id": self.document_id,
            "unit": self.unit,
            "batch_id": self.batch_id,
            "detail": self.detail,
        }


def read_trail(
    session: Session,
    tz: tzinfo,
    *,
    actor: str | None = None,
    document_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The trail newest first, filtered; days are archive-zone days, both ends included.

    ``document_id`` also finds the searches and lists whose shown lines included that document:
    who saw a person's record matters whether they opened it or read it in a list of results.
    """
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if date_from:
        query = query.where(AuditEvent.at >= clock.day_start_utc(date_from, tz))
    if date_to:
        query = query.where(AuditEvent.at < clock.day_start_utc(date_to + timedelta(days=1), tz))
    if document_id is not None:
        query = query.where(
            or_(AuditEvent.document_id == document_id, AuditEvent.action.in_(LISTING_ACTIONS))
        )
    units = dict(session.execute(select(Unit.id, Unit.code)).all())
    out: list[AuditEntry] = []
    for event in session.scalars(query.execution_options(yield_per=500)):
        shown = (event.detail or {}).get("shown") or []
        if document_id is not None and event.document_id != document_id and document_id not in shown:
            continue
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)  # SQLite: stored as UTC
        out.append(
            AuditEntry(
                event.id,
                at.astimezone(tz),
                event.actor,
                event.action,
                event.document_id,
                units.get(event.unit_id) if event.unit_id else None,
                event.batch_id,
                dict(event.detail or {}),
            )
        )
        if len(out) >= limit:
            break
    return out


def describe(entry: AuditEntry) -> str:
    """A short Vietnamese line of what the event was about (the table's last column)."""
    d = entry.detail
    if entry.action == "search":
        filters = ", ".join(f"{k}={v}" for k, v in (d.get("filters") or {}).items() if v)
        found = _("%(n)s kết quả") % {"n": d.get("hits", 0)}
        return f"“{d.get('query', '')}” — {found}" + (f" ({filters})" if filters else "")
    if entry.action == "report":
        return ", ".join(f"{k}: {v}" for k, v in d.items() if v)
    text = json.dumps(d, ensure_ascii=False, default=str) if d else ""
    return text if len(text) <= 120 else text[:117] + "..."
