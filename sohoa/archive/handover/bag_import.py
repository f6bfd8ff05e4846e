"""Import a bag made by ``sohoa export`` into an archive, bit for bit.

Order of work:

1. **Validate** the whole bag with the ``bagit`` library (every payload file against the SHA-256
   manifest, the tag files against theirs) and read its ``sohoa-bag.json``. A bag that does not
   validate, or is not a sohoa bag, is refused (:class:`BagRefusedError`, exit 4) before the
   archive is touched.
2. **Store** in one transaction: units missing here (by code; an organ code the unit lacks is
   taken from the bag), register rows (found again by dossier code or result key, else added),
   then each document not already here (a document is known by its original's checksum and
   first page, the same in every archive): original and PDF copied in and hashed as they are
   copied (they must hash to the checksums the bag's metadata names), rows with the fields and
   their ``manual`` marks, pages, register links, the document's audit history and an
   ``import`` event.
3. **Commit**, then index the new documents (a failure there leaves them pending for the next
   ``sohoa index sync``, as after an ingest).

Imports are **atomic per bag**: any failure rolls the transaction back and deletes the files
this import placed, so the archive is as it was; running the same command again starts over.
Importing a bag twice stores nothing the second time. Rows are flushed and dropped from the
session every 100 documents, so memory stays flat in the size of the bag.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sohoa.errors import ExitCode, SohoaError, UsageError
from sohoa.fields import FIELD_NAMES
from sohoa.i18n import N_, _

from .. import storage
from ..documents import duplicate_key
from ..fixity import derivative_relpath, record_stored_file
from ..models import AuditEvent, Document, Original, Page, RegisterLink, RegisterRow, StoredFile, Unit
from ..settings import GROUP_MODE
from ..store import Archive
from .export import BAG_FILE, FORMAT, ORDER_FILE, PAGE_COLUMNS, REGISTER_FILE, ROW_COLUMNS, UNITS_FILE

_FLUSH_EVERY = 100


class BagRefusedError(SohoaError):
    """The bag does not validate or is not a sohoa bag: nothing was stored (exit 4)."""

    exit_code = ExitCode.input_file


@dataclass
class ImportResult:
    """What an import stored (``to_json`` is the documented shape of ``sohoa import --json``)."""

    bag: Path
    imported: list[int] = field(default_factory=list)
    already: int = 0
    units_added: list[str] = field(default_factory=list)
    register_rows_added: int = 0
    links_added: int = 0
    index_pending: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "bag": str(self.bag),
            "imported": len(self.imported),
            "document_ids": self.imported,
            "already": self.already,
            "units_added": self.units_added,
            "register_rows_added": self.register_rows_added,
            "links_added": self.links_added,
            "index_pending": self.index_pending,
        }


# -- 1. validate -----------------------------------------------------------------------------
def validate_bag(path: Path) -> dict[str, Any]:
    """Check the bag completely (checksums included); returns its ``sohoa-bag.json``."""
    import bagit

    if not path.is_dir():
        raise UsageError(_("không có thư mục gói %(path)s") % {"path": path})
    try:
        bag = bagit.Bag(str(path))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in (exc.details or [])[:3]) or str(exc)
        raise BagRefusedError(
            _("gói %(path)s không hợp lệ, không nhập gì: %(details)s") % {"path": path, "details": details}
        ) from None
    except bagit.BagError as exc:
        raise BagRefusedError(
            _("%(path)s không phải gói BagIt hợp lệ: %(why)s") % {"path": path, "why": exc}
        ) from None
    try:
        info = json.loads((path / "data" / BAG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BagRefusedError(
            _("%(path)s không phải gói của sohoa: không đọc được data/%(file)s (%(reason)s)")
            % {"path": path, "file": BAG_FILE, "reason": exc}
        ) from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise BagRefusedError(
            _("%(path)s: định dạng gói không hỗ trợ (cần %(format)s)") % {"path": path, "format": FORMAT}
        )
    return info


# -- helpers ---------------------------------------------------------------------------------
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BagRefusedError(
            _("không đọc được %(name)s trong gói (%(reason)s)") % {"name": path.name, "reason": exc}
        ) from None


def _inside(rel: str, top: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts and parts[0] == top


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


class _Placer:
    """Copies files from the bag into the archive, hashing as it copies; undoes them on failure."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.modes = storage.FileModes.from_setting(archive.settings.get(GROUP_MODE))
        self.placed: list[Path] = []
        self.buffer = bytearray(storage.CHUNK)
        archive.tmp_dir.mkdir(parents=True, exist_ok=True)

    def _copy(self, src: Path) -> tuple[Path, str, int]:
        """Copy ``src`` into the archive's temp folder, hashing it on the way (one read).

        No fsync per file: :meth:`sync` makes every placed file durable at once before the
        rows commit (thousands of fsyncs were most of an import's time).
        """
        tmp = self.archive.tmp_dir / f"{os.getpid()}-import-{os.urandom(6).hex()}"
        digest, size, view = hashlib.sha256(), 0, memoryview(self.buffer)
        try:
            with open(src, "rb", buffering=0) as inp, open(tmp, "wb") as out:
                while n := inp.readinto(view):
                    digest.update(view[:n])
                    out.write(view[:n])
                    size += n
        except FileNotFoundError:
            tmp.unlink(missing_ok=True)
            raise BagRefusedError(
                _("gói thiếu tệp %(name)s mà siêu dữ liệu có ghi") % {"name": src.name}
            ) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp, digest.hexdigest(), size

    def _make_dirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists() and folder != self.archive.home:
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir(exist_ok=True)
            os.chmod(path, self.modes.directory)

    def place(self, src: Path, rel: str, want_sha: str | None, *, original: bool) -> tuple[str, str, int]:
        """Put ``src`` at ``rel`` (or, if another file holds that name, under its own hash);
        returns (path used, sha256, size). The bytes must hash to ``want_sha`` when given."""
        tmp, sha, size = self._copy(src)
        if want_sha and sha != want_sha:
            tmp.unlink(missing_ok=True)
            raise BagRefusedError(_("tệp %(name)s trong gói có checksum khác metadata") % {"name": src.name})
        final = self.archive.path(rel)
        if final.exists():
            if storage.sha256_file(final) == sha:
                tmp.unlink(missing_ok=True)
                return rel, sha, size
            rel = derivative_relpath(sha) if not original else rel
            final = self.archive.path(rel)
            if final.exists():
                tmp.unlink(missing_ok=True)
                return rel, sha, size
        try:
            os.chmod(tmp, self.modes.original if original else self.modes.file)
            self._make_dirs(final.parent)
            os.replace(tmp, final)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise storage.archive_error(exc, N_("nhập gói")) from exc
        self.placed.append(final)
        return rel, sha, size

    def sync(self) -> None:
        """Make the placed files and their folder entries durable, once for the whole bag."""
        if self.placed:
            os.sync()

    def undo(self) -> None:
        for path in self.placed:
            path.unlink(missing_ok=True)


