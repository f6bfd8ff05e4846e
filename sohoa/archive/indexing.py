"""Keeping the search index in step with the archive.

The archive is the truth; the index is derived. Each document carries ``index_state``
(``pending`` until the index has its current version): ingest and edits set it, ``sync_index``
writes what is pending and marks it ``indexed`` only if the document did not change meanwhile.
If the index cannot be written (locked by another writer past the wait, disk full, a crash),
documents simply stay pending and the next ingest or ``sohoa index sync`` catches up, so the
index never silently drifts.

The engine comes from one factory (:func:`sohoa.search.open_backend`) keyed by the archive's
``search_backend`` setting; an archive without the setting uses the default (tantivy), and
an index built by another engine or analysis is rebuilt by the next writer. Writers use
:func:`open_index`; searches use :func:`open_reader`, which never writes.

An engine whose index lives in the archive's own database (``postgres``) has no outbox: the
document's rows and its index rows commit together. Whoever commits a document — ingest, an
edit, a void, a move, a re-extraction — does so through a session, and a session hook here
(:func:`_index_in_transaction`) writes the index rows of every pending document that session
flushed, inside a savepoint of the same transaction, and marks them indexed. If that write
fails (a rebuild holding the table past the lock timeout), the savepoint is rolled back and the
document commits still pending for the next ``sync_index``: stored, never lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from sohoa.errors import SearchIndexError, UsageError
from sohoa.fields import FIELD_NAMES
from sohoa.i18n import _
from sohoa.search import DEFAULT_BACKEND, CheckReport, IndexEntry, SearchBackend, open_backend
from sohoa.search import check as check_backend
from sohoa.search.backend import DATABASE_BACKENDS

from .documents import document_text
from .models import ArchiveSetting, Document, Page
from .settings import SEARCH_BACKEND, write_setting
from .store import Archive

log = logging.getLogger(__name__)

_CHUNK = 200
VOIDED = "voided"  # a voided document keeps its record but leaves the index (see ``lifecycle``)


@dataclass
class SyncResult:
    indexed: int
    pending: int
    error: str | None = None


def document_version(doc: Document) -> str:
    """What the index must match: the fields, the unit and the last change of the document."""
    payload = json.dumps(
        [doc.fields or {}, doc.unit.code, doc.unit.name, doc.updated_at.isoformat()],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def entry_for(doc: Document) -> IndexEntry:
    """The plain entry the search package indexes for ``doc``."""
    fields = {name: (doc.fields or {}).get(name) for name in FIELD_NAMES}
    return IndexEntry(
        id=doc.id,
        version=document_version(doc),
        source_name=doc.original.source_name,
        unit=doc.unit.code,
        unit_name=doc.unit.name,
        fields=fields,
        text=document_text(doc),
    )


def backend_name(archive: Archive) -> str:
    """The engine the archive's index uses: its ``search_backend`` setting, else
    ``SOHOA_SEARCH_BACKEND`` (an archive made implicitly), else the default.

    Once stored the setting wins; a variable naming another engine is refused rather than
    silently ignored (``sohoa index rebuild --backend X`` is how an archive switches)."""
    stored = archive.settings.get(SEARCH_BACKEND)
    wanted = (os.environ.get("SOHOA_SEARCH_BACKEND") or "").strip().lower()
    if stored and wanted and wanted != stored:
        raise UsageError(
            f"SOHOA_SEARCH_BACKEND={wanted} nhưng kho này dùng bộ tìm kiếm '{stored}': bỏ biến này, hoặc "
            f"chuyển bằng `sohoa index rebuild --backend {wanted}` (the archive uses {stored}; unset the "
            "variable or switch with index rebuild --backend)"
        )
    return stored or wanted or DEFAULT_BACKEND


def _lock_timeout() -> float:
    """``SOHOA_INDEX_LOCK_TIMEOUT``: how long a writer waits for another writer (seconds)."""
    return float(os.environ.get("SOHOA_INDEX_LOCK_TIMEOUT", "30"))


def require_database_for(name: str, url: str) -> None:
    """Refuse (exit 2) an engine that keeps its index in the database on a database that can't."""
    if name in DATABASE_BACKENDS and not url.startswith("postgresql"):
        raise UsageError(
            f"bộ tìm kiếm '{name}' cần cơ sở dữ liệu PostgreSQL, còn kho này dùng SQLite: dùng 'tantivy' "
            "(mặc định), hoặc chuyển kho sang PostgreSQL (--db-url postgresql://...) "
            f"(the {name} search backend needs a PostgreSQL archive: use tantivy, or a PostgreSQL database)"
        )


