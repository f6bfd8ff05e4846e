"""``sohoa worker``: lease tasks from the database, read pages, finish files, reap dead leases.

One task body, :func:`run_task`: claim a task (the message's hint first), keep its lease
renewed while working, then either read one page (the same pure ``read_page`` a local batch
runs, its result put next to the input in the shared storage) or finish a file whose pages
are all read (``sohoa.ingest.finish_read_file``: split, extract, store once, match). A
:class:`Reaper` thread in every worker says the worker is alive and announces again the
tasks whose lease expired or whose message is stale, so neither a killed worker nor a
restarted broker loses a page. With ``--concurrency 1`` tasks run in the worker's own
process (a kill -9 of the worker stops its page at once); above one, in a prefork pool whose
children die with their parent.

A file whose last page this process read is finished by the process's :class:`Finisher`
thread while the next page is read, as a local batch finishes files in its parent while the
pool reads: Tesseract runs in a child process, so the two overlap instead of queueing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pickle
import signal
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown
from sqlalchemy.exc import DBAPIError

from sohoa.archive import batches, filestore, storage
from sohoa.archive.faults import fault_point
from sohoa.archive.models import Batch, BatchItem
from sohoa.archive.settings import GROUP_MODE
from sohoa.archive.store import Archive
from sohoa.digitize.model import PageText
from sohoa.digitize.read import ReadOptions, open_document, read_page
from sohoa.digitize.tesseract import probe
from sohoa.errors import InputFileError, MissingDependencyError
from sohoa.ingest import finish_read_file

from . import broker, leases, settings
from .desk import require_shared_database

log = logging.getLogger(__name__)

#: A task whose worker died this many times is not handed out again: its file fails ``internal``.
MAX_ATTEMPTS = 5


@dataclass
class _Process:
    """What one worker process needs: the archive, its work folder, its name for leases."""

    archive: Archive
    name: str
    lease_s: float
    app: Celery | None = None
    work: storage.WorkDir | None = None
    finisher: Finisher = field(init=False)

    def __post_init__(self) -> None:
        self.finisher = Finisher(self)

    def workdir(self) -> storage.WorkDir:
        if self.work is None:
            modes = storage.FileModes.from_setting(self.archive.settings.get(GROUP_MODE))
            self.work = storage.WorkDir(self.archive.tmp_dir, modes)
        return self.work

    def close(self) -> None:
        """Finish the files in hand (a clean stop), then remove the work folder."""
        self.finisher.drain()
        if self.work is not None:
            self.work.close()


class Finisher:
    """One thread per worker process that finishes files while the process reads the next page.

    Finishing (split, extract, PDF, store, match) is mostly Python and disk syncs, reading a
    page mostly waiting for Tesseract's child process: overlapped, a worker with one page at a
    time goes as fast as a local batch with one reading process. At most one file waits for the
    thread; beyond that the caller finishes the file itself, so a backlog of finished reads
    never builds up in memory. The finish task is claimed by the thread when it starts on it:
    a worker killed before that leaves it queued, and any reaper announces it again.
    """

    def __init__(self, state: _Process) -> None:
        self.state = state
        self.pool: ThreadPoolExecutor | None = None
        self.waiting: list[Future[None]] = []
        self.lock = threading.Lock()

    def offer(self, finish_id: int) -> bool:
        """Take ``finish_id`` to finish in the background; False when the thread is behind."""
        with self.lock:
            self.waiting = [job for job in self.waiting if not job.done()]
            if len(self.waiting) > 1:  # one running and one waiting already
                return False
            if self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="finish")
            self.waiting.append(self.pool.submit(_claim_and_run, self.state, finish_id))
            return True

    def drain(self) -> None:
        """Wait for the files in hand (a worker stopping cleanly finishes what it started)."""
        with self.lock:
            pool, self.pool, self.waiting = self.pool, None, []
        if pool is not None:
            pool.shutdown(wait=True)


_state: _Process | None = None


def _process() -> _Process:
    assert _state is not None, "run_worker() configures the process first"
    return _state


@worker_process_init.connect
def _child_started(**_: object) -> None:
    """A prefork child: its own database connections and work folder, and death with its parent."""
    global _state
    _die_with_parent()
    if _state is not None:
        _state.archive.engine.dispose(close=False)
        _state = _Process(_state.archive, f"{socket.gethostname()}:{os.getpid()}", _state.lease_s, _state.app)


@worker_process_shutdown.connect
def _child_stopping(**_: object) -> None:
    """A prefork child told to stop: the file its finishing thread holds is stored first."""
    if _state is not None:
        _state.finisher.drain()


def _die_with_parent() -> None:
    """Ask Linux to kill this child when the worker dies (kill -9 included): no orphan reads on."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        log.debug("prctl unavailable: children may outlive a killed worker")


# -- the task --------------------------------------------------------------------------------
def run_task(hint: int) -> None:
    """Claim a task (``hint`` first) and do it; nothing to claim means another worker has it."""
    state = _process()
    with state.archive.sessions.begin() as session:
        task = leases.claim(session, state.name, hint, state.lease_s)
    if task is None:
        return
    follow = _run_claimed(state, task)
    if follow is not None and not state.finisher.offer(follow):  # the file's last page: finish it now
        _claim_and_run(state, follow)


