"""The desk's side of a queued batch: take the inputs in, queue their pages, wait, resume.

``submit`` reads like ``sohoa.ingest.ingest``: collect files -> take the command's lock,
start or resume the batch -> for each file: settled, copied into the work folder while
hashed, duplicate?, opens? -> moved into the archive's shared file store
(``archive.files``, key ``queue/batch-N/item-M/<name>``) -> one task per page and one to
finish the file, committed -> announced to the broker. Then ``wait`` follows the batch in
the database (the same progress and the same report as a local batch) until every queued
file has ended.

A desk killed at any moment leaves rows that say what is left: files not yet queued are taken
again by ``resume`` (from their path, if this desk sees it), queued ones are the workers'.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from celery import Celery
from sqlalchemy import func, select

from sohoa.archive import batches, storage
from sohoa.archive.indexing import sync_index
from sohoa.archive.models import Batch, BatchItem, Original, QueueTask
from sohoa.archive.settings import GROUP_MODE
from sohoa.archive.store import Archive
from sohoa.archive.units import resolve_unit
from sohoa.digitize.read import open_document
from sohoa.digitize.split import MODES as SPLIT_MODES
from sohoa.errors import ArchiveError, InputFileError, NotFoundError, SohoaError, UsageError
from sohoa.i18n import _
from sohoa.i18n import lazy_gettext as L_
from sohoa.ingest import INDEX_EVERY_S, STILL_WRITTEN, IngestOptions, IngestReport
from sohoa.progress import NullProgress, Progress

from . import broker, leases, settings

log = logging.getLogger(__name__)

#: Where desks put the inputs of queued batches, under the archive folder (shared storage).
QUEUE_DIR = "queue"
NOT_HERE = L_(
    "tệp nằm trên máy bàn đã bắt đầu lô này và máy này không thấy nó: chạy 'sohoa batches resume' trên máy đó"
)
#: How long the desk waits for a worker's word (``LISTEN``) before it looks at the rows anyway.
POLL_S = 1.0


def require_shared_database(archive: Archive) -> None:
    """A queue needs a database every machine reaches: SQLite in the archive folder is refused (exit 2)."""
    if archive.engine.dialect.name != "postgresql":
        raise UsageError(
            _(
                "--queue cần kho dùng PostgreSQL (--db-url postgresql+psycopg://...): các worker trên máy "
                "khác không dùng chung được tệp SQLite; bỏ --queue để xử lý ngay trên máy này"
            )
        )


def submit(
    archive: Archive,
    paths: list[Path],
    options: IngestOptions,
    progress: Progress | None = None,
    *,
    wait: bool = True,
    app: Celery | None = None,
) -> IngestReport:
    """Queue the files and folders of ``paths`` for the workers; with ``wait``, follow them to the end.

    Without ``wait`` the report only names the batch (its items are as the desk left them).
    """
    require_shared_database(archive)
    progress = progress or NullProgress()
    if options.split not in SPLIT_MODES:
        raise SohoaError(f"--split must be one of {', '.join(SPLIT_MODES)}, not '{options.split}'")
    started = time.monotonic()
    files, skipped = batches.collect_files(paths)
    batch_options: dict[str, object] = {"split": options.split, "queue": True}
    with archive.sessions() as session:
        unit = resolve_unit(session, options.unit)
        key = batches.batch_key(unit, files, batch_options)
    lock = storage.BatchLock(archive.tmp_dir, key)
    if not lock.acquire(blocking=False):
        log.warning(
            "the same ingest command is running in another process: waiting for it to queue its files"
        )
        lock.acquire(blocking=True)
    try:
        with archive.sessions.begin() as session:
            unit = resolve_unit(session, options.unit)
            batch, resumed = batches.start_or_resume(session, unit, files, batch_options, archive.actor)
            batch_id = batch.id
        progress.start(len(files))
        submitter = _Submitter(archive, batch_id, progress, app)
        submitter.run(files, resuming=resumed)
    finally:
        lock.release()
    if not wait:
        return IngestReport(batch_id, resumed, [], skipped, time.monotonic() - started)
    return wait_for(
        archive,
        batch_id,
        progress,
        resumed=resumed,
        skipped=skipped,
        started=started,
        known=submitter.reported,
    )


def resume(
    archive: Archive,
    batch_id: int,
    progress: Progress | None = None,
    *,
    wait: bool = True,
    app: Celery | None = None,
) -> IngestReport:
    """Continue a queued batch from any desk: queue what its desk did not, announce what is open, wait."""
    require_shared_database(archive)
    progress = progress or NullProgress()
    started = time.monotonic()
    with archive.sessions.begin() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFoundError(
                _("không có lô %(batch)s: xem danh sách bằng 'sohoa batches'") % {"batch": batch_id}
            )
        if not (batch.options or {}).get("queue"):
            raise UsageError(
                _(
                    "lô %(batch)s được xử lý trên một máy, không qua hàng đợi: chạy lại đúng lệnh ingest đã "
                    "bắt đầu nó để làm tiếp"
                )
                % {"batch": batch_id}
            )
        if batch.status != "finished":
            batch.status = "running"
        names = [item.path for item in batch.items]
    progress.start(len(names))
    submitter = _Submitter(archive, batch_id, progress, app)
    submitter.run([batches.InputFile(Path(name)) for name in names], resuming=True)
    if not wait:
        return IngestReport(batch_id, True, [], [], time.monotonic() - started)
    return wait_for(
        archive, batch_id, progress, resumed=True, skipped=[], started=started, known=submitter.reported
    )


class _Submitter:
    """Takes a batch's pending files in and queues them; one instance per desk run."""

    def __init__(self, archive: Archive, batch_id: int, progress: Progress, app: Celery | None) -> None:
        self.archive = archive
        self.batch_id = batch_id
        self.progress = progress
        self.app = app
        self.modes = storage.FileModes.from_setting(archive.settings.get(GROUP_MODE))
        self.settle_s = storage.settle_seconds()
        self.unit_id = 0
        self.reported: set[int] = set()  # items that ended before or during this run: shown already

    def _broker(self) -> Celery:
        if self.app is None:
            self.app = broker.make_app()
        return self.app

    def run(self, files: list[batches.InputFile], resuming: bool = False) -> None:
        by_name = {f.name: f for f in files}
        with self.archive.sessions() as session:
            batch = session.get(Batch, self.batch_id)
            assert batch is not None
            self.unit_id = batch.unit_id
            self.reported = {item.id for item in batch.items if item.status != "pending"}
            queued = leases.items_with_tasks(session, self.batch_id)
            todo = [
                (item.id, by_name[item.path])
                for item in batch.items
                if item.status == "pending" and item.id not in queued and item.path in by_name
            ]
            pages_total, pages_done = leases.page_counts(session, self.batch_id)
            open_ids = leases.open_tasks(session, self.batch_id) if resuming else []
        self.progress.pages_found(pages_total)
        self.progress.page_done(pages_done)
        if open_ids:  # a resumed batch: the messages of its open tasks may be lost with a broker
            broker.announce(self._broker(), open_ids)
        if not todo:
            return
        storage.sweep_tmp(self.archive.tmp_dir)
        work = storage.WorkDir(self.archive.tmp_dir, self.modes)
        try:
            for item_id, file in todo:
                self._submit(item_id, file, work)
        finally:
            work.close()
        with self.archive.sessions.begin() as session:  # every file ended here (duplicates): no worker will
            batches.finish_if_done(session, self.batch_id)

    # -- one file --------------------------------------------------------------------------
    def _submit(self, item_id: int, file: batches.InputFile, work: storage.WorkDir) -> None:
        """Cheap checks first, as a local batch does; then into shared storage, tasks, doorbells."""
        if file.path.exists() and not file.path.is_file():
            self._fail(
                item_id, file, "unreadable", "not a regular file (a pipe, socket or device): scan to a file"
            )
            return
        try:
            settled = storage.wait_until_settled(file.path, self.settle_s)
            copy = storage.copy_source(file.path, work) if settled else None
        except FileNotFoundError:
            self._left(item_id, file, str(NOT_HERE))
            return
        except InputFileError as exc:
            if not file.path.exists():
                self._left(item_id, file, str(NOT_HERE))
            else:
                self._fail(item_id, file, exc.reason_code, exc.detail)
            return
        except storage.SourceChangingError:
            copy = None
        except OSError as exc:
            self._fail(
                item_id, file, "unreadable", f"cannot read the file ({exc.strerror}): check its permissions"
            )
            return
        if copy is None:
            self._left(item_id, file, str(STILL_WRITTEN))
            return
        with self.archive.sessions() as session:
            existing = session.get(Original, copy.sha256)
            pages = existing.page_count if existing is not None else 0
        if existing is not None:
            copy.path.unlink(missing_ok=True)
            batches.mark_duplicate(self.archive, item_id, copy.sha256, pages)
            self.progress.file_done(file.name, "duplicate")
            self.reported.add(item_id)
            return
        try:
            source = open_document(copy.path)
        except InputFileError as exc:
            copy.path.unlink(missing_ok=True)
            self._fail(item_id, file, exc.reason_code, exc.detail, sha=copy.sha256)
            return
        rel = self._share(item_id, file, copy)
        with self.archive.sessions.begin() as session:
            item = session.get(BatchItem, item_id)
            assert item is not None
            item.sha256, item.error = copy.sha256, None
            tasks = [
                QueueTask(batch_id=self.batch_id, item_id=item_id, kind=leases.PAGE, page=index, source=rel,
                          status=leases.QUEUED, attempts=0, sent_at=func.now(), created_at=func.now())
                for index in range(len(source.pages))
            ]  # fmt: skip
            session.add_all(tasks)
            session.add(
                QueueTask(batch_id=self.batch_id, item_id=item_id, kind=leases.FINISH, page=0, source=rel,
                          status=leases.WAITING, attempts=0, created_at=func.now())
            )  # fmt: skip
            session.flush()
            ids = [task.id for task in tasks]
        self.progress.pages_found(len(ids))
        broker.announce(self._broker(), ids)

    def _share(self, item_id: int, file: batches.InputFile, copy: storage.SourceCopy) -> str:
        """Move the hashed copy into the archive's file store, durably; returns its key."""
        name = file.path.name if len(file.path.name.encode("utf-8", "surrogateescape")) <= 200 else "input"
        name = name.replace("\\", "_")
        if name.startswith("."):  # a leading dot marks a store's temp file
            name = "_" + name[1:]
        key = f"{QUEUE_DIR}/batch-{self.batch_id}/item-{item_id}/{name}"
        self.archive.files.put(key, copy.path, sha256=copy.sha256)
        return key

    def _fail(
        self, item_id: int, file: batches.InputFile, reason_code: str, message: str, sha: str | None = None
    ) -> None:
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
        self.progress.file_done(file.name, "failed")
        self.reported.add(item_id)

    def _left(self, item_id: int, file: batches.InputFile, why: str) -> None:
        """A file this desk cannot take now stays pending, with why (another run takes it)."""
        log.warning("batch %s item %s: left pending", self.batch_id, item_id)
        batches.set_item(self.archive, item_id, error=why)
        self.progress.file_done(file.name, "pending")