def _index(archive: Archive, name: str | None = None) -> SearchBackend:
    """The backend object: a folder under the archive's home, or its database for ``postgres``."""
    name = name or backend_name(archive)
    options: dict[str, object] = {"lock_timeout": _lock_timeout()}
    if name.strip().lower() in DATABASE_BACKENDS:
        require_database_for(name.strip().lower(), archive.engine.url.drivername)
        options["engine"] = archive.engine
    try:
        return open_backend(name, archive.index_dir, **options)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def prepare_backend(archive: Archive, name: str) -> None:
    """Make ready what engine ``name`` needs in the archive's database (extensions, tables);
    raises :class:`SearchIndexError` (exit 6) saying what a DBA must run when it may not."""
    prepare = getattr(_index(archive, name), "prepare", None)
    if prepare is not None:
        prepare()


def open_index(archive: Archive) -> SearchBackend:
    """The archive's index for writing; rebuilt from the archive first when it is missing,
    or was built by another engine or analysis (this is how existing archives migrate)."""
    index = _index(archive)
    if index.needs_rebuild:
        log.warning("search index missing, outdated or unreadable: rebuilding it from the archive")
        rebuild_index(archive, index)
    elif SEARCH_BACKEND not in archive.settings:  # an archive made implicitly keeps its engine
        with archive.sessions.begin() as session:
            write_setting(session, SEARCH_BACKEND, index.name)
        archive.settings[SEARCH_BACKEND] = index.name
    return index


def open_reader(archive: Archive) -> SearchBackend:
    """The archive's index for searching: never writes, never waits for a writer.

    An index that must be rebuilt first is an error telling what to run — unless the archive
    holds no documents yet, when searching the absent index simply finds nothing.
    """
    index = _index(archive)
    if index.needs_rebuild:
        with archive.sessions() as session:
            has_documents = session.scalars(select(Document.id).limit(1)).first() is not None
        if has_documents:
            raise SearchIndexError(
                _("Chỉ mục tìm kiếm chưa có hoặc thuộc phiên bản cũ: chạy `sohoa index rebuild`")
            )
    return index


def _documents(archive: Archive, ids: list[int] | None, pending_only: bool) -> Iterator[list[Document]]:
    """Documents in chunks, with what their entries need loaded."""
    with archive.sessions() as session:
        query = select(Document.id).where(Document.status != VOIDED).order_by(Document.id)
        if ids is not None:
            query = query.where(Document.id.in_(ids))
        if pending_only:
            query = query.where(Document.index_state == "pending")
        all_ids = list(session.scalars(query))
        for start in range(0, len(all_ids), _CHUNK):
            chunk = all_ids[start : start + _CHUNK]
            yield list(
                session.scalars(
                    select(Document)
                    .where(Document.id.in_(chunk))
                    .options(
                        selectinload(Document.pages).defer(Page.words),  # text only: boxes are big
                        selectinload(Document.original),
                        selectinload(Document.unit),
                    )
                    .order_by(Document.id)
                )
            )
            session.expunge_all()


def _mark_indexed(archive: Archive, seen: list[tuple[int, datetime]]) -> None:
    """Mark documents indexed, unless one changed after we read it (then it stays pending)."""
    with archive.sessions.begin() as session:
        _mark(session, seen)


def _mark(session: Session, seen: list[tuple[int, datetime]], state: str = "indexed") -> None:
    for doc_id, updated_at in seen:
        session.execute(
            update(Document)
            .where(Document.id == doc_id, Document.updated_at == updated_at)
            # keep updated_at: it is part of the version the index now holds
            .values(index_state=state, updated_at=Document.updated_at)
        )


def _in_transaction(index: SearchBackend) -> bool:
    """True for engines whose writes join the caller's database transaction."""
    return bool(getattr(index, "transactional", False))


def sync_index(
    archive: Archive, ids: list[int] | None = None, index: SearchBackend | None = None
) -> SyncResult:
    """Index pending documents (or exactly ``ids``); failures leave them pending, never lost.

    On an engine writing in the database, the index rows and the ``indexed`` mark commit in
    one transaction, and ``ids`` already indexed with their document are not written twice.
    """
    indexed = 0
    try:
        index = index or open_index(archive)
        _drop_voided(archive, index)
        joined = _in_transaction(index)
        for docs in _documents(archive, ids, pending_only=ids is None or joined):
            if joined:
                with archive.sessions.begin() as session:
                    index.add_or_update((entry_for(doc) for doc in docs), session=session)
                    _mark(session, [(doc.id, doc.updated_at) for doc in docs])
            else:
                index.add_or_update(entry_for(doc) for doc in docs)
                _mark_indexed(archive, [(doc.id, doc.updated_at) for doc in docs])
            indexed += len(docs)
    except SearchIndexError as exc:
        log.warning("search index not updated (%s); documents stay pending for 'sohoa index sync'", exc)
        return SyncResult(indexed, pending_count(archive), str(exc))
    return SyncResult(indexed, pending_count(archive))


