"""The ingest pipeline: scanner files in, archived and indexed documents out.

Read top to bottom, ``ingest`` is the table of contents:

    collect files -> take the command's lock, start or resume the batch -> for each file:
    preflight (settled, copied into the work folder while hashed, duplicate, open and count
    pages) -> read pages of that copy in worker processes (prepare + OCR, or the PDF text
    layer) -> split into documents -> extract metadata -> store (claim, files, rows and their
    checksums in one transaction) -> index.

Pages of all files share one page executor (``sohoa.executors``: a local process pool by
default), so both cores stay busy across small files and large PDFs alike; each worker runs
one Tesseract thread. The rows of each file's outcome are written by ``archive.batches``. A
file that fails is quarantined with its reason and the batch goes on. Ctrl-C or a kill leaves
finished files committed and the rest ``pending``: the same command resumes the batch. The
same bytes twice (in one batch, in two batches or two processes at once) are stored once; the
others end ``duplicate``. A database or disk failure stops the batch with
:class:`DatabaseError`/:class:`ArchiveError` (exit 6), everything done so far kept, so the
same command resumes it. Logs name files as ``batch 12 item 34``: scan file names carry citizens' names.
"""

from __future__ import annotations

import logging
import signal
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from sohoa.archive import batches, storage
from sohoa.archive.batches import ItemResult
from sohoa.archive.documents import NewDocument, store_documents
from sohoa.archive.faults import fault_point
from sohoa.archive.indexing import sync_index
from sohoa.archive.matching import match_documents
from sohoa.archive.models import BatchItem, Original
from sohoa.archive.settings import GROUP_MODE
from sohoa.archive.store import Archive
from sohoa.archive.units import field_context, resolve_unit
from sohoa.digitize.fields_context import FieldContext
from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.model import PageText
from sohoa.digitize.pages import require_words
from sohoa.digitize.pdfa import make_archival
from sohoa.digitize.read import DocumentSource, ReadOptions, assemble_pdf, open_document
from sohoa.digitize.split import MODES as SPLIT_MODES
from sohoa.digitize.split import split_pages
from sohoa.digitize.tesseract import probe
from sohoa.errors import (
    BatchInterruptedError,
    DatabaseError,
    ExitCode,
    InputFileError,
    MissingDependencyError,
    SohoaError,
)
from sohoa.executors import LocalPool, PageExecutor, default_jobs
from sohoa.i18n import N_, _
from sohoa.i18n import lazy_gettext as L_
from sohoa.progress import NullProgress, Progress

log = logging.getLogger(__name__)

# Stored documents are indexed in groups; what a crash leaves unindexed stays pending.
INDEX_EVERY_DOCS = 100
INDEX_EVERY_S = 20.0
STILL_WRITTEN = L_(
    "tệp đang được ghi dở (kích thước còn thay đổi), để lại cho lần chạy sau: chạy lại đúng lệnh này khi "
    "máy quét ghi xong"
)


@dataclass
class IngestOptions:
    """What a clerk chooses for a batch."""

    unit: str
    jobs: int = field(default_factory=default_jobs)
    split: str = "auto"
    read: ReadOptions | None = None


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
        return ExitCode.partial if self.count("failed") or self.count("pending") else ExitCode.ok

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.batch_id, "items": [item.to_json() for item in self.items]}


@dataclass
class _FileWork:
    """A file whose pages are being read."""

    item_id: int
    file: batches.InputFile
    copy: storage.SourceCopy  # the private copy every later step reads
    source: DocumentSource
    pages: dict[int, PageText] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return self.copy.sha256

    @property
    def complete(self) -> bool:
        return len(self.pages) == len(self.source.pages)


