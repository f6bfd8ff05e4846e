"""Metadata of a result document, read from its OCR'd pages (issue 3).

The layout of NĐ 30/2020 tells where each field sits: the issuing body top left with the
number under it, the motto and the place-and-date top right, the title centred, the signer
block bottom right. Where pages carry word boxes we use that geometry; text-layer pages (and
lines merged across the two header columns) fall back on text patterns alone.

Keywords are matched on folded text so that OCR's tone-mark errors (``Sô:``, ``Quyêt định``)
do not hide them, but every value is returned as printed, in NFC. Only corrections that are
certain are applied: known phrases (issuers, titles, positions, places) get their accents
back, and OCR letter-for-digit swaps are repaired inside numbers.

Each region of the page has its reader in the ``fields`` package (header, signer, people,
codes); this module composes them and holds the result type. It is pure and fast: no I/O, no
logging of document text (it is personal data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sohoa.digitize.fields.attestation import Attestation, read_attestation
from sohoa.digitize.fields.codes import read_dossier_code, read_procedure_code, read_valid_until, symbol_field
from sohoa.digitize.fields.header import (
    TYPES_WITH_SUMMARY,
    read_doc_type,
    read_header,
    read_issued,
    read_issuer,
    read_number,
    read_summary,
)
from sohoa.digitize.fields.people import read_id_numbers, read_subject_names, subjects_for_kind
from sohoa.digitize.fields.signer import read_signer
from sohoa.digitize.fields_context import DEFAULT_CONTEXT, FieldContext
from sohoa.digitize.fields_domains import infer_field
from sohoa.digitize.fields_text import PageLines, page_lines
from sohoa.digitize.model import PageText
from sohoa.fields import FIELD_NAMES, LIST_FIELDS
from sohoa.text import fold_aligned, nfc

Value = str | list[str] | None


@dataclass
class ExtractedFields:
    """The 15 metadata fields of one document, each with a confidence in [0, 1] and a source.

    ``values`` always holds every name in :data:`FIELD_NAMES` (``None`` or ``[]`` when not
    found; dates as ISO ``YYYY-MM-DD``). ``confidence`` is 0 for a missing field. ``source``
    is ``"auto"`` for what was extracted here and ``"manual"`` once a clerk set the value.
    """

    values: dict[str, Value] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in FIELD_NAMES:
            self.values.setdefault(name, [] if name in LIST_FIELDS else None)
            self.confidence.setdefault(name, 0.0)
            self.source.setdefault(name, "auto")

    def set(self, name: str, value: Value, confidence: float) -> None:
        """Record an automatically extracted value (empty values get confidence 0)."""
        if name not in FIELD_NAMES:
            raise KeyError(name)
        empty = value is None or value == [] or value == ""
        self.values[name] = [] if (empty and name in LIST_FIELDS) else (None if empty else value)
        self.confidence[name] = 0.0 if empty else round(max(0.0, min(1.0, confidence)), 3)
        self.source[name] = "auto"

    def to_dict(self) -> dict[str, dict]:
        """Plain JSON-ready form: ``{"values": …, "confidence": …, "source": …}``."""
        values = {k: (list(v) if isinstance(v, list) else v) for k, v in self.values.items()}
        return {"values": values, "confidence": dict(self.confidence), "source": dict(self.source)}

    def set_manual(self, name: str, value: Value) -> None:
        """Record a value a clerk typed or confirmed: full confidence, source ``manual``."""
        if name not in FIELD_NAMES:
            raise KeyError(name)
        if isinstance(value, str):
            value = nfc(value)
        elif isinstance(value, list):
            value = [nfc(v) for v in value]
        self.values[name] = value
        self.confidence[name] = 1.0 if value not in (None, [], "") else 0.0
        self.source[name] = "manual"


def extract_fields(pages: list[PageText], context: FieldContext | None = None) -> ExtractedFields:
    """Read the 15 metadata fields of one document from its pages (first page first).

    Works on OCR'd pages (using word boxes for the layout) and on text-layer pages (text
    patterns only). Missing fields are ``None``/``[]`` with confidence 0. ``context`` carries
    the caller's unit names and province codes (:class:`FieldContext`); without it the
    defaults of :data:`DEFAULT_CONTEXT` apply.
    """
    context = context or DEFAULT_CONTEXT
    result = ExtractedFields()
    if not pages:
        return result
    laid = [page_lines(p) for p in pages]
    header, first_lines = read_header(laid[0])
    laid[0] = PageLines(laid[0].number, first_lines, laid[0].width, laid[0].height, laid[0].has_boxes,
                        laid[0].confidence)
    all_lines = [ln for p in laid for ln in p.lines]

    issuer, c = read_issuer(header, context)
    result.set("issuer", issuer, c)
    number, c = read_number(header, first_lines)
    result.set("number", number, c)
    date, c, place, pc = read_issued(header, first_lines, laid, context)
    result.set("issued_date", date.isoformat() if date else None, c)
    result.set("place", place, pc)

    title_line = first_lines[header.title_at] if header.title_at is not None else None
    doc_type, title, tc, tlc = read_doc_type(title_line, number)
    result.set("doc_type", doc_type, tc)
    result.set("title", title, tlc)
    summary, c = read_summary(header, first_lines, laid[0], allow_plain=doc_type in TYPES_WITH_SUMMARY)
    result.set("summary", summary, c)
    if doc_type == "Công văn" and summary and summary.startswith("V/v"):
        # No type line, a body-unit symbol and a "V/v" summary: the three marks of a công văn.
        result.set("doc_type", doc_type, 0.95 * max(result.confidence["number"], c))
    elif doc_type is None and title_line is None and summary and summary.startswith("V/v"):
        # No type line and a "V/v" summary, whatever the symbol ("112/UBND"): a công văn.
        doc_type = "Công văn"
        result.set("doc_type", doc_type, 0.85 * c)

    signer, sc, position, pc = read_signer(laid, context)
    result.set("signer", signer, sc)
    result.set("signer_title", position, pc)

    exclude = {fold_aligned(signer)} if signer else set()
    names, c = read_subject_names(laid, exclude)
    c = subjects_for_kind(names, c, doc_type, f"{title or ''} {summary or ''}")
    result.set("subject_names", names, c)
    # A household business certificate's number is its business code: not an identifier of a subject.
    ids, c = read_id_numbers(all_lines, exclude=[number] if number else [])
    result.set("id_numbers", ids, c)

    body = "\n".join(ln.text for ln in all_lines[header.body_from : header.body_from + 60])
    field_name, field_conf = infer_field(title, summary, body, drafted=symbol_field(number, context))
    result.set("field", field_name, field_conf)
    attestation = read_attestation(laid)
    if attestation is not None:
        _apply_attestation(result, attestation)
    code, c = read_dossier_code(all_lines, context)
    result.set("dossier_code", code, c)
    code, c = read_procedure_code(all_lines)
    result.set("procedure_code", code, c)
    valid, c = read_valid_until(all_lines, date)
    result.set("valid_until", valid, c)
    return result


def _apply_attestation(result: ExtractedFields, found: Attestation) -> None:
    """Make an attestation's number, date and type the document's when it is the paper's own.

    It is when a "LỜI CHỨNG" heading is the title, or when nothing else gave the paper a number
    or a type (a signature attested on a private paper). On an attested copy of a certificate
    that has its own ``Số:``, the certificate's fields stay. Without the heading the type is a
    reading of the wording, so it goes to review.
    """
    values = result.values
    if not (found.heading or values["number"] is None or values["doc_type"] is None):
        return
    result.set("doc_type", "Lời chứng", 0.9 if found.heading else 0.7)
    if found.number:
        result.set("number", found.number, found.number_conf)
    if found.date:
        result.set("issued_date", found.date.isoformat(), found.date_conf)
    result.set("field", "Chứng thực", 0.9)
