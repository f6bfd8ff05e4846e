"""The Whoosh backend, through Whoosh's public API only: the engine the design card names.

Kept so an archive can stay on a pure-Python engine; tantivy is the default. Nothing here
reads Whoosh's private attributes: schema fields, analyzers built from Whoosh's own classes
(a regex tokenizer on our syllable pattern, lower case, and a ``CharsetFilter`` holding our
fold table, so nothing of ours is pickled into the index), its writer, its query classes
with positional ``Phrase``, BM25F, ``NumericRange`` and sorting.

Values of a text field are joined with a gap syllable between them, so a phrase never joins
two values (two names, a name and the body). Whoosh has no checksums: each commit records the
size and CRC-32 of the generation's files (segment files never change once written) in
``MANIFEST.json``, which :meth:`damage` verifies. Readers never lock; a reader whose files
vanish under a writer's merge opens the index again and retries.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

from whoosh import analysis as wa
from whoosh import fields as wf
from whoosh import index as windex
from whoosh import matching as wmatching
from whoosh import query as wq
from whoosh import scoring
from whoosh.filedb.filestore import FileStorage

from sohoa.search import analysis as an
from sohoa.search import plan as p
from sohoa.search._generation_backend import GenerationBackend
from sohoa.search._generations import STAMP_FILE
from sohoa.search.schema import SCHEMA_VERSION, AnalyzedEntry

# The engine's part of the stamp (2: a recency key so date ties have one order).
_REVISION = 2
_STAMP = f"whoosh {SCHEMA_VERSION}.{_REVISION}"
_MANIFEST = "MANIFEST.json"
# Between two values of one field: a syllable no query can produce (queries are folded).
_GAP = " 0gap0sohoa0 "
_KEY_SEP = "\x1f"


_B, _K1 = 0.75, 1.2  # BM25's usual constants, as tantivy uses


class _Bm25(scoring.BM25F):
    """BM25 with the Robertson idf (as tantivy and Lucene use), not Whoosh's ``log(N/df) + 1``.

    Whoosh's idf keeps words found in nearly every document (``giấy``, ``chứng``) weighing a
    full point each, so a long distractor repeating them outranked the document asked for.
    """

    def __init__(self) -> None:
        super().__init__(B=_B, K1=_K1)

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        total = searcher.doc_count_all()
        df = searcher.doc_frequency(fieldname, text)
        return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


class _Phrase(wq.Phrase):
    """Whoosh's positional phrase, scored as tantivy and Lucene score one: BM25 of how often the
    phrase itself occurs in the document, with the sum of its words' idf.

    Whoosh's own ``Phrase`` scores a matching document by the sum of its words' scores over
    the whole field, so a long document repeating ``giấy`` and ``chứng`` anywhere took the
    adjacency bonus of one holding the pair many times: the relevance set's
    ``giay chung nhan -hon`` ranked its document 11th behind such distractors.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        inner = wq.Phrase(self.fieldname, self.words, slop=self.slop).matcher(searcher, context)
        if not inner.is_active():
            return inner
        parent = searcher.get_parent()  # collection statistics live on the top-level searcher
        idf = sum(parent.idf(self.fieldname, word) for word in self.words)
        avgfl = parent.avg_field_length(self.fieldname) or 1
        return _PhraseFrequencyMatcher(inner, boost=self.boost, stats=(searcher, self.fieldname, idf, avgfl))


class _PhraseFrequencyMatcher(wmatching.WrappingMatcher):
    """Scores the current document by the number of phrase matches (its spans).

    The quality bounds Whoosh skips blocks with stay the child's (the sum of its words'
    best scores): still upper bounds, since a phrase occurs no more often than any of its
    words and its idf is their sum. Whoosh counts the total exactly only while they are in use.
    """

    def __init__(self, child: Any, boost: float = 1.0, stats: tuple[Any, str, float, float] | None = None):
        super().__init__(child, boost=boost)
        assert stats is not None
        self.stats = stats

    def copy(self) -> Any:
        return _PhraseFrequencyMatcher(self.child.copy(), boost=self.boost, stats=self.stats)

    def _replacement(self, newchild: Any) -> Any:
        return _PhraseFrequencyMatcher(newchild, boost=self.boost, stats=self.stats)

    def score(self) -> float:
        searcher, fieldname, idf, avgfl = self.stats
        length = searcher.doc_field_length(self.id(), fieldname, 1)
        frequency = len(self.spans())
        return self.boost * scoring.bm25(idf, frequency, length, avgfl, _B, _K1)


