"""The seam between our search and an engine: one small protocol and one factory.

Our side keeps the Vietnamese analysis (:mod:`analysis`, :mod:`schema`), the query language
and planner (:mod:`query`, :mod:`plan`), snippets and the ``--json`` contract. An engine
keeps postings and answers plans. A new engine is one module implementing
:class:`SearchBackend`, registered in :data:`BACKENDS`; the archive picks one by the name
stored in its settings (``search_backend``) through :func:`open_backend`.

Writers (ingest, edits, ``index sync``, ``index rebuild``) call the writing methods;
searches only call :meth:`SearchBackend.execute`, :meth:`~SearchBackend.term_variants` and
never write or wait for a writer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sohoa.search.plan import Page, Request
from sohoa.search.schema import IndexEntry, version_key

DEFAULT_BACKEND = "tantivy"


@dataclass(frozen=True)
class CheckReport:
    """How the index differs from what the archive expects (ids sorted).

    ``missing``: in the archive, not in the index; ``stale``: indexed with another version;
    ``unknown``: in the index, not in the archive (deleted documents left behind);
    ``damaged``: what the engine found broken in its own files (rebuild to repair).
    """

    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.unknown or self.damaged)


@runtime_checkable
class SearchBackend(Protocol):
    """What the archive and the planner need from a search engine.

    ``session`` parameters carry the caller's database session for engines that write in
    the document's own transaction (PostgreSQL); file-based engines ignore them.
    """

    name: str
    path: Path

    @property
    def needs_rebuild(self) -> bool:
        """True when the index is missing, built by another analysis, or unreadable."""
        ...

    def add_or_update(self, entries: Iterable[IndexEntry], *, session: Any = None) -> int:
        """Index entries (replacing earlier versions of the same ids) in one commit."""
        ...

    def delete(self, ids: Iterable[int], *, session: Any = None) -> int:
        """Remove documents by id in one commit; unknown ids are ignored."""
        ...

    def rebuild(
        self, entries: Iterable[IndexEntry], *, on_progress: Callable[[int], None] | None = None
    ) -> int:
        """Build a whole new index aside and swap it in; searches keep answering meanwhile."""
        ...

    def versions(self) -> dict[int, str]:
        """Every indexed id with the version it was indexed at."""
        ...

    def count(self) -> int:
        """Number of live documents."""
        ...

    def execute(self, request: Request) -> Page:
        """Run a plan: total matches and one page of ranked matches with stored fields."""
        ...

    def term_variants(self, word: str, max_distance: int, limit: int) -> list[str]:
        """Indexed folded syllables within ``max_distance`` edits of ``word``, nearest first."""
        ...

    def damage(self) -> list[str]:
        """Problems found by reading every file of the index (empty when sound)."""
        ...

    def close(self) -> None:
        """Release open files (the object reopens on demand)."""
        ...


def check(backend: SearchBackend, expected: Mapping[int, str]) -> CheckReport:
    """Compare the index with the archive's ``{id: version}`` and verify its files."""
    damaged = backend.damage()
    if damaged:
        return CheckReport(damaged=damaged)
    indexed = backend.versions()
    return CheckReport(
        missing=sorted(i for i in expected if i not in indexed),
        stale=sorted(i for i, v in expected.items() if i in indexed and indexed[i] != version_key(str(v))),
        unknown=sorted(i for i in indexed if i not in expected),
    )


def _tantivy(path: Path, **options: Any) -> SearchBackend:
    from sohoa.search._tantivy import TantivyBackend

    return TantivyBackend(path, **options)


def _whoosh(path: Path, **options: Any) -> SearchBackend:
    from sohoa.search._whoosh import WhooshBackend

    return WhooshBackend(path, **options)


def _postgres(path: Path, **options: Any) -> SearchBackend:
    from sohoa.search._postgres import PostgresBackend

    return PostgresBackend(path, **options)


# Each engine's module is imported only when chosen, so an archive never pays for others.
BACKENDS: dict[str, Callable[..., SearchBackend]] = {
    "postgres": _postgres,
    "tantivy": _tantivy,
    "whoosh": _whoosh,
}
# Engines whose index lives in the archive's database: they need its engine, not a folder.
DATABASE_BACKENDS = frozenset({"postgres"})


def open_backend(name: str | None, path: Path | str, **options: Any) -> SearchBackend:
    """The backend called ``name`` (default :data:`DEFAULT_BACKEND`) on the index at ``path``.

    Opening never writes: a missing index is created by the first writer. Raises
    ``ValueError`` for an unknown name (the caller turns it into a usage error).
    """
    key = (name or DEFAULT_BACKEND).strip().lower()
    factory = BACKENDS.get(key)
    if factory is None:
        raise ValueError(f"unknown search backend {name!r}: choose one of {', '.join(sorted(BACKENDS))}")
    return factory(Path(path), **options)