# -- 2. store --------------------------------------------------------------------------------
def _units(session: Session, units: list[dict[str, Any]], result: ImportResult) -> dict[str, Unit]:
    by_code = {u.code: u for u in session.scalars(select(Unit))}
    for data in units:
        unit = by_code.get(data["code"])
        if unit is None:
            parent = by_code.get(data["parent"]) if data.get("parent") else None
            unit = Unit(
                code=data["code"],
                name=data["name"],
                kind=data.get("kind") or "department",
                parent=parent,
                aliases=list(data.get("aliases") or []),
                organ_code=data.get("organ_code"),
            )
            session.add(unit)
            by_code[unit.code] = unit
            result.units_added.append(unit.code)
        elif not unit.organ_code and data.get("organ_code"):
            unit.organ_code = data["organ_code"]
    session.flush()
    return by_code


def _register_rows(
    session: Session, path: Path, units: dict[str, Unit], result: ImportResult
) -> dict[str, int]:
    refs: dict[str, int] = {}
    if not path.exists():
        return refs
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            data = json.loads(line)
            unit = units.get(data["unit"])
            if unit is None:
                raise BagRefusedError(
                    _("dòng sổ của đơn vị '%(unit)s' không có trong units.json") % {"unit": data["unit"]}
                )
            row = None
            if data.get("dossier_code"):
                row = session.scalar(
                    select(RegisterRow).where(RegisterRow.dossier_code == data["dossier_code"])
                )
            elif data.get("result_key"):
                row = session.scalar(
                    select(RegisterRow).where(
                        RegisterRow.result_key == data["result_key"], RegisterRow.unit_id == unit.id
                    )
                )
            if row is None:
                values = {name: data.get(name) for name in ROW_COLUMNS}
                for name in ("issued_date", "stored_at", "digitised_on"):
                    values[name] = _date(values[name])
                values["created_at"] = _moment(values["created_at"])
                row = RegisterRow(unit_id=unit.id, **{k: v for k, v in values.items() if v is not None})
                row.valid = bool(data.get("valid", True))
                session.add(row)
                session.flush()
                result.register_rows_added += 1
            refs[data["ref"]] = row.id
    return refs


