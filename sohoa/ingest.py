"""The ingest pipeline: scanner files in, archived and indexed documents out.

Read top to bottom, ``ingest`` is the table of contents:

    collect files -> start or resume the batch -> for each file: preflight (exists, checksum,
    duplicate, open and count pages) -> read pages in worker processes (prepare + OCR, or the
    PDF text layer) -> split into documents -> extract metadata -> store (files, then rows)
    -> index.

Pages of all files share one process pool, so both cores stay busy across small files and
large PDFs alike; each worker runs one Tesseract thread. A file that fails is quarantined
with its reason and the batch goes on. Ctrl-C or a kill leaves finished files committed and
the rest ``pending``: the same command resumes the batch.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sohoa.archive import batches, storage
from sohoa.archive.documents import NewDocument, store_documents
from sohoa.archive.indexing import sync_index
from sohoa.archive.matching import match_documents
from sohoa.archive.models import AuditEvent, BatchItem, Document, Original
from sohoa.archive.store import Archive
from sohoa.archive.units import resolve_unit
from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.model import PageText
from sohoa.digitize.pages import require_words
from sohoa.digitize.read import DocumentSource, ReadOptions, assemble_pdf, open_document, read_page
from sohoa.digitize.split import MODES as SPLIT_MODES
from sohoa.digitize.split import split_pages
from sohoa.digitize.tesseract import probe
from sohoa.errors import BatchInterruptedError, ExitCode, InputFileError, MissingDependencyError, SohoaError
from sohoa.progress import NullProgress, Progress

log = logging.getLogger(__name__)

# Stored documents are indexed in groups; what a crash leaves unindexed stays pending.
INDEX_EVERY_DOCS = 100
INDEX_EVERY_S = 20.0


@dataclass
class IngestOptions:
    """What a clerk chooses for a batch."""

    unit: str
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    split: str = "auto"
    read: ReadOptions | None = None


@dataclass
class ItemResult:
    """How one input file ended (the ``items`` of ``ingest --json``)."""

    path: str
    status: str
    document_id: int | None = None
    pages: int = 0
    error: str | None = None
    reason_code: str | None = None
    document_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "document_id": self.document_id,
            "pages": self.pages,
            "error": self.error,
        }


@dataclass
class IngestReport:
    """The outcome of a batch, for the summary, ``--json`` and the exit code."""

    batch_id: int
    resumed: bool
    items: list[ItemResult]
    skipped: list[str]
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def pages(self) -> int:
        return sum(item.pages for item in self.items if item.status == "stored")

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.partial if self.count("failed") else ExitCode.ok

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.batch_id, "items": [item.to_json() for item in self.items]}


@dataclass
class _FileWork:
    """A file whose pages are being read."""

    item_id: int
    file: batches.InputFile
    sha256: str
    source: DocumentSource
    pages: dict[int, PageText] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.pages) == len(self.source.pages)


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which stops the batch cleanly; one Tesseract thread each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["OMP_THREAD_LIMIT"] = "1"


def ingest(
    archive: Archive,
    paths: list[Path],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files and folders into ``archive`` under ``options.unit``; see the module docstring."""
    progress = progress or NullProgress()
    if options.split not in SPLIT_MODES:
        raise SohoaError(f"--split must be one of {', '.join(SPLIT_MODES)}, not '{options.split}'")
    read_options = options.read or ReadOptions()
    probe(read_options.tesseract, read_options.lang)  # Tesseract and its model, before anything is touched
    started = time.monotonic()
    files, skipped = batches.collect_files(paths)
    run = _BatchRun(archive, options, progress)
    run.begin(files)
    try:
        run.process()
    except (KeyboardInterrupt, BatchInterruptedError) as exc:
        run.end("interrupted")
        raise BatchInterruptedError(
            f"batch {run.batch_id} interrupted: {run.done_count} of {len(files)} files done. "
            "Run the same command again to finish it."
        ) from exc
    except BaseException:
        run.end("interrupted")
        raise
    run.end("finished")
    run.flush_index(force=True)
    return IngestReport(run.batch_id, run.resumed, run.results(), skipped, time.monotonic() - started)