def no_worker_error(batch_id: int, wait_s: float, *, broker_up: bool) -> ArchiveError:
    """Exit 6: no worker for ``wait_s``; what to do, the broker first when it does not answer."""
    if wait_s >= 60:
        how_long = _("%(n)s phút") % {"n": f"{wait_s / 60:g}"}
    else:
        how_long = _("%(n)s giây") % {"n": f"{wait_s:g}"}
    values = {"address": broker.redacted_url(), "wait": how_long, "batch": batch_id}
    if not broker_up:
        return ArchiveError(
            _(
                "không kết nối được hàng đợi %(address)s (SOHOA_BROKER_URL) và không có worker nào nhận việc "
                "trong %(wait)s qua nên lô %(batch)s chưa xong: khởi động lại Redis trên máy đó (systemctl "
                "start redis-server) hoặc sửa SOHOA_BROKER_URL, kiểm tra 'sohoa worker' đang chạy, rồi chạy "
                "'sohoa batches resume %(batch)s'; những tệp đã lưu được giữ nguyên"
            )
            % values
        )
    return ArchiveError(
        _(
            "không có worker nào chạy trong %(wait)s qua nên lô %(batch)s chưa xong: khởi động "
            "'sohoa worker' trên một máy thấy thư mục kho (SOHOA_HOME), cơ sở dữ liệu (SOHOA_DB_URL) và "
            "hàng đợi (SOHOA_BROKER_URL), rồi chạy 'sohoa batches resume %(batch)s'; những tệp đã lưu được "
            "giữ nguyên"
        )
        % values
    )


