"""The index schema, its version, and the entry the archive hands over for each document.

``SCHEMA_VERSION`` is written next to every index. Bump it whenever analysis or fields
change in a way that makes old postings disagree with new queries (a new fold rule, a new
field): :class:`~sohoa.search.index.SearchIndex` then reports ``needs_rebuild`` and the
caller rebuilds from the archive instead of mixing two analyses in one index.

Text fields index precomputed term lists (see :func:`analyzed_fields`) through a field type
whose ``index`` method skips Whoosh's per-token objects: with the same cutting and folding
functions as queries use, this is what makes 500 documents/s reachable on two cores.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from whoosh import columns, formats
from whoosh import fields as wf
from whoosh.system import pack_uint

from sohoa.fields import FIELD_NAMES
from sohoa.search import analysis as an

SCHEMA_VERSION = 1

# The metadata names an entry's ``fields`` may carry (any may be missing or None).
METADATA_NAMES = FIELD_NAMES

# Metadata whose words are also searched as ordinary text (the body usually repeats them,
# but corrected metadata is better than OCR text, and some entries have no text at all).
_TEXT_METADATA = (
    "doc_type",
    "title",
    "number",
    "issuer",
    "place",
    "summary",
    "signer",
    "signer_title",
    "subject_names",
    "field",
    "dossier_code",
    "procedure_code",
)


@dataclass(frozen=True)
class IndexEntry:
    """One archived document as the index sees it: plain values, no database objects.

    ``version`` is whatever the archive uses to tell an edited document from the indexed one
    (a content hash, an update timestamp); the index only compares it for equality.
    ``unit`` is the code of the unit that issued/holds the document (filters take lists of
    codes: the caller expands a unit to its sub-units). ``fields`` holds the metadata named in
    :data:`METADATA_NAMES`; ``issued_date`` may be a ``date``, a ``datetime`` or an ISO string.
    """

    id: int
    version: str
    source_name: str
    unit: str | None
    unit_name: str | None
    fields: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""


class TermListField(wf.FieldType):
    """A field indexed from a ready list of terms (or a string cut by its analyzer).

    Overriding ``index`` avoids building a Whoosh ``Token`` per syllable, which is most of
    Whoosh's indexing time; the terms come from the same functions in :mod:`analysis` that
    queries use, so both sides agree by construction.
    """

    def __init__(self, analyzer: an._ListAnalyzer, *, scorable: bool) -> None:
        fmt = formats.Frequency() if scorable else formats.Existence()
        super().__init__(fmt, analyzer, scorable=scorable, stored=False)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        terms = value if isinstance(value, list) else self.analyzer.terms(value)
        if self.scorable:
            for term, freq in Counter(terms).items():
                yield term.encode("utf-8"), freq, float(freq), pack_uint(freq)
        else:
            for term in set(terms):
                yield term.encode("utf-8"), 1, 1.0, b""


def build_schema() -> wf.Schema:
    """The Whoosh schema; field names are the ones :mod:`query` builds queries on.

    * ``text``: folded syllables of the body and the text metadata (scored);
    * ``exact``: marked syllables (letters only; digits fold to themselves) for ranking
      exact-diacritic matches first;
    * ``pairs``: folded syllable bigrams, answering phrases and rewarding adjacency;
    * ``names``: folded syllables and bigrams of subject names and the signer;
    * ``number``: document number keywords; ``ids``: personal ID numbers;
    * ``unit``, ``doc_type``, ``field``: filter keywords; ``issued``: a YYYYMMDD column (0 when unknown)
      for date filters and sorting;
    * ``idver``: a column of ``id<US>version`` read by ``versions()`` without unpickling
      stored documents;
    * stored: ``id``, ``source_name``, ``unit_name``, ``meta`` (the entry's
      fields), ``body`` (the text, for snippets in original accents).
    """
    return wf.Schema(
        id=wf.ID(stored=True, unique=True),
        idver=wf.COLUMN(columns.VarBytesColumn()),
        source_name=wf.STORED(),
        unit=wf.ID(stored=True),
        unit_name=wf.STORED(),
        meta=wf.STORED(),
        body=wf.STORED(),
        doc_type=TermListField(an.KeywordAnalyzer(), scorable=False),
        field=TermListField(an.KeywordAnalyzer(), scorable=False),
        issued=wf.COLUMN(columns.NumericColumn("I", default=0)),
        number=TermListField(an.NumberAnalyzer(), scorable=False),
        ids=TermListField(an.IdAnalyzer(), scorable=False),
        names=TermListField(an.FoldedAnalyzer(), scorable=True),
        text=TermListField(an.FoldedAnalyzer(), scorable=True),
        exact=TermListField(an.SyllableAnalyzer(), scorable=True),
        pairs=TermListField(an.BigramAnalyzer(), scorable=True),
    )


VERSION_SEP = "\x1f"


def version_value(doc_id: int, version: str) -> bytes:
    """The ``idver`` column value: id and version, readable for every document in one pass."""
    return f"{doc_id}{VERSION_SEP}{version}".encode()


def to_date(value: Any) -> dt.date | None:
    """Read an issued date given as ``date``, ``datetime`` or ISO/``dd/mm/yyyy`` string."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


