"""Recognising which register row an archived document is the digitised copy of.

A row counts as digitised only through a link, so a wrong link inflates a unit's figures
silently while a missing one shows up in ``sohoa register unmatched``: the matcher links only
when one answer is clearly best, and leaves the rest to a clerk.

1. **Dossier code.** The document's ``dossier_code`` equal (spaces, case and dash forms aside)
   to a row's. Dossier codes differ from their neighbours by one digit, so no fuzziness here.
2. **Number + symbol + issuer + date**, among the rows of the document's unit and its
   sub-units (the unit the clerk filed the scan under stands for the issuer: a department's
   results are often issued in the city's name). Tolerated OCR errors, one at a time:
   the symbol part read roughly (rapidfuzz ratio ≥ 80), one character of the date misread
   (``10/06`` read ``16/06``), or one digit of the number misread into a look-alike
   (``3``/``8``, ``1``/``7`` …) when the date is exact. A row dated by its hand-out day
   (``Ngày trả kết quả``) accepts a document signed up to 30 days before. When the register
   names the issuer (``Cơ quan ban hành``), a clearly different issuer on the document rules
   the row out.
3. **One to one.** A document links to one row and a row to one document (unique constraints
   back this up). Two candidates within one point of each other, for a document or for a row,
   make an *ambiguous* match: nothing is linked, the candidates are kept for the clerk.

Manual links (``link_document``) override all of this and are recorded in the audit trail.
Every link keeps the day (in the archive's time zone) the document entered the archive, and the row's
``digitised_on`` cache is refreshed with it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sohoa import clock
from sohoa.errors import ArchiveError, ConflictError, NotFoundError, no_document_error
from sohoa.i18n import _
from sohoa.text import fold

from .models import AuditEvent, Document, MatchRun, RegisterCandidate, RegisterLink, RegisterRow, Unit, utcnow
from .register import dossier_key, number_key
from .settings import archive_zone
from .store import Archive
from .units import children_map, subtree

log = logging.getLogger(__name__)

MARGIN = 1.0  # candidates closer than this (of 100) are too close to choose between
_CHUNK = 500
# Digits Tesseract confuses with each other on scanned print.
_LOOKALIKE = {frozenset(p) for p in ("08", "06", "09", "17", "38", "56", "68", "89", "59", "49", "14")}


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The archive-zone day of a stored timestamp (SQLite hands timestamps back without a zone: UTC)."""
    return clock.local_date(moment, tz)


@dataclass
class MatchSummary:
    """What one matching run did; ``to_json`` is the shape of ``register match --json``."""

    considered: int = 0
    linked_by_dossier: int = 0
    linked_by_number: int = 0
    ambiguous: int = 0
    unmatched: int = 0

    @property
    def linked(self) -> int:
        return self.linked_by_dossier + self.linked_by_number

    def to_json(self) -> dict[str, int]:
        return {
            "considered": self.considered,
            "linked": self.linked,
            "linked_by_dossier": self.linked_by_dossier,
            "linked_by_number": self.linked_by_number,
            "ambiguous": self.ambiguous,
            "unmatched": self.unmatched,
        }


@dataclass
class _Doc:
    id: int
    unit_id: int
    created: date
    dossier: str | None
    key: str | None
    number_no: str | None
    issued: date | None
    issuer: str | None


@dataclass
class _Row:
    id: int
    unit_id: int
    key: str | None
    number_no: str | None
    issued: date
    date_kind: str
    issuer: str | None
    stored_at: date | None


