"""What the index holds for each document, and its analysis: engine-neutral.

The archive hands over an :class:`IndexEntry` (plain values, no database objects);
:func:`analyze` turns it into an :class:`AnalyzedEntry` — the term strings of every field,
cut and folded by :mod:`analysis` — that any backend indexes as given. Queries use the same
functions, so what is indexed and what is asked agree by construction, whatever the engine.

``SCHEMA_VERSION`` is written next to every index. Bump it whenever analysis or fields
change in a way that makes old postings disagree with new queries (a new fold rule, a new
field): the backend then reports ``needs_rebuild`` and the archive rebuilds from its
documents instead of mixing two analyses in one index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sohoa.fields import FIELD_NAMES
from sohoa.search import analysis as an

SCHEMA_VERSION = 3  # 3: OCR's Ð (eth) folds to d, as extraction folds it

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


def version_key(version: str) -> str:
    """The fixed-width form of an entry's version an index stores (16 hex digits).

    Engines keep it in a 64-bit numeric column, readable for every document without
    touching stored documents; any version string maps to one.
    """
    return hashlib.blake2b(version.encode("utf-8"), digest_size=8).hexdigest()


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


@dataclass(frozen=True)
class AnalyzedEntry:
    """An entry as every backend indexes it (field names of :mod:`sohoa.search.plan`).

    ``text`` holds the NFC text values (the body first, then each text metadata value) and
    ``names`` each subject name and the signer; the engine cuts each value into syllables
    exactly as :func:`analysis.folded_syllables` (``text``, ``names``) and
    :func:`analysis.exact_syllables` (``exact``) do — by calling them, or with a tokenizer
    the conformance suite proves equal — keeping positions within a value: a phrase may
    cross line breaks inside the body but never joins two values (two names, a name and
    the body). Keyword fields hold one finished term per value.
    """

    id: int
    version: str
    source_name: str
    unit: str | None
    meta: dict[str, Any]
    body: str
    text: list[str]
    names: list[str]
    number: list[str]
    ids: list[str]
    doc_type: list[str]
    field: list[str]
    issued: int


def analyze(entry: IndexEntry) -> AnalyzedEntry:
    """The analysed form of one entry; this is the whole per-document cost on our side."""
    fields = entry.fields
    body = an.nfc(entry.text or "")
    values = [body] + [t for name in _TEXT_METADATA for t in _as_list(fields.get(name))]
    names = _as_list(fields.get("subject_names")) + _as_list(fields.get("signer"))
    # Dossier and procedure codes are identifiers a clerk types like a number.
    codes = ("number", "dossier_code", "procedure_code")
    identifiers = [v for name in codes for v in _as_list(fields.get(name))]
    keywords = {
        name: [k for k in (an.keyword_key(v) for v in _as_list(fields.get(name))) if k]
        for name in ("doc_type", "field")
    }
    issued = to_date(fields.get("issued_date"))
    return AnalyzedEntry(
        id=entry.id,
        version=version_key(entry.version),
        source_name=an.nfc(entry.source_name or ""),
        unit=an.nfc(entry.unit) if entry.unit else None,
        meta=stored_meta(entry),
        body=body,
        text=[v for v in values if v.strip()],
        names=names,
        number=list(dict.fromkeys(t for n in identifiers for t in an.number_terms(n))),
        ids=list(dict.fromkeys(an.id_terms(_as_list(fields.get("id_numbers"))))),
        doc_type=keywords["doc_type"],
        field=keywords["field"],
        issued=date_key(issued) if issued is not None else 0,
    )
