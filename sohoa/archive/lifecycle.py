"""The life of an archive and of its documents: creating the archive, voiding and moving records.

Nothing here deletes a record. A document filed under the wrong unit is *moved* (its unit
changes, its register link is dropped if the row belongs elsewhere); one that must not be
counted is *voided*: it keeps its rows and files (``sohoa verify`` still checks them) but
leaves the counts, the register matching and the search index. Both are audited with who,
when, why and where the document was before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sohoa import clock
from sohoa.errors import ConflictError, UsageError, no_document_error
from sohoa.i18n import _
from sohoa.search import BACKENDS, DEFAULT_BACKEND
from sohoa.search.backend import DATABASE_BACKENDS
from sohoa.text import nfc

from . import indexing
from .db import _redact
from .matching import match_documents
from .models import AuditEvent, Document, RegisterCandidate, RegisterLink, RegisterRow, Unit
from .settings import GROUP_MODE, SEARCH_BACKEND, TIME_ZONE, read_settings, write_setting
from .store import Archive, default_home, open_archive
from .units import descendant_ids, resolve_unit

VOIDED = "voided"
# the engines an archive may name; "postgres" keeps its index in a PostgreSQL archive's database
SEARCH_BACKENDS = tuple(sorted(BACKENDS))
GROUP_MODES = ("none", "r", "rw")
DEFAULTS = {SEARCH_BACKEND: DEFAULT_BACKEND, GROUP_MODE: "none"}


# -- creating an archive --------------------------------------------------------------------
@dataclass
class InitResult:
    """What ``sohoa init`` did: ``created`` is False for an archive that already existed."""

    created: bool
    archive_id: str
    home: Path
    settings: dict[str, str]
    not_applied: dict[str, str] = field(default_factory=dict)  # asked for, differs, left unchanged

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "archive_id": self.archive_id,
            "home": str(self.home),
            "settings": {k: v for k, v in self.settings.items() if k != "archive_id"},
            "not_applied": self.not_applied,
        }


def _url_of(home: Path, db_url: str | None) -> str:
    return db_url or os.environ.get("SOHOA_DB_URL") or f"sqlite:///{home / 'archive.db'}"


def init_archive(
    home: Path | None,
    db_url: str | None,
    *,
    search_backend: str | None = None,
    tz: str | None = None,
    group_mode: str | None = None,
    update: bool = False,
) -> InitResult:
    """Create an archive with these settings, or show an existing one's without changing it.

    An archive exists once it has chosen a search backend or holds a document (commands
    other than ``init`` create one with defaults on first use). On an existing archive the
    settings asked for are applied only with ``update``; otherwise they are reported back as
    not applied. The PostgreSQL search backend needs a PostgreSQL database: refused (exit 2)
    before anything is created. Choosing (or switching to or from) an engine that keeps its
    index in the database builds that index now, so the archive is searchable at once and
    never left with tables from an earlier choice.
    """
    home = Path(home) if home else default_home()
    url = _url_of(home, db_url)
    if search_backend is not None and search_backend not in SEARCH_BACKENDS:
        raise UsageError(
            _("bộ tìm kiếm '%(value)s': chọn một trong %(choices)s")
            % {"value": search_backend, "choices": ", ".join(SEARCH_BACKENDS)}
        )
    if group_mode is not None and group_mode not in GROUP_MODES:
        raise UsageError(
            _("cách nhóm '%(value)s': chọn một trong %(choices)s")
            % {"value": group_mode, "choices": ", ".join(GROUP_MODES)}
        )
    if search_backend is None and os.environ.get("SOHOA_SEARCH_BACKEND"):
        search_backend = os.environ["SOHOA_SEARCH_BACKEND"].strip().lower()
        if search_backend not in SEARCH_BACKENDS:
            raise UsageError(
                _("SOHOA_SEARCH_BACKEND=%(value)s: chọn một trong %(choices)s")
                % {"value": search_backend, "choices": ", ".join(SEARCH_BACKENDS)}
            )
    if search_backend in DATABASE_BACKENDS and not url.startswith("postgresql"):
        raise UsageError(
            _(
                "bộ tìm kiếm '%(value)s' cần cơ sở dữ liệu PostgreSQL, còn kho này dùng %(url)s: "
                "dùng 'tantivy' (mặc định) hoặc cho --db-url postgresql://..."
            )
            % {"value": search_backend, "url": _redact(url)}
        )
    if tz is not None:
        clock.zone(tz)  # an unknown zone is refused before anything is created
    archive = open_archive(home, db_url)
    try:
        if search_backend in DATABASE_BACKENDS:  # extensions missing: refused before the choice is stored
            indexing.prepare_backend(archive, search_backend)
        asked = {SEARCH_BACKEND: search_backend, TIME_ZONE: tz, GROUP_MODE: group_mode}
        asked = {k: v for k, v in asked.items() if v is not None}
        with archive.sessions.begin() as session:
            stored = read_settings(session)
            has_docs = session.scalar(select(func.count()).select_from(Document)) or 0
            created = SEARCH_BACKEND not in stored and not has_docs
            not_applied: dict[str, str] = {}
            if created or update:
                for key, default in DEFAULTS.items():
                    if key not in stored or key in asked:
                        write_setting(session, key, asked.get(key, stored.get(key, default)))
                if TIME_ZONE in asked:
                    write_setting(session, TIME_ZONE, asked[TIME_ZONE])
                action = "archive.init" if created else "archive.settings"
                session.add(AuditEvent(actor=archive.actor, action=action, detail=asked))
            else:
                effective = {**DEFAULTS, **stored}
                not_applied = {k: v for k, v in asked.items() if effective.get(k) != v}
            session.flush()
            before = stored.get(SEARCH_BACKEND, DEFAULT_BACKEND)
            settings = {**DEFAULTS, **read_settings(session)}
        archive.settings.update(settings)
        after = settings[SEARCH_BACKEND]
        if (created or update) and DATABASE_BACKENDS & {before, after} and (created or before != after):
            indexing.rebuild_index(archive, backend=after)
        return InitResult(created, archive.archive_id, home, settings, not_applied)
    finally:
        archive.close()


# -- voiding and moving documents -----------------------------------------------------------
@dataclass
class LifecycleResult:
    """A voided or moved document, and the register row it was unlinked from (if any)."""

    document_id: int
    action: str
    unit_before: str
    unit_after: str
    unlinked_row: int | None = None
    relinked_row: int | None = None
    index_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "action": self.action,
            "unit_before": self.unit_before,
            "unit_after": self.unit_after,
            "unlinked_row": self.unlinked_row,
            "relinked_row": self.relinked_row,
        }


def _reason(text: str | None, required: bool) -> str | None:
    """The reason as stored (NFC, stripped); a blank one is refused, a missing one only if required."""
    if text is None and not required:
        return None
    value = nfc(text or "").strip()
    if not value:
        raise UsageError(_("cần ghi lý do (--reason), không được để trống"))
    return value


def _document(session: Session, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise no_document_error(document_id)
    return doc


def _unlink(session: Session, doc: Document, keep_units: list[int] | None = None) -> int | None:
    """Drop the document's register link (unless its row is within ``keep_units``); the row
    counts as digitised again only by its register's own stored date. Returns the row id."""
    session.execute(delete(RegisterCandidate).where(RegisterCandidate.document_id == doc.id))
    link = session.scalar(select(RegisterLink).where(RegisterLink.document_id == doc.id))
    if link is None:
        return None
    row = session.get(RegisterRow, link.row_id)
    if keep_units is not None and row is not None and row.unit_id in keep_units:
        return None
    session.delete(link)
    if row is not None:
        row.digitised_on = row.stored_at
    return link.row_id