@dataclass
class _Outcome:
    links: list[tuple[_Doc, int, str, float, date | None]] = field(default_factory=list)
    candidates: list[tuple[int, int, float, str]] = field(default_factory=list)


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _doc_of(row: Any, tz: tzinfo) -> _Doc:
    fields = row.fields or {}
    key, number_no = number_key(fields.get("number"))
    issued = row.issued_date
    if issued is None and isinstance(fields.get("issued_date"), str):
        try:
            issued = date.fromisoformat(fields["issued_date"])
        except ValueError:
            issued = None
    issuer = fields.get("issuer")
    return _Doc(
        id=row.id,
        unit_id=row.unit_id,
        created=local_day(row.created_at, tz),
        dossier=dossier_key(fields.get("dossier_code")),
        key=key,
        number_no=number_no,
        issued=issued,
        issuer=fold(issuer) if isinstance(issuer, str) and issuer.strip() else None,
    )


def _unlinked_documents(
    session: Session,
    document_ids: Iterable[int] | None,
    unit_ids: Iterable[int] | None,
    after_id: int,
    tz: tzinfo,
) -> list[_Doc]:
    linked = exists().where(RegisterLink.document_id == Document.id)
    # a possible duplicate (same number, symbol and issuer as an earlier document) is a second
    # scan of a paper already counted: matching it too would make the first one's row ambiguous
    query = select(
        Document.id, Document.unit_id, Document.created_at, Document.fields, Document.issued_date
    ).where(~linked, Document.id > after_id, Document.duplicate_of.is_(None), Document.status != "voided")
    if unit_ids is not None:
        query = query.where(Document.unit_id.in_(list(unit_ids)))
    if document_ids is None:
        return [_doc_of(r, tz) for r in session.execute(query.order_by(Document.id))]
    out: list[_Doc] = []
    for chunk in _chunks(sorted(set(document_ids))):
        out.extend(_doc_of(r, tz) for r in session.execute(query.where(Document.id.in_(chunk))))
    return out


# -- pass 1: dossier codes -----------------------------------------------------------------
def _match_dossiers(session: Session, docs: list[_Doc], outcome: _Outcome) -> set[int]:
    """Link documents whose dossier code names exactly one free row; returns the documents decided."""
    by_code: dict[str, list[_Doc]] = defaultdict(list)
    for doc in docs:
        if doc.dossier:
            by_code[doc.dossier].append(doc)
    decided: set[int] = set()
    rows: dict[str, Any] = {}
    codes = sorted(by_code)
    for chunk in _chunks(codes):
        query = (
            select(RegisterRow.id, RegisterRow.dossier_code, RegisterRow.stored_at, RegisterLink.document_id)
            .outerjoin(RegisterLink, RegisterLink.row_id == RegisterRow.id)
            .where(RegisterRow.dossier_code.in_(chunk))
        )
        rows.update({r.dossier_code: r for r in session.execute(query)})
    for code, same in by_code.items():
        row = rows.get(code)
        if row is None:
            continue  # the register does not know this dossier (yet): try the number
        decided.update(d.id for d in same)
        if row.document_id is not None:
            outcome.candidates.extend((d.id, row.id, 100.0, "row already linked") for d in same)
        elif len(same) > 1:
            outcome.candidates.extend((d.id, row.id, 100.0, "same dossier code") for d in same)
        else:
            outcome.links.append((same[0], row.id, "dossier", 100.0, row.stored_at))
    return decided


# -- pass 2: number, symbol, issuer, date ----------------------------------------------------
def _one_char_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _lookalike_number(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diffs) == 1 and frozenset(diffs[0]) in _LOOKALIKE


