"""Searching the index: the desk's query language, the query plan, hits and snippets.

What a clerk types, and what it means:

* ``nguyen thi thu ha ket hon`` — every word must occur (accents optional); documents where
  the words stand next to each other (the name as written) rank first;
* ``Nguyễn Thị Thu Hà`` — typed with marks: the same documents, exact-diacritic ones first;
* ``"Nguyễn Văn Lượng"`` — a phrase; ``A OR B``, ``NOT x`` or ``-x``, parentheses;
* ``1234/QĐ-UBND``, ``qd-ubnd``, ``1234`` — a document number whole or in part, any case,
  with or without ``Đ``; the document carrying that number ranks above those citing it;
* ``026190001234`` — a 9–13 digit ID number, matched exactly;
* ``field:value`` — ``so:`` (number), ``cccd:`` (ID), ``ten:`` (name), ``loai:`` (type),
  ``linhvuc:``, ``donvi:``, ``nam:2019``, ``ngay:2019-06-10`` (English aliases too: number,
  id, name, type, field, unit, year, date).

Query plan: the query compiles to engine-neutral nodes (:mod:`sohoa.search.plan`) that a
backend (:mod:`sohoa.search.backend`) runs. Phrases are positional: ``"Nguyễn Thị Thu Hà"``
matches only documents holding the four syllables next to each other in one value (the body
or one name), never a document with "Nguyễn Thị Phượng" and "Lê Thị Thu Hà". Adjacency
bonuses for unquoted words are optional two-word phrases, only scored on documents that
already match. Filters are score-less clauses.

Snippets mark matched words with ``[[`` and ``]]`` (:data:`MARK_START`, :data:`MARK_END`)
around the original accented text; the CLI colours them or prints them as they are.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sohoa.search import analysis as an
from sohoa.search import plan as ex
from sohoa.search.backend import SearchBackend
from sohoa.search.plan import SortOrder
from sohoa.search.schema import date_key, to_date

log = logging.getLogger(__name__)

MARK_START = "[["
MARK_END = "]]"

# Score boosts. A number or ID match must outrank any amount of body text citing it; an
# exact-diacritic syllable must outrank the same syllable with other marks; a name match
# and adjacency are tie-breakers among documents that match anyway.
_NUMBER_BOOST = 40.0
_ID_BOOST = 60.0
_EXACT_BOOST = 1.5
_NAME_BOOST = 0.6
_PAIR_BOOST = 1.0
_FUZZY_BOOST = 0.4
_FUZZY_VARIANTS = 12
_FUZZY_PAIRS = 3  # variants per word that take part in adjacency bonuses

_SNIPPET_CHARS = 220
# Matched words separated only by spaces or number punctuation are marked as one span.
_JOINABLE_GAP = re.compile(r"\s*|[/.\-]")
_SNIPPET_LEAD = 40


@dataclass(frozen=True)
class Hit:
    """One result. ``fields`` is the document's metadata as indexed (plus ``unit`` and
    ``unit_name``); ``snippet`` is a passage with matched words between ``[[`` and ``]]``."""

    id: int
    score: float
    source_name: str
    fields: dict[str, Any]
    snippet: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "source_name": self.source_name,
            "fields": self.fields,
            "snippet": self.snippet,
        }


@dataclass(frozen=True)
class SearchResult:
    """The hits of one search; ``total`` counts every matching document, not just ``hits``."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The documented ``--json`` shape: ``{"query", "total", "hits": [...]}``."""
        return {"query": self.query, "total": self.total, "hits": [h.to_json() for h in self.hits]}


# -- parsing ---------------------------------------------------------------------------


@dataclass
class _Atom:
    text: str
    phrase: bool = False
    field: str | None = None


@dataclass
class _Not:
    child: _Node


@dataclass
class _And:
    children: list[_Node]


@dataclass
class _Or:
    children: list[_Node]


_Node = _Atom | _Not | _And | _Or

