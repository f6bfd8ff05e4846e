"""Where pages are read: the seam between the ingest pipeline and the processes that run OCR.

The pipeline hands each page (a picklable :class:`PageRef`) to a :class:`PageExecutor` and
gets a future back; it never knows whether the page is read in a local process or elsewhere.
:class:`LocalPool` is the default: a process pool on this machine, one Tesseract thread per
process (``OMP_THREAD_LIMIT=1``: OpenMP threads made one page six times slower), Ctrl-C left
to the parent. Tests and benchmarks may pass another executor (for instance a thread pool or
an executor that fails) to ``sohoa.ingest.ingest``.

Workers on a queue (``sohoa.queue``) do not go through a future: a desk may die while its
pages are read, so there the database's task rows carry the state, not a process's memory.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol

from sohoa.digitize.model import PageText
from sohoa.digitize.read import PageRef, ReadOptions, read_page


class PageExecutor(Protocol):
    """Reads pages somewhere and hands each result back as a future."""

    def submit(self, ref: PageRef, options: ReadOptions | None) -> Future[PageText]:
        """Start reading one page; the future holds its :class:`PageText` or the error raised."""

    def shutdown(self) -> None:
        """Stop: cancel pages not started, do not wait for those being read (the batch is over)."""


def default_jobs() -> int:
    """Pages read at once when the clerk does not say: one per CPU core."""
    return os.cpu_count() or 1


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which stops the batch cleanly; one Tesseract thread each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _ready() -> None:
    """Nothing: submitted once per process by :meth:`LocalPool.start` so that each one is spawned."""


class LocalPool:
    """A process pool on this machine, started when a batch has files (or at its first page).

    ``forkserver`` rather than ``fork``: the parent holds database connections and a lock file
    that a forked child must not inherit. The fork server imports the page reader once
    and warms it (:mod:`sohoa.digitize.warm`), and each process is forked from it ready to read.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None
        self._starting: threading.Thread | None = None
        self._failed: BaseException | None = None

    def start(self) -> None:
        """Spawn the processes now, so their start-up overlaps the parent's own (importing the
        archive's modules, opening it, hashing the first files) instead of following it.

        The spawning runs in a thread: a process is forked from the fork server only once the
        server has imported the page reader (half a second), and the parent need not wait for
        that. :meth:`submit` waits for it.
        """
        if self._pool is None and self._starting is None:
            self._starting = threading.Thread(target=self._spawn, name="sohoa-readers-start", daemon=True)
            self._starting.start()

    def _spawn(self) -> None:
        pool: ProcessPoolExecutor | None = None
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["sohoa.digitize.warm"])
            pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=_worker_init)
            for _ in range(self.jobs):  # a process is spawned per submit while none is idle
                pool.submit(_ready)
            self._pool = pool
        except BaseException as exc:  # handed to the caller of submit, in its thread
            if pool is not None:  # processes already forked are not left behind
                pool.shutdown(wait=False, cancel_futures=True)
            self._failed = exc

    def _started(self) -> ProcessPoolExecutor:
        self.start()
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed
        assert self._pool is not None
        return self._pool

    def submit(self, ref: PageRef, options: ReadOptions | None) -> Future[PageText]:
        return self._started().submit(read_page, ref, options)

    def shutdown(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