def _claim_and_run(state: _Process, finish_id: int) -> None:
    """Finish the file of ``finish_id`` if it is still ours to do (no other worker took it meanwhile)."""
    try:
        with state.archive.sessions.begin() as session:
            task = leases.claim(session, state.name, finish_id, state.lease_s, only=True)
        if task is not None:
            _run_claimed(state, task)
    except Exception:  # the thread's own last resort: the lease expires and another worker retries
        log.exception("finishing task %s failed; it is handed out again when its lease expires", finish_id)


def _run_claimed(state: _Process, task: leases.Claimed) -> int | None:
    """Do one claimed task under a renewed lease; returns a finish task this one made ready."""
    archive = state.archive
    with archive.sessions() as session:
        item = session.get(BatchItem, task.item_id)
        batch = session.get(Batch, task.batch_id)
        assert item is not None and batch is not None
        item_path, item_status, item_sha = item.path, item.status, item.sha256
        unit_id, split = batch.unit_id, str((batch.options or {}).get("split", "auto"))
    if item_status != "pending":  # the file ended already (failed on another page, stored by a retry)
        _close_item(state, task.batch_id, task.item_id, task.source)
        return None
    with filestore.local_copy(archive.files, task.source, state.workdir()) as source:
        shared = batches.InputFile(source, label=item_path)
        if task.attempts > MAX_ATTEMPTS:
            why = f"the worker died {task.attempts - 1} times on it"
            _fail(state, task, unit_id, shared, "internal", why)
            return None
        with leases.renewing(archive, task.id, state.name, state.lease_s):
            if task.kind == leases.PAGE:
                return _read(state, task, unit_id, shared)
            _finish(state, task, unit_id, split, shared, item_sha)
            return None


def _read(state: _Process, task: leases.Claimed, unit_id: int, shared: batches.InputFile) -> int | None:
    """Read one page of the shared copy and put what was read beside it."""
    try:
        ref = open_document(shared.path).pages[task.page]
    except InputFileError as exc:
        _fail(state, task, unit_id, shared, exc.reason_code, exc.detail)
        return None
    fault_point("queue-page-read")  # tests: a worker killed mid-page
    try:
        page = read_page(ref, ReadOptions())
    except MissingDependencyError:
        with state.archive.sessions.begin() as session:
            leases.release(session, task.id, state.name)  # another worker may have Tesseract
        raise
    except Exception as exc:  # a bug on this page: the file fails, the batch goes on
        log.error(
            "batch %s item %s: page %s failed (%s)",
            task.batch_id,
            task.item_id,
            task.page + 1,
            type(exc).__name__,
        )
        log.debug("traceback", exc_info=True)
        _fail(
            state,
            task,
            unit_id,
            shared,
            "internal",
            f"could not read page {task.page + 1}: {type(exc).__name__}",
        )
        return None
    files = state.archive.files
    result = f"{_folder(task.source)}/page-{task.page + 1:05d}.pickle"
    files.put_bytes(result, pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL))
    with state.archive.sessions.begin() as session:
        follow = leases.complete_page(session, task.id, task.item_id, result, task.batch_id)
        item = session.get(BatchItem, task.item_id)
        ended = item is None or item.status != "pending"
    if ended:  # another page failed meanwhile: the item's clean-up may have run before this write
        files.delete(result)
    return follow


def _finish(
    state: _Process,
    task: leases.Claimed,
    unit_id: int,
    split: str,
    shared: batches.InputFile,
    sha256: str | None,
) -> None:
    """Store the file whose pages are read: the same steps a local batch takes, then clean up."""
    archive = state.archive
    with archive.sessions() as session:
        results = leases.page_results(session, task.item_id)
    pages: dict[int, PageText] = {}
    for index, rel in results.items():
        with archive.files.open(rel) as handle:
            pages[index + 1] = pickle.load(handle)  # written by a worker of this archive, owner-only
    try:
        copy = storage.copy_source(shared.path, state.workdir())  # storing moves it into originals/
    except (InputFileError, storage.SourceChangingError) as exc:
        _fail(
            state,
            task,
            unit_id,
            shared,
            "unreadable",
            f"the shared copy cannot be read ({type(exc).__name__})",
        )
        return
    if sha256 and copy.sha256 != sha256:
        copy.path.unlink(missing_ok=True)
        _fail(state, task, unit_id, shared, "corrupt", "the shared copy changed after the desk queued it")
        return
    finish_read_file(
        archive,
        batch_id=task.batch_id,
        unit_id=unit_id,
        split=split,
        item_id=task.item_id,
        file=shared,
        copy=copy,
        pages=pages,
        workdir=state.workdir(),
    )
    _close_item(state, task.batch_id, task.item_id, task.source)