def _drop_voided(archive: Archive, index: SearchBackend) -> None:
    """Remove voided documents still pending from the index; they stay pending if that fails."""
    with archive.sessions() as session:
        voided = list(
            session.scalars(
                select(Document.id).where(Document.status == VOIDED, Document.index_state == "pending")
            )
        )
    for start in range(0, len(voided), _CHUNK):
        chunk = voided[start : start + _CHUNK]
        with archive.sessions.begin() as session:
            index.delete(chunk, session=session)  # joins this transaction where the engine can
            session.execute(
                update(Document)
                .where(Document.id.in_(chunk), Document.status == VOIDED)
                .values(index_state="removed", updated_at=Document.updated_at)
            )


def pending_count(archive: Archive) -> int:
    with archive.sessions() as session:
        return len(list(session.scalars(select(Document.id).where(Document.index_state == "pending"))))


def rebuild_index(archive: Archive, index: SearchBackend | None = None, *, backend: str | None = None) -> int:
    """Build a fresh index from every document aside, swap it in, mark all indexed.

    ``backend`` switches the engine: the new index is built first, and the archive's
    ``search_backend`` setting changes only once it is whole.
    """
    if backend is not None:
        index = _index(archive, backend)
    index = index or _index(archive)
    seen: list[tuple[int, datetime]] = []

    def entries() -> Iterator[IndexEntry]:
        for docs in _documents(archive, None, pending_only=False):
            seen.extend((doc.id, doc.updated_at) for doc in docs)
            yield from (entry_for(doc) for doc in docs)

    count = index.rebuild(entries())
    for start in range(0, len(seen), _CHUNK):
        _mark_indexed(archive, seen[start : start + _CHUNK])
    if index.name != archive.settings.get(SEARCH_BACKEND):
        with archive.sessions.begin() as session:
            write_setting(session, SEARCH_BACKEND, index.name)
        archive.settings[SEARCH_BACKEND] = index.name
    return count


def check_index(archive: Archive, index: SearchBackend | None = None) -> CheckReport:
    """Documents missing from, stale in, or unknown to the index, and damaged index files."""
    index = index or _index(archive)
    expected: dict[int, str] = {}
    with archive.sessions() as session:
        voided = Document.status == VOIDED
        for doc in session.scalars(select(Document).where(~voided).options(selectinload(Document.unit))):
            expected[doc.id] = document_version(doc)
    return check_backend(index, expected)


# -- the document's own transaction (engines writing in the database) ---------------------------

_PENDING = "sohoa.index.pending"  # session.info key: ids of pending documents flushed


@event.listens_for(Session, "after_flush")
def _note_pending(session: Session, _context: object) -> None:
    """Remember every document this session flushed as pending (new, edited, voided, moved)."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Document) and obj.id is not None and obj.index_state in (None, "pending"):
            session.info.setdefault(_PENDING, set()).add(obj.id)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    """What a rolled-back transaction flushed never happened: nothing to index."""
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_commit")
def _index_in_transaction(session: Session) -> None:
    """Write the index rows of the documents this transaction left pending, in it, when the
    archive's engine writes in the database; other engines catch up through ``sync_index``."""
    session.flush()  # commit flushes after this hook: flush first, so what is indexed is what commits
    if not session.info.get(_PENDING):
        return
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        session.info.pop(_PENDING, None)
        return
    name = session.scalar(select(ArchiveSetting.value).where(ArchiveSetting.key == SEARCH_BACKEND))
    if name not in DATABASE_BACKENDS:
        session.info.pop(_PENDING, None)
        return
    ids = session.info.pop(_PENDING, set())
    index = open_backend(name, Path("."), engine=bind.engine, lock_timeout=_lock_timeout())
    index_documents(session, index, sorted(ids))


def index_documents(session: Session, index: SearchBackend, ids: list[int]) -> int:
    """Index (or remove, when voided) the pending documents ``ids`` in ``session``'s transaction
    and mark them; on failure they stay pending and the transaction goes on. Returns how many."""
    docs = list(
        session.scalars(
            select(Document)
            .where(Document.id.in_(ids), Document.index_state == "pending")
            .options(
                selectinload(Document.pages).defer(Page.words),
                selectinload(Document.original),
                selectinload(Document.unit),
            )
        )
    )
    live = [d for d in docs if d.status != VOIDED]
    gone = [d for d in docs if d.status == VOIDED]
    try:
        with session.begin_nested():
            if live:
                index.add_or_update((entry_for(d) for d in live), session=session)
                _mark(session, [(d.id, d.updated_at) for d in live])
            if gone:
                index.delete((d.id for d in gone), session=session)
                _mark(session, [(d.id, d.updated_at) for d in gone], state="removed")
    except SearchIndexError as exc:
        log.warning("search index not updated in the document's transaction (%s); they stay pending", exc)
        return 0
    for doc in live:
        set_committed_value(doc, "index_state", "indexed")
    for doc in gone:
        set_committed_value(doc, "index_state", "removed")
    return len(docs)
