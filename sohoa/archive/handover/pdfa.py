"""Converting an existing archive's searchable PDFs to PDF/A-2b, each through an audited replacement.

Archives ingested before PDF/A hold plain PDFs. Each document's PDF is checked
(:func:`sohoa.digitize.pdfa.check_pdfa`); one that does not conform is converted with the
document's current fields in the XMP (hand corrections included) and put in place by
:func:`sohoa.archive.fixity.replace_derivative`, which records the new checksum and an audit
event with the old and new ones, so ``sohoa verify`` stays clean. Running it again converts
nothing: converted files pass the check. A file that cannot conform (a born-digital PDF with a
font it does not embed) is listed and left as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sohoa import clock
from sohoa.digitize.pdfa import PdfaError, PdfaFields, convert_pdf, is_pdfa

from ..fixity import replace_derivative
from ..models import Document
from ..store import Archive
from ..units import descendant_ids, resolve_unit

REASON = "chuyển sang PDF/A-2b (conversion to PDF/A-2b, TT 05/2025)"
_CHUNK = 100


@dataclass
class PdfaRunResult:
    """What ``sohoa pdfa`` did: converted, already PDF/A, and those left plain with why."""

    converted: list[int] = field(default_factory=list)
    already: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "converted": len(self.converted),
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
        return f"thiếu tệp {path.name} (missing file): chạy sohoa verify"
    except (pikepdf.PdfError, ValueError, KeyError, TypeError) as exc:
        return f"không đọc được PDF (not a readable PDF: {type(exc).__name__})"
    return None


def convert_archive(
    archive: Archive, *, unit: str | None = None, on_progress: Callable[[int, int], None] | None = None
) -> PdfaRunResult:
    """Bring every document's PDF (or a unit's) to PDF/A-2b; one short transaction per document."""
    result = PdfaRunResult()
    chunks = list(_document_ids(archive, unit))
    total, done = sum(len(c) for c in chunks), 0
    archive.tmp_dir.mkdir(parents=True, exist_ok=True)
    for ids in chunks:
        with archive.sessions() as session:
            rows = session.execute(
                select(Document.id, Document.pdf_path, Document.fields).where(Document.id.in_(ids))
            ).all()
        for doc_id, pdf_rel, fields in rows:
            done += 1
            path = archive.path(pdf_rel)
            if is_pdfa(path):
                result.already += 1
                continue
            tmp = archive.tmp_dir / f"{os.getpid()}-pdfa-{doc_id}.pdf"
            why = _convert(path, tmp, fields or {})
            if why is not None:
                result.failed.append((doc_id, why))
                tmp.unlink(missing_ok=True)
                continue
            try:
                with archive.sessions.begin() as session:
                    replace_derivative(archive, session, doc_id, tmp, REASON)
            finally:
                tmp.unlink(missing_ok=True)
            result.converted.append(doc_id)
            if on_progress is not None:
                on_progress(done, total)
    return result
