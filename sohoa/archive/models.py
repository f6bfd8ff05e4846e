"""SQLAlchemy 2 models of the archive.

An *original* is a file as the scanner produced it, stored once by SHA-256. A *document* is
one procedure result: a page range of an original (a batch scan may hold several). Pages keep
their text, confidence and word boxes so metadata can be re-extracted without OCR. Every
change a person makes, and every view of a document, leaves an ``AuditEvent``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sohoa import clock


def utcnow() -> datetime:
    """Timezone-aware now from the archive's one clock (``SOHOA_NOW`` pins it); stored as UTC so
    SQLite and PostgreSQL agree whatever the server's or the session's zone."""
    return clock.now()


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Unit(Base):
    """A unit that issues and digitises results: a ward, the commune, a city department.

    ``parent`` makes reports roll sub-units up into the city; ``aliases`` keeps former
    names so a rename never breaks what people type.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # city | ward | commune | department | centre
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    aliases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the organisation code (mã định danh cơ quan) that TT 05/2025's FileCode starts with
    organ_code: Mapped[str | None] = mapped_column(String(40))

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Original(Base):
    """A file exactly as received, content-addressed so it is stored once and never changed."""

    __tablename__ = "originals"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(50))
    source_name: Mapped[str] = mapped_column(Text)  # paths of any length (up to 4,096 bytes)
    stored_path: Mapped[str] = mapped_column(String(300))
    page_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Document(Base):
    """One procedure result: pages ``page_from..page_to`` (1-based) of an original."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("original_sha256", "page_from", name="uq_documents_original_page"),
        # Covers the report's pages figure (unit, day entered, not voided, pages) without the rows.
        Index("ix_documents_report", "unit_id", "created_at", "status", "page_count"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_sha256: Mapped[str] = mapped_column(ForeignKey("originals.sha256"))
    page_from: Mapped[int] = mapped_column(Integer, default=1)
    page_to: Mapped[int] = mapped_column(Integer, default=1)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    status: Mapped[str] = mapped_column(String(20), default="stored")
    pdf_path: Mapped[str] = mapped_column(String(300))
    page_count: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    field_confidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    field_source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_date: Mapped[date | None] = mapped_column(Date, index=True)
    review_state: Mapped[str] = mapped_column(String(20), default="pending")
    # number + symbol + issuer, folded: the national rule asks to warn when a new document
    # repeats them (the same paper result is often scanned twice, at different resolutions)
    dup_key: Mapped[str | None] = mapped_column(String(300), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id", use_alter=True))
    index_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # a voided document (``status == "voided"``) keeps its record and files but leaves counts
    # and search; the reason is what a later reader needs to understand why
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)

    original: Mapped[Original] = relationship()
    unit: Mapped[Unit] = relationship()
    pages: Mapped[list[Page]] = relationship(
        back_populates="document", order_by="Page.number", cascade="all, delete-orphan"
    )


class Page(Base):
    """A page's text as read, with how it was read and how sure the reader was."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_pages_document_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    source_page: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    dpi: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    skew: Mapped[float] = mapped_column(Float, default=0.0)
    words: Mapped[list[Any]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)

    document: Mapped[Document] = relationship(back_populates="pages")


class Batch(Base):
    """One run of ``sohoa ingest`` over a set of paths.

    ``key`` identifies the command (unit, paths, options): running the same command again
    after an interruption finds the unfinished batch by its key and resumes it.
    """

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | finished | interrupted
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit] = relationship()
    items: Mapped[list[BatchItem]] = relationship(back_populates="batch", order_by="BatchItem.id")


