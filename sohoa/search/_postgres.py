"""The PostgreSQL backend: full text in the archive's own database, for many desks at once.

Why the index is a table: when several desks share one PostgreSQL archive, an index folder
on one machine is the wrong place; a table written in the *same transaction* as the document
can never drift from it (no pending outbox), and every desk reads it through the database.

What PostgreSQL keeps and what stays ours. Analysis stays ours: each document's vectors are
built here from :func:`analysis.folded_syllables` / :func:`analysis.exact_syllables` (not by
PostgreSQL's parser, which cuts ``1234/QĐ-UBND`` and Vietnamese syllables its own way), so
every engine answers the same words. Three ``tsvector`` columns, each field under its own
prefix; the first alone is indexed (GIN), so a whole plan becomes one ``tsquery`` on it:

* ``tsv`` (matching, no positions): folded syllables of ``text`` as they are (``nguyen``),
  ``n:`` folded name syllables, ``#:`` number keys, ``i:`` ID numbers, ``t:`` type,
  ``f:`` field, ``u:`` unit; and ``b:`` / ``nb:`` each run of two adjacent syllables of a
  text / name value, ``b3:`` / ``nb3:`` of three, ``b4:`` / ``nb4:`` of four
  (``b3:giay phep xay``): a phrase of up to four words is one exact GIN lookup, counted
  without reading any vector, and a longer one is looked up as all its 4-word runs before
  PostgreSQL checks positions, so it reads the vectors of near-hits only;
* ``ptsv`` (small, read per candidate): the folded text and name syllables with positions
  (names count from 1 again: prefixed lexemes never meet text positions) and the keys:
  phrase checks and every score but the marks bonus;
* ``etsv``: ``e:`` exact syllables with positions (``e:nguyễn``), for the marks bonus only.
  A marked word always comes with its fold in the plan, so it never needs the index.

Values of one field are separated by a gap of positions, so ``<->`` (phrases) crosses line
breaks inside a value but never joins two values. PostgreSQL keeps positions 1..16383 and at
most 256 per lexeme: syllables past the limit all sit on the last position, with the one
before it left empty, so they still match words but never make a phrase of five words or
more (precision kept; shorter phrases are runs, found at any depth).

Where a search's time goes, and why the layout is what it is (measured at 100,000 documents
of ~2.4 KB): PostgreSQL 15 reads the heap page of every row a bitmap scan counts, so counting
``nguyen van`` or a common phrase costs one heap visit per match. The vectors therefore live
out of line (TOAST, uncompressed): the heap is ~90 bytes a row and stays in shared buffers,
and a count never reads a vector unless a phrase longer than four words must be checked.

Ranking: the count is exact (``count(*)`` over the GIN match, which in the same pass hands
over the first candidates); only a bounded set of candidates (those and the matches of a
strong leaf — a number, an ID, a phrase, two words side by side — found through the GIN
index) is scored leaf by leaf with the plan's boosts, reading only its small vectors (ptsv,
and etsv when marks were typed), each once. Fuzzy variants
come from a table of folded words with a ``pg_trgm`` index.

A rebuild writes new tables in one transaction that holds an EXCLUSIVE lock on the old
ones (writers wait, readers keep reading the old rows) and swaps them at commit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from sohoa.errors import IndexBusyError, SearchIndexError
from sohoa.i18n import _
from sohoa.search import analysis as an
from sohoa.search import plan as p
from sohoa.search.schema import SCHEMA_VERSION, AnalyzedEntry, IndexEntry, analyze

log = logging.getLogger(__name__)

TABLE = "search_documents"
WORDS = "search_words"
STORED = "search_stored"  # what a hit shows, apart: the search table stays small to scan
EXTENSIONS = ("pg_trgm",)
# The layout of our vectors (prefixes, pair lexemes): part of the stamp, so a change rebuilds.
_LAYOUT = 6
STAMP = f"postgres {SCHEMA_VERSION}.{_LAYOUT}"

# Lexeme prefixes of the fields (text has none: its syllables are letters and digits only).
_PREFIX = {
    "text": "",
    "exact": "e:",
    "names": "n:",
    "number": "#:",
    "ids": "i:",
    "doc_type": "t:",
    "field": "f:",
    "unit": "u:",
}
# Runs of 2, 3 and 4 adjacent syllables of a value ("b:giay phep", "b3:giay phep xay", "b4:..."),
# without positions: a phrase of up to four words is one exact GIN lookup (no vector is read to
# count it), and a longer one is first narrowed to documents holding all its 4-word runs, so
# the positional check reads the vectors of (nearly) true hits only.
_SHINGLES = {"text": ("b:", "b3:", "b4:"), "names": ("nb:", "nb3:", "nb4:")}
_LONGEST = 4  # the longest run indexed whole
_GAP = 8  # positions left empty between two values of a field: "<->" never joins them
_LAST = 16383  # PostgreSQL's highest position; overflowing syllables all sit there
_MAX_POSITIONS = 255  # per lexeme (PostgreSQL keeps 256)
_BATCH = 500
_CANDIDATES = 200  # matches scored per search (beside those of a strong leaf)
_TRGM_THRESHOLD = 0.2
_TRGM_CANDIDATES = 200
# ts_rank divided by 1 + log(document length): long documents repeating common words must
# not bury a short one holding them all (what BM25's length normalisation does for tantivy).
_NORMALIZATION = 1
_READ_ATTEMPTS = 5
_READ_SETTINGS = "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)"
_PROGRESS_EVERY = 250
# Worth a retry: a table swapped by a rebuild, a server restart, serialization or deadlock.
_RETRY = frozenset({"42P01", "57P01", "57P02", "57P03", "40001", "40P01", "08006", "08003"})


def table_ddl(
    table: str = TABLE, words: str = WORDS, stored: str = STORED, trgm_schema: str = "public"
) -> list[str]:
    """The statements creating the index tables (other names allow building aside)."""
    return table_statements(table, words, stored) + index_statements(table, words, trgm_schema)


def table_statements(table: str, words: str, stored: str) -> list[str]:
    """The tables. Every vector of ``table`` lives out of line in TOAST, uncompressed
    (``toast_tuple_target = 128``, ``STORAGE EXTERNAL``), so a heap row is ~90 bytes: counting
    the matches of a common word visits ~1,100 heap pages at 100,000 documents (they stay in
    shared buffers) instead of one page per two documents, and the vectors are read only for
    the few candidates scored and for phrases longer than :data:`_LONGEST` words."""
    return [
        f"""CREATE TABLE {table} (
            id bigint PRIMARY KEY,
            version char(16) NOT NULL,
            issued integer NOT NULL DEFAULT 0,
            tsv tsvector NOT NULL,
            ptsv tsvector NOT NULL,
            etsv tsvector NOT NULL
        ) WITH (toast_tuple_target = 128)""",
        f"ALTER TABLE {table} ALTER COLUMN tsv SET STORAGE EXTERNAL",
        f"ALTER TABLE {table} ALTER COLUMN ptsv SET STORAGE EXTERNAL",
        f"ALTER TABLE {table} ALTER COLUMN etsv SET STORAGE EXTERNAL",
        f"""CREATE TABLE {stored} (
            id bigint PRIMARY KEY,
            source_name text NOT NULL,
            meta text NOT NULL,
            body text NOT NULL
        )""",
        f"CREATE TABLE {words} (word text PRIMARY KEY)",
        f"COMMENT ON TABLE {table} IS '{STAMP}'",
    ]


def index_statements(table: str, words: str, trgm_schema: str) -> list[str]:
    """Built after a bulk load: one GIN build over all rows is many times faster than row by row.

    ``fastupdate`` is off: a document written later goes straight into the index (a few ms
    more per document, which OCR dwarfs) instead of a pending list every search must scan."""
    return [
        f"CREATE INDEX {table}_tsv ON {table} USING gin (tsv) WITH (fastupdate = off)",
        f"CREATE INDEX {table}_issued ON {table} (issued)",
        f'CREATE INDEX {words}_trgm ON {words} USING gin (word "{trgm_schema}".gin_trgm_ops)',
    ]


def missing_extensions_message(database: str, missing: Iterable[str], reason: str = "") -> str:
    """What a DBA must run when the archive's account may not create the extensions."""
    commands = "; ".join(f"CREATE EXTENSION IF NOT EXISTS {name}" for name in missing)
    return _(
        "Cơ sở dữ liệu %(database)s thiếu phần mở rộng PostgreSQL cho tìm kiếm%(reason)s: quản trị viên "
        "CSDL cần chạy `%(commands)s;` trong CSDL này (gói postgresql-contrib), rồi chạy lại"
    ) % {"database": database, "reason": f" ({reason})" if reason else "", "commands": commands}