def _fail(
    state: _Process, task: leases.Claimed, unit_id: int, shared: batches.InputFile, reason: str, message: str
) -> None:
    with state.archive.sessions() as session:
        item = session.get(BatchItem, task.item_id)
        ended = item is not None and item.status != "pending"
    if ended:  # another worker, which took over an expired lease, ended the file meanwhile
        _close_item(state, task.batch_id, task.item_id, task.source)
        return
    log.warning("batch %s item %s failed: %s", task.batch_id, task.item_id, reason)
    batches.record_failure(
        state.archive,
        batch_id=task.batch_id,
        unit_id=unit_id,
        item_id=task.item_id,
        file=shared,
        reason_code=reason,
        message=message,
    )
    _close_item(state, task.batch_id, task.item_id, shared.path)


def _folder(key: str) -> str:
    """The item's folder-like prefix of a queued input's key (``queue/batch-N/item-M``)."""
    return key.rsplit("/", 1)[0]


def _close_item(state: _Process, batch_id: int, item_id: int, source: str) -> None:
    """The file ended: its tasks are done, its shared copy and page results go, maybe the batch ends.

    Emptied folders go with their last file (``LocalStorage.delete``); a resumed desk adding
    files to the batch meanwhile makes its folder again.
    """
    with state.archive.sessions.begin() as session:
        leases.close_item(session, item_id, batch_id)
        batches.finish_if_done(session, batch_id)
    files = state.archive.files
    for key in list(files.list(_folder(source) + "/")):
        files.delete(key)


# -- the reaper ------------------------------------------------------------------------------
class Reaper(threading.Thread):
    """Every few seconds: say this worker is alive, and announce again expired or stale tasks.

    "Alive" means able to be handed work: a worker that cannot reach the broker (Redis down)
    stops saying so, so a desk waiting on it gives up with exit 6 instead of waiting forever.
    Runs in every worker, so the batch goes on as long as one worker does; several reapers at
    once skip the rows another holds (``SKIP LOCKED``) and a doubled message is harmless.
    """

    def __init__(self, archive: Archive, app: Celery, name: str, concurrency: int) -> None:
        super().__init__(name="reaper", daemon=True)
        self.archive, self.app, self.worker_name, self.concurrency = archive, app, name, concurrency
        self.stopping = threading.Event()
        self.connected = True  # as last seen; a change is logged once

    def run(self) -> None:
        every = settings.heartbeat_seconds()
        lease_s = settings.lease_seconds()
        while True:
            try:
                self.reap_once(lease_s)
            except DBAPIError:
                log.warning("reaper: database unreachable, trying again in %.0f s", every)
            except Exception:  # noqa: BLE001 - the reaper must outlive any one failure
                log.exception("reaper pass failed")
            if self.stopping.wait(every):
                return

    def reap_once(self, lease_s: float) -> list[int]:
        connected = broker.reachable(self.app)
        with self.archive.sessions.begin() as session:
            if connected:  # cut off from the broker, this worker gets no work: desks must not wait for it
                leases.heartbeat(session, self.worker_name, self.concurrency)
            leases.forget_dead_workers(session)
        if connected != self.connected:
            self.connected = connected
            if connected:
                log.warning("reaper: the broker %s answers again", broker.redacted_url())
            else:
                log.warning(
                    "reaper: the broker %s is unreachable: not alive for desks", broker.redacted_url()
                )
        if not connected:
            return []
        with self.archive.sessions() as session:
            ids = leases.reap(session, lease_s, stale_queued=not broker.waiting_messages(self.app))
            if ids:
                sent = broker.announce(self.app, ids)
                if sent < len(ids):
                    session.rollback()  # the broker is down: keep them stale, the next pass tries again
                    return []
            session.commit()
        if ids:
            log.info("reaper: announced %s task(s) again (expired lease or lost message)", len(ids))
            storage.sweep_tmp(self.archive.tmp_dir)  # a dead worker's work folder (its lock is free now)
        return ids

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
        try:
            with self.archive.sessions.begin() as session:
                leases.forget_worker(session, self.worker_name)
        except DBAPIError:
            pass


# -- sohoa worker -----------------------------------------------------------------------------
def run_worker(archive: Archive, concurrency: int = 1, loglevel: str = "WARNING") -> int:
    """Serve the queue until stopped (SIGTERM: the page in hand is finished first); the exit code."""
    global _state
    require_shared_database(archive)
    read = ReadOptions()
    probe(read.tesseract, read.lang)  # Tesseract and its model, before taking any page
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one Tesseract thread per page: parallelism comes from processes
    storage.sweep_tmp(archive.tmp_dir)
    name = f"{socket.gethostname()}:{os.getpid()}"
    app = broker.make_app()
    app.task(name=settings.TASK_NAME, acks_late=True)(run_task)
    _state = _Process(archive, name, settings.lease_seconds(), app)
    reaper = Reaper(archive, app, name, concurrency)
    reaper.start()
    worker = app.Worker(
        hostname=f"sohoa-{os.getpid()}@{socket.gethostname()}",
        concurrency=concurrency,
        pool="solo" if concurrency == 1 else "prefork",
        queues=[settings.QUEUE],
        loglevel=loglevel,
        quiet=True,
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
    )
    try:
        worker.start()
    finally:
        _state.close()
        reaper.stop()
    return int(worker.exitcode or 0)