def wait_for(
    archive: Archive,
    batch_id: int,
    progress: Progress,
    *,
    resumed: bool,
    skipped: list[str],
    started: float,
    known: set[int] | None = None,
) -> IngestReport:
    """Follow the batch in the database until no queued file is left; then the same report as a local batch.

    With no live worker for ``SOHOA_WORKER_WAIT_SECONDS`` (5 minutes) the desk stops with exit 6
    and says what to do; the batch stays as it is, for ``sohoa batches resume``. A worker is
    live when its heartbeat is recent (workers cut off from the broker stop beating) or when
    the batch moved (a page read, a file ended): a worker finishing its page while Redis is
    down still counts, one waiting for a broker that never comes back does not.
    """
    wait_s = settings.worker_wait_seconds()
    alive_window = max(3 * settings.heartbeat_seconds(), 5.0)
    reported = set(known or ())
    pages_read: int | None = None
    last_alive = last_index = time.monotonic()
    with leases.batch_events(archive, batch_id) as wait:
        while True:
            with archive.sessions() as session:
                ended = session.execute(
                    select(BatchItem.id, BatchItem.path, BatchItem.status).where(
                        BatchItem.batch_id == batch_id, BatchItem.status != "pending"
                    )
                ).all()
                total, done = leases.page_counts(session, batch_id)
                open_items = leases.waiting_for_workers(session, batch_id)
                alive = leases.live_workers(session, alive_window)
            moved = False
            for item_id, path, status in ended:
                if item_id not in reported:
                    reported.add(item_id)
                    progress.file_done(path, status)
                    moved = True
            if pages_read is None:  # the submitter reported the pages read before it started
                pages_read = done
            elif done > pages_read:
                progress.page_done(done - pages_read)
                pages_read = done
                moved = True
            if not open_items:
                break
            now = time.monotonic()
            if now - last_index > INDEX_EVERY_S:  # the one index writer: searches see documents as they come
                sync_index(archive)
                last_index = time.monotonic()
            if alive or moved:
                last_alive = now
            elif now - last_alive > wait_s:
                progress.finish()
                raise no_worker_error(batch_id, wait_s, broker_up=broker.reachable(broker.make_app()))
            wait(POLL_S)
    progress.finish()
    sync_index(archive)  # workers store and match; indexing is the desk's (or 'sohoa index sync')
    with archive.sessions.begin() as session:
        left = batches.pending_count(session, batch_id)
        batch = session.get(Batch, batch_id)
        if batch is not None and batch.status != "finished":
            batches.finish(session, batch, "interrupted" if left else "finished")
        items = batches.item_results(session, batch_id)
    return IngestReport(batch_id, resumed, items, skipped, time.monotonic() - started)
