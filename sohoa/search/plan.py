"""The query plan: what the planner asks of an engine, in engine-neutral nodes.

The planner (:mod:`sohoa.search.query`) turns what a clerk typed into a tree of these nodes;
a backend (:mod:`sohoa.search.backend`) turns the tree into its own query objects and runs
it. Keeping the tree ours means the query language, the boosts and the filters are defined
once, and a new engine is a translator of a dozen node types, not a second planner.

Field names used in nodes (every backend indexes these, from :func:`schema.analyze`):

* ``text`` — folded syllables of the body and the text metadata, with positions (phrases);
* ``exact`` — marked syllables (letters only), scored, to rank exact diacritics first;
* ``names`` — folded syllables of subject names and the signer, with positions;
* ``number`` — document number keywords (whole number and every run of its parts);
* ``ids`` — personal ID numbers (digits); ``unit``, ``doc_type``, ``field`` — keywords.

Scored fields (``text``, ``exact``, ``names``) are ranked by the engine's BM25 times the
node's ``boost``; keyword fields score exactly ``boost`` (a number match must outrank any
amount of body text citing it); ``score=False`` makes any node a pure filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SCORED_FIELDS = frozenset({"text", "exact", "names"})
KEYWORD_FIELDS = frozenset({"number", "ids", "unit", "doc_type", "field"})


@dataclass(frozen=True)
class Term:
    """Documents holding ``text`` in ``field``."""

    field: str
    text: str
    boost: float = 1.0
    score: bool = True


@dataclass(frozen=True)
class Phrase:
    """Documents holding ``words`` at consecutive positions of one value of ``field``.

    Adjacency is judged on folded syllables, inside one value (the body, one name, one
    metadata value) and across line breaks; never across two values.
    """

    field: str
    words: tuple[str, ...]
    boost: float = 1.0
    score: bool = True


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AndMaybe:
    """``required`` must match; ``optional`` only adds to the score of those documents."""

    required: Node
    optional: Node


@dataclass(frozen=True)
class AndNot:
    positive: Node
    negative: Node


@dataclass(frozen=True)
class Every:
    """All live documents, score 0."""


@dataclass(frozen=True)
class Nothing:
    """No document."""


@dataclass(frozen=True)
class DateRange:
    """Documents whose issued date (``YYYYMMDD``) lies in [low, high]; None is open.

    A filter: it never scores, and undated documents never match it.
    """

    low: int | None
    high: int | None


Node = Term | Phrase | And | Or | AndMaybe | AndNot | Every | Nothing | DateRange

SortOrder = Literal["relevance", "date"]


@dataclass(frozen=True)
class Request:
    """One search for a backend: the plan, the page wanted, and the order.

    ``sort="date"`` puts the newest issued date first (undated documents last) and documents
    of one date by id, highest first: a total order, the same on every backend, so pages
    never repeat or skip a document (:func:`recency_key`).
    """

    node: Node
    limit: int = 20
    offset: int = 0
    sort: SortOrder = "relevance"


# Ids below 2**36 (68 billion documents) fit beside a YYYYMMDD date in one 64-bit key.
_ID_BITS = 36


def recency_key(issued: int, doc_id: int) -> int:
    """The number whose descending order is ``sort="date"``: issued date, then id.

    Engines sort on one numeric column fastest; packing the id under the date makes ties
    impossible, so an engine's own order (segments, merges) never shows. ``issued`` is
    ``YYYYMMDD`` or 0 for undated documents, which therefore come last.
    """
    if not 0 <= doc_id < 1 << _ID_BITS:
        raise ValueError(f"document id {doc_id} is outside 0..2**{_ID_BITS}")
    return issued << _ID_BITS | doc_id


@dataclass(frozen=True)
class Match:
    """One ranked document of a backend's answer, with what the index stores for hits."""

    id: int
    score: float
    source_name: str
    fields: dict
    body: str


@dataclass(frozen=True)
class Page:
    """A backend's answer: every matching document counted, one page of them returned."""

    total: int
    matches: list[Match]
