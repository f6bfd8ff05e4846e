"""Fixity: the checksum every stored file must keep, and the history of checking it.

Each file the archive stores (an original, a searchable PDF) is registered in
``stored_files`` with the SHA-256 of the bytes that were written, in the same transaction as
the document's rows. ``sohoa verify`` re-hashes them later and records each run:

* **missing**: a registered file is not on disk;
* **altered**: its bytes no longer hash to the registered checksum;
* **orphan**: a file under ``originals/`` or ``documents/`` that no row names.

Hashing streams 1 MiB at a time through one reused buffer, so memory stays flat whatever the
file sizes; results are written in short transactions between chunks of files, so an ingest
running at the same time is never held up by a long check. ``--sample`` checks the files
checked least recently (never checked first), so nightly samples cover the whole archive in
turn. A derivative replaced on purpose (``replace_derivative``) records its new checksum, so
verify reports no false tampering.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import delete, event, exists, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sohoa import clock
from sohoa.errors import ArchiveError, UsageError, no_document_error
from sohoa.i18n import _
from sohoa.text import nfc

from . import storage
from .faults import fault_point
from .filestore import FileStore, check_key
from .models import AuditEvent, Document, FixityRun, Original, StoredFile
from .units import descendant_ids, resolve_unit

if TYPE_CHECKING:  # the storing path imports this module: it needs no archive handle at import
    from .store import Archive

CHUNK = 1 << 20  # bytes read at a time
_ROWS = 200  # stored files checked between two short write transactions
_FINDINGS_KEPT = 1000  # findings kept in a run's history row (the counts are always complete)
SCANNED = ("originals", "documents")  # folders whose files must all be registered


def record_stored_file(
    session: Session,
    *,
    path: str,
    role: str,
    sha256: str,
    size: int,
    original_sha256: str | None = None,
    document_id: int | None = None,
) -> StoredFile:
    """Register (or re-register) a stored file with the checksum of the bytes written.

    ``path`` is relative to the archive home; ``role`` is ``original`` or ``pdf``. The caller
    commits, so the registry never names a file whose document rows did not commit.
    """
    row = session.scalar(select(StoredFile).where(StoredFile.path == path))
    if row is None:
        row = StoredFile(path=path, role=role)
        session.add(row)
    row.sha256, row.size = sha256, size
    row.original_sha256, row.document_id = original_sha256, document_id
    return row


# -- results -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One problem: ``kind`` is ``missing``, ``altered`` or ``orphan``; ``path`` is inside the archive."""

    kind: str
    document_id: int | None
    path: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "document_id": self.document_id, "path": self.path}


@dataclass
class VerifyResult:
    """What one ``sohoa verify`` run checked and found (``to_json`` is the documented shape)."""

    run_id: int
    checked: int = 0
    bytes: int = 0
    findings: list[Finding] = field(default_factory=list)
    scope: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def to_json(self) -> dict[str, Any]:
        findings = [f.to_json() for f in self.findings]
        return {"checked": self.checked, "bytes": self.bytes, "findings": findings}


# -- hashing -------------------------------------------------------------------------------
def hash_file(path: Path, buffer: bytearray | None = None) -> tuple[str, int]:
    """SHA-256 and size of a file, streamed through one reused 1 MiB buffer (flat memory)."""
    with open(path, "rb", buffering=0) as handle:
        return hash_stream(handle, buffer)


def hash_stream(handle: BinaryIO, buffer: bytearray | None = None) -> tuple[str, int]:
    """SHA-256 and size of what ``handle`` reads (a stored file opened by ``archive.files``)."""
    buf = buffer if buffer is not None else bytearray(CHUNK)
    view = memoryview(buf)
    digest = hashlib.sha256()
    size = 0
    with contextlib.suppress(AttributeError, OSError, io.UnsupportedOperation):  # a hint only: read ahead
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
    while n := handle.readinto(view):
        digest.update(view[:n])
        size += n
    return digest.hexdigest(), size


def _printable(path: str) -> str:
    """A path as text that JSON and a terminal can carry (undecodable bytes become U+FFFD)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# -- the registry for archives made before it ---------------------------------------------
def _insert_ignoring_existing(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert registry rows, leaving alone any path another process registered meanwhile."""
    if not rows:
        return
    name = session.get_bind().dialect.name
    if name == "postgresql":
        stmt = postgresql.insert(StoredFile).on_conflict_do_nothing(index_elements=["path"])
    elif name == "sqlite":
        stmt = sqlite.insert(StoredFile).on_conflict_do_nothing(index_elements=["path"])
    else:  # other databases: the per-path check above the insert is the guard
        stmt = StoredFile.__table__.insert()
    session.execute(stmt, rows)


