"""The clerks' review queue: doubtful index cards first, corrections that stick.

Nobody can type the metadata of tens of thousands of old results, so extraction is automatic
and only the doubtful documents come to a clerk: those missing a required field or holding a
field read with low confidence, worst first. A correction is stored as ``manual`` with who,
when and the previous value in the audit trail, and no later automatic pass overwrites it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.model import PageText, Word
from sohoa.errors import UnitError, UsageError
from sohoa.fields import DATE_FIELDS, FIELD_NAMES, LIST_FIELDS
from sohoa.i18n import _
from sohoa.text import nfc

from .documents import get_document
from .models import AuditEvent, Document, Unit, utcnow
from .store import Archive
from .units import descendant_ids, field_context, resolve_unit

#: Fields a result cannot be filed without (a công văn has no subject, a decree no ID number).
REQUIRED_FIELDS = ("doc_type", "number", "issued_date", "issuer", "signer")
DEFAULT_THRESHOLD = 0.8


@dataclass
class ReviewEntry:
    """One document waiting for a clerk, with what is doubtful about it."""

    document_id: int
    source_name: str
    unit: str
    missing: list[str]
    doubtful: dict[str, float]
    score: float
    duplicate_of: int | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.document_id,
            "source_name": self.source_name,
            "unit": self.unit,
            "missing": self.missing,
            "low_confidence": {k: round(v, 3) for k, v in self.doubtful.items()},
            "duplicate_of": self.duplicate_of,
            "warnings": self.warnings,
            "score": round(self.score, 3),
        }


def review_queue(
    session: Session,
    unit_ids: list[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 100,
) -> list[ReviewEntry]:
    """Documents not yet accepted that miss a required field, hold a doubtful one, or repeat
    another document's number, symbol and issuer; worst first.

    The score counts a missing required field or a possible duplicate as 1 and a doubtful
    field as how far its confidence falls short of ``threshold`` (manual fields are never
    doubtful).
    """
    query = (
        select(Document)
        .where(Document.review_state != "accepted", Document.status != "voided")  # a void needs no card
        .options(selectinload(Document.original), selectinload(Document.unit))
    )
    if unit_ids is not None:
        query = query.where(Document.unit_id.in_(unit_ids))
    entries: list[ReviewEntry] = []
    issuers: dict[Any, Any] = {}
    for doc in session.scalars(query):
        fields, conf, source = doc.fields or {}, doc.field_confidence or {}, doc.field_source or {}
        missing = [name for name in REQUIRED_FIELDS if not fields.get(name)]
        doubtful = {
            name: float(conf.get(name, 0.0))
            for name in FIELD_NAMES
            if fields.get(name) and source.get(name) != "manual" and float(conf.get(name, 0.0)) < threshold
        }
        warnings = [w for w in [issuer_warning(session, doc, issuers)] if w]
        if not missing and not doubtful and not doc.duplicate_of and not warnings:
            continue
        score = len(missing) + sum(threshold - c for c in doubtful.values()) + (1 if doc.duplicate_of else 0)
        score += len(warnings)
        entries.append(
            ReviewEntry(
                doc.id,
                doc.original.source_name,
                doc.unit.name,
                missing,
                doubtful,
                score,
                doc.duplicate_of,
                warnings,
            )
        )
    entries.sort(key=lambda e: (-e.score, e.document_id))
    return entries[:limit]


def issuer_warning(session: Session, doc: Document, cache: dict[Any, Any]) -> str | None:
    """A Vietnamese warning when the issuer read off the page does not belong to the document's unit.

    The issuer belongs when it names the unit itself, a unit above it (a department's result
    signed by the city) or one below it; it does not when it names another unit of the table
    (a ward's result filed under its neighbour: that ward's quota would be wrong) or none at
    all. ``cache`` keeps each issuer's resolution and each unit's lineage for one pass.
    """
    issuer = (doc.fields or {}).get("issuer")
    if not issuer or not isinstance(issuer, str):
        return None
    if issuer not in cache:
        try:
            cache[issuer] = resolve_unit(session, issuer).id
        except UnitError:
            cache[issuer] = None
    if (doc.unit_id, "lineage") not in cache:
        lineage, above = set(descendant_ids(session, doc.unit)), doc.unit.parent_id
        while above is not None:
            lineage.add(above)
            above = session.scalar(select(Unit.parent_id).where(Unit.id == above))
        cache[(doc.unit_id, "lineage")] = lineage
    named = cache[issuer]
    if named is None:
        return (
            f"Cơ quan ban hành '{issuer}' không có trong danh sách đơn vị, không thuộc {doc.unit.name}: "
            "kiểm tra lại đơn vị của tài liệu (the issuer names no unit of this archive)"
        )
    if named in cache[(doc.unit_id, "lineage")]:
        return None
    other = session.get(Unit, named)
    return (
        f"Cơ quan ban hành '{issuer}' là {other.name if other else named}, không thuộc {doc.unit.name} "
        "đã chọn khi nạp: kiểm tra lại đơn vị của tài liệu "
        "(the issuer belongs to another unit than the one given)"
    )


def parse_field_value(name: str, raw: str) -> str | list[str] | None:
    """A clerk's typed value in the stored form: NFC, dates ISO, lists split on ';'."""
    if name not in FIELD_NAMES:
        raise UsageError(
            _("không có trường '%(name)s': các trường là %(fields)s")
            % {"name": name, "fields": ", ".join(FIELD_NAMES)}
        )
    value = nfc(raw).strip()
    if value == "":
        return [] if name in LIST_FIELDS else None
    if name in LIST_FIELDS:
        return [part.strip() for part in value.split(";") if part.strip()]
    if name in DATE_FIELDS:
        return _parse_date(name, value)
    return value