def _keys(bag: Path) -> Iterator[str]:
    order = bag / "data" / ORDER_FILE
    if order.exists():
        with open(order, encoding="utf-8") as handle:
            yield from (line.strip() for line in handle if line.strip())
        return
    yield from sorted(p.name for p in (bag / "data" / "documents").iterdir() if p.is_dir())


@dataclass
class _New:
    """One document of the bag on its way in: its row, and what is added once it has an id."""

    key: str
    doc: Document
    data: dict[str, Any]
    history: dict[str, Any]
    files: list[tuple[str, str, str, int]]  # (role, path, sha256, size)


def _chunk(
    archive: Archive,
    session: Session,
    bag: Path,
    keys: list[str],
    units: dict[str, Unit],
    rows: dict[str, int],
    placer: _Placer,
    info: dict[str, Any],
    result: ImportResult,
) -> None:
    """Store the documents of ``keys`` the archive lacks: a few queries per chunk, not per document."""
    loaded = []
    for key in keys:
        folder = bag / "data" / "documents" / key
        loaded.append((key, _read_json(folder / "metadata.json"), _read_json(folder / "history.json")))
    shas = {data["original"]["sha256"] for _key, data, _doc in loaded}
    here = set(
        session.execute(
            select(Document.original_sha256, Document.page_from).where(Document.original_sha256.in_(shas))
        ).all()
    )
    originals = set(session.scalars(select(Original.sha256).where(Original.sha256.in_(shas))))
    new: list[_New] = []
    with session.no_autoflush:
        for key, data, history in loaded:
            doc_data, original_data, pdf_data = data["document"], data["original"], data["pdf"]
            sha = original_data["sha256"]
            if (sha, doc_data["page_from"]) in here:
                result.already += 1
                continue
            here.add((sha, doc_data["page_from"]))
            unit = units.get(doc_data["unit"])
            if unit is None:
                raise BagRefusedError(
                    _("văn bản %(key)s: đơn vị '%(unit)s' không có trong units.json")
                    % {"key": key, "unit": doc_data["unit"]}
                )
            if not _inside(original_data["path"], "originals") or not _inside(
                pdf_data["archive_path"], "documents"
            ):
                raise BagRefusedError(
                    _("văn bản %(key)s: đường dẫn tệp không hợp lệ (ra ngoài thư mục của nó)") % {"key": key}
                )
            files = []
            if sha not in originals:
                source = bag / "data" / original_data["path"]
                rel, _sha, size = placer.place(source, original_data["path"], sha, original=True)
                session.add(
                    Original(
                        sha256=sha,
                        size=size,
                        media_type=original_data["media_type"],
                        source_name=original_data["source_name"],
                        stored_path=rel,
                        page_count=original_data["page_count"],
                        created_at=_moment(original_data.get("created_at")),
                    )
                )
                originals.add(sha)
                files.append(("original", rel, sha, size))
            pdf_rel, pdf_sha, pdf_size = placer.place(
                bag / "data" / "documents" / key / pdf_data["file"],
                pdf_data["archive_path"],
                pdf_data.get("sha256"),
                original=False,
            )
            files.append(("pdf", pdf_rel, pdf_sha, pdf_size))
            fields = {name: doc_data["fields"].get(name) for name in FIELD_NAMES}
            doc = Document(
                original_sha256=sha,
                page_from=doc_data["page_from"],
                page_to=doc_data["page_to"],
                unit_id=unit.id,
                status=doc_data["status"],
                pdf_path=pdf_rel,
                page_count=doc_data["page_count"],
                confidence=doc_data["confidence"],
                fields=fields,
                field_confidence=doc_data["field_confidence"],
                field_source=doc_data["field_source"],
                issued_date=_date(doc_data.get("issued_date")),
                review_state=doc_data["review_state"],
                index_state="pending",
                dup_key=duplicate_key(fields),
                created_at=_moment(doc_data.get("created_at")),
                updated_at=_moment(doc_data.get("updated_at")),
                voided_at=_moment(doc_data.get("voided_at")),
                void_reason=doc_data.get("void_reason"),
            )
            for page in data["pages"]:
                doc.pages.append(Page(**{name: page.get(name) for name in PAGE_COLUMNS}))
            session.add(doc)
            new.append(_New(key, doc, data, history, files))
    if not new:
        return
    session.flush()  # the documents get their ids
    _after_ids(archive, session, new, rows, info)
    result.imported.extend(item.doc.id for item in new)