# -- analysis into a tsvector ----------------------------------------------------------------


def _quote(lexeme: str) -> str:
    """A lexeme as tsvector/tsquery input: quoted, quotes and backslashes doubled."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class _Positions:
    """Lexemes of one document: syllables with positions (within PostgreSQL's limits), and
    keys and runs without.

    Plain loops over dicts and lists: this is most of the per-document cost on our side.
    """

    def __init__(self) -> None:
        self.lexemes: dict[str, list[int]] = {}
        self.keys: dict[str, None] = {}
        self.runs: dict[str, None] = {}

    def add_values(self, prefix: str, values: Iterable[list[str]], shingles: tuple[str, ...] = ()) -> None:
        lexemes, runs = self.lexemes, self.runs
        position = 1
        for syllables in values:
            for at, syllable in enumerate(syllables, position):
                key = prefix + syllable
                slots = lexemes.get(key)
                if slots is None:
                    lexemes[key] = [at]
                else:
                    slots.append(at)
            if shingles:  # runs of 2..4 syllables
                two, three, four = shingles
                count = len(syllables)
                for i in range(count - 1):
                    run = f"{syllables[i]} {syllables[i + 1]}"
                    runs[two + run] = None
                    if i + 2 < count:
                        run = f"{run} {syllables[i + 2]}"
                        runs[three + run] = None
                        if i + 3 < count:
                            runs[f"{four}{run} {syllables[i + 3]}"] = None
            position += len(syllables) + _GAP

    def add_keys(self, prefix: str, keys: Iterable[str]) -> None:
        for key in keys:
            if key:
                self.keys[prefix + key] = None

    def literals(self) -> tuple[str, str, str]:
        """``tsv`` (GIN: folded syllables, keys and runs, no positions), ``ptsv`` (folded text
        and name syllables with positions, and keys: phrase checks and most scores) and
        ``etsv`` (exact syllables with positions: the marks bonus)."""
        bare, positional, exact = [], [], []
        for lexeme, positions in self.lexemes.items():
            quoted = f"'{lexeme}'" if "'" not in lexeme and "\\" not in lexeme else _quote(lexeme)
            if positions[-1] >= _LAST - 1:
                # past the limit every syllable shares the last position, and the one before
                # it stays empty: they match words, never phrases
                positions = list(dict.fromkeys(at if at < _LAST - 1 else _LAST for at in positions))
            part = f"{quoted}:{','.join(map(str, positions[:_MAX_POSITIONS]))}"
            if lexeme.startswith(_PREFIX["exact"]):
                exact.append(part)
            else:
                positional.append(part)
                bare.append(quoted)
        keys = [_quote(k) for k in self.keys]
        bare += keys
        bare += [f"'{r}'" for r in self.runs]  # syllables are letters and digits: nothing to escape
        positional += keys
        return " ".join(bare), " ".join(positional), " ".join(exact)


def tsvector_literals(entry: AnalyzedEntry) -> tuple[str, str, str]:
    """The ``tsv``, ``ptsv`` and ``etsv`` input of one analysed entry (see the module docstring)."""
    return _lexemes(entry).literals()


def _lexemes(entry: AnalyzedEntry) -> _Positions:
    lex = _Positions()
    lex.add_values("", (an.folded_syllables(v) for v in entry.text), _SHINGLES["text"])
    lex.add_values(_PREFIX["exact"], (an.exact_syllables(v) for v in entry.text))
    lex.add_values(_PREFIX["names"], (an.folded_syllables(v) for v in entry.names), _SHINGLES["names"])
    for name in ("number", "ids", "doc_type", "field"):
        lex.add_keys(_PREFIX[name], getattr(entry, name))
    if entry.unit:
        lex.add_keys(_PREFIX["unit"], [entry.unit])
    return lex


def _row(entry: AnalyzedEntry) -> dict[str, Any]:
    """One document's rows, and its vocabulary (``words``: the folded letter syllables of
    ``text``, which are its unprefixed lexemes): the words fuzzy variants come from."""
    lex = _lexemes(entry)
    tsv, ptsv, etsv = lex.literals()
    return {
        "id": entry.id,
        "version": entry.version,
        "issued": entry.issued,
        "source_name": entry.source_name,
        "meta": json.dumps(entry.meta, ensure_ascii=False),
        "body": entry.body,
        "tsv": tsv,
        "ptsv": ptsv,
        "etsv": etsv,
        "words": {k for k in lex.lexemes if k.isalpha()},
    }


# -- plans into SQL ----------------------------------------------------------------------------


@dataclass
class _Sql:
    """A plan compiled: the match condition, the scored leaves, and their parameters."""

    params: dict[str, Any] = field(default_factory=dict)
    precise: list[str] = field(default_factory=list)  # per-leaf score expressions
    strong: list[str] = field(default_factory=list)  # tsqueries of the leaves that rank a document high

    def bind(self, value: str) -> str:
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f"CAST(:{name} AS tsquery)"


# A compiled condition: a tsquery on ``tsv`` ("tsq", query), a tsquery plus positional checks
# on ``ptsv`` ("phrase", query, checks), an SQL condition ("sql", text), or always/never.
_Cond = tuple[str, ...]
_TRUE: _Cond = ("sql", "TRUE")
_FALSE: _Cond = ("sql", "FALSE")


class _Compiler:
    """Plan nodes to one WHERE condition (a single tsquery whenever possible) and scores."""

    def __init__(self) -> None:
        self.sql = _Sql()

    def where(self, node: p.Node) -> tuple[str, list[str]]:
        """The match condition, and the same narrowed to documents matching every strong leaf
        (a boosted number or ID, a phrase: adjacency bonuses included), then any of them:
        the candidates most likely to rank first, strongest first (empty when none)."""
        match = self._match(node, scored=True)
        strong = [f"({q})" for q in dict.fromkeys(self.sql.strong)]
        tiers = [" & ".join(strong)] if len(strong) > 1 else []
        tiers.append(" | ".join(strong))
        narrowed = [self._as_sql(self._all([match, ("tsq", tier)])) for tier in tiers] if strong else []
        return self._as_sql(match), narrowed

    def _as_sql(self, cond: _Cond) -> str:
        if cond[0] == "tsq":
            return f"tsv @@ {self.sql.bind(cond[1])}"
        if cond[0] == "phrase":
            return f"(tsv @@ {self.sql.bind(cond[1])} AND {cond[2]})"
        return cond[1]

    def _leaf(self, field_: str, words: tuple[str, ...], boost: float, score: bool, scored: bool) -> _Cond:
        prefix = _PREFIX[field_]
        positional = " <-> ".join(_quote(prefix + w) for w in words)
        vector = "etsv" if field_ == "exact" else "ptsv"  # what scores it and checks positions
        check = None  # a test GIN cannot answer, on the row's own small vector
        if field_ == "exact":
            # Marked syllables are not in the GIN vector: a document holding one holds its fold,
            # so the fold is looked up and the marks checked. The planner always puts the fold
            # itself beside it, where the check is absorbed (see ``_any``) and never runs.
            query = " & ".join(_quote(an.fold(w)) for w in words)
            check = f"etsv @@ {self.sql.bind(positional)}"
        elif len(words) > 1 and field_ in _SHINGLES:
            size = min(len(words), _LONGEST)
            shingle = _SHINGLES[field_][size - 2]
            query = " & ".join(
                _quote(shingle + " ".join(words[i : i + size])) for i in range(len(words) - size + 1)
            )
            if len(words) > _LONGEST:
                check = f"ptsv @@ {self.sql.bind(positional)}"
        elif len(words) > 1:  # the GIN vector keeps no positions
            query = " & ".join(_quote(prefix + w) for w in words)
            check = f"ptsv @@ {self.sql.bind(positional)}"
        else:
            query = positional
        if scored and score:
            if field_ in p.SCORED_FIELDS:
                ranked = self.sql.bind(positional)
                rank = f"ts_rank({vector}, {ranked}, {_NORMALIZATION})"
                if len(words) > 1:  # words found apart are no phrase: score only the phrase
                    rank = f"(CASE WHEN {vector} @@ {ranked} THEN {rank} ELSE 0 END)"
                    self.sql.strong.append(query)
                self.sql.precise.append(rank if boost == 1.0 else f"{boost!r} * {rank}")
            elif boost:
                self.sql.precise.append(
                    f"(CASE WHEN ptsv @@ {self.sql.bind(positional)} THEN {boost!r} ELSE 0 END)"
                )
                if boost >= 1.0:
                    self.sql.strong.append(query)
        tsq = f"({query})" if len(words) > 1 else query
        return ("tsq", tsq) if check is None else ("phrase", tsq, check)

    def _match(self, node: p.Node, scored: bool) -> _Cond:
        if isinstance(node, p.Term):
            return self._leaf(node.field, (node.text,), node.boost, node.score, scored)
        if isinstance(node, p.Phrase):
            return self._leaf(node.field, tuple(node.words), node.boost, node.score, scored)
        if isinstance(node, p.And):
            return self._all([self._match(c, scored) for c in node.children])
        if isinstance(node, p.Or):
            return self._any([self._match(c, scored) for c in node.children])
        if isinstance(node, p.AndMaybe):
            self._match(node.optional, scored)  # scores only; never narrows the match
            return self._match(node.required, scored)
        if isinstance(node, p.AndNot):
            positive = self._match(node.positive, scored)
            negative = self._match(node.negative, scored=False)
            if negative == _FALSE:
                return positive
            if negative == _TRUE or positive == _FALSE:
                return _FALSE
            if positive[0] in ("tsq", "phrase") and negative[0] == "tsq":
                return (positive[0], f"({positive[1]}) & !({negative[1]})", *positive[2:])
            return ("sql", f"({self._as_sql(positive)}) AND NOT ({self._as_sql(negative)})")
        if isinstance(node, p.Every):
            return _TRUE
        if isinstance(node, p.Nothing):
            return _FALSE
        if isinstance(node, p.DateRange):
            low = node.low if node.low is not None else 1  # 0 is "undated"
            high = f" AND issued <= {int(node.high)}" if node.high is not None else ""
            return ("sql", f"(issued >= {int(low)}{high})")
        raise TypeError(f"unknown plan node {node!r}")

    def _all(self, conds: list[_Cond]) -> _Cond:
        if _FALSE in conds:
            return _FALSE
        conds = [c for c in conds if c != _TRUE]
        if not conds:
            return _TRUE
        # every index lookup in one tsquery; positional checks and other conditions beside it
        queries = [c[1] for c in conds if c[0] in ("tsq", "phrase")]
        checks = [c[2] for c in conds if c[0] == "phrase"]
        others = [c[1] for c in conds if c[0] == "sql"]
        joined = " & ".join(f"({q})" for q in queries)
        if not others:
            return ("phrase", joined, " AND ".join(checks)) if checks else ("tsq", joined)
        parts = ([self._as_sql(("tsq", joined))] if queries else []) + checks + others
        return ("sql", "(" + " AND ".join(parts) + ")")

    def _any(self, conds: list[_Cond]) -> _Cond:
        if _TRUE in conds:
            return _TRUE
        conds = [c for c in conds if c != _FALSE]
        if not conds:
            return _FALSE
        # "x, or x checked further" is x: the fold beside its marked form needs no check
        looked_up = {c[1] for c in conds if c[0] == "tsq"}
        conds = [c for c in conds if not (c[0] == "phrase" and c[1] in looked_up)]
        if all(c[0] == "tsq" for c in conds):
            return ("tsq", " | ".join(f"({c[1]})" for c in conds))
        return ("sql", "(" + " OR ".join(self._as_sql(c) for c in conds) + ")")


# -- the backend --------------------------------------------------------------------------------


class PostgresBackend:
    """Full-text search in the archive's PostgreSQL database (:data:`TABLE`, :data:`STORED`, :data:`WORDS`).

    ``engine`` (the archive's) or ``url`` names the database; ``path`` is unused (the index
    is in the database) but kept for the protocol. Writers given a ``session`` write in its
    transaction (the document's own); without one they commit on their own connection.
    ``lock_timeout`` bounds how long a writer waits behind a rebuild.
    """

    name = "postgres"
    transactional = True  # writes may join the caller's transaction

    def __init__(
        self, path: Path, *, engine: Engine | None = None, url: str | None = None, lock_timeout: float = 30.0
    ) -> None:
        if engine is None and not url:
            raise ValueError("the postgres search backend needs the archive's PostgreSQL database")
        self.path = Path(path)
        self._owns_engine = engine is None
        self._engine = engine if engine is not None else create_engine(str(url), pool_pre_ping=True)
        if self._engine.dialect.name != "postgresql":
            raise ValueError("the postgres search backend needs a PostgreSQL database, not SQLite")
        self.lock_timeout = lock_timeout
        self._trgm_schema: str | None = None

    # -- state ------------------------------------------------------------------------------

    @property
    def needs_rebuild(self) -> bool:
        try:
            with self._engine.connect() as conn:
                return _stamp(conn) != STAMP
        except DBAPIError:
            return True

    def count(self) -> int:
        return self._read(lambda c: c.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one(), 0)

    def versions(self) -> dict[int, str]:
        def read(conn: Connection) -> dict[int, str]:
            rows = conn.execute(text(f"SELECT id, version FROM {TABLE}"))
            return {int(i): str(v) for i, v in rows}

        return self._read(read, {})

    # -- writing ------------------------------------------------------------------------------

    def add_or_update(self, entries: Iterable[IndexEntry], *, session: Any = None) -> int:
        latest: dict[int, IndexEntry] = {}
        for entry in entries:  # the last entry per id wins
            latest.pop(entry.id, None)
            latest[entry.id] = entry
        if not latest:
            return 0
        analyzed = [analyze(e) for e in latest.values()]

        def work(conn: Connection) -> int:
            rows = [_row(a) for a in analyzed]
            _upsert(conn, (TABLE, STORED), rows, replace=True)
            _add_words(conn, WORDS, set().union(*(r["words"] for r in rows)))
            return len(analyzed)

        return self._write(work, session)

    def delete(self, ids: Iterable[int], *, session: Any = None) -> int:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return 0

        def work(conn: Connection) -> int:
            conn.execute(text(f"DELETE FROM {TABLE} WHERE id = ANY(:ids)"), {"ids": wanted})
            conn.execute(text(f"DELETE FROM {STORED} WHERE id = ANY(:ids)"), {"ids": wanted})
            return len(wanted)

        return self._write(work, session)

    def _write(self, work: Callable[[Connection], int], session: Any) -> int:
        """Run ``work`` in the caller's transaction (``session``) or in one of our own."""
        try:
            if session is not None:
                conn = session.connection()
                self._prepare(conn)
                with _lock_timeout(conn, self.lock_timeout):
                    return work(conn)
            with self._engine.begin() as conn:
                self._prepare(conn)
                with _lock_timeout(conn, self.lock_timeout):
                    return work(conn)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise IndexBusyError(
                    _("Chỉ mục tìm kiếm đang được dựng lại: tài liệu vẫn chờ, chạy `sohoa index sync` sau")
                ) from exc
            raise SearchIndexError(_cannot_write(exc)) from exc

    def prepare(self) -> None:
        """Create the extension and tables this engine needs now, or raise what a DBA must run
        (``sohoa init`` calls it before storing the choice, so a refusal changes nothing)."""
        try:
            with self._engine.begin() as conn:
                self._prepare(conn, strict=False)
        except DBAPIError as exc:
            raise SearchIndexError(_cannot_write(exc)) from exc

    def _prepare(self, conn: Connection, *, strict: bool = True) -> None:
        """Create the tables on the first write of an archive; a writer refuses another
        version's (``strict``), which only a rebuild replaces."""
        stamp = _stamp(conn)
        if stamp == STAMP:
            return
        if stamp is not None and not strict:
            self._extensions(conn)
            return
        if stamp is not None:
            raise SearchIndexError(
                _("Chỉ mục tìm kiếm trong CSDL do phiên bản khác dựng: chạy `sohoa index rebuild`")
            )
        trgm = self._extensions(conn)
        with conn.begin_nested():
            # two first writers at once: the second waits here, then finds the tables made
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": TABLE})
            if _stamp(conn) is None:
                for statement in table_ddl(trgm_schema=trgm):
                    conn.execute(text(statement))

    def _extensions(self, conn: Connection) -> str:
        """The schema holding ``pg_trgm``, creating the extension when this account may."""
        schema = _extension_schema(conn, "pg_trgm")
        reason = ""
        # in public when this account may (never dropped with an application's schema)
        for where in (" SCHEMA public", ""):
            if schema is not None:
                break
            try:
                with conn.begin_nested():
                    conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}"))
            except DBAPIError as exc:
                reason = getattr(exc.orig, "sqlstate", None) or type(exc.orig).__name__
                continue
            schema = _extension_schema(conn, "pg_trgm")
        if schema is None:
            database = conn.engine.url.database or "?"
            raise SearchIndexError(missing_extensions_message(database, EXTENSIONS, reason))
        self._trgm_schema = schema
        return str(schema)

    def rebuild(
        self, entries: Iterable[IndexEntry], *, on_progress: Callable[[int], None] | None = None
    ) -> int:
        new_table, new_words, new_stored = f"{TABLE}_new", f"{WORDS}_new", f"{STORED}_new"
        count = 0
        try:
            with self._engine.begin() as conn:
                trgm = self._extensions(conn)
                if _exists(conn, TABLE):  # writers wait (or time out and stay pending); readers keep reading
                    conn.execute(text(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE"))
                conn.execute(text(f"DROP TABLE IF EXISTS {new_table}, {new_words}, {new_stored}"))
                for statement in table_statements(new_table, new_words, new_stored)[:-1]:
                    conn.execute(text(statement))
                seen: set[int] = set()
                words: set[str] = set()
                for batch in _batches(entries, seen):
                    rows = [_row(analyze(e)) for e in batch]
                    _copy(conn, (new_table, new_stored), rows)
                    for row in rows:
                        words |= row["words"]
                    count += len(batch)
                    if on_progress and count % _PROGRESS_EVERY < len(batch):
                        on_progress(count)
                _add_words(conn, new_words, words)
                conn.execute(text("SELECT set_config('maintenance_work_mem', '256MB', true)"))
                for statement in index_statements(new_table, new_words, trgm):
                    conn.execute(text(statement))
                conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}, {WORDS}, {STORED}"))
                for old_name, new_name in ((new_table, TABLE), (new_words, WORDS), (new_stored, STORED)):
                    conn.execute(text(f"ALTER TABLE {old_name} RENAME TO {new_name}"))
                    conn.execute(text(f"ALTER INDEX {old_name}_pkey RENAME TO {new_name}_pkey"))
                for suffix, table in (("tsv", TABLE), ("issued", TABLE), ("trgm", WORDS)):
                    conn.execute(text(f"ALTER INDEX {table}_new_{suffix} RENAME TO {table}_{suffix}"))
                conn.execute(text(f"COMMENT ON TABLE {TABLE} IS '{STAMP}'"))
            with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # statistics for the planner, and the visibility map: counts skip the heap
                conn.execute(text(f"VACUUM (ANALYZE) {TABLE}"))
                conn.execute(text(f"VACUUM (ANALYZE) {WORDS}"))
                conn.execute(text(f"VACUUM (ANALYZE) {STORED}"))
        except DBAPIError as exc:
            raise SearchIndexError(_cannot_write(exc)) from exc
        if on_progress:
            on_progress(count)
        log.info("search tables rebuilt: %d documents", count)
        return count

    # -- reading ------------------------------------------------------------------------------

    def _read(self, work: Callable[[Connection], Any], empty: Any) -> Any:
        """Run ``work`` in a read-only transaction; retry when the connection or tables change."""
        last: Exception | None = None
        for attempt in range(_READ_ATTEMPTS):
            try:
                with self._engine.connect() as conn:
                    if _stamp(conn) is None:
                        return empty
                    # the planner underrates reading TOASTed vectors: a scan of every row costs
                    # ~100 times its estimate next to the GIN index, so it is ruled out; and
                    # compiling a plan (JIT) costs more than any of these few-ms queries gains
                    conn.execute(text(_READ_SETTINGS))
                    return work(conn)  # one transaction (autobegun), rolled back on close
            except DBAPIError as exc:
                last = exc
                if not (exc.connection_invalidated or getattr(exc.orig, "sqlstate", None) in _RETRY):
                    break
                time.sleep(min(0.02 * 2**attempt, 0.5))
        reason = getattr(getattr(last, "orig", None), "sqlstate", None) or type(last).__name__
        raise SearchIndexError(
            _(
                "Không đọc được bảng tìm kiếm trong CSDL (%(reason)s): chạy `sohoa index check`, rồi "
                "`sohoa index rebuild` nếu cần"
            )
            % {"reason": reason}
        )

    def execute(self, request: p.Request) -> p.Page:
        compiler = _Compiler()
        where, strong = compiler.where(request.node)
        sql = compiler.sql
        limit, offset = max(request.limit, 0), max(request.offset, 0)
        wanted = max(_CANDIDATES, offset + limit)
        params = {**sql.params, "limit": limit, "offset": offset, "wanted": wanted}

        def run(conn: Connection) -> p.Page:
            if request.sort == "date":
                total = conn.execute(text(f"SELECT count(*) FROM {TABLE} WHERE {where}"), params).scalar_one()
                if not total or not limit or offset >= total:
                    return p.Page(int(total), [])
                rows = conn.execute(
                    text(
                        f"SELECT id, 0.0 FROM {TABLE} WHERE {where} "
                        "ORDER BY issued DESC, id DESC LIMIT :limit OFFSET :offset"  # as plan.recency_key
                    ),
                    params,
                ).all()
                return p.Page(int(total), self._matches(conn, rows))
            # one pass over the GIN match gives the exact total and the first candidates
            total, some = conn.execute(
                text(f"SELECT count(*), (array_agg(id))[1:{wanted}] FROM {TABLE} WHERE {where}"), params
            ).one()
            if not total or not limit or offset >= total:
                return p.Page(int(total), [])
            rows = self._ranked(conn, strong, sql.precise, params, list(some or []))
            return p.Page(int(total), self._matches(conn, rows))

        return self._read(run, p.Page(0, []))

    def _ranked(
        self,
        conn: Connection,
        strong: list[str],
        precise: list[str],
        params: dict[str, Any],
        some: list[int],
    ) -> list[Any]:
        """The page by the plan's scores, computed only on a bounded set of candidates.

        Scoring reads each candidate's vectors, so it is never done for every match of a
        common word. Candidates come in tiers, strongest first, and a tier that fills the
        set ends the search for more: up to N matches of all strong leaves (a number or ID, a
        phrase, two words written side by side), then of any of them, both found through the
        GIN index, then the first N matches the count met. Each is scored with the plan's boosts.
        """
        wanted = int(params["wanted"])
        candidates: dict[int, None] = {}
        for tier in strong:
            found = conn.execute(text(f"SELECT id FROM {TABLE} WHERE {tier} LIMIT :wanted"), params).scalars()
            candidates.update(dict.fromkeys(int(i) for i in found))
            if len(candidates) >= wanted:
                break
        else:
            candidates.update(dict.fromkeys(some))
        score = " + ".join(precise) or "0"
        # setweight copies each small vector out of TOAST once (the big GIN one is never read);
        # every leaf's ts_rank then reads the copy
        read = "".join(f", setweight(t.{v}, 'D') AS {v}" for v in ("ptsv", "etsv") if v in score)
        return conn.execute(
            text(
                f"WITH vectors AS MATERIALIZED (SELECT t.id{read} FROM {TABLE} t "
                "WHERE t.id = ANY(CAST(:candidates AS bigint[]))) "
                f"SELECT id, {score} AS score FROM vectors "
                "ORDER BY score DESC, id LIMIT :limit OFFSET :offset"
            ),
            {**params, "candidates": list(candidates)},
        ).all()

    def _matches(self, conn: Connection, rows: list[Any]) -> list[p.Match]:
        ids = [int(r[0]) for r in rows]
        stored = {
            int(r.id): r
            for r in conn.execute(
                text(f"SELECT id, source_name, meta, body FROM {STORED} WHERE id = ANY(:ids)"), {"ids": ids}
            )
        }
        matches = []
        for doc_id, score in rows:
            row = stored[int(doc_id)]
            matches.append(
                p.Match(
                    id=int(doc_id),
                    score=float(score or 0.0),
                    source_name=row.source_name,
                    fields=json.loads(row.meta),
                    body=row.body,
                )
            )
        return matches

    def term_variants(self, word: str, max_distance: int, limit: int) -> list[str]:
        def read(conn: Connection) -> list[str]:
            schema = self._trgm_schema or _extension_schema(conn, "pg_trgm")
            if schema is None:
                return []
            self._trgm_schema = schema
            conn.execute(text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
                         {"t": str(_TRGM_THRESHOLD)})  # fmt: skip
            rows = conn.execute(
                text(
                    f'SELECT word FROM {WORDS} WHERE word OPERATOR("{schema}".%) :w '
                    f'ORDER BY "{schema}".similarity(word, :w) DESC LIMIT {_TRGM_CANDIDATES}'
                ),
                {"w": word},
            ).scalars()
            return list(rows)

        candidates = self._read(read, [])
        near = [(Levenshtein.distance(word, c), c) for c in candidates if c != word]
        return [c for d, c in sorted(near) if d <= max_distance][:limit]

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()

    # -- damage -------------------------------------------------------------------------------

    def damage(self) -> list[str]:
        """What is missing or broken in the search tables (empty when sound)."""
        problems: list[str] = []
        try:
            with self._engine.connect() as conn:
                stamp = _stamp(conn)
                if stamp is None:
                    return [f"{TABLE}: missing"]
                if stamp != STAMP:
                    problems.append(f"{TABLE}: built by '{stamp}', expected '{STAMP}'")
                for table in (WORDS, STORED):
                    if not _exists(conn, table):
                        problems.append(f"{table}: missing")
                indexes = dict(
                    conn.execute(
                        text(
                            "SELECT c.relname, i.indisvalid FROM pg_index i "
                            "JOIN pg_class c ON c.oid = i.indexrelid "
                            "WHERE i.indrelid IN (to_regclass(:t), to_regclass(:w), to_regclass(:s))"
                        ),
                        {"t": TABLE, "w": WORDS, "s": STORED},
                    ).all()
                )
                for name in (
                    f"{TABLE}_pkey",
                    f"{TABLE}_tsv",
                    f"{TABLE}_issued",
                    f"{WORDS}_trgm",
                    f"{STORED}_pkey",
                ):
                    if name not in indexes:
                        problems.append(f"{name}: index missing")
                    elif not indexes[name]:
                        problems.append(f"{name}: index invalid")
                if not problems:  # read every row's vector once: a damaged page raises here
                    conn.execute(text(f"SELECT sum(length(tsv)) FROM {TABLE}")).scalar()
        except DBAPIError as exc:
            problems.append(f"{TABLE}: {getattr(exc.orig, 'sqlstate', None) or type(exc.orig).__name__}")
        return problems


# -- helpers ----------------------------------------------------------------------------------


def _stamp(conn: Connection) -> str | None:
    """The version stamp of the search table (its comment), None when it does not exist."""
    row = conn.execute(
        text("SELECT to_regclass(:t) IS NOT NULL, obj_description(to_regclass(:t), 'pg_class')"), {"t": TABLE}
    ).one()
    if not row[0]:
        return None
    return str(row[1] or "")


def _exists(conn: Connection, table: str) -> bool:
    return bool(conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar())


def _extension_schema(conn: Connection, name: str) -> str | None:
    return conn.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = :n"
        ),
        {"n": name},
    ).scalar()