def void_document(archive: Archive, document_id: int, reason: str) -> LifecycleResult:
    """Void a document: it keeps its record and files, leaves counts, matching and search.

    A void is final in this version and is refused on a document voided already (exit 2).
    """
    why = _reason(reason, required=True)
    with archive.sessions.begin() as session:
        doc = _document(session, document_id)
        if doc.status == VOIDED:
            raise ConflictError(
                _("văn bản %(id)s đã bị hủy lúc %(at)s: %(why)s")
                % {"id": document_id, "at": doc.voided_at, "why": doc.void_reason}
            )
        unit = session.get(Unit, doc.unit_id)
        previous = doc.status
        unlinked = _unlink(session, doc)
        doc.status, doc.voided_at, doc.void_reason = VOIDED, clock.now(), why
        doc.index_state = "pending"  # the next index sync removes it (done right below)
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="document.void",
                document_id=doc.id,
                unit_id=doc.unit_id,
                detail={"reason": why, "previous_status": previous, "unit": unit.code if unit else None,
                        "unlinked_row": unlinked},
            )
        )  # fmt: skip
        code = unit.code if unit else ""
    result = LifecycleResult(document_id, "void", code, code, unlinked_row=unlinked)
    result.index_error = indexing.sync_index(archive).error
    return result


def move_document(
    archive: Archive, document_id: int, unit: str, reason: str | None = None
) -> LifecycleResult:
    """File a document under another unit (and its counts with it).

    Its register link stays when the row belongs to the new unit or one below it; otherwise
    the link is dropped and the matcher looks for the document's row in the new unit.
    """
    why = _reason(reason, required=False)
    with archive.sessions.begin() as session:
        doc = _document(session, document_id)
        target = resolve_unit(session, unit)
        before = session.get(Unit, doc.unit_id)
        if target.id == doc.unit_id:
            raise ConflictError(
                _("văn bản %(id)s đã thuộc %(unit)s") % {"id": document_id, "unit": target.name}
            )
        unlinked = _unlink(session, doc, keep_units=descendant_ids(session, target))
        from_id = doc.unit_id
        doc.unit_id = target.id
        doc.index_state = "pending"
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="document.move",
                document_id=doc.id,
                unit_id=target.id,
                detail={"reason": why, "from_unit": before.code if before else None,
                        "from_unit_id": from_id,
                        "to_unit": target.code, "unlinked_row": unlinked},
            )
        )  # fmt: skip
        result = LifecycleResult(
            document_id, "move", before.code if before else "", target.code, unlinked_row=unlinked
        )
    if unlinked is not None and doc.status != VOIDED:
        match_documents(archive, document_ids=[document_id])
        with archive.sessions() as session:
            result.relinked_row = session.scalar(
                select(RegisterLink.row_id).where(RegisterLink.document_id == document_id)
            )
    result.index_error = indexing.sync_index(archive).error
    return result
