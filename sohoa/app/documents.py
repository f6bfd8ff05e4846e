"""Reading the archive: search, one document, the newest documents, files and page images.

Every function checks the role, scopes to the actor's units, records the read in the audit
trail before the answer leaves, and masks ID numbers for roles that do not need them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sohoa.app.actor import Actor, no_document_message
from sohoa.app.masking import mask_text, mask_value
from sohoa.app.scope import resolve_scope
from sohoa.archive import audit, indexing
from sohoa.archive import documents as docs
from sohoa.archive.store import Archive
from sohoa.errors import NotFoundError, UsageError
from sohoa.i18n import _
from sohoa.search import MARK_END, MARK_START
from sohoa.search import search as run_search
from sohoa.text import nfc

__all__ = [
    "MARK_END",
    "MARK_START",
    "SearchRequest",
    "download",
    "list_documents",
    "page_image",
    "search",
    "show",
]


@dataclass
class SearchRequest:
    """The options of ``sohoa search`` and ``GET /api/search`` (same names, same meaning)."""

    query: str = ""
    unit: str | None = None
    doc_type: str | None = None
    field: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    limit: int = 10
    offset: int = 0
    fuzzy: bool = False


def search(archive: Archive, actor: Actor, request: SearchRequest) -> dict[str, Any]:
    """``sohoa search --json``'s object: ``{"query", "total", "hits": [...]}``, scoped and audited."""
    actor.require("search")
    if request.sort not in ("relevance", "date"):
        raise UsageError(_("sort: '%(value)s' không hợp lệ (relevance hoặc date)") % {"value": request.sort})
    if request.date_from and request.date_to and request.date_to < request.date_from:
        raise UsageError(_("ngày 'đến' trước ngày 'từ'"))
    text = nfc(request.query)
    with archive.sessions() as session:
        scope = resolve_scope(session, actor, request.unit)
    index = indexing.open_reader(archive)  # a search never writes: writers catch up pending documents
    result = run_search(
        index,
        text,
        units=scope.codes,
        doc_type=request.doc_type,
        field=request.field,
        date_from=request.date_from,
        date_to=request.date_to,
        sort=request.sort,  # type: ignore[arg-type]
        limit=request.limit,
        offset=request.offset,
        fuzzy=request.fuzzy,
    )
    audit.record(  # before the answer is shown; a spooled line, so it never waits for an ingest
        actor.acting_archive(archive),
        "search",
        detail={
            "query": text,
            "filters": {
                "unit": request.unit, "type": request.doc_type, "field": request.field,
                "from": request.date_from, "to": request.date_to,
                "sort": request.sort, "fuzzy": request.fuzzy,
                "limit": request.limit, "offset": request.offset,
            },
            "hits": result.total,
            "shown": [hit.id for hit in result.hits],
        },
    )  # fmt: skip
    data = result.to_json()
    if actor.masks_ids:
        for hit in data["hits"]:
            hit["fields"] = mask_value(hit["fields"])
            hit["snippet"] = mask_text(hit["snippet"])
    return data


def file_urls(document_id: int) -> dict[str, str]:
    """Where the desk serves a document's files: URLs, never paths on the server."""
    return {
        "original": f"/documents/{document_id}/original",
        "pdf": f"/documents/{document_id}/pdf",
    }


def visible_document(session: Any, actor: Actor, document_id: int) -> Any:
    """The document if it exists and lies in the actor's units; otherwise not found, alike."""
    try:
        doc = docs.get_document(session, document_id)
    except NotFoundError:
        raise NotFoundError(no_document_message(document_id)) from None
    actor.check_document_unit(doc.unit_id, document_id)
    return doc


def show(archive: Archive, actor: Actor, document_id: int) -> dict[str, Any]:
    """``sohoa show --json``'s object (the view is audited); ``files`` holds the desk's URLs."""
    actor.require("view")
    with archive.sessions() as session:  # a read: the view goes to the audit spool, no write lock
        doc = visible_document(session, actor, document_id)
        data = docs.document_json(doc)
        data["files"] = file_urls(doc.id)
        audit.record(actor.acting_archive(archive), "view", document_id=doc.id, unit_id=doc.unit_id)
    if actor.masks_ids:
        data["fields"] = mask_value(data["fields"])
        data["text"] = mask_text(data["text"])
    return data


def list_documents(archive: Archive, actor: Actor, unit: str | None, limit: int) -> list[dict[str, Any]]:
    """``sohoa list --json``: the newest documents in the actor's units (no text: lists stay light)."""
    actor.require("list")
    with archive.sessions() as session:
        scope = resolve_scope(session, actor, unit)
        rows = [
            {
                "id": d.id,
                "source_name": d.original.source_name,
                "unit": d.unit.name,
                "pages": d.page_count,
                "status": d.status,
                "doc_type": (d.fields or {}).get("doc_type"),
                "number": (d.fields or {}).get("number"),
                "issued_date": (d.fields or {}).get("issued_date"),
                "created_at": d.created_at.isoformat(),
            }
            for d in docs.list_documents(session, scope.ids, limit)
        ]
    audit.record(
        actor.acting_archive(archive),
        "list",
        detail={"unit": unit, "limit": limit, "shown": [r["id"] for r in rows]},
    )
    return rows


@dataclass(frozen=True)
class DocumentFile:
    """A file to send: where it is, the name to offer, and its media type."""

    path: Path
    filename: str
    media_type: str


def download(archive: Archive, actor: Actor, document_id: int, kind: str) -> DocumentFile:
    """The original scan or the searchable PDF of a document, the download audited first."""
    actor.require("download")
    if kind not in ("original", "pdf"):
        raise UsageError(_("loại tệp phải là 'original' hoặc 'pdf', không phải '%(kind)s'") % {"kind": kind})
    with archive.sessions() as session:
        doc = visible_document(session, actor, document_id)
        if kind == "pdf":
            path = archive.path(doc.pdf_path)
            name = f"{Path(doc.original.source_name).stem}-{doc.id}.pdf"
            media = "application/pdf"
        else:
            path = archive.path(doc.original.stored_path)
            name = Path(doc.original.source_name).name
            media = doc.original.media_type
        audit.record(
            actor.acting_archive(archive),
            "download",
            document_id=doc.id,
            unit_id=doc.unit_id,
            detail={"file": kind},
        )
    return DocumentFile(path, name, media)


def page_image(archive: Archive, actor: Actor, document_id: int, page: int, dpi: int = 100) -> bytes:
    """Page ``page`` (1-based) of a document as PNG, drawn from its searchable PDF (a view)."""
    import pdfplumber

    actor.require("view")
    with archive.sessions() as session:
        doc = visible_document(session, actor, document_id)
        pdf_path = archive.path(doc.pdf_path)
        count = doc.page_count
    if not 1 <= page <= count:
        raise NotFoundError(_("văn bản %(id)s không có trang %(page)s") % {"id": document_id, "page": page})
    with pdfplumber.open(pdf_path) as pdf:
        image = pdf.pages[page - 1].to_image(resolution=dpi).original
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()