def ingest(
    archive: Archive,
    paths: list[Path],
    options: IngestOptions,
    progress: Progress | None = None,
    executor: PageExecutor | None = None,
) -> IngestReport:
    """Ingest files and folders into ``archive`` under ``options.unit``; see the module docstring.

    ``executor`` reads the pages (default: a local process pool of ``options.jobs`` processes);
    it is shut down when the batch ends.
    """
    progress = progress or NullProgress()
    if options.split not in SPLIT_MODES:
        raise SohoaError(
            _("--split phải là một trong %(modes)s, không phải '%(value)s'")
            % {"modes": ", ".join(SPLIT_MODES), "value": options.split}
        )
    read_options = options.read or ReadOptions()
    probe(read_options.tesseract, read_options.lang)  # Tesseract and its model, before anything is touched
    started = time.monotonic()
    files, skipped = batches.collect_files(paths)
    if executor is None:
        executor = LocalPool(options.jobs)
        if files:  # its processes start while the archive is opened and the first files are hashed
            executor.start()
    run = _BatchRun(archive, options, progress, executor)
    try:
        try:
            run.begin(files)
            run.process()
        except (KeyboardInterrupt, BatchInterruptedError) as exc:
            run.end("interrupted")
            raise BatchInterruptedError(
                _(
                    "lô %(id)s bị ngắt: đã xong %(done)s trên %(total)s tệp. Chạy lại đúng lệnh này "
                    "để làm nốt."
                )
                % {"id": run.batch_id, "done": run.done_count, "total": len(files)}
            ) from exc
        except BaseException:
            run.end("interrupted")
            raise
        # a file still being written stays pending: the batch stays open for the same command
        run.end("interrupted" if run.left_pending else "finished")
        run.flush_index(force=True)
        return IngestReport(run.batch_id, run.resumed, run.results(), skipped, time.monotonic() - started)
    except (DBAPIError, PoolTimeoutError) as exc:
        raise database_error(exc) from exc
    except OSError as exc:
        raise storage.archive_error(exc, N_("xử lý lô")) from exc
    finally:
        run.close()


def database_error(exc: Exception) -> DatabaseError:
    """A database failure mid-batch in words a clerk can act on; never the SQL or its parameters."""
    orig = getattr(exc, "orig", None)
    detail = (str(orig) if orig is not None else type(exc).__name__).strip().splitlines()
    reason = (detail[0] if detail else type(exc).__name__)[:200]
    lowered = reason.lower()
    if any(word in lowered for word in ("full", "no space", "disk i/o")):
        what = _("cơ sở dữ liệu hoặc ổ đĩa của nó đã đầy hay bị lỗi: giải phóng chỗ trống rồi")
    elif "locked" in lowered or "busy" in lowered:
        what = _("cơ sở dữ liệu đang bị tiến trình khác khóa quá lâu: đợi một lát rồi")
    else:
        what = _("mất kết nối tới cơ sở dữ liệu hoặc nó từ chối ghi: kiểm tra máy chủ cơ sở dữ liệu rồi")
    return DatabaseError(
        _("%(what)s chạy lại đúng lệnh này để tiếp tục; những tệp đã lưu được giữ nguyên (%(reason)s)")
        % {"what": what, "reason": reason}
    )