def build_schema() -> wf.Schema:
    """Whoosh fields named as in :mod:`sohoa.search.plan`, analysed by Whoosh's own classes."""
    fold_map = {code: (chr(target) if target is not None else None) for code, target in an.FOLD_TABLE.items()}
    folded = wa.RegexTokenizer(an.SYLLABLE_PATTERN) | wa.LowercaseFilter() | wa.CharsetFilter(fold_map)
    exact = wa.RegexTokenizer(an.SYLLABLE_PATTERN) | wa.LowercaseFilter()
    keys = wa.RegexTokenizer(r"[^\x1f]+")
    keyword = {name: wf.TEXT(analyzer=keys, phrase=False) for name in p.KEYWORD_FIELDS}
    return wf.Schema(
        id=wf.ID(stored=True, unique=True),
        version=wf.STORED(),
        stored=wf.STORED(),
        issued=wf.NUMERIC(int, bits=32, signed=False, sortable=True),
        recency=wf.NUMERIC(int, bits=64, signed=False, sortable=True),  # plan.recency_key
        text=wf.TEXT(analyzer=folded, phrase=True),
        names=wf.TEXT(analyzer=folded, phrase=True),
        exact=wf.TEXT(analyzer=exact, phrase=False),
        **keyword,
    )


def _fields(entry: AnalyzedEntry) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": str(entry.id),
        "version": entry.version,
        "stored": {"source_name": entry.source_name, "meta": entry.meta, "body": entry.body},
        "issued": entry.issued,
        "recency": p.recency_key(entry.issued, entry.id),
        "text": _GAP.join(entry.text),
        "exact": _GAP.join(entry.text),
    }
    if entry.names:
        doc["names"] = _GAP.join(entry.names)
    for name in ("number", "ids", "doc_type", "field"):
        values = getattr(entry, name)
        if values:
            doc[name] = _KEY_SEP.join(values)
    if entry.unit:
        doc["unit"] = entry.unit
    return doc


