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
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from sohoa.errors import SearchIndexError, UsageError
from sohoa.fields import FIELD_NAMES
from sohoa.search import DEFAULT_BACKEND, CheckReport, IndexEntry, SearchBackend, open_backend
from sohoa.search import check as check_backend

from .documents import document_text
from .models import Document, Page
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


def _index(archive: Archive, name: str | None = None) -> SearchBackend:
    """The backend object; ``SOHOA_INDEX_LOCK_TIMEOUT`` bounds the wait for another writer (s)."""
    timeout = float(os.environ.get("SOHOA_INDEX_LOCK_TIMEOUT", "30"))
    try:
        return open_backend(name or backend_name(archive), archive.index_dir, lock_timeout=timeout)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def open_index(archive: Archive) -> SearchBackend:
    """The archive's index for writing; rebuilt from the archive first when it is missing,
    or was built by another engine or analysis (this is how existing archives migrate)."""
    index = _index(archive)
    if index.needs_rebuild:
        log.warning("search index missing, outdated or unreadable: rebuilding it from the archive")
        rebuild_index(archive, index)
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
                "Chỉ mục tìm kiếm chưa có hoặc thuộc phiên bản cũ: chạy `sohoa index rebuild` "
                "(the search index is missing or outdated: run `sohoa index rebuild`)"
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
        for doc_id, updated_at in seen:
            session.execute(
                update(Document)
                .where(Document.id == doc_id, Document.updated_at == updated_at)
                # keep updated_at: it is part of the version the index now holds
                .values(index_state="indexed", updated_at=Document.updated_at)
            )


def sync_index(
    archive: Archive, ids: list[int] | None = None, index: SearchBackend | None = None
) -> SyncResult:
    """Index pending documents (or exactly ``ids``); failures leave them pending, never lost."""
    indexed = 0
    try:
        index = index or open_index(archive)
        _drop_voided(archive, index)
        for docs in _documents(archive, ids, pending_only=ids is None):
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
        index.delete(chunk)
        with archive.sessions.begin() as session:
            session.execute(
                update(Document)
                .where(Document.id.in_(chunk), Document.status == VOIDED)
                .values(index_state="removed", updated_at=Document.updated_at)
            )


def pending_count(archive: Archive) -> int:
    with archive.sessions() as session:
        return len(list(session.scalars(select(Document.id).where(Document.index_state == "pending"))))


def rebuild_index(
    archive: Archive, index: SearchBackend | None = None, *, backend: str | None = None
) -> int:
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
