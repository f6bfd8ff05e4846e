"""SQLAlchemy 2 models of the archive.

An *original* is a file as the scanner produced it, stored once by SHA-256. A *document* is
one procedure result: a page range of an original (a batch scan may hold several). Pages keep
their text, confidence and word boxes so metadata can be re-extracted without OCR. Every
change a person makes, and every view of a document, leaves an ``AuditEvent``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC so SQLite and PostgreSQL agree."""
    return datetime.now(UTC)


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

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Original(Base):
    """A file exactly as received, content-addressed so it is stored once and never changed."""

    __tablename__ = "originals"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(50))
    source_name: Mapped[str] = mapped_column(String(500))
    stored_path: Mapped[str] = mapped_column(String(300))
    page_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Document(Base):
    """One procedure result: pages ``page_from..page_to`` (1-based) of an original."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("original_sha256", "page_from", name="uq_documents_original_page"),
        Index("ix_documents_unit_created", "unit_id", "created_at"),
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
    index_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

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
    __table_args__ = (UniqueConstraint("batch_id", "path", name="uq_batch_items_path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    sha256: Mapped[str | None] = mapped_column(String(64))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
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