class BatchItem(Base):
    """One input file of a batch and how it ended: pending, stored, duplicate or failed."""

    __tablename__ = "batch_items"
    # a path may be 4,096 bytes, longer than an index entry may be: uniqueness is on its hash
    __table_args__ = (UniqueConstraint("batch_id", "path_key", name="uq_batch_items_path_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    path: Mapped[str] = mapped_column(Text)
    path_key: Mapped[str] = mapped_column(String(64))  # sha256 of ``path`` (see ``batches.path_key``)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    sha256: Mapped[str | None] = mapped_column(String(64))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    # where the failed file was copied, relative to the archive home: re-runs point here
    quarantine_path: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="items")


class AuditEvent(Base):
    """Who did what to which document or unit, and when: edits, acceptances, views, exports.

    ``detail`` never holds document text; edits keep the previous and new field values,
    which the reviewer needs to undo a mistake.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# -- the backlog register and the targets (issue 5: reports) ----------------------------------
class RegisterRow(Base):
    """One completed result as a unit's register or the one-stop software lists it.

    The register is what the targets are measured against: the backlog is the rows still
    valid and not in the store at the unit's baseline date. ``dossier_code`` (unique) is the
    stable key of a row; a row without one is found again by ``result_key`` (unit, result
    number, year). ``digitised_on`` is the earliest of the day the register says the result
    entered the store (``stored_at``) and the day its linked document was digitised: a cache
    kept by ``register`` and ``matching`` so a report over a million rows scans one index.
    """

    __tablename__ = "register_rows"
    __table_args__ = (
        Index("ix_register_rows_report", "unit_id", "issued_date", "valid", "digitised_on"),
        Index("ix_register_rows_unit_number", "unit_id", "number_no"),
        # Only the rows with a digitised day: the backlog digitised since the baseline, read
        # without passing over the rest of the register.
        Index(
            "ix_register_rows_digitised",
            "digitised_on",
            "issued_date",
            "valid",
            "unit_id",
            sqlite_where=text("digitised_on IS NOT NULL"),
            postgresql_where=text("digitised_on IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    dossier_code: Mapped[str | None] = mapped_column(String(60), unique=True)
    result_key: Mapped[str | None] = mapped_column(String(200), index=True)
    result_number: Mapped[str | None] = mapped_column(String(100))
    number_key: Mapped[str | None] = mapped_column(String(100))
    number_no: Mapped[str | None] = mapped_column(String(20))
    procedure: Mapped[str | None] = mapped_column(String(500))
    field: Mapped[str | None] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(200))
    applicant: Mapped[str | None] = mapped_column(String(300))
    issued_date: Mapped[date] = mapped_column(Date)
    date_kind: Mapped[str] = mapped_column(String(10), default="issued")  # issued | returned
    valid: Mapped[bool] = mapped_column(default=True)
    stored_at: Mapped[date | None] = mapped_column(Date)
    digitised_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()


class RegisterLink(Base):
    """A document recognised as the digitised copy of a register row: one to one, never more.

    ``method`` says how (``dossier``, ``number`` or ``manual``); ``digitised_on`` is the local
    day the document entered the archive.
    """

    __tablename__ = "register_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("register_rows.id"), unique=True)
    method: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float, default=100.0)
    digitised_on: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegisterCandidate(Base):
    """A match the matcher would not decide alone (two rows fit one document, or two documents
    one row): kept so ``sohoa register unmatched`` can show it until someone links by hand."""

    __tablename__ = "register_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("register_rows.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchRun(Base):
    """One run of the matcher; the highest ``last_document_id`` tells the next run where new
    documents start, so a report can match what was ingested since without rescanning all."""

    __tablename__ = "register_match_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_document_id: Mapped[int] = mapped_column(Integer, default=0)
    considered: Mapped[int] = mapped_column(Integer, default=0)
    linked: Mapped[int] = mapped_column(Integer, default=0)
    ambiguous: Mapped[int] = mapped_column(Integer, default=0)


class UnitTarget(Base):
    """A unit's baseline date and backlog target for one year (defaults: 1 January, 20%,
    31 December) — the province may give a unit a different share or deadline."""

    __tablename__ = "unit_targets"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_unit_targets_unit_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    baseline_date: Mapped[date] = mapped_column(Date)
    target_percent: Mapped[float] = mapped_column(Float, default=20.0)
    target_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


# -- trust (issue 8): identity, settings, fixity ------------------------------------------------
class ArchiveSetting(Base):
    """One setting of the archive, chosen at creation: its id, time zone, group mode, search backend.

    The archive id is also written in the archive folder; the two must agree, so a database
    pointed at another archive's folder is refused instead of "cleaning" its files.
    """

    __tablename__ = "archive_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StoredFile(Base):
    """Every file the archive keeps (originals, searchable PDFs) with the checksum it must have.

    ``sohoa verify`` re-hashes them, least recently checked first; a derivative replaced on
    purpose (e.g. a PDF/A conversion) records its new checksum here through an audited step.
    ``sha256`` is null only for files stored before this registry existed, until first checked.
    """

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(300), unique=True)  # relative to the archive home
    role: Mapped[str] = mapped_column(String(20))  # original | pdf
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_result: Mapped[str | None] = mapped_column(String(20))  # ok | missing | altered


class FixityRun(Base):
    """One run of ``sohoa verify``: when, by whom, how much was checked and what was found."""

    __tablename__ = "fixity_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    altered: Mapped[int] = mapped_column(Integer, default=0)
    orphan: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)


# -- desk (issue 11): people who log in, their units, API tokens --------------------------------
class User(Base):
    """A person who uses the archive: a role (clerk, staff, manager, admin) and the units they
    may act in. The password is kept only as an argon2 hash; a disabled user keeps their rows
    so the audit trail still names them."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # clerk | staff | manager | admin
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    units: Mapped[list[Unit]] = relationship(secondary="user_units")