_FIELD_ALIASES = {
    "so": "number",
    "sohieu": "number",
    "kyhieu": "number",
    "number": "number",
    "cccd": "id",
    "cmnd": "id",
    "dinhdanh": "id",
    "id": "id",
    "ten": "name",
    "hoten": "name",
    "name": "name",
    "loai": "type",
    "type": "type",
    "linhvuc": "field",
    "field": "field",
    "donvi": "unit",
    "unit": "unit",
    "nam": "year",
    "year": "year",
    "ngay": "date",
    "date": "date",
    "text": "text",
    "noidung": "text",
    "trichyeu": "text",
    "title": "text",
}

_LEX_RE = re.compile(
    r"""\s*(?:
        (?P<lpar>\()|(?P<rpar>\))|
        (?P<neg>-)?(?:(?P<field>[^\W\d_][\w]*):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s()"]+))
    )""",
    re.VERBOSE,
)


# An ID number typed in groups ("026 197 419 930"): joined when the digits make 9 to 13.
_GROUPED_DIGITS_RE = re.compile(r"(?<![\w/.-])\d{2,4}(?:[ .]\d{2,4}){2,5}(?![\w/.-])")


def _join_digit_groups(match: re.Match[str]) -> str:
    digits = re.sub(r"[ .]", "", match.group())
    return digits if 9 <= len(digits) <= 13 else match.group()


def _lex(text: str) -> list[tuple[str, Any]]:
    """Cut a query into parentheses, operators and atoms (never fails on odd input)."""
    text = an.nfc(text).replace("“", '"').replace("”", '"').replace("„", '"')
    text = _GROUPED_DIGITS_RE.sub(_join_digit_groups, text)
    tokens: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        match = _LEX_RE.match(text, pos)
        if not match or match.end() == pos:
            pos += 1
            continue
        pos = match.end()
        if match.group("lpar"):
            tokens.append(("(", None))
        elif match.group("rpar"):
            tokens.append((")", None))
        else:
            phrase, word, name = match.group("phrase"), match.group("word"), match.group("field")
            negated = bool(match.group("neg"))
            if not negated and name is None and phrase is None and word in ("AND", "OR", "NOT"):
                tokens.append((word, None))
                continue
            fieldname = _FIELD_ALIASES.get(an.fold(name)) if name else None
            if name and fieldname is None:  # "x:y" with an unknown x is plain text
                if phrase is None:
                    word = f"{name}:{word}"
                else:
                    tokens.append(("atom", _Atom(name)))
            if fieldname is None and not an.exact_syllables(phrase if phrase is not None else word):
                continue  # punctuation alone ("-", "/", '""') means nothing; never "match nothing"
            if negated:
                tokens.append(("NOT", None))
            if phrase is not None:
                tokens.append(("atom", _Atom(phrase, phrase=True, field=fieldname)))
            else:
                tokens.append(("atom", _Atom(word, field=fieldname)))
    return tokens


class _Parser:
    """Recursive descent: ``or := and (OR and)*``, ``and := unary (AND? unary)*``,
    ``unary := NOT unary | ( or ) | atom``. Stray operators and parentheses are ignored."""

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse(self) -> _Node | None:
        nodes = []
        while self.pos < len(self.tokens):
            node = self.parse_or()
            if node is not None:
                nodes.append(node)
            elif self.pos < len(self.tokens):
                self.pos += 1  # a stray ")" or operator
        return _join(_And, nodes)

    def parse_or(self) -> _Node | None:
        nodes = [self.parse_and()]
        while self.peek() == "OR":
            self.pos += 1
            nodes.append(self.parse_and())
        return _join(_Or, [n for n in nodes if n is not None])

    def parse_and(self) -> _Node | None:
        nodes = []
        while True:
            kind = self.peek()
            if kind == "AND":
                self.pos += 1
                continue
            if kind in (None, ")", "OR"):
                break
            node = self.parse_unary()
            if node is not None:
                nodes.append(node)
        return _join(_And, nodes)

    def parse_unary(self) -> _Node | None:
        kind = self.peek()
        if kind == "NOT":
            self.pos += 1
            child = self.parse_unary()
            return _Not(child) if child is not None else None
        if kind == "(":
            self.pos += 1
            node = self.parse_or()
            if self.peek() == ")":
                self.pos += 1
            return node
        if kind == "atom":
            atom = self.tokens[self.pos][1]
            self.pos += 1
            return atom
        self.pos += 1
        return None


