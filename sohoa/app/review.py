"""Clerks' work on index cards: the review queue, corrections and acceptance, in their units."""

from __future__ import annotations

import logging
from typing import Any

from sohoa.app.actor import Actor
from sohoa.app.documents import visible_document
from sohoa.app.scope import resolve_scope
from sohoa.archive import audit
from sohoa.archive import review as review_ops
from sohoa.archive.indexing import sync_index
from sohoa.archive.matching import match_documents
from sohoa.archive.store import Archive
from sohoa.errors import UsageError
from sohoa.fields import FIELD_NAMES
from sohoa.i18n import _

_log = logging.getLogger(__name__)
DEFAULT_THRESHOLD = review_ops.DEFAULT_THRESHOLD
EDITABLE_FIELDS = FIELD_NAMES


def queue(
    archive: Archive, actor: Actor, unit: str | None, threshold: float = DEFAULT_THRESHOLD, limit: int = 50
) -> list[dict[str, Any]]:
    """``sohoa review --json``: documents whose card needs a clerk, worst first (audited)."""
    actor.require("review")
    with archive.sessions() as session:
        scope = resolve_scope(session, actor, unit)
        entries = review_ops.review_queue(session, scope.ids, threshold, limit)
    audit.record(
        actor.acting_archive(archive),
        "review.list",
        detail={"unit": unit, "shown": [e.document_id for e in entries]},
    )
    return [e.to_json() for e in entries]


def accept(archive: Archive, actor: Actor, document_ids: list[int]) -> list[int]:
    """Mark cards as checked, all or none (one transaction); a document outside the units is unknown."""
    actor.require("review")
    acting = actor.acting_archive(archive)
    with archive.sessions.begin() as session:
        for doc_id in document_ids:
            visible_document(session, actor, doc_id)
            review_ops.accept(acting, session, doc_id)
    return list(document_ids)


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """``FIELD=VALUE`` strings into a dict; an unknown field or a missing '=' is a usage error."""
    changes: dict[str, str] = {}
    for item in assignments:
        if "=" not in item:
            raise UsageError(_("--set cần FIELD=VALUE, không phải '%(item)s'") % {"item": item})
        name, value = item.split("=", 1)
        changes[name.strip()] = value
    return changes


def edit(archive: Archive, actor: Actor, document_id: int, changes: dict[str, str]) -> list[str]:
    """Correct fields (manual from now on, audited), then re-match and re-index the document."""
    actor.require("edit")
    for name, raw in changes.items():  # a typo is told first (exit 2), whatever the document
        review_ops.parse_field_value(name, raw)
    acting = actor.acting_archive(archive)
    with archive.sessions.begin() as session:
        visible_document(session, actor, document_id)
        review_ops.edit_fields(acting, session, document_id, changes)
    refresh_pdf_metadata(acting, document_id)  # after the commit: its own audited replacement
    match_documents(acting, document_ids=[document_id])  # a corrected number may now match the register
    sync_index(acting, [document_id])
    return list(changes)


def refresh_pdf_metadata(archive: Archive, document_id: int) -> None:
    """Rewrite the PDF/A's XMP to the corrected fields. The edit is committed already; if this
    fails the PDF is left stale, which ``sohoa pdfa`` and ``sohoa export`` detect and refresh."""
    from sohoa.archive.handover.pdfa import refresh_documents
    from sohoa.errors import SohoaError

    try:
        result = refresh_documents(archive, [document_id])
    except SohoaError as exc:
        _log.warning("document %s: PDF XMP not refreshed (%s); sohoa pdfa will", document_id, exc)
        return
    for doc_id, why in result.failed:
        _log.warning("document %s: PDF XMP not refreshed (%s); sohoa pdfa will", doc_id, why)


def reextract(archive: Archive, actor: Actor, unit: str | None) -> int:
    """Read fields again from stored text in the actor's units; manual fields are kept."""
    actor.require("edit")
    acting = actor.acting_archive(archive)
    with archive.sessions() as session:
        scope = resolve_scope(session, actor, unit)
    changed = review_ops.reextract(acting, scope.ids)
    match_documents(acting, unit_ids=scope.ids)
    sync_index(acting)
    return changed
