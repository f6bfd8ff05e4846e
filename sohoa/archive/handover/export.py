"""Export documents as a BagIt bag: originals, PDF/A files, TT 05/2025 metadata, history, register.

The bag (RFC 8493, written with the ``bagit`` library, SHA-256 manifests) holds under ``data/``::

    sohoa-bag.json                  format, source archive, selection, counts
    documents.txt                   the documents' folder names in the source archive's order
    units.json                      the documents' units and their parents (codes, names, organ codes)
    register.jsonl                  the register rows linked to the documents, one per line
    originals/ab/<sha256>.<ext>     each original once, named as in the archive
    documents/<sha256>-p<N>/        one folder per document (its original and first page: a key
                                    that is the same in every archive)
        metadata.xml                the TT 05/2025 record with the standard's element names
        metadata.json               the same record, plus everything an import restores
                                    (sohoa fields with their manual marks, pages, register links)
        history.json                the document's audit trail and its files' fixity records
        <FileCode>.<NNN>.pdf        the two-layer PDF/A (TT 05/2025 names files <mã hồ sơ>.<số thứ tự>)

Documents are read 100 at a time and written straight to disk, so memory stays flat in the
number of documents. The bag is built in a hidden sibling folder and renamed into place at the
end: an interrupted export leaves no half bag under the name asked for. An export is an access
to personal data: it is in the audit trail before a file is written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sohoa import clock
from sohoa.errors import ArchiveError, ConflictError, UsageError
from sohoa.fields import FIELD_NAMES
from sohoa.i18n import _

from .. import audit
from ..documents import document_warnings
from ..filestore import copy_to
from ..fixity import recover_replacements
from ..models import AuditEvent, Document, RegisterLink, RegisterRow, StoredFile, Unit
from ..reports import parse_period
from ..store import Archive
from ..units import descendant_ids, resolve_unit
from .pdfa import refresh_documents
from .records import record_xml, standard_record

FORMAT = "sohoa-bag/1"
BAG_FILE = "sohoa-bag.json"
UNITS_FILE = "units.json"
REGISTER_FILE = "register.jsonl"
ORDER_FILE = "documents.txt"
_CHUNK = 100
#: A page row's columns a bag carries: the text and word boxes search and re-extraction need.
PAGE_COLUMNS = ("number", "source_page", "method", "text", "confidence", "dpi", "width", "height", "rotation",
                "skew", "words", "warnings")  # fmt: skip
#: The register row's columns a bag carries (ids and the matcher's cache stay behind).
ROW_COLUMNS = ("dossier_code", "result_key", "result_number", "number_key", "number_no", "procedure", "field",
               "issuer", "applicant", "issued_date", "date_kind", "valid", "stored_at", "digitised_on",
               "created_at")  # fmt: skip


@dataclass
class ExportResult:
    """What went into the bag (``to_json`` is the documented shape of ``sohoa export --json``)."""

    out: Path
    documents: int = 0
    originals: int = 0
    register_rows: int = 0
    bytes: int = 0
    units_without_code: list[str] = field(default_factory=list)
    pdf_refreshed: int = 0  # PDF/A files whose stale XMP was rewritten before packing

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "pdf_refreshed": self.pdf_refreshed,
            "documents": self.documents,
            "originals": self.originals,
            "register_rows": self.register_rows,
            "bytes": self.bytes,
            "units_without_code": self.units_without_code,
        }


# -- what to export --------------------------------------------------------------------------
def parse_id_list(text: str) -> list[int]:
    """``1,2,5-9`` -> [1, 2, 5, 6, 7, 8, 9]; anything else is a usage error naming the bad part."""
    ids: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", part):
            first, last = int(m.group(1)), int(m.group(2))
            if first > last or last - first > 1_000_000:
                raise UsageError(
                    _("--documents: khoảng '%(part)s' không hợp lệ (từ số nhỏ đến số lớn)") % {"part": part}
                )
            ids.update(range(first, last + 1))
        elif part.isdigit():
            ids.add(int(part))
        else:
            raise UsageError(
                _("--documents: '%(part)s' không phải số văn bản; viết như 1,2,5-9") % {"part": part}
            )
    return sorted(ids)


def select_documents(
    session: Session, *, unit: str | None, period: str | None, documents: str | None
) -> tuple[list[int], Unit | None]:
    """The ids to export: a unit's (sub-units included, optionally issued in a period) or a list."""
    if (unit is None) == (documents is None):
        raise UsageError(_("chọn --unit U hoặc --documents 1,2,5-9, không cả hai"))
    if documents is not None:
        if period is not None:
            raise UsageError(_("--period đi kèm --unit"))
        wanted = parse_id_list(documents)
        found: list[int] = []
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            found += session.scalars(select(Document.id).where(Document.id.in_(chunk)))
        missing = sorted(set(wanted) - set(found))
        if missing:
            from sohoa.errors import NotFoundError

            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            raise NotFoundError(_("không có văn bản số %(ids)s: xem 'sohoa list'") % {"ids": shown})
        return sorted(found), None
    target = resolve_unit(session, unit or "")
    query = select(Document.id).where(Document.unit_id.in_(descendant_ids(session, target)))
    if period is not None:
        try:
            span = parse_period(period)
        except ValueError as exc:
            raise UsageError(f"--period: {exc}") from exc
        query = query.where(Document.issued_date >= span.start, Document.issued_date <= span.end)
    return list(session.scalars(query.order_by(Document.id))), target