class _BatchRun:
    """The moving parts of one batch: its pool, the files in flight, and their rows."""

    def __init__(self, archive: Archive, options: IngestOptions, progress: Progress) -> None:
        self.archive = archive
        self.options = options
        self.progress = progress
        self.batch_id = 0
        self.resumed = False
        self.unit_id = 0
        self.files: dict[int, batches.InputFile] = {}
        self.quarantine_dir = archive.quarantine_dir
        self.done_count = 0
        self.to_index: list[int] = []
        self.last_index_flush = time.monotonic()

    # -- batch bookkeeping -------------------------------------------------------------
    def begin(self, files: list[batches.InputFile]) -> None:
        with self.archive.sessions.begin() as session:
            unit = resolve_unit(session, self.options.unit)
            batch, self.resumed = batches.start_or_resume(
                session, unit, files, {"split": self.options.split}, self.archive.actor
            )
            self.batch_id, self.unit_id = batch.id, unit.id
            by_name = {f.name: f for f in files}
            for item in batch.items:
                if item.status == "pending" and item.path in by_name:
                    self.files[item.id] = by_name[item.path]
            referenced = {p for (p,) in session.execute(select(Original.stored_path))}
            referenced |= {p for (p,) in session.execute(select(Document.pdf_path))}
        storage.sweep_orphans(self.archive.home, referenced)
        sync_index(self.archive)  # documents a crash or a locked index left pending
        self.quarantine_dir = self.archive.quarantine_dir / f"batch-{self.batch_id}"
        self.progress.start(len(files))
        done_before = len(files) - len(self.files)
        self.done_count = done_before
        if self.resumed:
            log.info("resuming batch %s: %s of %s files already done", self.batch_id, done_before, len(files))

    def end(self, status: str) -> None:
        self.progress.finish()
        with self.archive.sessions.begin() as session:
            batch = session.get(batches.Batch, self.batch_id)
            if batch is not None:
                batches.finish(session, batch, status)

    def results(self) -> list[ItemResult]:
        with self.archive.sessions() as session:
            items = session.scalars(
                select(BatchItem).where(BatchItem.batch_id == self.batch_id).order_by(BatchItem.id)
            )
            out = []
            for item in items:
                doc_ids = []
                if item.sha256 and item.status in ("stored", "duplicate"):
                    doc_ids = list(
                        session.scalars(
                            select(Document.id)
                            .where(Document.original_sha256 == item.sha256)
                            .order_by(Document.page_from)
                        )
                    )
                out.append(
                    ItemResult(
                        item.path,
                        item.status,
                        item.document_id,
                        item.pages,
                        item.error,
                        item.reason_code,
                        doc_ids,
                    )
                )
            return out

    def _set_item(self, item_id: int, **values: Any) -> None:
        with self.archive.sessions.begin() as session:
            item = session.get(BatchItem, item_id)
            assert item is not None
            for key, value in values.items():
                setattr(item, key, value)

    # -- the pipeline ------------------------------------------------------------------
    def process(self) -> None:
        """Feed pages of pending files to the pool and finish each file as its last page returns."""
        queue: deque[int] = deque(self.files)
        tasks: deque[tuple[_FileWork, int]] = deque()
        in_flight: dict[Future[PageText], tuple[_FileWork, int]] = {}
        failed_work: set[int] = set()
        limit = max(1, self.options.jobs) * 2
        pool: ProcessPoolExecutor | None = None
        previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            while queue or tasks or in_flight:
                while len(in_flight) < limit and (tasks or queue):
                    if not tasks:
                        work = self._preflight(queue.popleft())
                        if work is not None:
                            tasks.extend((work, i) for i in range(len(work.source.pages)))
                            self.progress.pages_found(len(work.source.pages))
                        continue
                    work, index = tasks.popleft()
                    if work.item_id in failed_work:
                        continue
                    if pool is None:
                        pool = ProcessPoolExecutor(
                            max_workers=max(1, self.options.jobs),
                            mp_context=multiprocessing.get_context("forkserver"),
                            initializer=_worker_init,
                        )
                    future = pool.submit(read_page, work.source.pages[index], self.options.read)
                    in_flight[future] = (work, index)
                if not in_flight:
                    continue
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    work, index = in_flight.pop(future)
                    if work.item_id in failed_work:
                        continue
                    try:
                        page = future.result()
                    except MissingDependencyError:
                        raise
                    except InputFileError as exc:
                        failed_work.add(work.item_id)
                        _discard_spilled(work.pages.values())
                        self._fail(work.item_id, work.file, exc.reason_code, exc.detail)
                        continue
                    except Exception as exc:  # a bug or a broken worker: keep the batch going
                        log.exception("reading page %s of item %s failed", index + 1, work.item_id)
                        failed_work.add(work.item_id)
                        _discard_spilled(work.pages.values())
                        self._fail(
                            work.item_id, work.file, "internal", f"could not read page {index + 1}: {exc}"
                        )
                        continue
                    work.pages[index + 1] = self._spill(page)
                    self.progress.page_done(1)
                    if work.complete:
                        self._finish_file(work)
        finally:
            signal.signal(signal.SIGTERM, previous_term)
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _spill(self, page: PageText) -> PageText:
        """Keep a page's PDF on disk until its document is assembled, not in memory."""
        if page.pdf:
            path = self.archive.tmp_dir / f"{os.getpid()}-{time.monotonic_ns()}-page.pdf"
            path.write_bytes(page.pdf)
            page.pdf, page.pdf_file = None, str(path)
        return page

    def _preflight(self, item_id: int) -> _FileWork | None:
        """Cheap checks first: readable, checksum, already archived, opens with pages."""
        file = self.files[item_id]
        if file.path.exists() and not file.path.is_file():  # a pipe or device would block the read
            self._fail(
                item_id, file, "unreadable", "not a regular file (a pipe, socket or device): scan to a file"
            )
            return None
        try:
            sha = storage.sha256_file(file.path)
        except FileNotFoundError:
            self._fail(item_id, file, "unreadable", "the file does not exist (moved or deleted?)")
            return None
        except OSError as exc:
            self._fail(
                item_id, file, "unreadable", f"cannot read the file ({exc.strerror}): check its permissions"
            )
            return None
        with self.archive.sessions() as session:
            existing = session.scalar(
                select(Document).where(Document.original_sha256 == sha).order_by(Document.page_from).limit(1)
            )
            if existing is not None:
                self._set_item(
                    item_id,
                    status="duplicate",
                    sha256=sha,
                    document_id=existing.id,
                    pages=existing.original.page_count,
                )
                self._done(file, "duplicate")
                return None
        try:
            source = open_document(file.path)
        except InputFileError as exc:
            self._fail(item_id, file, exc.reason_code, exc.detail, sha=sha)
            return None
        return _FileWork(item_id, file, sha, source)

    def _finish_file(self, work: _FileWork) -> None:
        """Split, extract metadata, store files and rows in one go, then index."""
        pages = [work.pages[n] for n in sorted(work.pages)]
        documents: list[NewDocument] = []
        try:
            require_words(work.source, pages)  # nothing legible on any page: fails ``no_text``
            for first, last in split_pages(pages, self.options.split):
                part = pages[first - 1 : last]
                tmp = self.archive.tmp_dir / f"{os.getpid()}-{time.monotonic_ns()}-{work.sha256[:12]}.pdf"
                assemble_pdf(work.source, part, tmp)
                extracted = extract_fields(part)
                documents.append(
                    NewDocument(
                        part[0].number, part[-1].number, part, tmp, extracted.values, extracted.confidence
                    )
                )
            with self.archive.sessions() as session:
                item = session.get(BatchItem, work.item_id)
                unit = session.get(batches.Unit, self.unit_id)
                batch = session.get(batches.Batch, self.batch_id)
                assert item is not None and unit is not None
                stored = store_documents(
                    self.archive,
                    session,
                    source=work.file.path,
                    source_name=work.file.name,
                    sha256=work.sha256,
                    page_count=len(work.source.pages),
                    documents=documents,
                    unit=unit,
                    batch=batch,
                )
                item.status, item.sha256, item.pages = "stored", work.sha256, len(pages)
                item.document_id = stored[0].id if stored else None
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    self._duplicate_after_race(work)
                    return
        except InputFileError as exc:
            self._fail(work.item_id, work.file, exc.reason_code, exc.detail, sha=work.sha256)
            return
        finally:
            for doc in documents:
                doc.pdf_tmp.unlink(missing_ok=True)
            _discard_spilled(pages)
        self._done(work.file, "stored")
        self.to_index.extend(doc.id for doc in stored)
        self.flush_index()

    def flush_index(self, force: bool = False) -> None:
        """Match stored documents to the register and index them, in groups of a few files."""
        due = (
            len(self.to_index) >= INDEX_EVERY_DOCS or time.monotonic() - self.last_index_flush > INDEX_EVERY_S
        )
        if self.to_index and (force or due):
            match_documents(self.archive, document_ids=self.to_index)  # link to the backlog register
            sync_index(self.archive, self.to_index)
            self.to_index = []
            self.last_index_flush = time.monotonic()

    def _duplicate_after_race(self, work: _FileWork) -> None:
        """Another ingest stored the same file while we read it: ours is a duplicate."""
        with self.archive.sessions.begin() as session:
            first = session.scalar(
                select(Document.id)
                .where(Document.original_sha256 == work.sha256)
                .order_by(Document.page_from)
            )
            item = session.get(BatchItem, work.item_id)
            assert item is not None
            item.status, item.sha256, item.document_id = "duplicate", work.sha256, first
            item.pages = len(work.pages)
        self._done(work.file, "duplicate")

    def _fail(
        self, item_id: int, file: batches.InputFile, reason_code: str, message: str, sha: str | None = None
    ) -> None:
        """Record a failed file and quarantine it once with its reason; the batch goes on.

        A file an earlier batch already quarantined (same bytes, or same path when the bytes
        cannot be read) points at that copy instead of being copied again; the message is
        stored Vietnamese first.
        """
        log.warning("batch %s item %s failed: %s", self.batch_id, item_id, reason_code)
        message = batches.clerk_message(reason_code, message)
        if sha is None and reason_code not in batches.NOT_COPIED and file.path.is_file():
            try:  # the checksum is what recognises the same bad file in a later batch
                sha = storage.sha256_file(file.path)
            except OSError:
                sha = None
        home = self.archive.home
        with self.archive.sessions() as session:
            kept = batches.earlier_quarantine(session, home, sha256=sha, key=batches.path_key(file.name))
        if kept is None:
            reason = batches.explain(reason_code)
            copy = storage.quarantine(
                file.path,
                self.quarantine_dir,
                reason_code,
                message,
                problem=reason.problem,
                action=reason.action,
                copy=reason_code not in batches.NOT_COPIED,
            )
            kept = copy.relative_to(home).as_posix()
        with self.archive.sessions.begin() as session:
            item = session.get(BatchItem, item_id)
            assert item is not None
            item.status, item.reason_code, item.error, item.sha256 = "failed", reason_code, message, sha
            item.quarantine_path = kept
            session.add(
                AuditEvent(
                    actor=self.archive.actor,
                    action="ingest.failed",
                    batch_id=self.batch_id,
                    unit_id=self.unit_id,
                    detail={"path": file.name, "reason": reason_code, "quarantine": kept},
                )
            )
        self._done(file, "failed")

    def _done(self, file: batches.InputFile, status: str) -> None:
        self.done_count += 1
        self.progress.file_done(file.name, status)


def _discard_spilled(pages: Iterable[PageText]) -> None:
    """Remove the page PDFs a file's pages were spilled to (its document is stored or failed)."""
    for page in pages:
        if page.pdf_file:
            Path(page.pdf_file).unlink(missing_ok=True)


def _raise_interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a shutdown, a service manager) stops the batch like Ctrl-C does."""
    raise KeyboardInterrupt