def _batches(entries: Iterable[IndexEntry], seen: set[int]) -> Iterator[list[IndexEntry]]:
    """Entries in batches, repeated ids dropped (the first wins, as for every backend)."""
    batch: list[IndexEntry] = []
    for entry in entries:
        if entry.id in seen:
            continue
        seen.add(entry.id)
        batch.append(entry)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(conn: Connection, tables: tuple[str, str], rows: list[dict[str, Any]], *, replace: bool) -> None:
    """Rows into the search table and the stored-fields table (replacing earlier versions)."""
    table, stored = tables
    search_conflict = (
        " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, issued = EXCLUDED.issued, "
        "tsv = EXCLUDED.tsv, ptsv = EXCLUDED.ptsv, etsv = EXCLUDED.etsv"
    )
    stored_conflict = (
        " ON CONFLICT (id) DO UPDATE SET source_name = EXCLUDED.source_name, meta = EXCLUDED.meta, "
        "body = EXCLUDED.body"
    )
    conn.execute(
        text(
            f"INSERT INTO {table} (id, version, issued, tsv, ptsv, etsv) VALUES (:id, :version, :issued, "
            "CAST(:tsv AS tsvector), CAST(:ptsv AS tsvector), CAST(:etsv AS tsvector))"
            + (search_conflict if replace else "")
        ),
        rows,
    )
    conn.execute(
        text(
            f"INSERT INTO {stored} (id, source_name, meta, body) VALUES (:id, :source_name, :meta, :body)"
            + (stored_conflict if replace else "")
        ),
        rows,
    )