def backfill_registry(archive: Archive) -> int:
    """Register the files of documents stored before ``stored_files`` existed; returns how many.

    An original's name is its content hash, so its checksum is known; a PDF's is not, and is
    recorded (``sha256`` null until then) by its first check.
    """
    now = clock.now()
    added = 0
    with archive.sessions.begin() as session:
        first_doc = (
            select(func.min(Document.id)).where(Document.original_sha256 == Original.sha256).scalar_subquery()
        )
        originals = session.execute(
            select(Original.sha256, Original.stored_path, Original.size, first_doc).where(
                ~exists().where(StoredFile.path == Original.stored_path)
            )
        ).all()
        rows = [
            {"path": path, "role": "original", "sha256": sha, "size": size, "original_sha256": sha,
             "document_id": doc_id, "created_at": now}
            for sha, path, size, doc_id in originals
        ]  # fmt: skip
        pdfs = session.execute(
            select(Document.id, Document.pdf_path, Document.original_sha256).where(
                ~exists().where(StoredFile.path == Document.pdf_path)
            )
        ).all()
        rows += [
            {"path": path, "role": "pdf", "sha256": None, "size": None, "original_sha256": sha,
             "document_id": doc_id, "created_at": now}
            for doc_id, path, sha in pdfs
        ]  # fmt: skip
        for start in range(0, len(rows), 1000):
            _insert_ignoring_existing(session, rows[start : start + 1000])
        added = len(rows)
    return added


# -- verify --------------------------------------------------------------------------------
def _unit_filter(session: Session, unit: str) -> Any:
    """Stored files of the documents of ``unit`` and its sub-units (an original shared by
    documents of several units belongs to each)."""
    unit_ids = descendant_ids(session, resolve_unit(session, unit))
    docs = select(Document.id).where(Document.unit_id.in_(unit_ids))
    originals = (
        select(Original.stored_path)
        .join(Document, Document.original_sha256 == Original.sha256)
        .where(Document.unit_id.in_(unit_ids))
    )
    return or_(StoredFile.document_id.in_(docs), StoredFile.path.in_(originals))


def _chunks_to_check(
    archive: Archive, unit: str | None, sample: float | None
) -> tuple[int, Iterator[list[int]]]:
    """How many stored files to check, and their ids chunk by chunk.

    All of them (or a unit's) are read by id pages, so memory stays flat whatever the
    archive's size; a sample takes ``sample`` percent, least recently checked (never checked)
    first, never at random, and holds just those ids.
    """
    with archive.sessions() as session:
        where = _unit_filter(session, unit) if unit else true()
        total = session.scalar(select(func.count()).select_from(StoredFile).where(where)) or 0
        if sample is not None:
            order = (StoredFile.last_checked_at.asc().nulls_first(), StoredFile.id)
            wanted = math.ceil(total * sample / 100)
            ids = list(session.scalars(select(StoredFile.id).where(where).order_by(*order).limit(wanted)))
            return len(ids), (ids[i : i + _ROWS] for i in range(0, len(ids), _ROWS))

    def pages() -> Iterator[list[int]]:
        last = 0
        while True:
            with archive.sessions() as session:
                query = select(StoredFile.id).where(where, StoredFile.id > last).order_by(StoredFile.id)
                ids = list(session.scalars(query.limit(_ROWS)))
            if not ids:
                return
            yield ids
            last = ids[-1]

    return total, pages()


def _document_of(session: Session, row: StoredFile) -> int | None:
    """The document a finding belongs to: the registered one, else the first document of the original."""
    if row.document_id is not None:
        return row.document_id
    sha = row.original_sha256 or session.scalar(
        select(Original.sha256).where(Original.stored_path == row.path)
    )
    if sha is None:
        return None
    return session.scalar(select(func.min(Document.id)).where(Document.original_sha256 == sha))