def date_key(value: dt.date) -> int:
    """The sortable integer form of a date (``20240610``)."""
    return value.year * 10000 + value.month * 100 + value.day


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [an.nfc(str(v)) for v in value if v is not None and str(v).strip()]
    text = an.nfc(str(value))
    return [text] if text.strip() else []


def _jsonable(value: Any) -> Any:
    """Metadata as stored for hits: NFC strings, dates as ISO strings, lists kept."""
    if isinstance(value, str):
        return an.nfc(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def stored_meta(entry: IndexEntry) -> dict[str, Any]:
    """The ``fields`` returned with each hit: the entry's metadata plus unit code and name."""
    meta = {name: _jsonable(value) for name, value in entry.fields.items()}
    meta["unit"] = entry.unit
    meta["unit_name"] = an.nfc(entry.unit_name) if entry.unit_name else None
    return meta


def analyzed_fields(entry: IndexEntry) -> dict[str, Any]:
    """The keyword arguments for ``writer.add_document`` for one entry.

    Folds the text once and derives the folded, bigram and exact term lists from it; this
    function is the whole per-document cost on our side of indexing.
    """
    fields = entry.fields
    body = an.nfc(entry.text or "")
    extra = " \n ".join(t for name in _TEXT_METADATA for t in _as_list(fields.get(name)))
    searchable = body + " \n " + extra if extra else body
    folded = an.folded_syllables(searchable)
    exact = [s for s in an.exact_syllables(searchable) if not s.isdigit()]

    name_values = _as_list(fields.get("subject_names")) + _as_list(fields.get("signer"))
    name_terms: list[str] = []
    for name in name_values:
        syllables = an.folded_syllables(name)
        name_terms += syllables + an.bigrams(syllables)

    doc: dict[str, Any] = {
        "id": str(entry.id),
        "idver": version_value(entry.id, entry.version),
        "source_name": an.nfc(entry.source_name or ""),
        "unit_name": an.nfc(entry.unit_name) if entry.unit_name else None,
        "meta": stored_meta(entry),
        "body": body,
        "text": folded,
        "exact": exact,
        "pairs": an.bigrams(folded),
    }
    if entry.unit:
        doc["unit"] = an.nfc(entry.unit)
    if name_terms:
        doc["names"] = name_terms
    # Dossier and procedure codes are identifiers a clerk types like a number.
    codes = ("number", "dossier_code", "procedure_code")
    identifiers = [v for name in codes for v in _as_list(fields.get(name))]
    numbers = list(dict.fromkeys(t for n in identifiers for t in an.number_terms(n)))
    if numbers:
        doc["number"] = numbers
    ids = an.id_terms(_as_list(fields.get("id_numbers")))
    if ids:
        doc["ids"] = ids
    for name in ("doc_type", "field"):
        keys = [an.keyword_key(v) for v in _as_list(fields.get(name))]
        keys = [k for k in keys if k]
        if keys:
            doc[name] = keys
    issued = to_date(fields.get("issued_date"))
    if issued is not None:
        doc["issued"] = date_key(issued)
    return doc