def score(doc: _Doc, row: _Row) -> float | None:
    """How well ``row`` fits ``doc`` (0-100), or None when it must not be linked at all."""
    if doc.key is None or doc.issued is None or row.key is None:
        return None
    if row.date_kind == "returned":
        lag = (row.issued - doc.issued).days
        date_score = 100.0 if lag == 0 else 90.0 if 0 < lag <= 30 else None
    elif row.issued == doc.issued:
        date_score = 100.0
    elif row.issued.year == doc.issued.year and _one_char_apart(
        row.issued.isoformat(), doc.issued.isoformat()
    ):
        date_score = 60.0
    else:
        date_score = None
    if date_score is None:
        return None
    if doc.number_no is not None and doc.number_no == row.number_no:
        number_score = fuzz.ratio(doc.key, row.key)
        if number_score < 80:
            return None
    elif (
        date_score == 100.0
        and doc.number_no is not None
        and row.number_no is not None
        and _lookalike_number(doc.number_no, row.number_no)
    ):
        rest = fuzz.ratio(doc.key[len(doc.number_no) :], row.key[len(row.number_no) :])
        if rest < 90:
            return None
        number_score = 85.0
    else:
        return None
    if date_score < 100.0 and number_score < 100.0:
        return None  # two things misread at once: too weak to link without a person
    issuer_score = 100.0
    if row.issuer and doc.issuer:
        issuer_score = fuzz.token_set_ratio(doc.issuer, fold(row.issuer))
        if issuer_score < 60:
            return None
    return round(0.55 * number_score + 0.35 * date_score + 0.10 * issuer_score, 2)


def _candidate_rows(session: Session, unit_ids: list[int], docs: list[_Doc]) -> list[_Row]:
    """Free rows of these units sharing a date or a leading number with one of ``docs``."""
    linked = exists().where(RegisterLink.row_id == RegisterRow.id)
    base = select(
        RegisterRow.id,
        RegisterRow.unit_id,
        RegisterRow.number_key,
        RegisterRow.number_no,
        RegisterRow.issued_date,
        RegisterRow.date_kind,
        RegisterRow.issuer,
        RegisterRow.stored_at,
    ).where(RegisterRow.unit_id.in_(unit_ids), ~linked)
    found: dict[int, _Row] = {}
    dates = sorted({d.issued for d in docs if d.issued})
    numbers = sorted({d.number_no for d in docs if d.number_no})
    for column, values in ((RegisterRow.issued_date, dates), (RegisterRow.number_no, numbers)):
        for chunk in _chunks(values):
            for r in session.execute(base.where(column.in_(chunk))):
                found[r.id] = _Row(
                    r.id,
                    r.unit_id,
                    r.number_key,
                    r.number_no,
                    r.issued_date,
                    r.date_kind,
                    r.issuer,
                    r.stored_at,
                )
    return list(found.values())


def _match_numbers(session: Session, docs: list[_Doc], outcome: _Outcome) -> None:
    """Score each document against the free rows of its unit's subtree, then decide all at once
    (subtrees overlap: a document filed under the city and one under a ward may want one row)."""
    taken = {row_id for _, row_id, *_ in outcome.links}
    children = children_map(session)
    by_unit: dict[int, list[_Doc]] = defaultdict(list)
    for doc in docs:
        if doc.key and doc.issued:
            by_unit[doc.unit_id].append(doc)
    scored: dict[int, list[tuple[float, _Row]]] = {}
    for unit_id, unit_docs in by_unit.items():
        rows = [
            r for r in _candidate_rows(session, subtree(children, unit_id), unit_docs) if r.id not in taken
        ]
        by_date: dict[date, list[_Row]] = defaultdict(list)
        by_number: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            by_date[row.issued].append(row)
            if row.number_no:
                by_number[row.number_no].append(row)
        for doc in unit_docs:
            pool = {r.id: r for r in [*by_date.get(doc.issued, []), *by_number.get(doc.number_no or "", [])]}
            fits = [(s, r) for r in pool.values() if (s := score(doc, r)) is not None]
            if fits:
                scored[doc.id] = sorted(fits, key=lambda f: (-f[0], f[1].id))
    _decide(docs, scored, outcome)