def _compact(ids: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3,7' (the audit keeps which documents left, however many)."""
    parts: list[str] = []
    start = prev = None
    for n in ids:
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(f"{start}-{prev}" if prev != start else str(start))
        start = prev = n
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else str(start))
    return ",".join(parts)


# -- the output folder -----------------------------------------------------------------------
def _prepare_out(archive: Archive, out: Path) -> Path:
    out = out.expanduser().absolute()
    home = archive.home.resolve()
    if out.resolve() == home or home in out.resolve().parents:
        raise UsageError(_("thư mục xuất %(out)s nằm trong kho: chọn một thư mục ngoài kho") % {"out": out})
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(
            _("thư mục xuất %(out)s đã có dữ liệu: chọn một thư mục mới hoặc rỗng; chưa ghi gì")
            % {"out": out}
        )
    return out


def _write_json(path: Path, data: Any) -> int:
    raw = json.dumps(data, ensure_ascii=False, indent=1, default=_json_default).encode("utf-8") + b"\n"
    path.write_bytes(raw)
    return len(raw)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _safe_name(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]", "_", text)[:120]


# -- one document ----------------------------------------------------------------------------
def document_key(doc: Document) -> str:
    """The document's name in a bag: its original's checksum and first page, equal in every archive."""
    return f"{doc.original_sha256}-p{doc.page_from}"


def _description(doc: Document) -> str | None:
    fields = doc.fields or {}
    notes = []
    if fields.get("field"):
        notes.append(f"Lĩnh vực: {fields['field']}")
    if fields.get("dossier_code"):
        notes.append(f"Mã hồ sơ TTHC: {fields['dossier_code']}")
    notes += [w for w in document_warnings(doc) if not w.startswith("page ")]
    return "; ".join(notes) or None


def _row_ref(row: RegisterRow) -> str:
    """How a register row is found again in another archive: its dossier code, else its result key."""
    if row.dossier_code:
        return f"dossier:{row.dossier_code}"
    if row.result_key:
        return f"result:{row.result_key}"
    parts = (row.unit.code, row.issued_date.isoformat(), row.result_number or "", row.applicant or "")
    return "row:" + ":".join(parts)


def register_row_json(row: RegisterRow) -> dict[str, Any]:
    return {
        "ref": _row_ref(row),
        "unit": row.unit.code,
        **{name: getattr(row, name) for name in ROW_COLUMNS},
    }


