"""Storing read documents and reading them back.

``store_documents`` is the one place where a file becomes archive rows. It first claims the
original's row (its primary key is the SHA-256): a second process storing the same bytes
waits on that claim and then fails it, so it never touches this original's files. Then the
files go in place (fsynced renames from the work folder), their checksums are registered in
``stored_files`` and the document rows are added, all in one transaction the caller commits.
A crash at any moment leaves either a complete document or files a re-run replaces.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sohoa.digitize.model import PageText
from sohoa.errors import no_document_error
from sohoa.fields import FIELD_NAMES
from sohoa.text import fold

from . import storage
from .fixity import record_stored_file
from .models import AuditEvent, Batch, Document, Original, Page, Unit
from .store import Archive


@dataclass
class NewDocument:
    """One document cut from an original: its page range, pages as read, and its searchable PDF."""

    page_from: int
    page_to: int
    pages: list[PageText]
    pdf_tmp: Path
    fields: dict[str, Any] = field(default_factory=dict)
    field_confidence: dict[str, float] = field(default_factory=dict)


def media_type_of(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _issued(fields: dict[str, Any]) -> date | None:
    value = fields.get("issued_date")
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def store_documents(
    archive: Archive,
    session: Session,
    *,
    copy: storage.SourceCopy,
    source_name: str,
    page_count: int,
    documents: list[NewDocument],
    unit: Unit,
    batch: Batch | None,
) -> list[Document]:
    """Claim the original, put it and each document's PDF in place, and add all their rows.

    ``copy`` is the hashed private copy of the input (moved, not copied again, into
    ``originals/`` of ``archive.files``). The caller commits. An ``IntegrityError`` (raised at
    the claim, before any file is placed) means the same bytes were stored by another run
    meanwhile: a duplicate.
    """
    sha256 = copy.sha256
    files = archive.files
    original_rel = storage.original_relpath(sha256, Path(source_name).suffix)
    original = Original(
        sha256=sha256,
        size=copy.size,
        media_type=media_type_of(Path(source_name)),
        source_name=source_name,
        stored_path=original_rel,
        page_count=page_count,
    )
    session.add(original)
    session.flush()  # the claim: concurrent storers of these bytes wait here, then fail
    files.put(original_rel, copy.path, sha256=sha256, read_only=True)
    record_stored_file(
        session, path=original_rel, role="original", sha256=sha256, size=copy.size, original_sha256=sha256
    )
    stored: list[tuple[Document, str, str, int]] = []
    for new in documents:
        pdf_rel = storage.pdf_relpath(sha256, new.page_from)
        placed = files.put(pdf_rel, new.pdf_tmp)
        pdf_sha, pdf_size = placed.sha256, placed.size
        confidences = [p.confidence for p in new.pages]
        doc = Document(
            original=original,
            page_from=new.page_from,
            page_to=new.page_to,
            unit=unit,
            batch_id=batch.id if batch else None,
            status="stored",
            pdf_path=pdf_rel,
            page_count=len(new.pages),
            confidence=sum(confidences) / len(confidences) if confidences else 0.0,
            fields={name: new.fields.get(name) for name in FIELD_NAMES},
            field_confidence={name: float(new.field_confidence.get(name, 0.0)) for name in FIELD_NAMES},
            field_source={name: "auto" for name in FIELD_NAMES},
            issued_date=_issued(new.fields),
        )
        for number, page in enumerate(new.pages, start=1):
            doc.pages.append(_page_row(number, page))
        doc.dup_key = duplicate_key(doc.fields)
        if doc.dup_key:
            doc.duplicate_of = session.scalar(
                select(Document.id).where(Document.dup_key == doc.dup_key).order_by(Document.id).limit(1)
            )
        session.add(doc)
        stored.append((doc, pdf_rel, pdf_sha, pdf_size))
    session.flush()
    for doc, pdf_rel, pdf_sha, pdf_size in stored:
        record_stored_file(
            session,
            path=pdf_rel,
            role="pdf",
            sha256=pdf_sha,
            size=pdf_size,
            original_sha256=sha256,
            document_id=doc.id,
        )
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="ingest",
                document_id=doc.id,
                unit_id=unit.id,
                batch_id=batch.id if batch else None,
                detail={"sha256": sha256, "pages": [doc.page_from, doc.page_to]},
            )
        )
    return [doc for doc, *_ in stored]


def duplicate_key(fields: dict[str, Any]) -> str | None:
    """Number + symbol + issuer folded for comparison, or None when either is unknown.

    OCR variants of the same printed number (``QĐ`` read as ``QD``, spaces around ``/``)
    fold to the same key.
    """
    number, issuer = fields.get("number"), fields.get("issuer")
    if not number or not issuer:
        return None
    key = f"{re.sub(r'[^0-9a-z/]', '', fold(str(number)))}|{fold(str(issuer))}"
    return key[:300]


def _page_row(number: int, page: PageText) -> Page:
    words = [
        [w.text, w.left, w.top, w.width, w.height, round(w.conf, 1), w.block, w.line] for w in page.words
    ]
    return Page(
        number=number,
        source_page=page.number,
        method=page.method,
        text=page.text,
        confidence=page.confidence,
        dpi=page.dpi,
        width=page.width,
        height=page.height,
        rotation=page.rotation,
        skew=page.skew,
        words=words,
        warnings=list(page.warnings),
    )


def get_document(session: Session, document_id: int) -> Document:
    """The document with this id, pages loaded; ``NotFoundError`` if there is none."""
    doc = session.scalar(
        select(Document)
        .where(Document.id == document_id)
        .options(selectinload(Document.pages), selectinload(Document.original), selectinload(Document.unit))
    )
    if doc is None:
        raise no_document_error(document_id)
    return doc


def document_text(doc: Document) -> str:
    """The whole document's text, pages separated by form feeds."""
    return "\f".join(page.text for page in doc.pages)


def document_json(doc: Document) -> dict[str, Any]:
    """The documented shape of ``sohoa show --json``."""
    return {
        "id": doc.id,
        "sha256": doc.original_sha256,
        "source_name": doc.original.source_name,
        "unit": doc.unit.name,
        "pages": doc.page_count,
        "status": doc.status,
        "text": document_text(doc),
        "created_at": doc.created_at.isoformat(),
        "fields": {name: (doc.fields or {}).get(name) for name in FIELD_NAMES},
        "field_confidence": {name: (doc.field_confidence or {}).get(name, 0.0) for name in FIELD_NAMES},
        "field_source": {name: (doc.field_source or {}).get(name, "auto") for name in FIELD_NAMES},
        "page_range": [doc.page_from, doc.page_to],
        "pdf": doc.pdf_path,
        "confidence": round(doc.confidence, 4),
        "warnings": document_warnings(doc),
    }


def document_warnings(doc: Document) -> list[str]:
    """What a reader of this document should know before trusting it."""
    warnings = []
    if doc.status == "voided":
        warnings.append(f"đã hủy (voided): {doc.void_reason or ''}".rstrip())
    if doc.duplicate_of:
        warnings.append(f"possible duplicate of document {doc.duplicate_of}: same number, symbol and issuer")
    for page in doc.pages:
        warnings.extend(f"page {page.number}: {w}" for w in page.warnings or [])
    return warnings


def list_documents(session: Session, unit_ids: list[int] | None = None, limit: int = 100) -> list[Document]:
    """Newest documents first, optionally within some units."""
    query = select(Document).options(selectinload(Document.original), selectinload(Document.unit))
    if unit_ids is not None:
        query = query.where(Document.unit_id.in_(unit_ids))
    return list(session.scalars(query.order_by(Document.id.desc()).limit(limit)))