class UserUnit(Base):
    """One unit a user may act in (an admin needs none: they act everywhere)."""

    __tablename__ = "user_units"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class ApiToken(Base):
    """A token for scripts and the web API, shown once when made and kept only as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# -- many desks (issue 13): page leases for workers on a queue -----------------------------------
class QueueTask(Base):
    """One piece of a queued batch a worker leases: reading one page, or finishing one file.

    The database is the truth, the broker only a doorbell: a worker takes a task by setting
    ``lease_until`` (database time) while no live lease holds it, renews it while working, and
    the reaper in every worker hands out again a task whose lease expired (its worker died) or
    whose message was lost (a broker restarted). ``source`` is the input's copy in the shared
    storage, relative to the archive folder; ``result`` is where a read page's text was put.
    """

    __tablename__ = "queue_tasks"
    __table_args__ = (
        UniqueConstraint("item_id", "kind", "page", name="uq_queue_tasks_item_kind_page"),
        Index("ix_queue_tasks_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("batch_items.id"))
    kind: Mapped[str] = mapped_column(String(10))  # page | finish
    page: Mapped[int] = mapped_column(Integer, default=0)  # 0-based page index; 0 for finish
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # waiting | queued | leased | done
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(String(300))
    # queued (database time) and first leased: the queue wait a page had, for the bench and operators
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    leased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class QueueWorker(Base):
    """A ``sohoa worker`` process and when it last said it was alive (a desk waits only while one is)."""

    __tablename__ = "queue_workers"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    concurrency: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# -- desk jobs (issue 11): an upload's progress, kept where every server process reads it ----------
class DeskJob(Base):
    """An upload started from the desk and how far it got.

    The process that ingests it (or follows its queued batch) writes the counts here, so a
    reload, another server process or a restarted server shows the same progress; ``runner``
    (host:pid) lets a reader tell a job whose process died from one still working.
    """

    __tablename__ = "desk_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_code: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10), default="local")  # local | queue
    state: Mapped[str] = mapped_column(String(12), default="running")  # running | done | failed | interrupted
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    files_done: Mapped[int] = mapped_column(Integer, default=0)
    files_failed: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # stored/duplicate/failed/pending at the end
    folder: Mapped[str | None] = mapped_column(Text)  # the uploaded files, relative to the archive folder
    runner: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)  # why it failed, for the clerk (no document text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