def _check_chunk(archive: Archive, ids: list[int], buffer: bytearray, result: VerifyResult) -> None:
    """Hash one chunk of stored files (no transaction open meanwhile), then record the outcome."""
    with archive.sessions() as session:
        rows = list(session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)).order_by(StoredFile.id)))
    outcomes: list[tuple[StoredFile, str, str | None, int | None]] = []
    files = archive.files
    for row in rows:
        try:
            with files.open(row.path) as handle:
                sha, size = hash_stream(handle, buffer)
        except FileNotFoundError:
            outcomes.append((row, "missing", None, None))
            continue
        except IsADirectoryError:
            outcomes.append((row, "altered", None, None))
            continue
        except PermissionError as exc:
            raise ArchiveError(
                _("không đọc được tệp %(path)s trong kho (%(why)s): chạy sohoa bằng tài khoản sở hữu kho")
                % {"path": row.path, "why": exc.strerror}
            ) from exc
        result.bytes += size
        if row.sha256 is None:  # stored before the registry: its first check records its checksum
            outcomes.append((row, "first", sha, size))
        else:
            outcomes.append((row, "ok" if sha == row.sha256 else "altered", sha, size))
    result.checked += len(rows)
    now = clock.now()
    with archive.sessions.begin() as session:
        for row, outcome, sha, size in outcomes:
            # a row replaced or removed while we hashed (an audited replacement) is not a finding:
            # the next run checks its new version
            guard = (StoredFile.id == row.id, StoredFile.path == row.path)
            if row.sha256 is None:
                guard += (StoredFile.sha256.is_(None),)
            else:
                guard += (StoredFile.sha256 == row.sha256,)
            values: dict[str, Any] = {"last_checked_at": now, "last_result": outcome}
            if outcome == "first":
                values.update(sha256=sha, size=size, last_result="ok")
            changed = session.execute(update(StoredFile).where(*guard).values(**values)).rowcount
            if changed and outcome in ("missing", "altered"):
                result.findings.append(Finding(outcome, _document_of(session, row), _printable(row.path)))


def _registered_under(session: Session, folder: str) -> set[str]:
    """Paths rows name inside ``folder`` (the registry, plus the document tables as a safety net)."""
    like = folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
    names: set[str] = set()
    for column in (StoredFile.path, Original.stored_path, Document.pdf_path):
        names.update(session.scalars(select(column).where(column.like(like, escape="\\"))))
    return names


def _walk(home: Path) -> Iterator[tuple[str, list[str]]]:
    """(folder relative to home, its file names) for every folder under the scanned ones."""
    for top in SCANNED:
        for dirpath, dirnames, filenames in os.walk(home / top):
            dirnames.sort()
            files = sorted(n for n in filenames if not os.path.islink(os.path.join(dirpath, n)))
            files += sorted(n for n in dirnames if os.path.islink(os.path.join(dirpath, n)))
            if files:
                yield Path(dirpath).relative_to(home).as_posix(), files


def find_orphans(archive: Archive) -> list[Finding]:
    """Files under ``originals/`` and ``documents/`` that no row names.

    Each folder is listed before its rows are read, so a file whose rows commit meanwhile is
    not reported; memory holds one folder's names at a time.
    """
    candidates: list[str] = []
    with archive.sessions() as session:
        for folder, names in _walk(archive.home):
            known = _registered_under(session, folder)
            session.rollback()  # a fresh snapshot for the next folder (PostgreSQL repeatable reads)
            candidates.extend(f"{folder}/{name}" for name in names if f"{folder}/{name}" not in known)
    # asked again at the end: a file whose rows committed, or that an audited replacement
    # removed, while the folders were walked is no orphan
    unnamed: list[str] = []
    with archive.sessions() as session:
        for start in range(0, len(candidates), 500):
            chunk = candidates[start : start + 500]
            named: set[str] = set()
            for column in (StoredFile.path, Original.stored_path, Document.pdf_path):
                named.update(session.scalars(select(column).where(column.in_(chunk))))
            unnamed.extend(p for p in chunk if p not in named)
    return [Finding("orphan", None, _printable(rel)) for rel in unnamed if os.path.lexists(archive.path(rel))]