class _BatchRun:
    """The moving parts of one batch: its pool, the files in flight, and their rows."""

    def __init__(
        self, archive: Archive, options: IngestOptions, progress: Progress, executor: PageExecutor
    ) -> None:
        self.archive = archive
        self.options = options
        self.progress = progress
        self.executor = executor
        self.batch_id = 0
        self.resumed = False
        self.unit_id = 0
        self.files: dict[int, batches.InputFile] = {}
        self.done_count = 0
        self.to_index: list[int] = []
        self.last_index_flush = time.monotonic()
        self.queue: deque[int] = deque()
        self.work: storage.WorkDir | None = None
        self.lock: storage.BatchLock | None = None
        self.settle_s = storage.settle_seconds()
        self.first_seen: dict[int, tuple[tuple[int, int], float]] = {}
        self.in_flight_sha: dict[str, int] = {}  # a file being read: the same bytes wait for it
        self.waiting: dict[str, list[int]] = {}
        self.left_pending: list[int] = []
        self.field_context: FieldContext | None = None  # the units and codes the extractor knows

    @property
    def workdir(self) -> storage.WorkDir:
        assert self.work is not None, "begin() makes the work folder"
        return self.work

    # -- batch bookkeeping -------------------------------------------------------------
    def begin(self, files: list[batches.InputFile]) -> None:
        """Take this command's lock, clear what dead runs left in ``tmp/``, start or resume the batch."""
        batch_options: dict[str, object] = {"split": self.options.split}
        with self.archive.sessions() as session:
            unit = resolve_unit(session, self.options.unit)
            key = batches.batch_key(unit, files, batch_options)
        self.lock = storage.BatchLock(self.archive.tmp_dir, key)
        if not self.lock.acquire(blocking=False):
            log.warning("the same ingest command is running in another process: waiting for it to end")
            self.lock.acquire(blocking=True)
        storage.sweep_tmp(self.archive.tmp_dir)
        self.work = storage.WorkDir(
            self.archive.tmp_dir, storage.FileModes.from_setting(self.archive.settings.get(GROUP_MODE))
        )
        with self.archive.sessions.begin() as session:
            unit = resolve_unit(session, self.options.unit)
            batch, self.resumed = batches.start_or_resume(
                session, unit, files, batch_options, self.archive.actor
            )
            self.batch_id, self.unit_id = batch.id, unit.id
            self.field_context = field_context(session)
            by_name = {f.name: f for f in files}
            for item in batch.items:
                if item.status == "pending" and item.path in by_name:
                    self.files[item.id] = by_name[item.path]
        now = time.monotonic()
        for item_id, file in self.files.items():
            try:
                self.first_seen[item_id] = (storage.file_signature(file.path), now)
            except OSError:
                continue  # preflight says what is wrong with it
        sync_index(self.archive)  # documents a crash or a locked index left pending
        self.progress.start(len(files))
        done_before = len(files) - len(self.files)
        self.done_count = done_before
        if self.resumed:
            log.info("resuming batch %s: %s of %s files already done", self.batch_id, done_before, len(files))

    def close(self) -> None:
        """Remove the work folder and let the next run of this command in (also after a failure)."""
        self.executor.shutdown()  # started before the batch began: a failure there must not leave it
        if self.work is not None:
            self.work.close()
            self.work = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def end(self, status: str) -> None:
        """Mark the batch; after a failure, best effort (the database may be what failed)."""
        self.progress.finish()
        if not self.batch_id:
            return
        try:
            with self.archive.sessions.begin() as session:
                batch = session.get(batches.Batch, self.batch_id)
                if batch is not None:
                    batches.finish(session, batch, status)
        except (DBAPIError, PoolTimeoutError, OSError):
            if status == "finished":
                raise
            log.warning("batch %s: could not mark it %s; the same command resumes it", self.batch_id, status)

    def results(self) -> list[ItemResult]:
        with self.archive.sessions() as session:
            return batches.item_results(session, self.batch_id)

    # -- the pipeline ------------------------------------------------------------------
    def process(self) -> None:
        """Feed pages of pending files to the pool and finish each file as its last page returns."""
        self.queue = deque(self.files)
        queue = self.queue
        tasks: deque[tuple[_FileWork, int]] = deque()
        in_flight: dict[Future[PageText], tuple[_FileWork, int]] = {}
        failed_work: set[int] = set()
        limit = max(1, self.options.jobs) * 2
        previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            while queue or tasks or in_flight or self.waiting:
                if not (queue or tasks or in_flight):  # every owner ended: let the waiting files in
                    self._release_all()
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
                    future = self.executor.submit(work.source.pages[index], self.options.read)
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
                        self._drop_work(work)
                        self._fail(work.item_id, work.file, exc.reason_code, exc.detail)
                        continue
                    except Exception as exc:  # a bug or a broken worker: keep the batch going
                        log.error(
                            "batch %s item %s: reading page %s failed (%s)",
                            self.batch_id,
                            work.item_id,
                            index + 1,
                            type(exc).__name__,
                        )
                        log.debug("traceback", exc_info=True)
                        failed_work.add(work.item_id)
                        self._drop_work(work)
                        self._fail(
                            work.item_id,
                            work.file,
                            "internal",
                            f"could not read page {index + 1}: {type(exc).__name__}",
                        )
                        continue
                    work.pages[index + 1] = self._spill(page)
                    self.progress.page_done(1)
                    if work.complete:
                        self._finish_file(work)
        finally:
            signal.signal(signal.SIGTERM, previous_term)
            self.executor.shutdown()

    def _spill(self, page: PageText) -> PageText:
        """Keep a page's PDF on disk until its document is assembled, not in memory."""
        if page.pdf:
            path = self.workdir.file("page.pdf")
            try:
                path.write_bytes(page.pdf)
            except OSError as exc:
                raise storage.archive_error(exc, N_("ghi trang tạm")) from None
            page.pdf, page.pdf_file = None, str(path)
        return page

    def _preflight(self, item_id: int) -> _FileWork | None:
        """Cheap checks first: a settled regular file, copied while hashed, not archived yet, opens."""
        file = self.files[item_id]
        if file.path.exists() and not file.path.is_file():  # a pipe or device would block the read
            self._fail(
                item_id, file, "unreadable", "not a regular file (a pipe, socket or device): scan to a file"
            )
            return None
        try:
            settled = storage.wait_until_settled(file.path, self.settle_s, self.first_seen.get(item_id))
            copy = storage.copy_source(file.path, self.workdir) if settled else None
        except FileNotFoundError:
            self._fail(item_id, file, "unreadable", _("tệp không còn ở đó: đã bị chuyển hoặc xóa?"))
            return None
        except InputFileError as exc:
            self._fail(item_id, file, exc.reason_code, exc.detail)
            return None
        except storage.SourceChangingError:
            copy = None
        except OSError as exc:
            self._fail(
                item_id, file, "unreadable", f"cannot read the file ({exc.strerror}): check its permissions"
            )
            return None
        if copy is None:
            self._leave_pending(item_id, file)
            return None
        if copy.sha256 in self.in_flight_sha:  # the same bytes are being read: wait for that file
            copy.path.unlink(missing_ok=True)
            self.waiting.setdefault(copy.sha256, []).append(item_id)
            return None
        with self.archive.sessions() as session:
            existing = session.get(Original, copy.sha256)
            pages = existing.page_count if existing is not None else 0
        if existing is not None:
            copy.path.unlink(missing_ok=True)
            batches.mark_duplicate(self.archive, item_id, copy.sha256, pages)
            self._done(file, "duplicate")
            return None
        try:
            source = open_document(copy.path)
        except InputFileError as exc:
            copy.path.unlink(missing_ok=True)
            self._fail(item_id, file, exc.reason_code, exc.detail, sha=copy.sha256)
            return None
        self.in_flight_sha[copy.sha256] = item_id
        return _FileWork(item_id, file, copy, source)

    def _leave_pending(self, item_id: int, file: batches.InputFile) -> None:
        """A file still being written is left for the next run of the same command."""
        log.warning("batch %s item %s: still being written, left pending", self.batch_id, item_id)
        batches.set_item(self.archive, item_id, error=str(STILL_WRITTEN))
        self.left_pending.append(item_id)
        self._done(file, "pending")

    def _drop_work(self, work: _FileWork) -> None:
        """A file ended without being stored: remove its temp files, let files of the same bytes in."""
        _discard_spilled(work.pages.values())
        work.copy.path.unlink(missing_ok=True)
        self._release(work.sha256)

    def _release(self, sha256: str) -> None:
        """The file holding these bytes ended: files with the same bytes go through preflight again."""
        if self.in_flight_sha.pop(sha256, None) is None:
            return
        for item_id in reversed(self.waiting.pop(sha256, [])):
            self.queue.appendleft(item_id)

    def _release_all(self) -> None:
        for sha256, item_ids in list(self.waiting.items()):
            self.in_flight_sha.pop(sha256, None)
            self.queue.extendleft(reversed(item_ids))
        self.waiting.clear()

    def _finish_file(self, work: _FileWork) -> None:
        """Split, extract metadata, store files and rows in one transaction, then index."""
        pages = [work.pages[n] for n in sorted(work.pages)]
        documents: list[NewDocument] = []
        try:
            require_words(work.source, pages)  # nothing legible on any page: fails ``no_text``
            for first, last in split_pages(pages, self.options.split):
                part = pages[first - 1 : last]
                tmp = self.workdir.file("document.pdf")
                assemble_pdf(work.source, part, tmp)
                extracted = extract_fields(part, self.field_context)
                if (why := make_archival(tmp, extracted.values)) is not None:  # PDF/A-2b with its fields
                    log.warning("item %s: the PDF stays plain, not PDF/A: %s", work.item_id, why)
                documents.append(
                    NewDocument(
                        part[0].number, part[-1].number, part, tmp, extracted.values, extracted.confidence
                    )
                )
            with self.archive.sessions() as session:
                try:
                    item = session.get(BatchItem, work.item_id)
                    unit = session.get(batches.Unit, self.unit_id)
                    batch = session.get(batches.Batch, self.batch_id)
                    assert item is not None and unit is not None
                    stored = store_documents(
                        self.archive,
                        session,
                        copy=work.copy,
                        source_name=work.file.name,
                        page_count=len(work.source.pages),
                        documents=documents,
                        unit=unit,
                        batch=batch,
                    )
                    item.status, item.sha256, item.pages = "stored", work.sha256, len(pages)
                    item.document_id = stored[0].id if stored else None
                    item.error = None
                    session.commit()
                except IntegrityError:  # another run claimed these bytes first
                    session.rollback()
                    self._duplicate_after_race(work)
                    return
        except InputFileError as exc:
            self._fail(work.item_id, work.file, exc.reason_code, exc.detail, sha=work.sha256)
            return
        finally:
            for doc in documents:
                doc.pdf_tmp.unlink(missing_ok=True)
            self._drop_work(work)  # the copy is in originals/ now, or no longer needed
        fault_point("rows-committed")
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
            fault_point("index-written")
            self.to_index = []
            self.last_index_flush = time.monotonic()

    def _duplicate_after_race(self, work: _FileWork) -> None:
        """Another ingest stored the same file while we read it: ours is a duplicate."""
        log.info(
            "batch %s item %s: the same bytes were stored by another run meanwhile",
            self.batch_id,
            work.item_id,
        )
        batches.mark_duplicate(self.archive, work.item_id, work.sha256, len(work.pages))
        self._done(work.file, "duplicate")

    def _fail(
        self, item_id: int, file: batches.InputFile, reason_code: str, message: str, sha: str | None = None
    ) -> None:
        """Record a failed file and quarantine it once with its reason (``batches.record_failure``)."""
        log.warning("batch %s item %s failed: %s", self.batch_id, item_id, reason_code)
        batches.record_failure(
            self.archive,
            batch_id=self.batch_id,
            unit_id=self.unit_id,
            item_id=item_id,
            file=file,
            reason_code=reason_code,
            message=message,
            sha=sha,
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


def finish_read_file(
    archive: Archive,
    *,
    batch_id: int,
    unit_id: int,
    split: str,
    item_id: int,
    file: batches.InputFile,
    copy: storage.SourceCopy,
    pages: dict[int, PageText],
    workdir: storage.WorkDir,
) -> list[int]:
    """Split, extract, store and match one file whose pages were read elsewhere (a queue worker).

    It runs the same ``_finish_file`` as a local batch, so a queued file ends exactly as a local
    one would: stored once (a race with the same bytes ends ``duplicate``), or failed and
    quarantined. ``pages`` maps 1-based page numbers to what was read; ``copy`` is the worker's
    private copy of the input, which storing moves into ``originals/``. The documents are
    matched to the register but left pending for the index: one writer (the desk waiting for
    the batch, or ``sohoa index sync``) indexes them, not every worker over a shared mount.
    Returns the ids of the documents stored.
    """
    run = _BatchRun(archive, IngestOptions(unit="", split=split), NullProgress(), LocalPool(1))
    run.batch_id, run.unit_id, run.work = batch_id, unit_id, workdir
    with archive.sessions() as session:
        run.field_context = field_context(session)
    try:
        source = open_document(copy.path)
    except InputFileError as exc:
        copy.path.unlink(missing_ok=True)
        run._fail(item_id, file, exc.reason_code, exc.detail, sha=copy.sha256)
        return []
    run.in_flight_sha[copy.sha256] = item_id
    run._finish_file(_FileWork(item_id, file, copy, source, dict(pages)))
    if run.to_index:
        match_documents(archive, document_ids=run.to_index)  # link to the backlog register
    return run.to_index
