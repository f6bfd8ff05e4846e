"""Evaluate a query plan over Whoosh segments with numpy: fast enough at 100,000 documents.

Whoosh's matchers walk posting lists one document at a time in Python. A desk query such as
``nguyen van phuc`` intersects three of the longest lists in a Vietnamese archive (``van``
and ``phuc`` occur in nearly every document, the latter in the national motto) and must also
count every match; in Whoosh that took 100–200 ms at 10,000 documents and grows linearly.
Here each term's postings are decoded a block at a time into numpy arrays (and cached per
segment, so the common syllables are decoded once per process), and the plan is evaluated
with whole-array operations: a match mask and a score array per node. The ranking function
is BM25 over the same statistics Whoosh keeps.

Postings come from each segment's memory-mapped sidecar (see :mod:`._segments`) when it
has one, else from Whoosh's blocks (decoded once and cached).

Whoosh stays the storage: segments, term dictionaries, stored fields, deletions and the
writers are all Whoosh's. What this module reads beyond its public API (the W3 posting block
buffer, numeric column offsets) is pinned with ``whoosh-reloaded`` 2.7.5 and covered by
tests that compare it with Whoosh's own matchers.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from sohoa.search._segments import Sidecar

# BM25 parameters (the usual values; Whoosh's defaults too).
_K1 = 1.2
_B = 0.75

_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)

# Decoded postings kept per process (bytes). The common syllables of an archive of 100,000
# documents take some 30 MB; the cap keeps a long-running process bounded.
_CACHE_BYTES = 192 * 1024 * 1024


# -- plan nodes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Documents containing ``text`` in ``field``; scored by BM25 (or ``boost`` for keyword
    fields), ``score=False`` for pure filters."""

    field: str
    text: str
    boost: float = 1.0
    score: bool = True


@dataclass(frozen=True)
class And:
    children: tuple[Any, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Any, ...]


@dataclass(frozen=True)
class AndMaybe:
    """``required`` must match; ``optional`` only adds to the score of those documents."""

    required: Any
    optional: Any


@dataclass(frozen=True)
class AndNot:
    positive: Any
    negative: Any


@dataclass(frozen=True)
class Every:
    """All live documents, score 0."""


@dataclass(frozen=True)
class Nothing:
    """No document."""


@dataclass(frozen=True)
class DateRange:
    """Documents whose ``issued`` (YYYYMMDD) lies in [low, high]; None is open. A filter."""

    low: int | None
    high: int | None


# -- per-segment data -----------------------------------------------------------------------


class PostingCache:
    """A byte-bounded LRU of decoded postings, keyed by (segment id, field, term)."""

    def __init__(self, limit: int = _CACHE_BYTES) -> None:
        self._items: OrderedDict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._bytes = 0
        self._limit = limit

    def get(self, key: tuple[str, str, str]) -> tuple[np.ndarray, np.ndarray] | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: tuple[str, str, str], item: tuple[np.ndarray, np.ndarray]) -> None:
        self._items[key] = item
        self._bytes += item[0].nbytes + item[1].nbytes
        while self._bytes > self._limit and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._bytes -= old[0].nbytes + old[1].nbytes

    def retain(self, segment_ids: set[str]) -> None:
        """Forget segments that are no longer part of the index."""
        for key in [k for k in self._items if k[0] not in segment_ids]:
            old = self._items.pop(key)
            self._bytes -= old[0].nbytes + old[1].nbytes


@dataclass
class _Segment:
    reader: Any
    offset: int
    size: int
    key: str
    live: np.ndarray
    sidecar: Sidecar | None = None
    lengths: dict[str, np.ndarray] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)


def _read_numeric_column(perdoc: Any, name: str, column: Any, size: int, dtype: str) -> np.ndarray:
    """A fixed-width numeric column of a segment as an array (default 0 past its end)."""
    result = np.zeros(size, dtype=np.float32 if dtype == "B" else np.int64)
    if not perdoc.has_column(name):
        return result
    reader = perdoc.column_reader(name, column)
    count = min(getattr(reader, "_count", 0), size)
    if count and hasattr(reader, "_basepos") and getattr(reader, "_fixedlen", 0) == np.dtype(dtype).itemsize:
        raw = reader._dbfile.get(reader._basepos, count * reader._fixedlen)
        values = np.frombuffer(raw, dtype={"B": "u1", "I": ">u4"}[dtype])
    else:  # pragma: no cover - other column layouts: slow but correct
        values = np.array([reader[i] for i in range(count)])
    if dtype == "B":
        result[:count] = _BYTE_TO_LENGTH[values.astype(np.intp)]
    else:
        result[:count] = values
    return result