def _join(kind: type[_And] | type[_Or], nodes: list[_Node]) -> _Node | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return kind(nodes)


def parse_query(text: str) -> _Node | None:
    """The syntax tree of a query (None for an empty query)."""
    return _Parser(_lex(text)).parse()


# -- compiling -------------------------------------------------------------------------


_ID_RE = re.compile(r"\d{9,13}")


@dataclass
class _Plan:
    """What compiling a query learned: the syllables to highlight, and per-call settings."""

    marked: bool
    fuzzy: bool
    index: SearchBackend
    highlight: set[str] = field(default_factory=set)
    variants: set[str] = field(default_factory=set)  # fuzzy matches: highlighted, weigh less
    _variants: dict[str, list[str]] = field(default_factory=dict)

    def quiet(self) -> _Plan:
        """A plan for negated parts: same settings, but no highlights and no fuzziness."""
        return _Plan(self.marked, False, self.index)

    def fuzzy_variants(self, folded: str) -> list[str]:
        """Folded syllables within a small edit distance of ``folded`` (OCR damage), nearest
        first; empty unless fuzzy matching was asked for."""
        if not self.fuzzy:
            return []
        cached = self._variants.get(folded)
        if cached is None:
            cached = self._variants[folded] = self._find_variants(folded)
        return cached

    def _find_variants(self, folded: str) -> list[str]:
        # Vietnamese syllables are short: one edit turns "minh" into "kinh", "linh", "vinh",
        # so syllables under five letters are left exact.
        if len(folded) < 5 or not folded.isalpha():
            return []
        maxdist = 1 if len(folded) < 8 else 2
        return self.index.term_variants(folded, maxdist, _FUZZY_VARIANTS)


def _word_query(syllable: str, plan: _Plan) -> Any:
    """One syllable: folded match, plus exact-mark and name bonuses, plus fuzzy variants."""
    folded = an.fold(syllable)
    plan.highlight.add(folded)
    clauses: list[Any] = [ex.Term("text", folded), ex.Term("names", folded, boost=_NAME_BOOST)]
    if plan.marked and not syllable.isdigit():
        clauses.append(ex.Term("exact", syllable, boost=_EXACT_BOOST))
    for variant in plan.fuzzy_variants(folded):
        plan.variants.add(variant)
        clauses.append(ex.Term("text", variant, boost=_FUZZY_BOOST))
    return ex.Or(tuple(clauses))


def _phrase_query(syllables: list[str], plan: _Plan) -> Any:
    """Consecutive syllables at consecutive positions (judged on folded text)."""
    if len(syllables) == 1:
        return _word_query(syllables[0], plan)
    folded = tuple(an.fold(s) for s in syllables)
    plan.highlight.update(folded)
    query: Any = ex.Phrase("text", folded)
    bonus: list[Any] = [ex.Phrase("names", folded, boost=_NAME_BOOST)]
    if plan.marked:
        bonus += [ex.Term("exact", s, boost=_EXACT_BOOST) for s in syllables if not s.isdigit()]
    return ex.AndMaybe(query, ex.Or(tuple(bonus)))


def _number_query(text: str, syllables: list[str], plan: _Plan) -> Any:
    """A number or symbol: the number field whole (boosted), or the same syllables in text."""
    parts = an.number_parts(text)
    clauses: list[Any] = [_phrase_query(syllables, plan)]
    if parts:
        clauses.append(ex.Term("number", an.number_key(parts), boost=_NUMBER_BOOST))
    return ex.Or(tuple(clauses))