def _decide(docs: list[_Doc], scored: dict[int, list[tuple[float, _Row]]], outcome: _Outcome) -> None:
    """One to one: a document's clear favourite, unless another document wants the same row as much."""
    wanted: dict[int, list[tuple[float, _Doc, _Row]]] = defaultdict(list)
    for doc in docs:
        fits = scored.get(doc.id)
        if not fits:
            continue
        best_score, best = fits[0]
        close = [(s, r) for s, r in fits if best_score - s < MARGIN]
        if len(close) > 1:
            outcome.candidates.extend((doc.id, r.id, s, "several rows fit") for s, r in close)
            continue
        wanted[best.id].append((best_score, doc, best))
    for claims in wanted.values():
        claims.sort(key=lambda c: (-c[0], c[1].id))
        top_score, doc, row = claims[0]
        rivals = [c for c in claims[1:] if top_score - c[0] < MARGIN]
        if rivals:
            outcome.candidates.extend(
                (d.id, r.id, s, "several documents fit") for s, d, r in [claims[0], *rivals]
            )
            continue
        outcome.links.append((doc, row.id, "number", top_score, row.stored_at))
        # The documents that lost this row stay unmatched; a later run may place them elsewhere.


# -- writing -------------------------------------------------------------------------------
def _earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _write(session: Session, archive: Archive, outcome: _Outcome, considered: list[int]) -> None:
    linked_docs = [doc.id for doc, *_ in outcome.links]
    linked_rows = [row_id for _, row_id, *_ in outcome.links]
    for chunk in _chunks(sorted(set(considered) | set(linked_docs))):
        session.execute(delete(RegisterCandidate).where(RegisterCandidate.document_id.in_(chunk)))
    for chunk in _chunks(linked_rows):
        session.execute(delete(RegisterCandidate).where(RegisterCandidate.row_id.in_(chunk)))
    links = [
        {
            "document_id": doc.id,
            "row_id": row_id,
            "method": method,
            "score": s,
            "digitised_on": doc.created,
            "actor": archive.actor,
        }
        for doc, row_id, method, s, _stored in outcome.links
    ]
    for chunk in _chunks(links, 5000):
        session.execute(RegisterLink.__table__.insert(), [{**link, "created_at": utcnow()} for link in chunk])
    days = [
        {"id": row_id, "digitised_on": _earliest(stored, doc.created)}
        for doc, row_id, _m, _s, stored in outcome.links
    ]
    for chunk in _chunks(days, 5000):
        session.execute(update(RegisterRow), chunk)
    candidates = [
        {"document_id": d, "row_id": r, "score": s, "reason": reason, "created_at": utcnow()}
        for d, r, s, reason in outcome.candidates
    ]
    for chunk in _chunks(candidates, 5000):
        session.execute(RegisterCandidate.__table__.insert(), chunk)


def _watermark(session: Session) -> int:
    return session.scalar(select(func.max(MatchRun.last_document_id))) or 0


def match_documents(
    archive: Archive,
    *,
    document_ids: Iterable[int] | None = None,
    unit_ids: Iterable[int] | None = None,
    new_only: bool = False,
) -> MatchSummary:
    """Link the unlinked documents (all, these ids, these units' or only those added since the
    last run) to register rows; ambiguous ones are kept as candidates. One transaction.

    The ingest pipeline and the review (after a corrected number) may call this with the ids
    they touched; ``sohoa report`` calls it with ``new_only`` so its figures include today's scans.
    """
    with archive.sessions() as session:
        after = _watermark(session) if new_only else 0
        top = session.scalar(select(func.max(Document.id))) or 0
        docs = _unlinked_documents(session, document_ids, unit_ids, after, archive.tz)
        summary = MatchSummary(considered=len(docs))
        outcome = _Outcome()
        decided = _match_dossiers(session, docs, outcome)
        _match_numbers(session, [d for d in docs if d.id not in decided], outcome)
        _write(session, archive, outcome, [d.id for d in docs])
        for _doc, _row, method, _s, _stored in outcome.links:
            if method == "dossier":
                summary.linked_by_dossier += 1
            else:
                summary.linked_by_number += 1
        summary.ambiguous = len({d for d, *_rest in outcome.candidates})
        summary.unmatched = summary.considered - summary.linked - summary.ambiguous
        whole = document_ids is None and unit_ids is None
        mark = top if whole else _watermark(session)
        if summary.considered or mark != _watermark(session):  # a report with nothing new writes nothing
            session.add(
                MatchRun(
                    last_document_id=mark,
                    considered=summary.considered,
                    linked=summary.linked,
                    ambiguous=summary.ambiguous,
                )
            )
        if summary.linked or summary.ambiguous:
            session.add(AuditEvent(actor=archive.actor, action="register.match", detail=summary.to_json()))
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise ArchiveError(
                _("một lệnh khác vừa liên kết văn bản trong lúc đối chiếu: chạy lại lệnh đối chiếu")
            ) from exc
    if summary.considered:
        log.info("register match: %s", summary.to_json())
    return summary


