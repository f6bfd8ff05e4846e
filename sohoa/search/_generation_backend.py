"""What every engine kept in generation folders does the same way: write, rebuild, read.

A file-based engine (tantivy, Whoosh) keeps its index in the generation folders of
:mod:`._generations`. Around them the skeleton is the same whatever the engine: a write takes
the folder's lock, creates the first (empty) index if there is none, refuses an index stamped
by another analysis, commits whole or not at all and says in Vietnamese that the documents
stay pending when it cannot; a rebuild writes a complete generation aside and swaps it in;
a read never locks, and reopens and retries while another process's merge or rebuild changes
files under it; ``index check`` verifies the files, then opens them. Keeping that here means
the engines differ only in what is really theirs: how an index is created, opened, written,
searched and verified — the hooks of :class:`GenerationBackend`.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from sohoa.errors import IndexBusyError, SearchIndexError
from sohoa.i18n import _
from sohoa.search import plan as p
from sohoa.search._generations import Generations
from sohoa.search.schema import AnalyzedEntry, IndexEntry, analyze

log = logging.getLogger(__name__)

# A reader retries this many times (with backoff) when files change under it.
_READ_ATTEMPTS = 8
_PROGRESS_EVERY = 250


class GenerationBackend(ABC):
    """A search backend (:class:`~sohoa.search.backend.SearchBackend`) in generation folders.

    ``lock_timeout`` bounds how long a writer waits for another writer before raising
    :class:`IndexBusyError`. One object per thread; processes coordinate through the lock.
    Subclasses set :attr:`name` and :attr:`stamp` and implement the hooks below.
    """

    name: ClassVar[str]
    #: Written in each generation: which engine and analysis built it.
    stamp: ClassVar[str]
    #: Errors a reader meets when files change under it (it reopens and retries).
    read_errors: ClassVar[tuple[type[Exception], ...]] = (OSError, ValueError)
    #: Errors of a writer's work that mean "the index cannot be written" (not a bug of ours).
    write_errors: ClassVar[tuple[type[Exception], ...]] = (OSError,)

    def __init__(self, path: Path, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._gens = Generations(self.path, lock_timeout)
        self._handle: Any = None
        self._handle_gen: str | None = None
        self._vocabulary: tuple[Any, list[str]] | None = None

    # -- the engine's hooks ---------------------------------------------------------------

    @abstractmethod
    def _create(self, directory: Path) -> None:
        """Create an empty index in the new generation folder ``directory``."""

    @abstractmethod
    def _compatible(self, directory: Path) -> bool:
        """True when this engine version can open the index in ``directory``."""

    @abstractmethod
    def _writer(self, directory: Path, *, bulk: bool) -> Any:
        """A writer on ``directory``; ``bulk`` for a rebuild (more memory, threads)."""

    def _is_lock_error(self, exc: Exception) -> bool:
        """True when opening a writer failed because another writer holds the engine's lock."""
        return False

    @abstractmethod
    def _commit(self, writer: Any, directory: Path, *, bulk: bool) -> None:
        """Make the writer's work durable and visible to new readers."""

    @abstractmethod
    def _abandon(self, writer: Any) -> None:
        """Discard the writer's uncommitted work and stop its threads (may raise: ignored)."""

    @abstractmethod
    def _add(self, writer: Any, entry: AnalyzedEntry) -> None:
        """Add one document whose id is not in the index (a rebuild's documents)."""

    @abstractmethod
    def _replace(self, writer: Any, entries: list[AnalyzedEntry]) -> None:
        """Add documents, removing earlier versions of their ids (ids are distinct)."""

    @abstractmethod
    def _remove(self, writer: Any, ids: list[int]) -> None:
        """Remove documents by id (distinct; unknown ids are ignored)."""

    @abstractmethod
    def _open(self, directory: Path) -> Any:
        """Open the index in ``directory`` for reading (kept while the generation lives)."""

    def _refresh(self, handle: Any) -> None:  # noqa: B027 - most engines see new commits anyway
        """Make an open index see the last commit, whichever process made it."""

    @abstractmethod
    def _searching(self, handle: Any) -> contextlib.AbstractContextManager[Any]:
        """A searcher over the open index, released on exit."""

    @abstractmethod
    def _words_key(self, searcher: Any) -> Any:
        """What changes when the indexed words may have changed (the vocabulary cache key)."""

    @abstractmethod
    def _words(self, searcher: Any) -> list[str]:
        """The folded letter syllables of the ``text`` field."""

    @abstractmethod
    def _verify(self, directory: Path) -> list[str]:
        """Problems found by checking every file of the generation (sizes, checksums)."""

    @abstractmethod
    def _probe(self, searcher: Any) -> Any:
        """Read enough of the index to prove it opens and answers."""

    # -- state ------------------------------------------------------------------------------

    @property
    def needs_rebuild(self) -> bool:
        gen = self._gens.live()
        if gen is None or self._gens.stamp(gen) != self.stamp:
            return True
        try:
            return not self._compatible(self.path / gen)
        except Exception:  # an index its own engine cannot even inspect is rebuilt
            return True

    # -- writing ----------------------------------------------------------------------------

    def add_or_update(self, entries: Iterable[IndexEntry], *, session: Any = None) -> int:
        latest: dict[int, IndexEntry] = {}
        for entry in entries:  # the last entry per id wins
            latest.pop(entry.id, None)
            latest[entry.id] = entry
        if not latest:
            return 0
        analyzed = [analyze(entry) for entry in latest.values()]  # before the lock: hold it briefly

        def work(writer: Any) -> int:
            self._replace(writer, analyzed)
            return len(analyzed)

        return self._write(work)

    def delete(self, ids: Iterable[int], *, session: Any = None) -> int:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return 0

        def work(writer: Any) -> int:
            self._remove(writer, wanted)
            return len(wanted)

        return self._write(work)

    def rebuild(
        self, entries: Iterable[IndexEntry], *, on_progress: Callable[[int], None] | None = None
    ) -> int:
        with self._gens.write_lock():
            self._gens.remove_orphans()
            directory = self._gens.create(self.stamp)
            writer = None
            try:
                self._create(directory)
                writer = self._writer(directory, bulk=True)
                count = 0
                for entry in _first_per_id(entries):
                    self._add(writer, analyze(entry))
                    count += 1
                    if on_progress and count % _PROGRESS_EVERY == 0:
                        on_progress(count)
                self._commit(writer, directory, bulk=True)
                writer = None
                self._gens.swap(directory.name)
            except BaseException:
                if writer is not None:  # stop its threads first, or they write into the folder removed
                    with contextlib.suppress(Exception):
                        self._abandon(writer)
                shutil.rmtree(directory, ignore_errors=True)
                raise
            self._gens.remove_orphans()
        if on_progress:
            on_progress(count)
        self.close()
        log.info("search index rebuilt: %d documents in generation %s", count, directory.name)
        return count

    def _write(self, work: Callable[[Any], int]) -> int:
        """Run ``work`` with a writer under the lock; commit it whole, or nothing."""
        with self._gens.write_lock():
            gen = self._gens.live()
            if gen is None:  # the first write of an archive creates its (empty) index
                directory = self._gens.create(self.stamp)
                self._create(directory)
                self._gens.swap(directory.name)
                gen = directory.name
            if self._gens.stamp(gen) != self.stamp:
                raise SearchIndexError(
                    _("Chỉ mục tìm kiếm tại %(path)s do phiên bản khác dựng: chạy `sohoa index rebuild`")
                    % {"path": self.path}
                )
            directory = self.path / gen
            try:
                writer = self._writer(directory, bulk=False)
            except Exception as exc:
                if self._is_lock_error(exc):
                    raise IndexBusyError(
                        _("Chỉ mục tìm kiếm tại %(path)s đang bị khóa: %(reason)s")
                        % {"path": self.path, "reason": exc}
                    ) from exc
                raise SearchIndexError(_cannot_write(self.path, exc)) from exc
            try:
                count = work(writer)
                self._commit(writer, directory, bulk=False)
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    self._abandon(writer)
                if isinstance(exc, self.write_errors):
                    raise SearchIndexError(_cannot_write(self.path, exc)) from exc
                raise
            return count

    # -- reading ----------------------------------------------------------------------------

    def _read(self, work: Callable[[Any], Any], empty: Any) -> Any:
        """Run ``work`` on a fresh searcher; reopen and retry while files change under it."""
        last: Exception | None = None
        for attempt in range(_READ_ATTEMPTS):
            gen = self._gens.live()
            if gen is None:
                return empty
            try:
                if self._handle is None or self._handle_gen != gen:
                    self._handle = self._open(self.path / gen)
                    self._handle_gen = gen
                else:
                    self._refresh(self._handle)
                with self._searching(self._handle) as searcher:
                    return work(searcher)
            except self.read_errors as exc:  # files merged away under us, a half-seen commit
                last = exc
                self.close()
                time.sleep(min(0.01 * 2**attempt, 0.5))
        raise SearchIndexError(
            _("Không đọc được chỉ mục tìm kiếm tại %(path)s (%(reason)s): chạy `sohoa index rebuild`")
            % {"path": self.path, "reason": last}
        )

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def versions(self) -> dict[int, str]: ...

    @abstractmethod
    def execute(self, request: p.Request) -> p.Page: ...

    def term_variants(self, word: str, max_distance: int, limit: int) -> list[str]:
        vocabulary = self._read(self._cached_words, [])
        matches = process.extract(
            word, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=limit + 1
        )
        ranked = sorted(matches, key=lambda m: (m[1], m[0]))
        return [m[0] for m in ranked if m[0] != word][:limit]

    def _cached_words(self, searcher: Any) -> list[str]:
        """The vocabulary, read again only when the index changed since the last call."""
        key = (self._handle_gen, self._words_key(searcher))
        if self._vocabulary is None or self._vocabulary[0] != key:
            self._vocabulary = (key, self._words(searcher))
        return self._vocabulary[1]

    def close(self) -> None:
        self._handle = None
        self._handle_gen = None

    # -- damage -----------------------------------------------------------------------------

    def damage(self) -> list[str]:
        """Check every file of the live generation, then that the index opens and answers."""
        gen = self._gens.live()
        if gen is None:
            return []
        problems = self._verify(self.path / gen)
        if not problems:
            self.close()
            try:
                self._read(self._probe, None)
            except SearchIndexError as exc:
                problems.append(f"open: {exc}")
        return problems


def _first_per_id(entries: Iterable[IndexEntry]) -> Iterator[IndexEntry]:
    """The entries of a rebuild, each id once (the first wins)."""
    seen: set[int] = set()
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            yield entry


def _cannot_write(path: Path, exc: BaseException) -> str:
    return _(
        "Không ghi được chỉ mục tìm kiếm tại %(path)s (%(reason)s); tài liệu vẫn chờ, chạy "
        "`sohoa index sync` sau khi khắc phục"
    ) % {"path": path, "reason": exc}