def _date_range(text: str) -> tuple[int, int] | None:
    """``2019`` → the whole year; ``2019-06`` or ``06/2019`` → the month; a full date → that day."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return year * 10000 + 101, year * 10000 + 1231
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{4})", text)
    if match:
        year = int(match.group(1) or match.group(4))
        month = int(match.group(2) or match.group(3))
        return year * 10000 + month * 100 + 1, year * 10000 + month * 100 + 31
    day = to_date(text)
    if day is not None:
        return date_key(day), date_key(day)
    return None


def _fielded_query(atom: _Atom, plan: _Plan) -> Any:
    name, text = atom.field, atom.text
    if name == "number":
        parts = an.number_parts(text)
        plan.highlight.update(parts)
        return ex.Term("number", an.number_key(parts), boost=_NUMBER_BOOST) if parts else ex.Nothing()
    if name == "id":
        digits = an.id_terms([text])
        plan.highlight.update(digits)
        return ex.Or(tuple(ex.Term("ids", d, boost=_ID_BOOST) for d in digits)) if digits else ex.Nothing()
    if name == "name":
        syllables = an.folded_syllables(text)
        plan.highlight.update(syllables)
        if not syllables:
            return ex.Nothing()
        return ex.Phrase("names", tuple(syllables))
    if name in ("type", "field"):
        key = an.keyword_key(text)
        fieldname = "doc_type" if name == "type" else "field"
        return ex.Term(fieldname, key, boost=0.0) if key else ex.Nothing()
    if name == "unit":
        return ex.Term("unit", an.nfc(text), boost=0.0)
    if name in ("year", "date"):
        span = _date_range(text)
        return ex.DateRange(span[0], span[1]) if span else ex.Nothing()
    return _atom_query(_Atom(text, atom.phrase), plan)  # "text:" and friends: plain text


def _atom_query(atom: _Atom, plan: _Plan) -> Any:
    if atom.field is not None:
        return _fielded_query(atom, plan)
    syllables = an.exact_syllables(atom.text)
    if not syllables:
        return ex.Nothing()
    compact = re.sub(r"[\s.]", "", atom.text)
    if _ID_RE.fullmatch(compact):
        plan.highlight.add(compact)
        # 9-13 digits: a personal ID, or a household-business code kept as the number.
        return ex.Or(
            (
                ex.Term("ids", compact, boost=_ID_BOOST),
                ex.Term("number", compact, boost=_NUMBER_BOOST),
                _phrase_query(syllables, plan),
            )
        )
    if len(syllables) > 1 and not atom.phrase:
        return _number_query(atom.text, syllables, plan)  # 231/UBND-ĐT, qd-ubnd, 10/6/2024
    if any(c.isdigit() for c in atom.text):
        return _number_query(atom.text, syllables, plan)
    if atom.phrase:
        return _phrase_query(syllables, plan)
    return _word_query(syllables[0], plan)


def _is_plain_word(node: _Node) -> bool:
    return (
        isinstance(node, _Atom)
        and node.field is None
        and not node.phrase
        and len(an.exact_syllables(node.text)) == 1
        and not any(c.isdigit() for c in node.text)
    )


def _compile(node: _Node, plan: _Plan) -> Any:
    if isinstance(node, _Atom):
        return _atom_query(node, plan)
    if isinstance(node, _Or):
        return ex.Or(tuple(_compile(c, plan) for c in node.children))
    if isinstance(node, _Not):
        return ex.AndNot(ex.Every(), _compile(node.child, plan.quiet()))
    positives = [c for c in node.children if not isinstance(c, _Not)]
    negatives = [c.child for c in node.children if isinstance(c, _Not)]
    required: Any = ex.And(tuple(_compile(c, plan) for c in positives)) if positives else ex.Every()
    bonus = _adjacency_bonus(positives, plan)
    if bonus is not None:
        required = ex.AndMaybe(required, bonus)
    if negatives:
        # Negated parts never add highlights (they are not in the documents shown).
        excluded = ex.Or(tuple(_compile(c, plan.quiet()) for c in negatives))
        required = ex.AndNot(required, excluded)
    return required


def _adjacency_bonus(nodes: list[_Node], plan: _Plan) -> Any | None:
    """Optional pair terms for runs of plain words, so ``nguyen thi thu ha ket hon`` ranks the
    document where the name is written as one name above one with the words scattered.
    In fuzzy mode the nearest variants pair up too (``hoaug minh`` rewards ``hoang minh``)."""
    pairs: list[tuple[str, str]] = []
    run: list[list[str]] = []
    for node in [*nodes, None]:
        if node is not None and _is_plain_word(node):
            word = an.folded_syllables(node.text)[0]  # type: ignore[union-attr]
            run.append([word, *plan.fuzzy_variants(word)[:_FUZZY_PAIRS]])
            continue
        for left, right in zip(run, run[1:], strict=False):
            pairs += [(a, b) for a in left for b in right]
        run = []
    if not pairs:
        return None
    return ex.Or(tuple(ex.Phrase("text", pair, boost=_PAIR_BOOST) for pair in dict.fromkeys(pairs)))


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _filters(
    units: Sequence[str] | None,
    doc_type: str | Sequence[str] | None,
    field_: str | Sequence[str] | None,
    date_from: dt.date | str | None,
    date_to: dt.date | str | None,
) -> list[Any]:
    filters: list[Any] = []
    if units is not None:
        filters.append(ex.Or(tuple(ex.Term("unit", an.nfc(u), score=False) for u in units)))
    for name, value in (("doc_type", doc_type), ("field", field_)):
        values = _as_list(value)
        if values:
            filters.append(ex.Or(tuple(ex.Term(name, an.keyword_key(v), score=False) for v in values)))
    start = to_date(date_from) if date_from else None
    end = to_date(date_to) if date_to else None
    if date_from and start is None:
        raise ValueError(f"not a date: {date_from!r}")
    if date_to and end is None:
        raise ValueError(f"not a date: {date_to!r}")
    if start or end:
        filters.append(ex.DateRange(date_key(start) if start else None, date_key(end) if end else None))
    return filters


def build_plan(
    index: SearchBackend, text: str, *, fuzzy: bool = False, filters: Sequence[Any] = ()
) -> tuple[Any, dict[str, float]]:
    """Compile ``text`` into a query plan and the folded syllables to highlight, weighted
    (what was typed 1.0, fuzzy variants less, so snippets centre on the words typed)."""
    plan = _Plan(marked=an.has_marks(text), fuzzy=fuzzy, index=index)
    node = parse_query(text)
    query = _compile(node, plan) if node is not None else ex.Every()
    if filters:
        # Filters are score-less clauses: they narrow the match without re-ranking.
        query = ex.And((query, *filters))
    weights = dict.fromkeys(plan.variants, _FUZZY_BOOST)
    weights.update(dict.fromkeys(plan.highlight, 1.0))
    return query, weights


def search(
    index: SearchBackend,
    query: str,
    *,
    units: Sequence[str] | None = None,
    doc_type: str | Sequence[str] | None = None,
    field: str | Sequence[str] | None = None,
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    sort: SortOrder = "relevance",
    limit: int = 20,
    offset: int = 0,
    fuzzy: bool = False,
) -> SearchResult:
    """Search the index; see the module docstring for the query language.

    ``units`` restricts to those unit codes (the caller expands a unit to its sub-units; an
    empty list matches nothing); ``doc_type`` and ``field`` compare folded, so ``"ho tich"``
    equals ``"Hộ tịch"``; dates are inclusive. ``sort="date"`` puts the newest first
    (undated documents last). An empty query lists the documents the filters allow.
    ``offset`` skips that many hits (pages); ``total`` still counts every match. Never
    writes and never waits for a writer. Raises ``ValueError`` for a bad ``sort`` or date,
    :class:`~sohoa.errors.SearchIndexError` when the index cannot be read.
    """
    if sort not in ("relevance", "date"):
        raise ValueError(f"sort must be 'relevance' or 'date', not {sort!r}")
    started = time.perf_counter()
    filters = _filters(units, doc_type, field, date_from, date_to)
    plan, highlight = build_plan(index, query, fuzzy=fuzzy, filters=filters)
    if not query.strip():
        sort = "date"
    page = index.execute(ex.Request(plan, limit=max(limit, 0), offset=max(offset, 0), sort=sort))
    hits = [_hit(match, highlight) for match in page.matches]
    elapsed = (time.perf_counter() - started) * 1000
    log.debug("search: %d hits of %d in %.1f ms", len(hits), page.total, elapsed)
    return SearchResult(query=an.nfc(query), total=page.total, hits=hits)


def _hit(match: ex.Match, highlight: Mapping[str, float]) -> Hit:
    meta = dict(match.fields)
    body = match.body
    if not body.strip():
        body = " — ".join(str(meta[k]) for k in ("title", "summary") if meta.get(k))
    return Hit(
        id=match.id,
        score=match.score,
        source_name=match.source_name,
        fields=meta,
        snippet=make_snippet(body, highlight),
    )


# -- snippets --------------------------------------------------------------------------


def make_snippet(text: str, terms: Mapping[str, float] | set[str], width: int = _SNIPPET_CHARS) -> str:
    """A passage of ``text`` around the densest cluster of ``terms`` (folded syllables, with
    weights when a mapping), each matched word wrapped in ``[[...]]`` in its original
    accented form.

    Neighbouring matched words are marked as one (``[[Nguyễn Thị Thu Hà]]``); whitespace
    and line breaks collapse to single spaces; ``…`` marks a cut at either end.
    """
    text = an.nfc(text)
    if not text:
        return ""
    weights = terms if isinstance(terms, Mapping) else dict.fromkeys(terms, 1.0)
    matched = _matches(text, weights)
    if not matched:
        return _clip(text, 0, width)
    best_start, best_end, best_score = 0, 0, -1.0
    for first, (first_start, _, _) in enumerate(matched):
        limit = first_start + width - _SNIPPET_LEAD
        window = [m for m in matched[first:] if m[1] <= limit]
        inside = {m[2] for m in window}
        # distinct words typed first, then how many matches the window holds
        score = sum(weights[t] for t in inside) * 1000 + len(window)
        if score > best_score:
            best_start, best_end, best_score = first_start, window[-1][1] if window else 0, score
    start = max(0, best_start - _SNIPPET_LEAD)
    if start > 0:  # begin at a word boundary
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(text), max(start + width, best_end))
    if end < len(text):
        space = text.rfind(" ", max(start, best_end), end)
        end = space if space > start + width // 2 and space >= best_end else end
    spans = [(s, e) for s, e, _ in matched if s >= start and e <= end]
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and _JOINABLE_GAP.fullmatch(text[merged[-1][1] : s]):
            merged[-1][1] = e
        else:
            merged.append([s, e])
    out = []
    cursor = start
    for s, e in merged:
        out.append(text[cursor:s])
        out.append(MARK_START + text[s:e] + MARK_END)
        cursor = e
    out.append(text[cursor:end])
    snippet = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")


def _matches(text: str, weights: Mapping[str, float]) -> list[tuple[int, int, str]]:
    """``(start, end, folded syllable)`` of every syllable of ``text`` whose fold is in ``weights``.

    Folds the whole text once (one C-level ``translate``) and finds the words with one
    regular expression over the folded copy, whose offsets are the original's when folding
    kept every character (NFC text without stray combining marks: nearly always); otherwise
    folds syllable by syllable. Folding token by token in Python was most of a search's time;
    a pattern of accented letter classes instead cost ~3 ms to compile per query.
    """
    if not weights:
        return []
    folded = an.fold(text)
    if len(folded) == len(text):
        pattern = _words_pattern(frozenset(weights))
        return [(m.start(), m.end(), m.group()) for m in pattern.finditer(folded)]
    out = []
    for start, end, syllable in an.iter_syllables(text):
        key = an.fold(syllable)
        if key in weights:
            out.append((start, end, key))
    return out


@functools.lru_cache(maxsize=256)
def _words_pattern(words: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def _clip(text: str, start: int, width: int) -> str:
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    return re.sub(r"\s+", " ", text[start:end]).strip() + ("…" if end < len(text) else "")