def _parse_date(name: str, value: str) -> str:
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day).isoformat()
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise UsageError(
            _("%(name)s: '%(value)s' không phải ngày; viết 10/06/2024 hoặc 2024-06-10")
            % {"name": name, "value": value}
        ) from exc


def edit_fields(archive: Archive, session: Session, document_id: int, changes: dict[str, str]) -> Document:
    """Apply a clerk's corrections; each becomes ``manual`` and is audited with its previous value."""
    parsed = {name: parse_field_value(name, raw) for name, raw in changes.items()}  # typos first: exit 2
    doc = get_document(session, document_id)
    fields, conf, source = (
        dict(doc.fields or {}),
        dict(doc.field_confidence or {}),
        dict(doc.field_source or {}),
    )
    previous = {name: fields.get(name) for name in parsed}
    for name, value in parsed.items():
        fields[name] = value
        conf[name] = 1.0
        source[name] = "manual"
    doc.fields, doc.field_confidence, doc.field_source = fields, conf, source
    if "issued_date" in parsed:
        value = parsed["issued_date"]
        doc.issued_date = date.fromisoformat(value) if isinstance(value, str) else None
    doc.index_state = "pending"
    doc.updated_at = utcnow()
    session.add(
        AuditEvent(
            actor=archive.actor,
            action="edit",
            document_id=doc.id,
            unit_id=doc.unit_id,
            detail={"fields": {name: {"old": previous[name], "new": parsed[name]} for name in parsed}},
        )
    )
    return doc


def accept(archive: Archive, session: Session, document_id: int) -> Document:
    """Mark a document's card as checked by a clerk: it leaves the queue."""
    doc = get_document(session, document_id)
    doc.review_state = "accepted"
    session.add(AuditEvent(actor=archive.actor, action="accept", document_id=doc.id, unit_id=doc.unit_id))
    return doc


def merge_automatic(doc: Document, values: dict[str, Any], confidence: dict[str, float]) -> list[str]:
    """Take a new automatic extraction, keeping every field a clerk set by hand; returns changed names."""
    fields, conf, source = (
        dict(doc.fields or {}),
        dict(doc.field_confidence or {}),
        dict(doc.field_source or {}),
    )
    changed = []
    for name in FIELD_NAMES:
        if source.get(name) == "manual":
            continue
        if fields.get(name) != values.get(name):
            changed.append(name)
        fields[name] = values.get(name)
        conf[name] = float(confidence.get(name, 0.0))
        source[name] = "auto"
    doc.fields, doc.field_confidence, doc.field_source = fields, conf, source
    if "issued_date" in changed:
        value = fields.get("issued_date")
        try:
            doc.issued_date = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            doc.issued_date = None
    if changed:
        doc.index_state = "pending"
    return changed


def reextract(archive: Archive, unit_ids: list[int] | None = None) -> int:
    """Read the fields again from the stored pages (after the extractor improved), keeping every
    manual correction; no OCR is needed. Returns how many documents changed."""
    changed = 0
    with archive.sessions() as session:
        query = select(Document.id).order_by(Document.id)
        if unit_ids is not None:
            query = query.where(Document.unit_id.in_(unit_ids))
        ids = list(session.scalars(query))
        context = field_context(session)
    for start in range(0, len(ids), 200):
        with archive.sessions.begin() as session:
            docs = session.scalars(
                select(Document)
                .where(Document.id.in_(ids[start : start + 200]))
                .options(selectinload(Document.pages))
            )
            for doc in docs:
                result = extract_fields(stored_pages(doc), context)
                if merge_automatic(doc, result.values, result.confidence):
                    doc.updated_at = utcnow()
                    changed += 1
    return changed


def stored_pages(doc: Document) -> list[PageText]:
    """A document's pages as the extractor wants them, rebuilt from the rows (no OCR needed)."""
    return [
        PageText(
            number=page.source_page,
            text=page.text,
            method=page.method,
            confidence=page.confidence,
            words=[Word(*w) for w in page.words or []],
            dpi=page.dpi,
            width=page.width,
            height=page.height,
        )
        for page in doc.pages
    ]