# -- manual links --------------------------------------------------------------------------
@dataclass
class LinkResult:
    """A manual link made, and the links it replaced."""

    document_id: int
    row_id: int
    replaced: list[tuple[int, int]]
    unchanged: bool = False


def find_row(session: Session, ref: str) -> RegisterRow:
    """A register row by its id (``123`` or ``#123``) or by its dossier code."""
    text = ref.strip()
    row: RegisterRow | None = None
    if text.lstrip("#").isdigit():
        row = session.get(RegisterRow, int(text.lstrip("#")))
    if row is None:
        code = dossier_key(text)
        row = session.scalar(select(RegisterRow).where(RegisterRow.dossier_code == code)) if code else None
    if row is None:
        raise NotFoundError(
            _("không có dòng sổ '%(ref)s': cho số dòng hoặc Mã hồ sơ (sohoa register unmatched)")
            % {"ref": ref}
        )
    return row


def link_document(archive: Archive, document_id: int, row_ref: str, *, replace: bool = False) -> LinkResult:
    """Link a document to a row by hand (it wins over the matcher), recorded in the audit trail.

    Moving an existing link needs ``replace``: silently unlinking another document would lower a
    unit's figures without anyone noticing.
    """
    with archive.sessions() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise no_document_error(document_id)
        if doc.voided_at is not None:  # a voided result no longer counts: a link would count it again
            raise ConflictError(
                _("văn bản %(id)s đã bị hủy (%(why)s), không thể liên kết với sổ")
                % {"id": doc.id, "why": doc.void_reason or "-"}
            )
        row = find_row(session, row_ref)
        existing = list(
            session.scalars(
                select(RegisterLink).where(
                    or_(RegisterLink.document_id == doc.id, RegisterLink.row_id == row.id)
                )
            )
        )
        if any(link.document_id == doc.id and link.row_id == row.id for link in existing):
            return LinkResult(doc.id, row.id, [], unchanged=True)
        if existing and not replace:
            taken = "; ".join(
                _("văn bản %(doc)s đang liên kết với dòng %(row)s") % {"doc": k.document_id, "row": k.row_id}
                for k in existing
            )
            raise ConflictError(
                _("%(taken)s: thêm --replace để liên kết văn bản %(doc)s với dòng %(row)s thay vào đó")
                % {"taken": taken, "doc": doc.id, "row": row.id}
            )
        replaced = [(k.document_id, k.row_id) for k in existing]
        for link in existing:
            session.delete(link)
        session.flush()
        day = local_day(doc.created_at, archive.tz)
        session.add(
            RegisterLink(
                document_id=doc.id, row_id=row.id, method="manual", score=100.0, digitised_on=day,
                actor=archive.actor,
            )
        )  # fmt: skip
        row.digitised_on = _earliest(row.stored_at, day)
        for _d, old_row in replaced:
            if old_row != row.id:
                other = session.get(RegisterRow, old_row)
                if other is not None:
                    other.digitised_on = other.stored_at
        session.execute(
            delete(RegisterCandidate).where(
                or_(RegisterCandidate.document_id == doc.id, RegisterCandidate.row_id == row.id)
            )
        )
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="register.link",
                document_id=doc.id,
                unit_id=row.unit_id,
                detail={
                    "row_id": row.id,
                    "dossier_code": row.dossier_code,
                    "result_number": row.result_number,
                    "replaced": [{"document_id": d, "row_id": r} for d, r in replaced],
                },
            )
        )
        session.commit()
    return LinkResult(document_id, row.id, replaced)


