"""The tantivy backend: the embedded default, an index folder inside the archive's home.

tantivy (the Rust engine, through its official Python bindings) keeps the postings, the
positions for phrases, BM25, deletions, merges and a writer lock; we keep the analysis.
Text fields receive NFC text and are cut in Rust at every character that is not a letter or
digit (tantivy's ``simple`` tokenizer), lower-cased, and for the folded fields passed through
``ascii_fold``, which on NFC Vietnamese gives exactly :func:`analysis.fold` (``đ`` → ``d``
included; the tests prove it character by character). Cutting in Rust is what makes thousands
of documents a second possible: in Python the analysis was most of the build. The rare value
holding a character on which Rust and our analysis could disagree is cut by our functions.

Readers never take a lock and never write. A search reloads the reader (tantivy then sees
the last commit, whichever process made it) and, if a file vanished under it — another
process's writer collects the files of merged segments, a rebuild retires a generation —
opens again and retries: a clerk never sees a failed search because someone was importing.

Adjacent syllables of one value are also indexed as single terms (``text_pairs``,
``names_pairs``), and the positions of a phrase are read there, not on the syllables: a
two-word phrase or the adjacency bonus of unquoted words is one term lookup, and a longer
phrase is a phrase of its pairs, whose postings are much shorter than those of the syllables
(``hon_nhan`` against ``hon`` and ``nhan``). The syllable fields keep frequencies only.

Every index file of tantivy ends with a footer holding a CRC-32 of the file; :meth:`damage`
recomputes them, which is how ``sohoa index check`` tells a damaged index from a sound one.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
import unicodedata
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tantivy

from sohoa.search import analysis as an
from sohoa.search import plan as p
from sohoa.search._generation_backend import GenerationBackend
from sohoa.search.schema import SCHEMA_VERSION, AnalyzedEntry

# The engine's part of the stamp: bumped when the Rust side cuts differently (2: the
# ``simple`` tokenizer with our own cut for unusual characters, instead of a regex tokenizer;
# the body stored apart from the metadata; a recency key so date ties have one order; 3: the
# ``text_pairs`` and ``names_pairs`` fields of adjacent syllables; 4: positions on the pairs
# instead of the syllables).
_CUT_REVISION = 4
_STAMP = f"tantivy {SCHEMA_VERSION}.{_CUT_REVISION}"
_FOLDED = "sohoa_folded"
_EXACT = "sohoa_exact"
_PAIRED = "sohoa_pairs"
# Adjacent folded syllables of one value, one term each (``giay_phep``) at consecutive
# positions, in fields of their own: a two-word phrase is one term lookup, a longer one a
# phrase of its pairs, and the adjacency bonus of unquoted words is a plain optional term.
# Reading the positions of common syllables over tens of thousands of matches was nearly all
# of the query time (57 ms of CPU for one four-word query at 100,000 documents). A phrase
# reads every other pair (``a_b c_d`` for four words), so each value's pairs end with a mark
# that is no pair: with the free position tantivy leaves between two values, a jump of two
# positions can never land in the next value.
_PAIRS = {"text": "text_pairs", "names": "names_pairs"}
_PAIR_JOIN = "_"  # never inside a syllable (letters and digits)
_VALUE_END = " |"  # after a value's pairs: a position that holds no pair

# Writer memory: incremental writes are small; a rebuild gets more and two threads.
_WRITE_HEAP = 48_000_000
_REBUILD_HEAP = 256_000_000
_REBUILD_THREADS = 2
# The exact-mark bonus (``exact`` field: ranking only, never matching) of a syllable is left out
# when it is dense and its marks say nothing: held by this many documents or more, and by at
# least this share of those holding the folded syllable (``nghĩa`` of the national motto is in
# every document, ``thuế`` wherever ``thue`` is). Scoring it is a walk over its whole postings
# (10 ms of the 34 of ``"nghĩa vụ thuế"`` at 1,000,000 documents) for a bonus that nearly every
# match gets alike; a smaller index, or marks that do tell documents apart, keep it.
_DENSE_BONUS_DOCS = 50_000
_DENSE_BONUS_SHARE = 0.9
# Every segment carries these files (tantivy's own components); deletions add a .del file.
_COMPONENTS = ("idx", "pos", "term", "store", "fast", "fieldnorm")


def _vietnamese_letters() -> str:
    """Every Vietnamese letter in NFC, lower and upper case: 12 vowels with 6 tones, and đ."""
    vowels = "aăâeêioôơuưy"
    tones = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook above, tilde, dot below
    letters = vowels + "đ" + "".join(unicodedata.normalize("NFC", v + t) for v in vowels for t in tones)
    return letters + letters.upper()


# Characters on which tantivy's ``simple`` tokenizer (runs of alphanumerics), ``lowercase``
# and ``ascii_fold`` give exactly what :mod:`analysis` gives: ASCII, Vietnamese letters, and
# the punctuation and symbols of administrative text (Latin-1 signs without ¹²³, general
# punctuation, currency such as ₫, letterlike such as №, arrows, maths, boxes, check marks).
# A value holding any other character — a combining mark NFC could not compose, ² or ①,
# Ø or ß, another script — is cut by our own functions and handed over as tokens; tests
# prove both halves character by character.
PLAIN_CHARS = (
    "\x00-\x7f"
    + _vietnamese_letters()
    + "\u00a0-\u00b1\u00b4-\u00b8\u00ba-\u00bf\u00d7\u00f7"
    + "\u2000-\u206f\u20a0-\u20cf\u2100-\u214f\u2190-\u23ff\u2500-\u2775"
)
_UNUSUAL = re.compile(f"[^{PLAIN_CHARS}]")
_PLAIN_SET = [chr(c) for c in range(0x2800) if _UNUSUAL.match(chr(c)) is None]  # all lie below U+2800


def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """Our syllables in Rust, for plain text: folded (``text``, ``names``) and exact (``exact``).

    The ``simple`` tokenizer cuts at every character that is not alphanumeric, like our
    syllable pattern on :data:`PLAIN_CHARS`; it costs half the CPU of a regex tokenizer on
    our pattern, which was most of a rebuild's time.
    """
    builder = tantivy.TextAnalyzerBuilder
    folded = builder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
    exact = builder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
    paired = builder(tantivy.Tokenizer.whitespace())  # pairs arrive cut: see _add_pairs()
    return {
        _FOLDED: folded.filter(tantivy.Filter.ascii_fold()).build(),
        _EXACT: exact.build(),
        _PAIRED: paired.build(),
    }


def _register(index: tantivy.Index) -> tantivy.Index:
    for name, analyzer in analyzers().items():
        index.register_tokenizer(name, analyzer)
    return index


def build_schema() -> tantivy.Schema:
    """The tantivy schema; field names are those of :mod:`sohoa.search.plan`."""
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("version", fast=True)
    sb.add_unsigned_field("issued", indexed=True, fast=True)
    sb.add_unsigned_field("recency", fast=True)  # sort="date": date, then id (plan.recency_key)
    sb.add_bytes_field("stored", stored=True)  # JSON: source name and metadata
    sb.add_bytes_field("body", stored=True)  # UTF-8, apart: JSON-escaping 2 KB costs 3x more
    # Positions live on the pairs (phrases are read there), so the syllables keep frequencies.
    sb.add_text_field("text", tokenizer_name=_FOLDED, index_option="freq")
    sb.add_text_field("names", tokenizer_name=_FOLDED, index_option="freq")
    sb.add_text_field("exact", tokenizer_name=_EXACT, index_option="freq")
    for name in _PAIRS.values():
        sb.add_text_field(name, tokenizer_name=_PAIRED, index_option="position")
    for name in sorted(p.KEYWORD_FIELDS):  # a fixed order: field ids must not vary by process
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    return sb.build()


def _document(entry: AnalyzedEntry) -> tantivy.Document:
    stored = {"source_name": entry.source_name, "meta": entry.meta}
    doc = tantivy.Document()
    doc.add_unsigned("id", entry.id)
    doc.add_unsigned("version", int(entry.version, 16))
    doc.add_unsigned("issued", entry.issued)
    doc.add_unsigned("recency", p.recency_key(entry.issued, entry.id))
    doc.add_bytes("stored", json.dumps(stored, ensure_ascii=False).encode("utf-8"))
    doc.add_bytes("body", entry.body.encode("utf-8"))
    for value in entry.text:
        if _UNUSUAL.search(value) is None:
            doc.add_text("text", value)
            doc.add_text("exact", value)
            _add_pairs(doc, _PAIRS["text"], value.translate(_PLAIN_FOLD).split())
        else:
            folded = an.folded_syllables(value)
            doc.add_pre_tokenized_text("text", _tokens(value, folded))
            doc.add_pre_tokenized_text("exact", _tokens(value, an.exact_syllables(value)))
            _add_pairs(doc, _PAIRS["text"], folded)
    for value in entry.names:
        if _UNUSUAL.search(value) is None:
            doc.add_text("names", value)
            _add_pairs(doc, _PAIRS["names"], value.translate(_PLAIN_FOLD).split())
        else:
            folded = an.folded_syllables(value)
            doc.add_pre_tokenized_text("names", _tokens(value, folded))
            _add_pairs(doc, _PAIRS["names"], folded)
    for name in ("number", "ids", "doc_type", "field"):
        for value in getattr(entry, name):
            doc.add_text(name, value)
    if entry.unit:
        doc.add_text("unit", entry.unit)
    return doc


def _plain_fold_table() -> dict[int, str]:
    """For values of :data:`PLAIN_CHARS` only: each letter or digit to its folded lower-case
    form, every other character to a space, so ``translate`` then ``split`` gives
    :func:`analysis.folded_syllables` in one pass (faster than cutting, then folding; tests
    prove it equal)."""
    table: dict[int, str] = {}
    for char in _PLAIN_SET:
        table[ord(char)] = an.fold(char) if an.SYLLABLE_RE.fullmatch(char) else " "
    return table


def _add_pairs(doc: tantivy.Document, field: str, syllables: list[str]) -> None:
    """Add the pair terms of one value's folded syllables, space-separated for the whitespace
    tokenizer (``map`` of ``str.join`` over ``zip``: half the CPU of a comprehension)."""
    if len(syllables) > 1:
        pairs = zip(syllables, syllables[1:], strict=False)
        doc.add_text(field, " ".join(map(_PAIR_JOIN.join, pairs)) + _VALUE_END)


def pair_term(left: str, right: str) -> str:
    """The term of two adjacent folded syllables in a pairs field."""
    return left + _PAIR_JOIN + right


def _tokens(value: str, syllables: list[str]) -> tantivy.PreTokenizedString:
    """``syllables`` of ``value`` as tantivy tokens, at consecutive positions.

    Offsets are not indexed (positions are): each token spans the value; snippets are cut
    from the stored body by :mod:`sohoa.search.query`, never from the index.
    """
    end = len(value)
    return tantivy.PreTokenizedString(
        value, [tantivy.Token(syllable, position, 0, end) for position, syllable in enumerate(syllables)]
    )


_PLAIN_FOLD = _plain_fold_table()


class TantivyBackend(GenerationBackend):
    """A tantivy index in generation folders under ``path`` (see :mod:`._generation_backend`)."""

    name = "tantivy"
    stamp = _STAMP
    write_errors = (OSError, ValueError)
    # An exact-mark bonus held by this many documents or more may be left out (see
    # :data:`_DENSE_BONUS_DOCS`); an instance may lower it, as tests do on a small index.
    dense_bonus_docs = _DENSE_BONUS_DOCS

    def __init__(self, path: Path, *, lock_timeout: float = 30.0) -> None:
        super().__init__(path, lock_timeout=lock_timeout)
        self._schema = build_schema()
        self._seen_commit: tuple[int, int, int] | None = None

    # -- writing ----------------------------------------------------------------------------

    def _create(self, directory: Path) -> None:
        tantivy.Index(self._schema, path=str(directory), reuse=False)

    def _compatible(self, directory: Path) -> bool:
        return tantivy.Index.is_compatible(str(directory))

    def _writer(self, directory: Path, *, bulk: bool) -> Any:
        index = _register(tantivy.Index.open(str(directory)))
        if bulk:
            return index.writer(_REBUILD_HEAP, _REBUILD_THREADS)
        return index.writer(_WRITE_HEAP, 1)

    def _is_lock_error(self, exc: Exception) -> bool:
        return isinstance(exc, ValueError) and "lock" in str(exc).lower()

    def _commit(self, writer: Any, directory: Path, *, bulk: bool) -> None:
        writer.commit()
        writer.wait_merging_threads()

    def _abandon(self, writer: Any) -> None:
        writer.rollback()
        writer.wait_merging_threads()

    def _add(self, writer: Any, entry: AnalyzedEntry) -> None:
        writer.add_document(_document(entry))

    def _replace(self, writer: Any, entries: list[AnalyzedEntry]) -> None:
        # One delete before the adds: tantivy orders operations, so it removes only the
        # earlier versions. (A u64 term given as a Python int deletes nothing; a query does.)
        self._remove(writer, [entry.id for entry in entries])
        for entry in entries:
            writer.add_document(_document(entry))

    def _remove(self, writer: Any, ids: list[int]) -> None:
        writer.delete_documents_by_query(tantivy.Query.term_set_query(self._schema, "id", ids))

    # -- reading ----------------------------------------------------------------------------

    def _open(self, directory: Path) -> tantivy.Index:
        self._seen_commit = _commit_stamp(directory)
        return tantivy.Index.open(str(directory))

    def _refresh(self, handle: tantivy.Index) -> None:
        # A reload costs about a millisecond; a commit always renames a new meta.json in.
        commit = _commit_stamp(self.path / str(self._handle_gen))
        if commit is None or commit != self._seen_commit:
            handle.reload()
            self._seen_commit = commit

    @contextlib.contextmanager
    def _searching(self, handle: tantivy.Index) -> Iterator[Any]:
        yield handle.searcher()

    def count(self) -> int:
        return self._read(lambda searcher: searcher.num_docs, 0)

    def versions(self) -> dict[int, str]:
        def read(searcher: Any) -> dict[int, str]:
            total = searcher.num_docs
            if not total:
                return {}
            hits = [addr for _, addr in searcher.search(tantivy.Query.all_query(), total, count=False).hits]
            ids = searcher.fast_field_values("id", hits)
            versions = searcher.fast_field_values("version", hits)
            return {int(i): f"{v:016x}" for i, v in zip(ids, versions, strict=True)}

        return self._read(read, {})

    def execute(self, request: p.Request) -> p.Page:
        limit = max(request.limit, 0)

        def run(searcher: Any) -> p.Page:
            # Queries are built on the schema of the index as opened (its field ids), not ours.
            translator = _Translator(self._handle.schema, searcher, dense_bonus_docs=self.dense_bonus_docs)
            query = translator(request.node)
            kwargs: dict[str, Any] = {"count": True, "offset": max(request.offset, 0)}
            if request.sort == "date":
                kwargs["order_by_field"] = "recency"
            result = searcher.search(query, max(limit, 1), **kwargs)
            matches = []
            for key, address in result.hits[:limit]:
                document = searcher.doc(address)
                stored = json.loads(document["stored"][0])
                doc_id = document["id"][0]
                matches.append(
                    p.Match(
                        id=int(doc_id),
                        score=float(key) if request.sort != "date" else 0.0,
                        source_name=stored.get("source_name") or "",
                        fields=stored.get("meta") or {},
                        body=document["body"][0].decode("utf-8"),
                    )
                )
            return p.Page(total=result.count or 0, matches=matches)

        return self._read(run, p.Page(0, []))

    def _words_key(self, searcher: Any) -> Any:
        return (searcher.num_docs, searcher.num_segments)

    def _words(self, searcher: Any) -> list[str]:
        return [t for t, _ in searcher.terms_with_prefix("text", "") if t.isalpha()]

    # -- damage -----------------------------------------------------------------------------

    def _verify(self, directory: Path) -> list[str]:
        """Check every file of the generation against the CRC in its footer."""
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            segments = meta["segments"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return [f"meta.json: {exc}"]
        problems: list[str] = []
        for segment in segments:
            seg = str(segment["segment_id"]).replace("-", "")
            names = [f"{seg}.{ext}" for ext in _COMPONENTS]
            deletes = segment.get("deletes")
            if deletes:
                names.append(f"{seg}.{deletes['opstamp']}.del")
            for name in names:
                problem = _verify_file(directory / name)
                if problem:
                    problems.append(f"{name}: {problem}")
        return problems

    def _probe(self, searcher: Any) -> Any:
        return searcher.search(tantivy.Query.all_query(), 1)


def _commit_stamp(directory: Path) -> tuple[int, int, int] | None:
    """What identifies the last commit: tantivy replaces ``meta.json`` by a rename on each."""
    try:
        stat = (directory / "meta.json").stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _verify_file(path: Path) -> str | None:
    """None when ``path`` exists and its body matches the CRC-32 of its tantivy footer."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        footer_len, magic = struct.unpack("<II", data[-8:])
        footer = json.loads(data[-8 - footer_len : -8])
        expected = int(footer["crc"])
    except (struct.error, ValueError, KeyError, TypeError):
        return "footer unreadable"
    if magic != 1337:
        return "footer unreadable"
    if zlib.crc32(data[: -8 - footer_len]) != expected:
        return "checksum mismatch"
    return None


