"""Batches: which files a run of ``sohoa ingest`` covers, and how each one ended.

A batch is keyed by its command (unit, paths, options). Running the same command after a
crash or Ctrl-C finds the unfinished batch and processes only the files still ``pending``.

A file that fails is copied to quarantine once: a later batch meeting the same bytes (or the
same path, when its bytes could not be read) points its item at that copy. ``list_batches``
is what ``sohoa batches`` shows: each batch's outcome counts and, on request, its failed files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from sohoa import clock, i18n
from sohoa.i18n import LazyText
from sohoa.i18n import lazy_gettext as L_
from sohoa.text import nfc

from . import storage
from .models import AuditEvent, Batch, BatchItem, Document, Unit, utcnow
from .store import Archive

#: File types a scanner, a phone or a one-stop export produces; other files met while walking a
#: folder (Thumbs.db, notes, our own JSON) are skipped and counted, not failed.
SCAN_SUFFIXES = frozenset(
    {
        *(".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".bmp", ".webp", ".gif"),
        *(".heic", ".heif", ".hif", ".avif", ".pdf"),
    }
)
#: Documents a clerk may take for scans but that we do not read (Word, Excel, JPEG 2000, DjVu):
#: inside a folder they fail with ``unsupported`` and what to convert them to, never skipped silently.
DOCUMENT_SUFFIXES = frozenset(
    {
        ".doc",
        ".docx",
        ".odt",
        ".rtf",
        ".xls",
        ".xlsx",
        ".ods",
        ".jp2",
        ".j2k",
        ".jpf",
        ".jpx",
        ".djvu",
        ".djv",
    }
)
#: How each batch item can end; ``pending`` until its file is processed.
OUTCOMES = ("stored", "duplicate", "failed", "pending")


@dataclass(frozen=True)
class Reason:
    """What a failure reason means to a clerk, in Vietnamese: what is wrong and what to do."""

    problem: LazyText
    action: LazyText


#: Every reason code a failed file can carry (the README's bad-input table lists them).
REASONS: dict[str, Reason] = {
    "unreadable": Reason(
        L_("Không đọc được tệp (không còn ở đó, không phải tệp thường, hoặc không có quyền đọc)"),
        L_("kiểm tra tệp còn trong thư mục và đọc được, rồi chạy lại lệnh"),
    ),
    "empty": Reason(L_("Tệp rỗng (0 byte)"), L_("sao chép lại tệp từ máy quét hoặc quét lại giấy")),
    "not-a-document": Reason(
        L_("Tệp không phải ảnh quét hay PDF"), L_("kiểm tra đã chọn đúng tệp, hoặc quét lại giấy")
    ),
    "unsupported": Reason(
        L_("Định dạng tệp chưa được hỗ trợ"), L_("lưu tài liệu dạng PDF, TIFF, PNG hoặc JPEG rồi nạp lại")
    ),
    "corrupt": Reason(
        L_("Tệp bị hỏng hoặc bị cắt cụt (sao chép dở?)"), L_("sao chép lại tệp gốc hoặc quét lại giấy")
    ),
    "too-large": Reason(L_("Ảnh quá lớn để xử lý"), L_("quét lại ở 300 dpi trở xuống")),
    "encrypted": Reason(L_("PDF có mật khẩu hoặc được bảo vệ"), L_("gỡ mật khẩu, hoặc quét bản giấy")),
    "no-pages": Reason(L_("PDF không có trang nào"), L_("xuất lại PDF hoặc quét lại giấy")),
    "no_text": Reason(
        L_("Không tìm thấy chữ nào (trang trắng, ảnh không có chữ, hoặc chữ quá mờ)"),
        L_("kiểm tra đúng tệp chưa, hoặc quét lại giấy ở 300 dpi"),
    ),
    "still_writing": Reason(
        L_("Tệp vẫn đang được ghi (máy quét hoặc việc sao chép chưa xong)"),
        L_("chờ ghi xong rồi chạy lại đúng lệnh đó"),
    ),
    "internal": Reason(
        L_("Lỗi của chương trình khi đọc tệp"),
        L_("báo lỗi kèm nhật ký khi chạy lại với -vv; tệp được giữ trong thư mục cách ly"),
    ),
}
_UNKNOWN_REASON = Reason(L_("Tệp không xử lý được"), L_("xem chi tiết bên dưới"))
#: Reasons whose file is not copied to quarantine: a copy would be a half-written file.
NOT_COPIED = frozenset({"still_writing"})


def explain(reason_code: str) -> Reason:
    """The Vietnamese meaning of a reason code (a generic one for codes added later)."""
    return REASONS.get(reason_code, _UNKNOWN_REASON)


def clerk_message(reason_code: str, message: str) -> str:
    """The stored message, Vietnamese first: an English-only detail gets the reason's meaning in front."""
    if not message.isascii():
        return message  # already written for clerks
    if reason_code in REASONS and reason_code != "internal" and i18n.current_language() != "vi":
        return message  # our own refusal, already in the reader's language with its remedy
    reason = explain(reason_code)
    return f"{reason.problem}: {reason.action} ({message})"