def _after_ids(
    archive: Archive, session: Session, new: list[_New], rows: dict[str, int], info: dict[str, Any]
) -> None:
    """Checksums, duplicates, register links and history of documents that now have ids."""
    paths = [path for item in new for _, path, _, _ in item.files]
    registered = set(session.scalars(select(StoredFile.path).where(StoredFile.path.in_(paths))))
    keys = {item.doc.dup_key for item in new if item.doc.dup_key}
    first = dict(
        session.execute(
            select(Document.dup_key, func.min(Document.id))
            .where(Document.dup_key.in_(keys))
            .group_by(Document.dup_key)
        ).all()
    )
    wanted_rows = {
        rows[link["row"]] for item in new for link in item.data.get("register") or [] if link["row"] in rows
    }
    taken = set(session.scalars(select(RegisterLink.row_id).where(RegisterLink.row_id.in_(wanted_rows))))
    for item in new:
        doc = item.doc
        for role, path, sha, size in item.files:
            document_id = doc.id if role == "pdf" else None
            if path in registered:
                record_stored_file(
                    session,
                    path=path,
                    role=role,
                    sha256=sha,
                    size=size,
                    original_sha256=doc.original_sha256,
                    document_id=document_id,
                )
            else:
                session.add(
                    StoredFile(
                        path=path,
                        role=role,
                        sha256=sha,
                        size=size,
                        original_sha256=doc.original_sha256,
                        document_id=document_id,
                    )
                )
        if doc.dup_key and first.get(doc.dup_key) not in (None, doc.id):
            doc.duplicate_of = first[doc.dup_key]
        for link in item.data.get("register") or []:
            row_id = rows.get(link["row"])
            if row_id is None or row_id in taken:
                continue
            taken.add(row_id)
            day = _date(link["digitised_on"])
            session.add(
                RegisterLink(
                    document_id=doc.id,
                    row_id=row_id,
                    method=link["method"],
                    score=link["score"],
                    digitised_on=day,
                    actor=link.get("actor") or "",
                    created_at=_moment(link.get("created_at")),
                )
            )
            row = session.get(RegisterRow, row_id)
            if row is not None and day is not None and (row.digitised_on is None or day < row.digitised_on):
                row.digitised_on = day
        for event in item.history.get("audit") or []:
            session.add(
                AuditEvent(
                    at=_moment(event["at"]),
                    actor=event["actor"],
                    action=event["action"],
                    document_id=doc.id,
                    unit_id=doc.unit_id,
                    detail=event.get("detail") or {},
                )
            )
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="import",
                document_id=doc.id,
                unit_id=doc.unit_id,
                detail={
                    "bag": info.get("bag_id"),
                    "source_archive": info.get("source_archive"),
                    "key": item.key,
                },
            )
        )


def import_bag(
    archive: Archive, bag: Path, *, on_progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Validate ``bag`` and store what the archive lacks of it, all or nothing (see the module doc)."""
    from ..indexing import pending_count, sync_index

    bag = Path(bag)
    info = validate_bag(bag)
    result = ImportResult(bag)
    placer = _Placer(archive)
    try:
        with archive.sessions.begin() as session:
            units = _units(session, _read_json(bag / "data" / UNITS_FILE), result)
            rows = _register_rows(session, bag / "data" / REGISTER_FILE, units, result)
            done = 0
            for keys in _batches(_keys(bag)):
                _chunk(archive, session, bag, keys, units, rows, placer, info, result)
                session.flush()
                session.expunge_all()  # memory stays flat: rows already written leave the session
                units = {u.code: u for u in session.scalars(select(Unit))}
                done += len(keys)
                if on_progress is not None:
                    on_progress(done)
            placer.sync()  # before the rows commit: no row ever names a file not on disk
            result.links_added = _count_links(session, result.imported)
    except BaseException:
        placer.undo()
        raise
    if result.imported:
        sync_index(archive)  # the new documents are pending (an index rebuilt first has them already)
        result.index_pending = pending_count(archive)
    return result


def _batches(keys: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == _FLUSH_EVERY:
            yield batch
            batch = []
    if batch:
        yield batch


def _count_links(session: Session, ids: list[int]) -> int:
    total = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        total += len(
            list(session.scalars(select(RegisterLink.id).where(RegisterLink.document_id.in_(chunk))))
        )
    return total