def _term(schema: tantivy.Schema, field: str, text: str, option: str) -> tantivy.Query:
    return tantivy.Query.term_query(schema, field, text, index_option=option)


def _scored(query: tantivy.Query, field: str, boost: float, score: bool) -> tantivy.Query:
    if not score:
        return tantivy.Query.const_score_query(query, 0.0)
    if field not in p.SCORED_FIELDS:  # keyword fields score exactly their boost
        return tantivy.Query.const_score_query(query, boost)
    return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)


class _Translator:
    """Plan nodes to tantivy queries (``searcher`` tells how many documents hold a pair).

    Conjunctions are flattened into one boolean query of required, optional and excluded
    clauses: tantivy then intersects every required posting list from the rarest (a unit or
    date filter drives the words), and scores the optional ones only where all required
    match. Matches and scores are those of the nested form.
    """

    def __init__(
        self, schema: tantivy.Schema, searcher: Any = None, *, dense_bonus_docs: int = _DENSE_BONUS_DOCS
    ) -> None:
        self.schema = schema
        self.searcher = searcher
        self.dense_bonus_docs = dense_bonus_docs

    def __call__(self, node: p.Node) -> tantivy.Query:
        q = tantivy.Query
        occur = tantivy.Occur
        if isinstance(node, p.Term):
            if node.field == "exact" and self.dense_bonus(node.text):
                return q.empty_query()
            option = "freq" if node.field in p.SCORED_FIELDS else "basic"
            term = _term(self.schema, node.field, node.text, option)
            return _scored(term, node.field, node.boost, node.score)
        if isinstance(node, p.Phrase):
            if len(node.words) == 1:
                return self(p.Term(node.field, node.words[0], node.boost, node.score))
            return _scored(self.phrase(node), node.field, node.boost, node.score)
        if isinstance(node, (p.And, p.AndMaybe, p.AndNot)):
            return q.boolean_query(self.clauses(node))
        if isinstance(node, p.Or):
            return q.boolean_query([(occur.Should, self(c)) for c in node.children])
        if isinstance(node, p.Every):
            return q.const_score_query(q.all_query(), 0.0)
        if isinstance(node, p.Nothing):
            return q.empty_query()
        if isinstance(node, p.DateRange):
            low = node.low if node.low is not None else 1  # 0 is "undated"
            dates = q.range_query(self.schema, "issued", tantivy.FieldType.Unsigned, low, node.high)
            return q.const_score_query(dates, 0.0)
        raise TypeError(f"unknown plan node {node!r}")

    def dense_bonus(self, syllable: str) -> bool:
        """True when the exact-mark bonus of ``syllable`` is too common to rank by (see
        :data:`_DENSE_BONUS_DOCS`). The ``exact`` field only ever adds to a score beside the
        folded match, so leaving it out changes no match and no count."""
        if self.searcher is None:
            return False
        held = self.searcher.doc_freq("exact", syllable)
        if held < self.dense_bonus_docs:
            return False
        return held >= _DENSE_BONUS_SHARE * self.searcher.doc_freq("text", an.fold(syllable))

    def clauses(self, node: p.Node) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """``node`` as the clauses of one conjunction (its required parts, the optional ones
        that only add to their score, the excluded ones), nested conjunctions included."""
        occur = tantivy.Occur
        if isinstance(node, p.And):
            return [clause for child in node.children for clause in self.clauses(child)]
        if isinstance(node, p.AndMaybe):
            return [*self.clauses(node.required), (occur.Should, self(node.optional))]
        if isinstance(node, p.AndNot):
            return [*self.clauses(node.positive), (occur.MustNot, self(node.negative))]
        return [(occur.Must, self(node))]

    def phrase(self, node: p.Phrase) -> tantivy.Query:
        """A phrase through its pair terms: two words are one term; a longer phrase is a
        phrase of every other pair and the last (``a_b c_d`` for four words, ``a_b c_d d_e``
        for five), at their positions: the fewest postings that still fix every word. A pair
        left out that is rarer than every pair taken is taken too: tantivy walks the rarest
        postings and only seeks in the others (``phep_xay`` in ``giấy phép xây dựng``)."""
        q = tantivy.Query
        pairs_field = _PAIRS.get(node.field)
        if pairs_field is None:
            return q.phrase_query(self.schema, node.field, list(node.words))
        words = node.words
        pairs = [pair_term(a, b) for a, b in zip(words, words[1:], strict=False)]
        if len(pairs) == 1:
            return _term(self.schema, pairs_field, pairs[0], "freq")
        picked = list(range(0, len(pairs), 2))
        if picked[-1] != len(pairs) - 1:
            picked.append(len(pairs) - 1)
        if self.searcher is not None:
            held = {pair: self.searcher.doc_freq(pairs_field, pair) for pair in set(pairs)}
            rarest = min(held[pairs[i]] for i in picked)
            picked = [i for i in range(len(pairs)) if i in picked or held[pairs[i]] < rarest]
        return q.phrase_query(self.schema, pairs_field, [(i, pairs[i]) for i in picked])