@dataclass(frozen=True)
class InputFile:
    """A file to ingest: ``path`` as on disk (may be NFD), ``name`` its NFC form for people.

    ``label`` names a file read from somewhere else than where the clerk gave it: a queue
    worker reads the copy a desk put in the archive's shared storage, yet the archive records
    (and quarantine recognises) the path the clerk gave.
    """

    path: Path
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label if self.label is not None else nfc(str(self.path))


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
                if path.suffix.lower() in SCAN_SUFFIXES | DOCUMENT_SUFFIXES:
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


# -- the rows of one item ---------------------------------------------------------------------


@dataclass
class ItemResult:
    """How one input file ended (the ``items`` of ``ingest --json``)."""

    path: str
    status: str
    document_id: int | None = None
    pages: int = 0
    error: str | None = None
    reason_code: str | None = None
    document_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "document_id": self.document_id,
            "pages": self.pages,
            "error": self.error,
        }


def set_item(archive: Archive, item_id: int, **values: Any) -> None:
    """Change an item's columns in a transaction of its own (one file's outcome is committed alone)."""
    with archive.sessions.begin() as session:
        item = session.get(BatchItem, item_id)
        assert item is not None
        for key, value in values.items():
            setattr(item, key, value)


def first_document_id(session: Session, sha256: str) -> int | None:
    """The first document cut from the original with these bytes (what a duplicate points at)."""
    return session.scalar(
        select(Document.id).where(Document.original_sha256 == sha256).order_by(Document.page_from).limit(1)
    )


def mark_duplicate(archive: Archive, item_id: int, sha256: str, pages: int | None = None) -> None:
    """The item's bytes are archived already (before it was read, or by a run that won the race).

    An item that has ended already keeps its outcome: on a queue, a worker whose lease expired
    while it stored the file may lose the race to the worker that took the file over.
    """
    with archive.sessions.begin() as session:
        item = session.get(BatchItem, item_id, with_for_update=True)
        assert item is not None
        if item.status != "pending":
            return
        item.status, item.sha256, item.error = "duplicate", sha256, None
        item.document_id = first_document_id(session, sha256)
        if pages is not None:
            item.pages = pages


def item_results(session: Session, batch_id: int) -> list[ItemResult]:
    """Every item of a batch as ``ingest --json`` reports it, in the order the items were added."""
    out = []
    query = select(BatchItem).where(BatchItem.batch_id == batch_id).order_by(BatchItem.id)
    for item in session.scalars(query):
        doc_ids = []
        if item.sha256 and item.status in ("stored", "duplicate"):
            doc_ids = list(
                session.scalars(
                    select(Document.id)
                    .where(Document.original_sha256 == item.sha256)
                    .order_by(Document.page_from)
                )
            )
        out.append(
            ItemResult(
                item.path, item.status, item.document_id, item.pages, item.error, item.reason_code, doc_ids
            )
        )
    return out


def record_failure(
    archive: Archive,
    *,
    batch_id: int,
    unit_id: int,
    item_id: int,
    file: InputFile,
    reason_code: str,
    message: str,
    sha: str | None = None,
) -> str:
    """Record a failed file and quarantine it once with its reason; returns the copy's relative path.

    A file an earlier batch already quarantined (same bytes, or same path when the bytes
    cannot be read) points at that copy instead of being copied again; the message is
    stored Vietnamese first.
    """
    message = clerk_message(reason_code, message)
    if sha is None and reason_code not in NOT_COPIED and file.path.is_file():
        try:  # the checksum is what recognises the same bad file in a later batch
            sha = storage.sha256_file(file.path)
        except OSError:
            sha = None
    home = archive.home
    with archive.sessions() as session:
        kept = earlier_quarantine(session, home, sha256=sha, key=path_key(file.name))
    if kept is None:
        reason = explain(reason_code)
        copy = storage.quarantine(
            file.path,
            archive.quarantine_dir / f"batch-{batch_id}",
            reason_code,
            message,
            problem=str(reason.problem),
            action=str(reason.action),
            copy=reason_code not in NOT_COPIED,
        )
        kept = copy.relative_to(home).as_posix()
    with archive.sessions.begin() as session:
        item = session.get(BatchItem, item_id)
        assert item is not None
        item.status, item.reason_code, item.error, item.sha256 = "failed", reason_code, message, sha
        item.quarantine_path = kept
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="ingest.failed",
                batch_id=batch_id,
                unit_id=unit_id,
                detail={"path": file.name, "reason": reason_code, "quarantine": kept},
            )
        )
    return kept