# -- what is left for a clerk --------------------------------------------------------------
@dataclass
class Unmatched:
    """Documents without a row, rows without a document, and the matches left undecided."""

    documents: list[dict[str, Any]]
    documents_total: int
    rows: list[dict[str, Any]]
    rows_total: int
    ambiguous: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "documents_total": self.documents_total,
            "rows": self.rows,
            "rows_total": self.rows_total,
            "ambiguous": self.ambiguous,
        }


def list_unmatched(
    session: Session, unit_ids: list[int] | None = None, limit: int = 50, tz: tzinfo | None = None
) -> Unmatched:
    """What a clerk should look at, newest first; no applicant names (the list is often printed).

    ``digitised_on`` is a day in ``tz`` (default: the archive's zone from its settings).
    """
    tz = tz or archive_zone(session)
    doc_linked = exists().where(RegisterLink.document_id == Document.id)
    row_linked = exists().where(RegisterLink.row_id == RegisterRow.id)
    docs_q = select(Document.id, Document.unit_id, Document.fields, Document.issued_date, Document.created_at)
    docs_q = docs_q.where(~doc_linked, Document.status != "voided")
    rows_q = select(
        RegisterRow.id, RegisterRow.unit_id, RegisterRow.dossier_code, RegisterRow.result_number,
        RegisterRow.issued_date, RegisterRow.procedure, RegisterRow.valid,
    ).where(~row_linked)  # fmt: skip
    if unit_ids is not None:
        docs_q = docs_q.where(Document.unit_id.in_(unit_ids))
        rows_q = rows_q.where(RegisterRow.unit_id.in_(unit_ids))
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    doc_total = session.scalar(select(func.count()).select_from(docs_q.subquery())) or 0
    row_total = session.scalar(select(func.count()).select_from(rows_q.subquery())) or 0
    documents = [
        {
            "id": d.id,
            "unit": codes.get(d.unit_id),
            "number": (d.fields or {}).get("number"),
            "issued_date": d.issued_date.isoformat() if d.issued_date else None,
            "dossier_code": (d.fields or {}).get("dossier_code"),
            "digitised_on": local_day(d.created_at, tz).isoformat(),
        }
        for d in session.execute(docs_q.order_by(Document.id.desc()).limit(limit))
    ]
    rows = [
        {
            "id": r.id,
            "unit": codes.get(r.unit_id),
            "dossier_code": r.dossier_code,
            "result_number": r.result_number,
            "issued_date": r.issued_date.isoformat(),
            "procedure": r.procedure,
            "valid": r.valid,
        }
        for r in session.execute(
            rows_q.order_by(RegisterRow.issued_date.desc(), RegisterRow.id.desc()).limit(limit)
        )
    ]
    cand_q = select(RegisterCandidate).order_by(RegisterCandidate.document_id, RegisterCandidate.score.desc())
    if unit_ids is not None:
        cand_q = cand_q.join(Document, Document.id == RegisterCandidate.document_id).where(
            Document.unit_id.in_(unit_ids)
        )
    grouped: dict[int, dict[str, Any]] = {}
    for cand in session.scalars(cand_q):
        entry = grouped.setdefault(cand.document_id, {"document": cand.document_id, "candidates": []})
        entry["candidates"].append({"row": cand.row_id, "score": cand.score, "reason": cand.reason})
    return Unmatched(documents, doc_total, rows, row_total, list(grouped.values())[:limit])
