"""Converting an existing archive's searchable PDFs to PDF/A-2b, each through an audited replacement.

Archives ingested before PDF/A hold plain PDFs. Each document's PDF is checked
(:func:`sohoa.digitize.pdfa.check_pdfa`); one that does not conform is converted with the
document's current fields in the XMP (hand corrections included) and put in place by
:func:`sohoa.archive.fixity.replace_derivative`, which records the new checksum and an audit
event with the old and new ones, so ``sohoa verify`` stays clean. Running it again converts
nothing: converted files pass the check. A file that cannot conform (a born-digital PDF with a
font it does not embed) is listed and left as it is.

A hand correction (``sohoa edit``, the web's review form) changes the fields after the PDF/A was
written. The PDF is never rewritten inside the edit's transaction (a crash between the file and
the row would leave ``verify`` an orphan); the edit commits, then :func:`refresh_documents`
rewrites the XMP in its own audited replacement. Whether a PDF is stale is read from the PDF
itself (its XMP against the current fields), not from a mark that could drift, so a refresh
that did not happen (a crash, a re-extraction) is caught by the next ``sohoa pdfa`` or
``sohoa export``, which refreshes before packing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sohoa import clock
from sohoa.digitize.pdfa import PdfaError, PdfaFields, convert_pdf, fields_current, is_pdfa, read_fields
from sohoa.i18n import _
from sohoa.i18n import lazy_gettext as L_

from ..filestore import local_copy
from ..fixity import recover_replacements, replace_derivative
from ..models import Document
from ..store import Archive
from ..units import descendant_ids, resolve_unit

REASON = "chuyển sang PDF/A-2b (conversion to PDF/A-2b, TT 05/2025)"
REFRESH_REASON = "cập nhật XMP theo trường đã sửa (XMP refreshed to the corrected fields)"
_CHUNK = 100


@dataclass
class PdfaRunResult:
    """What ``sohoa pdfa`` did: converted, already PDF/A, and those left plain with why."""

    converted: list[int] = field(default_factory=list)
    already: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)  # PDF/A whose XMP was stale

    def to_json(self) -> dict[str, Any]:
        return {
            "converted": len(self.converted),
            "refreshed": len(self.refreshed),
            "already": self.already,
            "failed": [{"document_id": doc_id, "reason": why} for doc_id, why in self.failed],
        }


def _document_ids(archive: Archive, unit: str | None) -> Iterator[list[int]]:
    with archive.sessions() as session:
        query = select(Document.id).order_by(Document.id)
        if unit:
            query = query.where(Document.unit_id.in_(descendant_ids(session, resolve_unit(session, unit))))
        ids = list(session.scalars(query))
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _convert(path: Path, tmp: Path, fields: dict[str, Any]) -> str | None:
    """Write the PDF/A version of ``path`` to ``tmp``; None, or why it cannot be done."""
    import pikepdf

    try:
        with open(tmp, "wb") as out:
            convert_pdf(path, out, PdfaFields.from_document(fields), created=clock.now())
    except PdfaError as exc:
        return "; ".join(exc.problems[:3])
    except FileNotFoundError:
        return _("thiếu tệp %(name)s: chạy sohoa verify") % {"name": path.name}
    except (pikepdf.PdfError, ValueError, KeyError, TypeError) as exc:
        return _("không đọc được PDF (%(kind)s)") % {"kind": type(exc).__name__}
    return None


def convert_archive(
    archive: Archive, *, unit: str | None = None, on_progress: Callable[[int, int], None] | None = None
) -> PdfaRunResult:
    """Bring every document's PDF (or a unit's) to PDF/A-2b; one short transaction per document."""
    result = PdfaRunResult()
    recover_replacements(archive)
    chunks = list(_document_ids(archive, unit))
    total, done = sum(len(c) for c in chunks), 0
    archive.tmp_dir.mkdir(parents=True, exist_ok=True)
    files = archive.files
    for ids in chunks:
        with archive.sessions() as session:
            rows = session.execute(
                select(Document.id, Document.pdf_path, Document.fields).where(Document.id.in_(ids))
            ).all()
        for doc_id, pdf_rel, fields in rows:
            done += 1
            converted = len(result.converted)
            with local_copy(files, pdf_rel, archive.tmp_dir) as path:
                outcome = _convert_one(archive, doc_id, pdf_rel, fields or {}, path, result)
            if outcome is not None:
                result.failed.append((doc_id, outcome))
            if on_progress is not None and len(result.converted) > converted:  # as before: conversions
                on_progress(done, total)
    return result


def _convert_one(
    archive: Archive, doc_id: int, pdf_rel: str, fields: dict[str, Any], path: Path, result: PdfaRunResult
) -> str | None:
    """Convert (or refresh) one document's PDF read from ``path``; None, or why it failed."""
    if is_pdfa(path):
        if fields_current(path, fields):
            result.already += 1
            return None
        outcome = _refresh_one(archive, doc_id, pdf_rel, fields, path)
        if outcome is None:
            result.refreshed.append(doc_id)
        return outcome
    outcome = _rewrite(archive, doc_id, pdf_rel, fields, path, "pdfa", REASON)
    if outcome is None:
        result.converted.append(doc_id)
    return outcome