def _decode(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """All (docnum, weight) postings of a term, block by block."""
    if not isinstance(matcher, W3LeafMatcher):  # inlined or unusual postings: generic path
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
    deltas: list[int] = []
    weights_all: list[float] = []
    previous_last = 0
    while not matcher._atend:
        matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        start = len(deltas)
        deltas.extend(block_ids)
        deltas[start] -= previous_last  # each block's first id is absolute
        if block_weights is None:
            weights_all.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights_all.extend([block_weights] * count)
        else:
            weights_all.extend(block_weights)
        previous_last = matcher._maxid
        matcher._next_block()
    return np.cumsum(np.array(deltas, dtype=np.int64)), np.array(weights_all, dtype=np.float32)


class Engine:
    """The plan evaluator for one Whoosh searcher (a snapshot of the index)."""

    def __init__(self, searcher: Any, cache: PostingCache, folder: Path | None = None) -> None:
        self.searcher = searcher
        self.cache = cache
        self.schema = searcher.schema
        self.doc_count = max(searcher.doc_count(), 1)
        self._df: dict[tuple[str, str], int] = {}
        self._avg: dict[str, float] = {}
        self.segments: list[_Segment] = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            size = reader.doc_count_all()
            if size == 0 or reader.segment() is None:  # an empty index has an empty reader
                continue
            live = np.ones(size, dtype=bool)
            if reader.has_deletions():
                deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                live[deleted[deleted < size]] = False
            # Postings of a segment never change (deletions only change ``live``), so
            # decoded postings stay valid across index refreshes.
            key = reader.segment().segment_id()
            sidecar = Sidecar.open(folder, key) if folder is not None else None
            self.segments.append(_Segment(reader, offset, size, key, live, sidecar))
        cache.retain({s.key for s in self.segments})

    # statistics ---------------------------------------------------------------------------

    def doc_frequency(self, fieldname: str, text: str) -> int:
        key = (fieldname, text)
        df = self._df.get(key)
        if df is None:
            df = sum(s.reader.doc_frequency(fieldname, text) for s in self.segments)
            self._df[key] = df
        return df

    def avg_length(self, fieldname: str) -> float:
        avg = self._avg.get(fieldname)
        if avg is None:
            total = sum(s.reader.field_length(fieldname) for s in self.segments)
            docs = sum(s.size for s in self.segments)
            avg = self._avg[fieldname] = (total / docs) if docs and total else 1.0
        return avg

    def lengths(self, segment: _Segment, fieldname: str) -> np.ndarray:
        lengths = segment.lengths.get(fieldname)
        if lengths is None:
            lengths = _read_numeric_column(
                segment.reader._perdoc, _lenfield(fieldname), LENGTHS_COLUMN, segment.size, "B"
            )
            segment.lengths[fieldname] = lengths
        return lengths

    def column(self, segment: _Segment, name: str) -> np.ndarray:
        values = segment.columns.get(name)
        if values is None:
            fieldobj = self.schema[name]
            values = _read_numeric_column(
                segment.reader._perdoc, name, fieldobj.column_type, segment.size, "I"
            )
            segment.columns[name] = values
        return values

    def postings(self, segment: _Segment, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        key = (segment.key, fieldname, text)
        item = self.cache.get(key)
        if item is None and segment.sidecar is not None:
            item = segment.sidecar.postings(fieldname, text)  # a memory-mapped slice: not cached
            if item is not None:
                return item if len(item[0]) else None
        if item is None:
            try:
                tbytes = text.encode("utf-8")
                fmt = self.schema[fieldname].format
                matcher = segment.reader._terms.matcher(fieldname, tbytes, fmt)
            except (TermNotFound, KeyError):
                item = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
            else:
                item = _decode(matcher)
            self.cache.put(key, item)
        return item if len(item[0]) else None

    # evaluation ---------------------------------------------------------------------------

    def evaluate(self, node: Any, segment: _Segment) -> tuple[np.ndarray, np.ndarray | None]:
        """(mask, score) of ``node`` over one segment; score None means all zero."""
        if isinstance(node, Term):
            return self._term(node, segment)
        if isinstance(node, And):
            mask, score = self.evaluate(node.children[0], segment)
            for child in node.children[1:]:
                if not mask.any():
                    break
                child_mask, child_score = self.evaluate(child, segment)
                mask = mask & child_mask
                score = _add(score, child_score)
            return mask, score
        if isinstance(node, Or):
            mask = np.zeros(segment.size, dtype=bool)
            score = None
            for child in node.children:
                child_mask, child_score = self.evaluate(child, segment)
                mask |= child_mask
                score = _add(score, child_score)
            return mask, score
        if isinstance(node, AndMaybe):
            mask, score = self.evaluate(node.required, segment)
            if mask.any():
                _, extra = self.evaluate(node.optional, segment)
                score = _add(score, extra)
            return mask, score
        if isinstance(node, AndNot):
            mask, score = self.evaluate(node.positive, segment)
            if mask.any():
                negative, _ = self.evaluate(node.negative, segment)
                mask = mask & ~negative
            return mask, score
        if isinstance(node, Every):
            return np.ones(segment.size, dtype=bool), None
        if isinstance(node, Nothing):
            return np.zeros(segment.size, dtype=bool), None
        if isinstance(node, DateRange):
            issued = self.column(segment, "issued")
            mask = issued > 0
            if node.low is not None:
                mask &= issued >= node.low
            if node.high is not None:
                mask &= issued <= node.high
            return mask, None
        raise TypeError(f"unknown plan node {node!r}")

    def _term(self, node: Term, segment: _Segment) -> tuple[np.ndarray, np.ndarray | None]:
        mask = np.zeros(segment.size, dtype=bool)
        found = self.postings(segment, node.field, node.text)
        if found is None:
            return mask, None
        ids, weights = found
        mask[ids] = True
        if not node.score:
            return mask, None
        score = np.zeros(segment.size, dtype=np.float32)
        fieldobj = self.schema[node.field]
        if fieldobj.scorable:
            df = self.doc_frequency(node.field, node.text)
            idf = math.log(1.0 + (self.doc_count - df + 0.5) / (df + 0.5))
            norm = _K1 * (
                1.0 - _B + _B * self.lengths(segment, node.field)[ids] / self.avg_length(node.field)
            )
            score[ids] = node.boost * idf * weights * (_K1 + 1.0) / (weights + norm)
        else:
            score[ids] = node.boost
        return mask, score

    def run(self, node: Any, limit: int, sort_by_date: bool) -> tuple[int, list[tuple[int, float]]]:
        """Evaluate over every segment: (total matches, top ``limit`` (docnum, score))."""
        total = 0
        candidates: list[tuple[float, float, int]] = []  # (primary key, score, global docnum)
        for segment in self.segments:
            mask, score = self.evaluate(node, segment)
            mask &= segment.live
            matched = np.flatnonzero(mask)
            total += len(matched)
            if not len(matched) or limit <= 0:
                continue
            scores = score[matched] if score is not None else np.zeros(len(matched), dtype=np.float32)
            if sort_by_date:
                primary = self.column(segment, "issued")[matched].astype(np.float64)
                keys = primary * 1e6 + np.minimum(scores, 999_999)  # newest first, then relevance
            else:
                keys = scores.astype(np.float64)
            if len(matched) > limit:
                top = np.argpartition(-keys, limit - 1)[:limit]
            else:
                top = np.arange(len(matched))
            for i in top:
                candidates.append((float(keys[i]), float(scores[i]), int(matched[i]) + segment.offset))
        candidates.sort(key=lambda c: (-c[0], c[2]))
        return total, [(docnum, score) for _, score, docnum in candidates[:limit]]


def _add(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b