# -- quarantine once -------------------------------------------------------------------------


def earlier_quarantine(session: Session, home: Path, *, sha256: str | None, key: str) -> str | None:
    """The quarantine copy an earlier failure of the same file left, relative to ``home``; or None.

    The same file is the same bytes (``sha256``), or the same path (``key``, see
    :func:`path_key`) when one of the two failures could not read its bytes; a path whose
    bytes changed is a new file and gets its own copy. A copy a clerk has since deleted does
    not count. Any item that recorded a copy counts, whatever its status now (a resumed item).
    """
    same_path = BatchItem.path_key == key
    if sha256 is not None:
        same_path = same_path & or_(BatchItem.sha256.is_(None), BatchItem.sha256 == sha256)
        match = or_(BatchItem.sha256 == sha256, same_path)
    else:
        match = same_path
    rows = session.execute(
        select(BatchItem.quarantine_path, BatchItem.sha256)
        .where(BatchItem.quarantine_path.is_not(None), match)
        .order_by(BatchItem.id)
    ).all()
    # same bytes first, then same path; the oldest copy of each
    for rel, _sha in sorted(rows, key=lambda row: 0 if sha256 is not None and row[1] == sha256 else 1):
        if (home / rel).exists():
            return rel
    return None


# -- what ``sohoa batches`` shows ---------------------------------------------------------


@dataclass
class FailedFile:
    """A file of a batch that failed: why, and where its quarantine copy is."""

    path: str
    reason_code: str | None
    message: str | None
    quarantine_path: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "reason_code": self.reason_code,
            "message": self.message,
            "quarantine_path": self.quarantine_path,
        }


@dataclass
class BatchSummary:
    """One batch as ``sohoa batches`` lists it (times in the archive's zone)."""

    id: int
    unit: str
    unit_code: str
    status: str
    actor: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    failed: list[FailedFile] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "unit": self.unit,
            "unit_code": self.unit_code,
            "status": self.status,
            "actor": self.actor,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "counts": self.counts,
        }
        if self.failed is not None:
            data["failed"] = [f.to_json() for f in self.failed]
        return data


def list_batches(
    session: Session, *, failed_only: bool = False, limit: int = 50, tz: Any = None
) -> list[BatchSummary]:
    """The newest ``limit`` batches with their outcome counts, newest first.

    With ``failed_only`` only batches with a failed file are listed, each with those files.
    """
    tz = tz or clock.zone()
    query = select(Batch).options(selectinload(Batch.unit)).order_by(Batch.id.desc()).limit(limit)
    if failed_only:
        query = query.where(Batch.id.in_(select(BatchItem.batch_id).where(BatchItem.status == "failed")))
    found = list(session.scalars(query))
    counts: dict[int, dict[str, int]] = {b.id: dict.fromkeys(OUTCOMES, 0) for b in found}
    if found:
        for batch_id, status, n in session.execute(
            select(BatchItem.batch_id, BatchItem.status, func.count())
            .where(BatchItem.batch_id.in_(list(counts)))
            .group_by(BatchItem.batch_id, BatchItem.status)
        ):
            counts[batch_id][status] = n
    failed: dict[int, list[FailedFile]] = {b.id: [] for b in found}
    if failed_only and found:
        for item in session.scalars(
            select(BatchItem)
            .where(BatchItem.batch_id.in_(list(failed)), BatchItem.status == "failed")
            .order_by(BatchItem.id)
        ):
            failed[item.batch_id].append(
                FailedFile(item.path, item.reason_code, item.error, item.quarantine_path)
            )
    return [
        BatchSummary(
            id=b.id,
            unit=b.unit.name,
            unit_code=b.unit.code,
            status=b.status,
            actor=b.actor,
            started_at=clock.local_moment(b.created_at, tz),
            finished_at=clock.local_moment(b.finished_at, tz) if b.finished_at else None,
            counts=counts[b.id],
            failed=failed[b.id] if failed_only else None,
        )
        for b in found
    ]


def pending_count(session: Session, batch_id: int) -> int:
    """Items of the batch not ended yet."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(BatchItem)
            .where(BatchItem.batch_id == batch_id, BatchItem.status == "pending")
        )
        or 0
    )


def finish_if_done(session: Session, batch_id: int) -> bool:
    """Mark the batch ``finished`` once no item is pending (a queue worker ended its last file)."""
    if pending_count(session, batch_id):
        return False
    batch = session.get(Batch, batch_id, with_for_update=True)
    if batch is not None and batch.status != "finished":
        finish(session, batch, "finished")
    return True