class _Writer:
    """Writes documents into the staging folder, one chunk of rows at a time."""

    def __init__(self, archive: Archive, staging: Path, result: ExportResult) -> None:
        self.archive, self.staging, self.result = archive, staging, result
        self.seen_originals: set[str] = set()
        self.sequence: dict[str, int] = {}
        self.unit_ids: set[int] = set()
        self.codeless_units: set[str] = set()  # units of exported documents without an organ code
        self.register = open(staging / REGISTER_FILE, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.order = open(staging / ORDER_FILE, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def close(self) -> None:
        self.register.close()
        self.order.close()

    def _copy(self, rel: str, dst: Path) -> int:
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            copy_to(self.archive.files, rel, dst)
        except FileNotFoundError:
            raise ArchiveError(
                _("thiếu tệp %(file)s trong kho: chạy 'sohoa verify' rồi xuất lại") % {"file": rel}
            ) from None
        size = dst.stat().st_size
        self.result.bytes += size
        return size

    def write(self, session: Session, docs: list[Document]) -> None:
        ids = [d.id for d in docs]
        events: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for event in session.scalars(
            select(AuditEvent).where(AuditEvent.document_id.in_(ids)).order_by(AuditEvent.id)
        ):
            events[event.document_id or 0].append(
                {"at": event.at, "actor": event.actor, "action": event.action, "detail": event.detail}
            )
        links: dict[int, list[RegisterLink]] = {i: [] for i in ids}
        rows: dict[int, RegisterRow] = {}
        for link, row in session.execute(
            select(RegisterLink, RegisterRow)
            .join(RegisterRow, RegisterRow.id == RegisterLink.row_id)
            .where(RegisterLink.document_id.in_(ids))
            .options(selectinload(RegisterRow.unit))
        ):
            links[link.document_id].append(link)
            rows[row.id] = row
        for row in rows.values():
            self.register.write(json.dumps(register_row_json(row), ensure_ascii=False, default=_json_default))
            self.register.write("\n")
            self.result.register_rows += 1
            self.unit_ids.add(row.unit_id)
        files: dict[str, StoredFile] = {}
        paths = [d.pdf_path for d in docs] + [d.original.stored_path for d in docs]
        for stored in session.scalars(select(StoredFile).where(StoredFile.path.in_(paths))):
            files[stored.path] = stored
        for doc in docs:
            self._document(doc, events[doc.id], links[doc.id], {r.id: r for r in rows.values()}, files)

    def _document(
        self,
        doc: Document,
        events: list[dict[str, Any]],
        links: list[RegisterLink],
        rows: dict[int, RegisterRow],
        files: dict[str, StoredFile],
    ) -> None:
        key = document_key(doc)
        folder = self.staging / "documents" / key
        folder.mkdir(parents=True)
        self.order.write(key + "\n")
        self.unit_ids.add(doc.unit_id)
        original = doc.original
        if original.sha256 not in self.seen_originals:
            self._copy(original.stored_path, self.staging / original.stored_path)
            self.seen_originals.add(original.sha256)
            self.result.originals += 1
        unit = doc.unit
        record = standard_record(
            doc.fields or {},
            organ_code=unit.organ_code,
            organ_name=unit.name,
            page_methods=[p.method for p in doc.pages],
            settings=self.archive.settings,
            description=_description(doc),
        )
        file_code = record["FileCode"]
        if not file_code:
            self.codeless_units.add(unit.code)
        if file_code:
            self.sequence[file_code] = self.sequence.get(file_code, 0) + 1
            pdf_name = f"{_safe_name(file_code)}.{self.sequence[file_code]:03d}.pdf"
        else:
            pdf_name = f"{key}.pdf"
        self._copy(doc.pdf_path, folder / pdf_name)
        (folder / "metadata.xml").write_bytes(record_xml(record, identifier=key))
        pdf_row, original_row = files.get(doc.pdf_path), files.get(original.stored_path)
        data = {
            "format": FORMAT,
            "identifier": key,
            "standard": record,
            "document": {
                "unit": unit.code,
                "original_sha256": doc.original_sha256,
                "page_from": doc.page_from,
                "page_to": doc.page_to,
                "page_count": doc.page_count,
                "status": doc.status,
                "review_state": doc.review_state,
                "confidence": doc.confidence,
                "fields": {name: (doc.fields or {}).get(name) for name in FIELD_NAMES},
                "field_confidence": doc.field_confidence or {},
                "field_source": doc.field_source or {},
                "issued_date": doc.issued_date,
                "created_at": doc.created_at,
                "updated_at": doc.updated_at,
                "voided_at": doc.voided_at,
                "void_reason": doc.void_reason,
            },
            "original": {
                "path": original.stored_path,
                "sha256": original.sha256,
                "size": original.size,
                "media_type": original.media_type,
                "source_name": original.source_name,
                "page_count": original.page_count,
                "created_at": original.created_at,
            },
            "pdf": {
                "file": pdf_name,
                "archive_path": doc.pdf_path,
                "sha256": pdf_row.sha256 if pdf_row else None,
            },
            "pages": [{name: getattr(page, name) for name in PAGE_COLUMNS} for page in doc.pages],
            "register": [
                {
                    "row": _row_ref(rows[link.row_id]),
                    "method": link.method,
                    "score": link.score,
                    "digitised_on": link.digitised_on,
                    "actor": link.actor,
                    "created_at": link.created_at,
                }
                for link in links
            ],
        }
        self.result.bytes += _write_json(folder / "metadata.json", data)
        fixity = [
            {"path": row.path, "role": row.role, "sha256": row.sha256, "size": row.size,
             "created_at": row.created_at, "last_checked_at": row.last_checked_at,
             "last_result": row.last_result}
            for row in (original_row, pdf_row) if row is not None
        ]  # fmt: skip
        self.result.bytes += _write_json(folder / "history.json", {"audit": events, "fixity": fixity})
        self.result.documents += 1


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _units_json(session: Session, unit_ids: set[int]) -> list[dict[str, Any]]:
    """The units named, with their parents, parents first (an import creates them in this order)."""
    wanted: dict[int, Unit] = {}
    for unit_id in unit_ids:
        unit = session.get(Unit, unit_id)
        while unit is not None and unit.id not in wanted:
            wanted[unit.id] = unit
            unit = unit.parent
    ordered: list[Unit] = []

    def place(unit: Unit) -> None:
        if unit in ordered:
            return
        if unit.parent is not None and unit.parent.id in wanted:
            place(unit.parent)
        ordered.append(unit)

    for unit in sorted(wanted.values(), key=lambda u: u.id):
        place(unit)
    return [
        {"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent.code if u.parent else None,
         "aliases": list(u.aliases or []), "organ_code": u.organ_code}
        for u in ordered
    ]  # fmt: skip


# -- the whole export ------------------------------------------------------------------------
def export_bag(
    archive: Archive,
    out: Path,
    *,
    unit: str | None = None,
    period: str | None = None,
    documents: str | None = None,
) -> ExportResult:
    """Write the chosen documents as a BagIt bag at ``out`` (a new or empty folder)."""
    import bagit

    out = _prepare_out(archive, Path(out))
    with archive.sessions() as session:
        ids, target = select_documents(session, unit=unit, period=period, documents=documents)
    if not ids:
        raise UsageError(_("không có văn bản nào để xuất; chưa ghi gì"))
    audit.fold_spool_quietly(archive)  # the latest views belong in the documents' history
    audit.record(
        archive,
        "export",
        unit_id=target.id if target else None,
        detail={"out": str(out), "documents": len(ids), "ids": _compact(ids), "unit": unit, "period": period},
    )
    result = ExportResult(out)
    recover_replacements(archive)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        staging.mkdir(mode=0o700, parents=True)
        writer = _Writer(archive, staging, result)
        try:
            for chunk in _chunks(ids):
                _refresh_before_packing(archive, chunk, result)
                with archive.sessions() as session:
                    docs = list(
                        session.scalars(
                            select(Document)
                            .where(Document.id.in_(chunk))
                            .order_by(Document.id)
                            .options(
                                selectinload(Document.pages),
                                selectinload(Document.original),
                                selectinload(Document.unit),
                            )
                        )
                    )
                    writer.write(session, docs)
        finally:
            writer.close()
        with archive.sessions() as session:
            units = _units_json(session, writer.unit_ids)
        _write_json(staging / UNITS_FILE, units)
        result.units_without_code = sorted(writer.codeless_units)
        bag_id = str(uuid.uuid4())
        _write_json(
            staging / BAG_FILE,
            {
                "format": FORMAT,
                "bag_id": bag_id,
                "source_archive": archive.archive_id,
                "exported_at": clock.now(),
                "exported_by": archive.actor,
                "selection": {"unit": unit, "period": period, "documents": documents},
                "documents": result.documents,
                "originals": result.originals,
                "register_rows": result.register_rows,
            },
        )
        bagit.make_bag(
            str(staging),
            bag_info={
                "Source-Organization": _source_organization(units),
                "External-Description": "Kết quả giải quyết TTHC đã số hóa (sohoa export, TT 05/2025)",
                "External-Identifier": bag_id,
                "Sohoa-Format": FORMAT,
                "Sohoa-Archive-Id": archive.archive_id,
            },
            checksums=["sha256"],
        )
        if out.exists():
            out.rmdir()  # checked empty above; the finished bag takes its place
        os.replace(staging, out)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise ArchiveError(
                _(
                    "không ghi được bản xuất vào %(out)s (%(why)s): kiểm tra chỗ trống và quyền; "
                    "không để lại gì"
                )
                % {"out": out, "why": exc.strerror or exc}
            ) from exc
        raise
    return result


def _refresh_before_packing(archive: Archive, ids: list[int], result: ExportResult) -> None:
    """A PDF/A whose XMP predates a hand correction is rewritten (audited) before it is packed,
    so the bag's PDF says what its metadata XML says; one that cannot be refreshed stops the
    export (nothing is left behind) and names the command that tells why."""
    refreshed = refresh_documents(archive, ids)
    result.pdf_refreshed += len(refreshed.refreshed)
    if refreshed.failed:
        shown = ", ".join(str(doc_id) for doc_id, _why in refreshed.failed[:10])
        raise ConflictError(
            _(
                "không cập nhật được XMP của PDF văn bản %(ids)s theo trường đã sửa; chạy 'sohoa pdfa' để "
                "xem lý do rồi xuất lại; chưa ghi gì"
            )
            % {"ids": shown}
        )


def _source_organization(units: list[dict[str, Any]]) -> str:
    top = [u for u in units if u["parent"] is None] or units
    return top[0]["name"] if top else "sohoa"