def verify(
    archive: Archive,
    *,
    unit: str | None = None,
    sample: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Re-hash the stored files (all, a unit's, or a sample) and look for orphans; record the run.

    Orphans belong to no document, so a run limited to a unit does not look for them.
    ``on_progress(checked, total)`` is called after each chunk.
    """
    if sample is not None and not 0 < sample <= 100:
        raise UsageError(_("--sample %(value)s: cần một phần trăm trong (0, 100]") % {"value": f"{sample:g}"})
    if not os.access(archive.home, os.R_OK | os.X_OK):
        raise ArchiveError(_("không đọc được thư mục kho %(home)s") % {"home": archive.home})
    backfill_registry(archive)
    recover_replacements(archive)  # a crash in an audited replacement leaves no orphan
    scope = {"unit": unit, "sample": sample, "orphans": unit is None}
    total, chunks = _chunks_to_check(archive, unit, sample)
    with archive.sessions.begin() as session:
        run = FixityRun(started_at=clock.now(), actor=archive.actor, scope=scope)
        session.add(run)
        session.flush()
        result = VerifyResult(run_id=run.id, scope=scope)
    buffer = bytearray(CHUNK)
    for ids in chunks:
        _check_chunk(archive, ids, buffer, result)
        if on_progress is not None:
            on_progress(result.checked, max(total, result.checked))
    if unit is None:
        result.findings.extend(find_orphans(archive))
    with archive.sessions.begin() as session:
        session.execute(
            update(FixityRun)
            .where(FixityRun.id == result.run_id)
            .values(
                finished_at=clock.now(),
                checked=result.checked,
                bytes=result.bytes,
                missing=result.count("missing"),
                altered=result.count("altered"),
                orphan=result.count("orphan"),
                findings=[f.to_json() for f in result.findings[:_FINDINGS_KEPT]],
            )
        )
    return result


def fixity_history(archive: Archive, limit: int = 20) -> list[dict[str, Any]]:
    """The last ``limit`` verify runs, newest first (a run with no end was interrupted)."""
    with archive.sessions() as session:
        runs = session.scalars(select(FixityRun).order_by(FixityRun.id.desc()).limit(limit))
        return [
            {
                "id": run.id,
                "started_at": clock.as_utc(run.started_at).isoformat(),
                "finished_at": clock.as_utc(run.finished_at).isoformat() if run.finished_at else None,
                "actor": run.actor,
                "scope": run.scope,
                "checked": run.checked,
                "bytes": run.bytes,
                "missing": run.missing,
                "altered": run.altered,
                "orphan": run.orphan,
            }
            for run in runs
        ]


# -- replacing a derivative on purpose ------------------------------------------------------
def derivative_relpath(sha256: str) -> str:
    """Where a replacement PDF lives: named by the hash of its own bytes."""
    return f"documents/{sha256[:2]}/{sha256}.pdf"


def _copy_hashing(src: Path, tmp_dir: Path) -> tuple[Path, str, int]:
    """Copy ``src`` into the archive's temp folder, hashing the bytes as they are written (one read)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{os.getpid()}-replace-{os.urandom(6).hex()}.pdf"
    digest, size = hashlib.sha256(), 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    try:
        with open(src, "rb", buffering=0) as inp, open(tmp, "wb") as out:
            while n := inp.readinto(view):
                digest.update(view[:n])
                out.write(view[:n])
                size += n
            out.flush()
            os.fsync(out.fileno())
    except FileNotFoundError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(_("không có tệp %(path)s") % {"path": src}) from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArchiveError(
            _("không chép được %(name)s vào kho: %(why)s") % {"name": src.name, "why": exc.strerror or exc}
        ) from exc
    return tmp, digest.hexdigest(), size


def replace_derivative(
    archive: Archive, session: Session, document_id: int, new_file_path: Path, reason: str
) -> StoredFile:
    """Replace a document's searchable PDF with ``new_file_path`` (e.g. its PDF/A conversion).

    The new bytes are stored under their own hash and registered with their checksum in
    ``session``, the document points at them, and an audit event keeps the old and new
    checksums and the reason. The caller commits: only then is the old file removed (a
    rollback removes the new one instead), so verify never sees a false tampering.
    """
    reason = nfc(reason or "").strip()
    if not reason:
        raise UsageError(_("cần lý do thay tệp"))
    doc = session.get(Document, document_id)
    if doc is None:
        raise no_document_error(document_id)
    old_rel = doc.pdf_path
    old_row = session.scalar(select(StoredFile).where(StoredFile.path == old_rel))
    tmp, sha, size = _copy_hashing(Path(new_file_path), archive.tmp_dir)
    new_rel = derivative_relpath(sha)
    if new_rel == old_rel:
        tmp.unlink(missing_ok=True)
        return record_stored_file(
            session, path=new_rel, role="pdf", sha256=sha, size=size,
            original_sha256=doc.original_sha256, document_id=doc.id,
        )  # fmt: skip
    files = archive.files
    existed = files.exists(new_rel)
    journal = _Journal.open(archive, document_id=doc.id, old=old_rel, new=new_rel)
    try:
        if existed:
            tmp.unlink(missing_ok=True)
        else:
            files.put(new_rel, tmp)
            fault_point("derivative-placed")
    except BaseException:
        tmp.unlink(missing_ok=True)
        journal.close()
        raise
    if old_row is not None:
        session.execute(delete(StoredFile).where(StoredFile.id == old_row.id))
    row = record_stored_file(
        session, path=new_rel, role="pdf", sha256=sha, size=size,
        original_sha256=doc.original_sha256, document_id=doc.id,
    )  # fmt: skip
    doc.pdf_path = new_rel
    session.add(
        AuditEvent(
            actor=archive.actor,
            action="derivative.replace",
            document_id=doc.id,
            unit_id=doc.unit_id,
            detail={
                "reason": reason,
                "old_path": old_rel,
                "old_sha256": old_row.sha256 if old_row is not None else None,
                "new_path": new_rel,
                "new_sha256": sha,
                "size": size,
            },
        )
    )
    session.flush()
    _after_transaction(
        session, files, on_commit=old_rel, on_rollback=None if existed else new_rel, journal=journal
    )
    return row


def _after_transaction(
    session: Session, files: FileStore, *, on_commit: str, on_rollback: str | None, journal: _Journal
) -> None:
    """Remove the file the transaction made obsolete once its outcome is known (once only), then
    the journal that would have let a later run do it after a crash."""
    state = {"done": False}

    def committed(_session: Session) -> None:
        if not state["done"]:
            state["done"] = True
            fault_point("derivative-committed")
            files.delete(on_commit)
            journal.close()

    def rolled_back(_session: Session) -> None:
        if not state["done"]:
            state["done"] = True
            if on_rollback is not None:
                files.delete(on_rollback)
            journal.close()

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)


# -- crash safety of a replacement ----------------------------------------------------------
_JOURNALS = "replacing"


class _Journal:
    """What a replacement in flight would leave behind if the process died, kept under ``tmp/``.

    A replacement has two windows where a crash leaves a file no row names: the new PDF is
    placed but its rows are not committed, or they are committed but the old PDF is not yet
    removed. Before the new file is placed, a small JSON file names both paths and is locked
    (``flock``) for as long as the process works on it; the lock dies with the process. A later
    :func:`recover_replacements` (run by ``verify``, ``pdfa`` and ``export`` before they look at
    files) removes, of a journal whose lock is free, exactly the named files no row names, so
    ``verify`` never reports the leftovers of a crash as orphans. It never guesses: only paths a
    journal names are touched, and only while no row names them.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd

    @classmethod
    def open(cls, archive: Archive, *, document_id: int, old: str, new: str) -> _Journal:
        folder = archive.tmp_dir / _JOURNALS
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{os.getpid()}-{os.urandom(6).hex()}.json"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, json.dumps({"document_id": document_id, "old": old, "new": new}).encode())
            os.fsync(fd)
            storage.fsync_dir(folder)
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        return cls(path, fd)

    def close(self) -> None:
        """The replacement's outcome is settled on disk: forget it (once)."""
        if self.fd >= 0:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = -1


def recover_replacements(archive: Archive) -> list[str]:
    """Finish the replacements a crashed process left (see :class:`_Journal`); returns the paths removed."""
    folder = archive.tmp_dir / _JOURNALS
    if not folder.is_dir():
        return []
    removed: list[str] = []
    for journal in sorted(folder.glob("*.json")):
        fd = storage._lock_is_free(journal)  # noqa: SLF001 - the same lock protocol as work folders
        if fd is None:
            continue  # its process still works on it
        try:
            try:
                paths = json.loads(journal.read_text(encoding="utf-8"))
                names = [str(paths[k]) for k in ("old", "new") if paths.get(k)]
            except (OSError, ValueError, KeyError, TypeError):
                names = []  # died before the journal was written: nothing was placed
            files = archive.files
            with archive.sessions() as session:
                for rel in names:
                    if _named(session, rel) or not rel.startswith("documents/") or not _is_key(rel):
                        continue
                    if files.exists(rel):
                        files.delete(rel)
                        removed.append(rel)
            journal.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return removed


def _is_key(rel: str) -> bool:
    try:
        check_key(rel)
    except ValueError:
        return False  # a damaged journal: never a path outside the store
    return True


def _named(session: Session, rel: str) -> bool:
    return any(
        session.scalar(select(column).where(column == rel).limit(1)) is not None
        for column in (StoredFile.path, Original.stored_path, Document.pdf_path)
    )