def _copy(conn: Connection, tables: tuple[str, str], rows: list[dict[str, Any]]) -> None:
    """Rows into a rebuild's fresh tables with COPY (psycopg 3), in the rebuild's transaction:
    no statement to plan per batch, no parameters to bind; another driver inserts them."""
    raw = conn.connection.driver_connection
    if not hasattr(raw, "cursor") or not hasattr(raw.cursor(), "copy"):
        _upsert(conn, tables, rows, replace=False)
        return
    table, stored = tables
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} (id, version, issued, tsv, ptsv, etsv) FROM STDIN") as copy:
            for r in rows:
                copy.write_row((r["id"], r["version"], r["issued"], r["tsv"], r["ptsv"], r["etsv"]))
        with cursor.copy(f"COPY {stored} (id, source_name, meta, body) FROM STDIN") as copy:
            for r in rows:
                copy.write_row((r["id"], r["source_name"], r["meta"], r["body"]))


def _add_words(conn: Connection, table: str, words: set[str]) -> None:
    if words:  # sorted: two writers adding the same words lock them in one order, never deadlock
        conn.execute(
            text(f"INSERT INTO {table} (word) SELECT unnest(CAST(:w AS text[])) ON CONFLICT DO NOTHING"),
            {"w": sorted(words)},
        )


@contextlib.contextmanager
def _lock_timeout(conn: Connection, seconds: float) -> Iterator[None]:
    """Bound lock waits for this work only (the caller's transaction gets its setting back)."""
    before = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar()
    conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": f"{int(seconds * 1000)}ms"})
    yield
    conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": before})


def _cannot_write(exc: DBAPIError | SQLAlchemyError) -> str:
    reason = getattr(getattr(exc, "orig", None), "sqlstate", None) or type(exc).__name__
    return _(
        "Không ghi được bảng tìm kiếm trong CSDL (%(reason)s); tài liệu vẫn chờ, chạy `sohoa index sync` "
        "sau khi khắc phục"
    ) % {"reason": reason}
