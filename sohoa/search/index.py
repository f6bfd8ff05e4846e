"""The search index on disk: atomic generations, one writer at a time, nothing half-written.

Layout of ``path``::

    CURRENT        name of the live generation (replaced atomically by rebuild)
    write.lock     flock()ed by whoever writes: ingest, sync, delete, rebuild
    g000001/       a Whoosh index plus SCHEMA_VERSION

Why generations: ``rebuild`` writes a complete new index beside the live one and then swaps
the one-line pointer with ``os.replace``, so searches keep answering from the old generation
until the new one is whole, and a crash mid-rebuild leaves the old index untouched. Readers
that opened the old generation keep their open files after it is deleted (POSIX unlink
semantics); a reader racing the swap retries on the new pointer.

Writes (``add_or_update``, ``delete``) and rebuilds build their segments with
:class:`~sohoa.search._segments.SegmentBuilder` rather than Whoosh's writer (ten times faster),
and a Whoosh writer only records deletions and commits the table of contents, so each call is
one atomic commit.

Why an ``flock`` of our own on top of Whoosh's: it covers the pointer swap as well as the
Whoosh writer, waits with backoff instead of failing at once, and the kernel releases it
when a process dies, so a crashed ingest never leaves the index locked. After a bounded wait
the writer raises :class:`~sohoa.errors.IndexBusyError`; the archive then keeps the documents
pending and ``sync`` adds them later. A rebuild holds the lock for its whole run, so writes
in the meantime wait or become pending instead of landing in a generation about to be
retired.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import multiprocessing
import os
import pickle
import queue
import random
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from sohoa.errors import IndexBusyError, SearchIndexError
from sohoa.search._engine import Engine, PostingCache
from sohoa.search._segments import SegmentBuilder
from sohoa.search.schema import SCHEMA_VERSION, VERSION_SEP, IndexEntry, analyzed_fields, build_schema

log = logging.getLogger(__name__)

_POINTER = "CURRENT"
_LOCK = "write.lock"
_VERSION_FILE = "SCHEMA_VERSION"
_GEN_PREFIX = "g"

# Documents a rebuild worker receives per batch: large enough to amortise pickling, small
# enough that two workers stay evenly loaded.
_BATCH = 250
# Documents per segment written by a rebuild: bounds a worker's memory (~15 KB a document
# while building: ~300 MB) while keeping the segment count, which every query pays for, small.
_SEGMENT_DOCS = 20_000
# Incremental writes: merge once this many small segments exist, at most this many documents.
_MERGE_AT = 6
_MERGE_MAX_DOCS = 5_000


@dataclass(frozen=True)
class CheckReport:
    """How the index differs from what the archive expects (ids sorted).

    ``missing``: in the archive, not in the index; ``stale``: indexed with another version;
    ``unknown``: in the index, not in the archive (deleted documents left behind).
    """

    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.unknown)


class SearchIndex:
    """A search index directory; creates an empty index on first use.

    ``lock_timeout`` bounds how long a writer waits for another writer (seconds) before
    raising :class:`IndexBusyError`. The object caches an open searcher and reopens it when
    the index changed, so a long-lived process pays the open cost once. One object per
    thread: the cached searcher is not shared safely; processes coordinate through the lock.
    """

    def __init__(self, path: Path | str, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._searcher: Searcher | None = None
        self._searcher_gen: str | None = None
        self._vocabulary: tuple[str, int, list[str]] | None = None
        self._postings = PostingCache()
        self._engine: Engine | None = None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if self._read_pointer() is None:
                with self._write_lock():
                    if self._read_pointer() is None:
                        self._swap_pointer(self._create_generation())
        except OSError as exc:
            raise SearchIndexError(f"cannot create the search index at {self.path}: {exc}") from exc

    # -- state ------------------------------------------------------------------------

    @property
    def schema_version(self) -> int | None:
        """The schema version the live index was built with (None if unreadable)."""
        gen = self._read_pointer()
        if gen is None:
            return None
        try:
            return int((self.path / gen / _VERSION_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    @property
    def needs_rebuild(self) -> bool:
        """True when the live index was built by another analysis or cannot be opened.

        The caller answers with :meth:`rebuild` from the archive; until then writes raise
        :class:`SearchIndexError` (documents stay pending) and searches do their best.
        """
        if self.schema_version != SCHEMA_VERSION:
            return True
        try:
            self._open_index()
        except SearchIndexError:
            return True
        return False

    def doc_count(self) -> int:
        """Number of documents in the live index."""
        with self.searcher() as searcher:
            return searcher.doc_count()

    # -- writing ----------------------------------------------------------------------

    def add_or_update(self, entries: Iterable[IndexEntry]) -> int:
        """Index ``entries`` (replacing earlier versions of the same ids) in one commit.

        All or nothing: on any failure the writer is cancelled, nothing of this call is
        visible, and :class:`SearchIndexError` (or :class:`IndexBusyError` after waiting
        ``lock_timeout``) tells the caller to keep the documents pending. Returns the
        number of entries written.
        """
        return self._write(lambda ix, writer: _update_all(ix, writer, entries))

    def delete(self, ids: Iterable[int]) -> int:
        """Remove documents by id in one commit; unknown ids are ignored. Returns the count
        of ids asked for."""

        def remove(ix: windex.Index, writer: SegmentWriter) -> tuple[int, list[Any]]:
            count = 0
            for doc_id in ids:
                writer.delete_by_term("id", str(doc_id))
                count += 1
            return count, []

        return self._write(remove)

    def rebuild(
        self,
        entries: Iterable[IndexEntry],
        *,
        procs: int | None = None,
        on_progress: Callable[[int], None] | None = None,
        segment_docs: int = _SEGMENT_DOCS,
    ) -> int:
        """Build a new index from ``entries`` beside the live one and swap it in atomically.

        Searches keep using the old generation until the swap; writers wait (and then get
        :class:`IndexBusyError`) while the rebuild holds the lock. With ``procs`` > 1 the
        documents are analysed and written by that many worker processes, one segment
        each (two workers roughly double the rate on two cores). ``on_progress`` is called
        with the running count of documents handed over; ``segment_docs`` bounds a segment
        (and a worker's memory, ~15 KB a document). Returns the number of documents.
        """
        procs = procs if procs is not None else min(2, os.cpu_count() or 1)
        with self._write_lock():
            self._remove_orphans()
            gen = self._create_generation()
            try:
                ix = FileStorage(str(self.path / gen)).open_index()
                if procs > 1:
                    count = _parallel_load(ix, entries, procs, on_progress, segment_docs)
                else:
                    count = _serial_load(ix, entries, on_progress, segment_docs)
                self._swap_pointer(gen)
            except BaseException:
                shutil.rmtree(self.path / gen, ignore_errors=True)
                raise
            self._remove_orphans()
        log.info("search index rebuilt: %d documents in generation %s", count, gen)
        return count

    # -- reading ----------------------------------------------------------------------

    def versions(self) -> dict[int, str]:
        """Every indexed document id with the version it was indexed at."""
        with self.searcher() as searcher:
            reader = searcher.reader()
            if reader.doc_count_all() == 0:  # an empty index has no columns to read
                return {}
            column = reader.column_reader("idver")
            result: dict[int, str] = {}
            for docnum in reader.all_doc_ids():
                doc_id, _, version = column[docnum].decode("utf-8").partition(VERSION_SEP)
                result[int(doc_id)] = version
            return result

    def check(self, expected: Mapping[int, str]) -> CheckReport:
        """Compare the index with the archive's ``{id: version}``; see :class:`CheckReport`."""
        indexed = self.versions()
        return CheckReport(
            missing=sorted(i for i in expected if i not in indexed),
            stale=sorted(i for i, v in expected.items() if i in indexed and indexed[i] != str(v)),
            unknown=sorted(i for i in indexed if i not in expected),
        )

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """An up-to-date Whoosh searcher on the live generation (cached between calls)."""
        gen = self._read_pointer()
        searcher = self._searcher
        # Reopen rather than ``Searcher.refresh()``: refresh reuses segment readers by id and
        # keeps their old deletion sets (counts went wrong after a delete or a merge). The
        # decoded postings cache is keyed by segment id, so reopening costs little.
        if searcher is not None and (gen != self._searcher_gen or not searcher.up_to_date()):
            searcher = None
        if searcher is None:
            self._close_searcher()
            ix = self._open_index()
            try:
                searcher = ix.searcher()
                _open_all_files(searcher)
            except Exception as exc:
                raise SearchIndexError(f"cannot read the search index at {self.path}: {exc}") from exc
            self._searcher, self._searcher_gen = searcher, gen
        yield searcher

    def engine(self, searcher: Searcher) -> Engine:
        """The query evaluator for ``searcher`` (kept while the index does not change, so the
        decoded postings and columns are reused from one search to the next)."""
        if self._engine is None or self._engine.searcher is not searcher:
            folder = self.path / self._searcher_gen if self._searcher_gen else None
            self._engine = Engine(searcher, self._postings, folder)
        return self._engine

    def vocabulary(self) -> list[str]:
        """The folded syllables of the ``text`` field (letters only), for fuzzy expansion.

        Cached per index state; read once per process in fuzzy mode (a few tenths of a second
        at 100,000 documents).
        """
        with self.searcher() as searcher:
            key = (self._searcher_gen or "", searcher.reader().doc_count_all())
            if self._vocabulary is None or self._vocabulary[:2] != key:
                words = [t.decode("utf-8") for t in searcher.reader().lexicon("text") if not t[:1].isdigit()]
                self._vocabulary = (key[0], key[1], words)
            return self._vocabulary[2]

    def close(self) -> None:
        """Close the cached searcher (the object stays usable and reopens on demand)."""
        self._close_searcher()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            with contextlib.suppress(Exception):
                self._searcher.close()
        self._searcher = None
        self._searcher_gen = None
        self._engine = None

    def _read_pointer(self) -> str | None:
        try:
            name = (self.path / _POINTER).read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def _swap_pointer(self, gen: str) -> None:
        """Point CURRENT at ``gen`` atomically (write a temp file, fsync, rename)."""
        fd, tmp = tempfile.mkstemp(prefix=".CURRENT.", dir=self.path)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(gen + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path / _POINTER)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename durable
            dirfd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(dirfd)
            finally:
                os.close(dirfd)

    def _generations(self) -> list[str]:
        return sorted(
            p.name
            for p in self.path.iterdir()
            if p.is_dir() and p.name.startswith(_GEN_PREFIX) and p.name[1:].isdigit()
        )

    def _create_generation(self) -> str:
        """Create an empty index in a new generation directory (not yet live)."""
        existing = self._generations()
        number = int(existing[-1][1:]) + 1 if existing else 1
        gen = f"{_GEN_PREFIX}{number:06d}"
        directory = self.path / gen
        directory.mkdir()
        FileStorage(str(directory)).create_index(build_schema())
        (directory / _VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
        return gen

    def _remove_orphans(self) -> None:
        """Delete generations other than the live one (retired, or left by a crash)."""
        live = self._read_pointer()
        for gen in self._generations():
            if gen != live:
                shutil.rmtree(self.path / gen, ignore_errors=True)

    def _open_index(self) -> windex.Index:
        """Open the live generation, retrying if a rebuild swaps it away meanwhile."""
        last: Exception | None = None
        for _ in range(5):
            gen = self._read_pointer()
            if gen is None:
                raise SearchIndexError(f"no search index at {self.path}: run `sohoa index rebuild`")
            try:
                return FileStorage(str(self.path / gen)).open_index()
            except FileNotFoundError as exc:  # retired between reading CURRENT and opening
                last = exc
            except windex.EmptyIndexError as exc:
                last = exc
            except Exception as exc:  # unpicklable schema from another version, damaged TOC
                raise SearchIndexError(
                    f"cannot open the search index at {self.path} ({exc}): run `sohoa index rebuild`"
                ) from exc
            time.sleep(0.05)
        raise SearchIndexError(f"cannot open the search index at {self.path}: {last}")

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Hold ``write.lock`` (flock), waiting with jittered backoff up to ``lock_timeout``."""
        handle = open(self.path / _LOCK, "a+b")  # noqa: SIM115 - closed in finally
        try:
            deadline = time.monotonic() + self.lock_timeout
            delay = 0.01
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise IndexBusyError(
                            f"the search index at {self.path} is busy: another import or a rebuild "
                            f"has been writing for over {self.lock_timeout:g} s. The documents stay "
                            "pending; run `sohoa index sync` later."
                        ) from None
                    time.sleep(min(remaining, delay * (0.5 + random.random())))
                    delay = min(delay * 2, 0.5)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()

    def _write(self, work: Callable[[windex.Index, SegmentWriter], tuple[int, list[Any]]]) -> int:
        """Run ``work`` under the lock; commit its deletions and new segments whole, or nothing.

        ``work`` returns the count to report and the segments it built; they join the index
        in the same commit as the deletions, together with any merge of small segments.
        """
        with self._write_lock():
            if self.schema_version != SCHEMA_VERSION:
                raise SearchIndexError(
                    f"the search index at {self.path} was built by another version of sohoa: "
                    "run `sohoa index rebuild`"
                )
            ix = self._open_index()
            try:
                writer = ix.writer(timeout=self.lock_timeout)
            except windex.LockError as exc:
                raise IndexBusyError(f"the search index at {self.path} is locked by Whoosh: {exc}") from exc
            except OSError as exc:
                raise SearchIndexError(f"cannot write the search index at {self.path}: {exc}") from exc
            try:
                count, segments = work(ix, writer)
                writer.commit(mergetype=_merge_policy(ix, segments))
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    writer.cancel()
                if isinstance(exc, OSError):
                    raise SearchIndexError(f"cannot write the search index at {self.path}: {exc}") from exc
                raise
            return count


def _open_all_files(searcher: Searcher) -> None:
    """Open every file a search may read, now: Whoosh opens column files on first use, and a
    rebuild may delete this generation's directory before then. Open files stay readable
    after deletion, so a searcher that has them keeps answering from the old generation."""
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        if reader.doc_count_all() == 0:
            continue
        reader.stored_fields(0)
        for name, fieldobj in reader.schema.items():
            if fieldobj.scorable:
                reader.doc_field_length(0, name)
            if fieldobj.column_type is not None and reader.has_column(name):
                reader.column_reader(name)


def _update_all(
    ix: windex.Index, writer: SegmentWriter, entries: Iterable[IndexEntry]
) -> tuple[int, list[Any]]:
    """Delete the entries' earlier versions and build their new segment (last entry per id wins).

    Entries go through the same segment builder as a rebuild instead of Whoosh's writer,
    which is ten times slower per document; the segment becomes visible only when the
    writer commits.
    """
    latest: dict[int, IndexEntry] = {}
    for entry in entries:
        latest.pop(entry.id, None)
        latest[entry.id] = entry
    for doc_id in latest:
        writer.delete_by_term("id", str(doc_id))
    return len(latest), _build_segments(ix, latest.values(), _SEGMENT_DOCS)


def _merge_policy(
    ix: windex.Index, new_segments: list[Any]
) -> Callable[[SegmentWriter, list[Any]], list[Any]]:
    """Keep the segment count small without ever holding the lock for long.

    Each write adds a segment. When ``_MERGE_AT`` or more segments hold at most
    ``_MERGE_MAX_DOCS`` documents, the smallest of them (up to that many documents in all)
    are merged by re-indexing their stored entries with the segment builder: seconds,
    where Whoosh's own merge (about 10 µs a posting) could hold the lock for minutes once
    large segments were involved. Large segments are left alone; a rebuild compacts them.
    Segments whose documents were all deleted are dropped.
    """

    def policy(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
        alive = [seg for seg in segments if seg.doc_count() > 0]
        small = sorted(
            (seg for seg in alive if seg.doc_count() <= _MERGE_MAX_DOCS), key=lambda s: s.doc_count()
        )
        if len(small) + len(new_segments) < _MERGE_AT:
            return alive + new_segments
        chosen, total = [], 0
        for seg in small:
            if total + seg.doc_count() > _MERGE_MAX_DOCS and len(chosen) >= 2:
                break
            chosen.append(seg)
            total += seg.doc_count()
        if len(chosen) < 2:
            return alive + new_segments
        merged = _build_segments(ix, _stored_entries(writer, chosen), _SEGMENT_DOCS)
        chosen_ids = {seg.segment_id() for seg in chosen}
        kept = [seg for seg in alive if seg.segment_id() not in chosen_ids]
        return kept + merged + new_segments

    return policy


def _stored_entries(writer: SegmentWriter, segments: list[Any]) -> Iterator[IndexEntry]:
    """The live entries of ``segments``, read back from what the index stores for hits."""
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            column = reader.column_reader("idver")
            for docnum in reader.all_doc_ids():
                stored = reader.stored_fields(docnum)
                doc_id, _, version = column[docnum].decode("utf-8").partition(VERSION_SEP)
                meta = dict(stored.get("meta") or {})
                unit, unit_name = meta.pop("unit", None), meta.pop("unit_name", None)
                yield IndexEntry(
                    id=int(doc_id),
                    version=version,
                    source_name=stored.get("source_name") or "",
                    unit=unit,
                    unit_name=unit_name,
                    fields=meta,
                    text=stored.get("body") or "",
                )
        finally:
            reader.close()


def _commit_segments(ix: windex.Index, segments: list[Any]) -> None:
    """Make freshly written segments the content of the (not yet live) generation."""
    writer = SegmentWriter(ix, _lk=False)
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()


def _build_segments(
    ix: windex.Index,
    entries: Iterable[IndexEntry],
    segment_docs: int,
    on_count: Callable[[int], None] | None = None,
) -> list[Any]:
    """Analyse and write entries into segments of at most ``segment_docs`` documents.

    Segments are built in a private directory and moved into the generation when finished:
    Whoosh writers share one temporary folder per index (``MAIN.tmp``) and delete it when
    they finish, which destroyed the other worker's half-written columns at 100,000
    documents.
    """
    target = Path(ix.storage.folder)
    private = Path(tempfile.mkdtemp(prefix=".build-", dir=target))
    segments = []
    builder: SegmentBuilder | None = None
    try:
        private_ix = FileStorage(str(private)).create_index(ix.schema)

        def finish(current: SegmentBuilder) -> None:
            segment = current.finish()
            if segment is not None:
                prefix = segment.segment_id() + "."
                for path in private.iterdir():
                    if path.name.startswith(prefix):
                        os.replace(path, target / path.name)
                segments.append(segment)

        for entry in entries:
            if builder is None:
                builder = SegmentBuilder(private_ix)
            builder.add(analyzed_fields(entry))
            if on_count is not None:
                on_count(1)
            if builder.count >= segment_docs:
                current, builder = builder, None
                finish(current)
        if builder is not None:
            current, builder = builder, None
            finish(current)
    finally:
        if builder is not None:
            builder.cancel()
        shutil.rmtree(private, ignore_errors=True)
    return segments


def _serial_load(
    ix: windex.Index,
    entries: Iterable[IndexEntry],
    on_progress: Callable[[int], None] | None,
    segment_docs: int,
) -> int:
    """Write all entries into a fresh generation in this process (small archives, tests)."""
    count = 0

    def counted(n: int) -> None:
        nonlocal count
        count += n
        if on_progress and count % _BATCH == 0:
            on_progress(count)

    _commit_segments(ix, _build_segments(ix, _unique(entries), segment_docs, counted))
    if on_progress:
        on_progress(count)
    return count


def _unique(entries: Iterable[IndexEntry]) -> Iterator[IndexEntry]:
    """Drop repeated ids (the last wins in ``add_or_update``; in a rebuild the first does)."""
    seen: set[int] = set()
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            yield entry


def _batches(jobs: Any) -> Iterator[IndexEntry]:
    while True:
        batch = jobs.get()
        if batch is None:
            return
        yield from pickle.loads(batch)


def _worker(index_dir: str, jobs: Any, results: Any, segment_docs: int) -> None:
    """A rebuild worker: analyse and write batches into segments of its own, report them.

    Errors are sent to the parent as text (never swallowed): a silently lost worker would
    leave documents out of the index, which is exactly the drift this module exists to
    prevent.
    """
    try:
        ix = FileStorage(index_dir).open_index()
        segments = _build_segments(ix, _batches(jobs), segment_docs)
        results.put(("ok", pickle.dumps(segments)))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _parallel_load(
    ix: windex.Index,
    entries: Iterable[IndexEntry],
    procs: int,
    on_progress: Callable[[int], None] | None,
    segment_docs: int,
) -> int:
    """Write entries with ``procs`` worker processes, each into segments of its own.

    The parent only reads entries and pickles batches; the workers do the analysis and the
    writing, which is where the time goes. The new generation is not live yet: committing
    its table of contents makes the segments part of it, and the pointer swap after that
    makes it visible.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    jobs = context.Queue(maxsize=procs * 3)
    results = context.Queue()
    index_dir = ix.storage.folder
    workers = [
        context.Process(target=_worker, args=(index_dir, jobs, results, segment_docs), daemon=True)
        for _ in range(procs)
    ]
    for worker in workers:
        worker.start()
    count = 0
    finished = False
    try:
        batch: list[IndexEntry] = []
        for entry in _unique(entries):
            batch.append(entry)
            if len(batch) >= _BATCH:
                _put(jobs, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL), workers)
                count += len(batch)
                batch = []
                if on_progress:
                    on_progress(count)
        if batch:
            _put(jobs, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL), workers)
            count += len(batch)
        for _ in workers:
            _put(jobs, None, workers)
        segments: list[Any] = []
        errors = []
        for _ in workers:
            status, payload = _get(results, workers)
            if status == "ok":
                segments += pickle.loads(payload)
            else:
                errors.append(payload)
        for worker in workers:
            worker.join()
        if errors:
            raise SearchIndexError("rebuilding the search index failed in a worker:\n" + errors[0])
        _commit_segments(ix, segments)
        finished = True
    finally:
        if not finished:
            for worker in workers:
                if worker.is_alive():
                    worker.kill()
                worker.join()
    if on_progress:
        on_progress(count)
    return count


def _put(jobs: Any, item: bytes | None, workers: list[Any]) -> None:
    """Queue a batch, failing fast if every worker died (instead of blocking forever)."""
    while True:
        try:
            jobs.put(item, timeout=1.0)
            return
        except queue.Full:
            if not any(w.is_alive() for w in workers):
                raise SearchIndexError("every search index worker stopped unexpectedly") from None


def _get(results: Any, workers: list[Any]) -> tuple[str, Any]:
    """Wait for a worker's report; a worker killed without reporting is an error, not a hang."""
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            if not any(w.is_alive() for w in workers):
                # A last report may still be in the pipe after the process ended.
                try:
                    return results.get(timeout=1.0)
                except queue.Empty:
                    raise SearchIndexError("a search index worker stopped without reporting") from None