# -- refreshing the XMP after a hand correction ----------------------------------------------
_CHANGED = L_("trường vừa đổi trong lúc chuyển, chạy lại sohoa pdfa")


def _replace_if_unchanged(
    archive: Archive, doc_id: int, pdf_rel: str, fields: dict[str, Any], tmp: Path, reason: str
) -> bool:
    """Put ``tmp`` in place of the document's PDF, unless the fields or the PDF changed since
    they were read (a concurrent edit): then nothing is replaced and False is returned. The row
    is locked first on PostgreSQL, so an edit committing meanwhile waits or is seen."""
    with archive.sessions.begin() as session:
        row = session.execute(
            select(Document.pdf_path, Document.fields).where(Document.id == doc_id).with_for_update()
        ).one_or_none()
        if row is None or row.pdf_path != pdf_rel or (row.fields or {}) != fields:
            return False
        replace_derivative(archive, session, doc_id, tmp, reason)
    return True


def _refresh_one(
    archive: Archive, doc_id: int, pdf_rel: str, fields: dict[str, Any], path: Path
) -> str | None:
    """Rewrite one PDF/A's XMP and information dictionary to ``fields`` (read from ``path``, the
    stored PDF); None, or why not."""
    return _rewrite(archive, doc_id, pdf_rel, fields, path, "xmp", REFRESH_REASON)


def _rewrite(
    archive: Archive, doc_id: int, pdf_rel: str, fields: dict[str, Any], path: Path, kind: str, reason: str
) -> str | None:
    """Write the PDF/A of ``path`` with ``fields`` to a work file and put it in place unless an
    edit came meanwhile; None, or why not. Conversion and XMP refresh differ only in ``reason``."""
    tmp = archive.tmp_dir / f"{os.getpid()}-{kind}-{doc_id}.pdf"
    try:
        why = _convert(path, tmp, fields)
        if why is not None:
            return why
        if not _replace_if_unchanged(archive, doc_id, pdf_rel, fields, tmp, reason):
            return str(_CHANGED)
    finally:
        tmp.unlink(missing_ok=True)
    return None


def refresh_documents(archive: Archive, ids: list[int]) -> PdfaRunResult:
    """Bring the XMP of these documents' PDF/A files up to their current fields.

    Only files that carry sohoa's PDF/A XMP are touched (a plain PDF is ``sohoa pdfa``'s to
    convert); current ones are counted in ``already``. Each rewrite is its own audited
    replacement, after the caller's transaction: a crash anywhere leaves the old PDF/A named by
    the rows and no orphan (:func:`sohoa.archive.fixity.recover_replacements`).
    """
    result = PdfaRunResult()
    if not ids:
        return result
    archive.tmp_dir.mkdir(parents=True, exist_ok=True)
    files = archive.files
    for start in range(0, len(ids), _CHUNK):
        with archive.sessions() as session:
            rows = session.execute(
                select(Document.id, Document.pdf_path, Document.fields).where(
                    Document.id.in_(ids[start : start + _CHUNK])
                )
            ).all()
        for doc_id, pdf_rel, fields in rows:
            with local_copy(files, pdf_rel, archive.tmp_dir) as path:
                stored = read_fields(path)
                if stored is None:
                    continue  # a plain PDF: nothing claims fields that could be stale
                if stored == PdfaFields.from_document(fields or {}):
                    result.already += 1
                    continue
                why = _refresh_one(archive, doc_id, pdf_rel, fields or {}, path)
            if why is None:
                result.refreshed.append(doc_id)
            else:
                result.failed.append((doc_id, why))
    return result