class WhooshBackend(GenerationBackend):
    """A Whoosh index in generation folders under ``path`` (see :mod:`._generation_backend`)."""

    name = "whoosh"
    stamp = _STAMP
    # Whoosh reports files changed under a reader in many ways (missing segment files, a
    # half-seen TOC, unpickling errors): any failure is worth one more look at a fresh TOC.
    read_errors = (Exception,)

    # -- writing ----------------------------------------------------------------------------

    def _create(self, directory: Path) -> None:
        FileStorage(str(directory)).create_index(build_schema())
        _write_manifest(directory)

    def _compatible(self, directory: Path) -> bool:
        FileStorage(str(directory)).open_index()
        return True

    def _writer(self, directory: Path, *, bulk: bool) -> Any:
        ix = FileStorage(str(directory)).open_index()
        if bulk:
            return ix.writer(limitmb=256, timeout=self.lock_timeout)
        return ix.writer(timeout=self.lock_timeout)

    def _is_lock_error(self, exc: Exception) -> bool:
        return isinstance(exc, windex.LockError)

    def _commit(self, writer: Any, directory: Path, *, bulk: bool) -> None:
        writer.commit(optimize=bulk)
        _write_manifest(directory)

    def _abandon(self, writer: Any) -> None:
        writer.cancel()

    def _add(self, writer: Any, entry: AnalyzedEntry) -> None:
        writer.add_document(**_fields(entry))

    def _replace(self, writer: Any, entries: list[AnalyzedEntry]) -> None:
        for entry in entries:
            writer.update_document(**_fields(entry))

    def _remove(self, writer: Any, ids: list[int]) -> None:
        for doc_id in ids:
            writer.delete_by_term("id", str(doc_id))

    # -- reading ----------------------------------------------------------------------------

    def _open(self, directory: Path) -> Any:
        return FileStorage(str(directory)).open_index()

    def _searching(self, handle: Any) -> contextlib.AbstractContextManager[Any]:
        return handle.searcher(weighting=_Bm25())

    def count(self) -> int:
        return self._read(lambda s: s.doc_count(), 0)

    def versions(self) -> dict[int, str]:
        return self._read(lambda s: {int(f["id"]): f["version"] for f in s.all_stored_fields()}, {})

    def execute(self, request: p.Request) -> p.Page:
        query = _translate(request.node)
        limit, offset = max(request.limit, 0), max(request.offset, 0)

        def run(searcher: Any) -> p.Page:
            kwargs: dict[str, Any] = {"limit": max(offset + limit, 1)}
            if request.sort == "date":
                kwargs.update(sortedby="recency", reverse=True)
            results = searcher.search(query, **kwargs)
            total = len(results)
            matches = []
            for hit in list(results)[offset : offset + limit]:
                fields = hit.fields()
                stored = fields.get("stored") or {}
                matches.append(
                    p.Match(
                        id=int(fields["id"]),
                        score=float(hit.score or 0.0) if request.sort != "date" else 0.0,
                        source_name=stored.get("source_name") or "",
                        fields=stored.get("meta") or {},
                        body=stored.get("body") or "",
                    )
                )
            return p.Page(total=total, matches=matches)

        return self._read(run, p.Page(0, []))

    def _words_key(self, searcher: Any) -> Any:
        return searcher.doc_count_all()

    def _words(self, searcher: Any) -> list[str]:
        terms = (t.decode("utf-8") for t in searcher.reader().lexicon("text"))
        return [t for t in terms if t.isalpha()]

    # -- damage -----------------------------------------------------------------------------

    def _verify(self, directory: Path) -> list[str]:
        """Check every file against the size and CRC-32 the last commit recorded."""
        try:
            manifest = json.loads((directory / _MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return [f"{_MANIFEST}: {exc}"]
        problems = []
        for name, (size, crc) in sorted(manifest.items()):
            try:
                data = (directory / name).read_bytes()
            except OSError as exc:
                problems.append(f"{name}: {exc.strerror or exc}")
                continue
            if len(data) != size or zlib.crc32(data) != crc:
                problems.append(f"{name}: checksum mismatch")
        return problems

    def _probe(self, searcher: Any) -> Any:
        return sum(1 for _ in searcher.all_stored_fields())


def _write_manifest(directory: Path) -> None:
    """Record size and CRC-32 of the generation's files (reusing entries of unchanged files)."""
    path = directory / _MANIFEST
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    manifest = {}
    for file in directory.iterdir():
        if not file.is_file() or file.name in (_MANIFEST, STAMP_FILE) or file.name.endswith(".lock"):
            continue
        size = file.stat().st_size
        entry = old.get(file.name)
        if entry and entry[0] == size and not file.name.endswith(".toc"):
            manifest[file.name] = entry
        else:
            manifest[file.name] = [size, zlib.crc32(file.read_bytes())]
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)
    os.replace(tmp, path)


def _scored(query: Any, field: str, boost: float, score: bool) -> Any:
    if not score:
        return wq.ConstantScoreQuery(query, 0.0)
    if field not in p.SCORED_FIELDS:
        return wq.ConstantScoreQuery(query, boost)
    if boost != 1.0:
        query.boost = boost
    return query


def _translate(node: p.Node) -> Any:
    """Plan nodes to Whoosh's public query classes."""
    if isinstance(node, p.Term):
        return _scored(wq.Term(node.field, node.text), node.field, node.boost, node.score)
    if isinstance(node, p.Phrase):
        if len(node.words) == 1:
            return _translate(p.Term(node.field, node.words[0], node.boost, node.score))
        return _scored(_Phrase(node.field, list(node.words)), node.field, node.boost, node.score)
    if isinstance(node, p.And):
        return wq.And([_translate(c) for c in node.children])
    if isinstance(node, p.Or):
        return wq.Or([_translate(c) for c in node.children])
    if isinstance(node, p.AndMaybe):
        return wq.AndMaybe(_translate(node.required), _translate(node.optional))
    if isinstance(node, p.AndNot):
        return wq.AndNot(_translate(node.positive), _translate(node.negative))
    if isinstance(node, p.Every):
        return wq.ConstantScoreQuery(wq.Every(), 0.0)
    if isinstance(node, p.Nothing):
        return wq.NullQuery
    if isinstance(node, p.DateRange):
        low = node.low if node.low is not None else 1
        return wq.ConstantScoreQuery(wq.NumericRange("issued", low, node.high), 0.0)
    raise TypeError(f"unknown plan node {node!r}")
