"""Two-layer PDF/A-2b: the searchable PDF in the form Thông tư 05/2025/TT-BNV asks for.

A searchable PDF from :func:`sohoa.digitize.read.assemble_pdf` already has the two layers (the
page image and the invisible text, in Tesseract's embedded ``GlyphLessFont``). What PDF/A-2b
(ISO 19005-2, level B) adds is self-description and nothing that depends on the outside world:

* XMP metadata in the catalog (uncompressed) claiming ``pdfaid:part`` 2 / ``conformance`` B, with
  the document's own fields in Dublin Core properties (predefined in XMP, so no PDF/A extension
  schema is needed): ``dc:title`` the summary (trích yếu), ``dc:identifier`` the number,
  ``dc:date`` the issued date, ``dc:creator`` the issuer, ``dc:type`` the kind of document;
  the document information dictionary says the same (the standard requires they agree);
* an sRGB output intent (the profile from Pillow's ``ImageCms``), so ``DeviceRGB`` and
  ``DeviceGray`` page images have a defined colour meaning;
* every font embedded, no encryption, no JavaScript or other actions, no embedded files,
  annotations printable, and a file identifier in the trailer.

:func:`convert_pdf` does it (bytes or paths in, PDF/A out, no archive), :func:`check_pdfa`
reads a PDF back and lists what breaks the clauses in :data:`CLAUSES`; a PDF that cannot be made
conforming without changing what it shows (a born-digital file with a font it does not embed, a
CMYK image) raises :class:`PdfaError` and the caller keeps the plain PDF.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

PRODUCER = "sohoa"
#: ``SOHOA_PDFA=0`` leaves ingest's PDFs plain: for measuring what the conversion costs, never for use.
SKIP_ENV = "SOHOA_PDFA"
PDFA_PART, PDFA_CONFORMANCE = "2", "B"

#: The clauses of ISO 19005-2 (PDF/A-2b) that :func:`check_pdfa` verifies, by its finding codes.
CLAUSES: dict[str, str] = {
    "6.1.2-header": "header %PDF-1.n followed by a comment of four bytes above 127",
    "6.1.3-id": "the trailer has a file identifier (/ID)",
    "6.1.3-encrypt": "the file is not encrypted (no /Encrypt)",
    "6.1.7-filter": "no stream uses LZWDecode or an external file (/F)",
    "6.2.2-output-intent": "an output intent GTS_PDFA1 with an embedded ICC profile of 1, 3 or 4 components",
    "6.2.4.3-device-colour": "device colour images only with an output intent (RGB and CMYK of that model)",
    "6.2.8-image": "images have no /Alternates, /OPI or /Interpolate true",
    "6.2.11.4-font-embedded": "every font used by a page (except Type 3) embeds its program",
    "6.3.2-annotation": "annotations are of allowed types and printable, never hidden",
    "6.6.1-action": "no JavaScript, Launch or other forbidden actions (catalog, pages, annotations)",
    "6.6.2-xmp": "the catalog has an uncompressed XMP metadata stream that parses",
    "6.6.2-pdfaid": "XMP says pdfaid:part 2 and pdfaid:conformance B",
    "6.6.2.3-info": "the information dictionary's Title, Author and Producer equal their XMP properties",
    "6.8-embedded-files": "no embedded files",
}

_FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData",
                      "/Hide", "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView"}  # fmt: skip
_FORBIDDEN_ANNOTS = {"/Sound", "/Movie", "/3D", "/RichMedia", "/Screen"}
_PRINT, _HIDDEN_BITS = 4, 1 | 2 | 32  # annotation flags: Print; Invisible, Hidden, NoView


class PdfaError(Exception):
    """The PDF cannot become PDF/A-2b without changing what it shows; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PdfaFields:
    """What the XMP says about the document (all optional: an unread field is left out)."""

    title: str | None = None  # trích yếu (summary), else the title line
    number: str | None = None  # số, ký hiệu
    issued_date: str | None = None  # ISO date
    issuer: str | None = None  # cơ quan ban hành
    doc_type: str | None = None  # tên loại

    @classmethod
    def from_document(cls, fields: Mapping[str, Any]) -> PdfaFields:
        """The XMP fields from a document's sohoa fields (``sohoa.fields.FIELD_NAMES``)."""

        def text(name: str) -> str | None:
            value = fields.get(name)
            return str(value).strip() or None if value else None

        return cls(
            title=text("summary") or text("title") or text("doc_type"),
            number=text("number"),
            issued_date=text("issued_date"),
            issuer=text("issuer"),
            doc_type=text("doc_type"),
        )


@cache
def srgb_profile() -> bytes:
    """The sRGB ICC profile Pillow's littleCMS builds (made once per process)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# -- conversion ------------------------------------------------------------------------------
def convert_pdf(
    source: bytes | str | os.PathLike[str],
    out: str | os.PathLike[str] | io.BufferedIOBase,
    fields: PdfaFields | None = None,
    *,
    created: datetime | None = None,
) -> None:
    """Write ``source`` as PDF/A-2b to ``out`` (a path or a binary stream).

    Raises :class:`PdfaError` when the file holds what PDF/A forbids and a conversion cannot
    remove without changing the page (unembedded fonts, CMYK images); ``pikepdf.PdfError`` for a
    file that is no PDF. The output's bytes depend only on the input, the fields and ``created``
    (the identifier is derived from the content), so converting again gives the same file.
    """
    import pikepdf

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        problems = list(_unfixable(pdf))
        if problems:
            raise PdfaError(problems)
        _remove_active_content(pdf)
        _set_output_intent(pdf)
        _write_metadata(pdf, fields or PdfaFields(), created or datetime.now(UTC))
        pdf.save(
            out,
            deterministic_id=True,
            fix_metadata_version=True,
            min_version="1.4",
            object_stream_mode=pikepdf.ObjectStreamMode.preserve,
        )


def convert_file(path: Path, fields: PdfaFields | None = None, *, created: datetime | None = None) -> None:
    """Convert the PDF at ``path`` in place (temp file in the same folder, renamed).

    Not fsynced: ``path`` is a work file of one ingest, which storing hashes and fsyncs before
    it places it (``storage.place_pdf``), and a crash before that throws the work folder away.
    """
    import tempfile

    path = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".pdfa", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            convert_pdf(path, stream, fields, created=created)
        os.chmod(temp_name, path.stat().st_mode & 0o777)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def make_archival(path: Path, fields: Mapping[str, Any], *, created: datetime | None = None) -> str | None:
    """Turn a freshly assembled searchable PDF into PDF/A-2b in place, with the document's fields.

    Returns None when done, else why the file stays a plain PDF (a born-digital file with a
    font it does not embed, say): ingest stores it anyway, since the text is what matters most,
    and ``sohoa pdfa`` lists such documents. Never raises for the PDF's content.
    """
    import pikepdf

    if os.environ.get(SKIP_ENV) == "0":  # the benchmark's control arm only (bench/pdfa_cost.py)
        return f"PDF/A skipped ({SKIP_ENV}=0)"
    try:
        convert_file(path, PdfaFields.from_document(fields), created=created)
    except PdfaError as exc:
        return "; ".join(exc.problems[:3])
    except (pikepdf.PdfError, ValueError, KeyError, TypeError) as exc:
        return f"the PDF could not be rewritten ({type(exc).__name__})"
    return None


def _unfixable(pdf: Any) -> Iterator[str]:
    for page_no, resources in _all_resources(pdf):
        for name, font in _fonts(resources):
            if not _font_embedded(font):
                yield f"page {page_no}: font {name} {font.get('/BaseFont', '')} is not embedded"
        for name, image in _images(resources):
            if _colour_model(image.get("/ColorSpace")) == "cmyk":
                yield f"page {page_no}: image {name} is CMYK (the output intent is sRGB)"


def _remove_active_content(pdf: Any) -> None:
    """Drop JavaScript, actions and embedded files; make annotations printable (6.3, 6.6, 6.8)."""
    root = pdf.Root
    names = root.get("/Names")
    if names is not None:
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    if "/AA" in root:
        del root["/AA"]
    if "/AcroForm" in root and "/XFA" in root.AcroForm:  # XFA forms are scripts (6.4.2)
        del root.AcroForm["/XFA"]
    action = root.get("/OpenAction")
    if action is not None and _is_forbidden_action(action):
        del root["/OpenAction"]
    for page in pdf.pages:
        if "/AA" in page.obj:
            del page.obj["/AA"]
        for annot in list(page.obj.get("/Annots") or []):
            if "/AA" in annot:
                del annot["/AA"]
            if "/A" in annot and _is_forbidden_action(annot.A):
                del annot["/A"]
            flags = int(annot.get("/F", 0))
            annot.F = (flags | _PRINT) & ~_HIDDEN_BITS
    if "/Outlines" in root:  # outline items may carry actions too
        _strip_outline_actions(root.Outlines)
    for key in ("/Perms", "/Requirements"):
        if key in root:
            del root[key]


def _strip_outline_actions(outline: Any, depth: int = 0) -> None:
    item = outline.get("/First")
    seen = 0
    while item is not None and seen < 10000 and depth < 50:
        if "/A" in item and _is_forbidden_action(item.A):
            del item["/A"]
        _strip_outline_actions(item, depth + 1)
        item, seen = item.get("/Next"), seen + 1


def _is_forbidden_action(action: Any) -> bool:
    try:
        kind = action.get("/S")
    except (AttributeError, TypeError):
        return False  # a destination array, not an action
    return kind is not None and str(kind) in _FORBIDDEN_ACTIONS


def _set_output_intent(pdf: Any) -> None:
    from pikepdf import Array, Dictionary, Name, Stream, String

    profile = Stream(pdf, srgb_profile())
    profile.N = 3
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=String("sRGB"),
        Info=String("sRGB IEC61966-2.1"),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def _write_metadata(pdf: Any, fields: PdfaFields, created: datetime) -> None:
    """A fresh XMP packet (an inherited one may hold properties PDF/A would need schemas for)."""
    from pikepdf import Dictionary

    if "/Metadata" in pdf.Root:
        del pdf.Root["/Metadata"]
    pdf.trailer.Info = pdf.make_indirect(Dictionary())  # rewritten from the XMP below
    stamp = created.astimezone(UTC).replace(microsecond=0).isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["pdfaid:part"] = PDFA_PART
        meta["pdfaid:conformance"] = PDFA_CONFORMANCE
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreatorTool"] = PRODUCER
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp
        meta["xmp:MetadataDate"] = stamp
        meta["dc:format"] = "application/pdf"
        meta["dc:language"] = ["vi"]
        if fields.title:
            meta["dc:title"] = fields.title
        if fields.issuer:
            meta["dc:creator"] = [fields.issuer]
        if fields.number:
            meta["dc:identifier"] = fields.number
        if fields.issued_date:
            meta["dc:date"] = [fields.issued_date]
        if fields.doc_type:
            meta["dc:type"] = [fields.doc_type]


def read_fields(source: bytes | str | os.PathLike[str]) -> PdfaFields | None:
    """The fields a PDF/A made by :func:`convert_pdf` carries in its XMP; None when the file
    has no XMP claiming PDF/A (a plain PDF) or cannot be read.

    Opening is lazy (only the catalog and the metadata stream are parsed), so asking this of
    every document of an export costs milliseconds, not a full check.
    """
    import pikepdf

    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Metadata" not in pdf.Root:
                return None
            meta = pdf.open_metadata()
            if not meta.get("pdfaid:part"):
                return None

            def one(prop: str) -> str | None:
                value = meta.get(prop)
                if isinstance(value, list | tuple | set):
                    value = next(iter(value), None)
                return str(value) if value else None

            return PdfaFields(
                title=one("dc:title"),
                number=one("dc:identifier"),
                issued_date=one("dc:date"),
                issuer=one("dc:creator"),
                doc_type=one("dc:type"),
            )
    except (pikepdf.PdfError, OSError, ValueError, KeyError, TypeError):
        return None


def fields_current(source: bytes | str | os.PathLike[str], fields: Mapping[str, Any]) -> bool:
    """Whether the PDF's XMP says what the document's fields say now (a hand correction made
    after the PDF/A was written makes it stale)."""
    return read_fields(source) == PdfaFields.from_document(fields)


# -- walking the file ------------------------------------------------------------------------
def _all_resources(pdf: Any) -> Iterator[tuple[int, Any]]:
    """(page number, resources) for every page and every form XObject it draws (nested)."""
    for number, page in enumerate(pdf.pages, start=1):
        stack = [page.obj.get("/Resources")]
        seen: set[tuple[int, int]] = set()
        while stack:
            resources = stack.pop()
            if resources is None:
                continue
            yield number, resources
            for _name, xobject in (resources.get("/XObject") or {}).items():
                if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                    key = xobject.objgen
                    if key not in seen:
                        seen.add(key)
                        stack.append(xobject.Resources)


def _fonts(resources: Any) -> Iterator[tuple[str, Any]]:
    yield from (resources.get("/Font") or {}).items()


def _images(resources: Any) -> Iterator[tuple[str, Any]]:
    for name, xobject in (resources.get("/XObject") or {}).items():
        if xobject.get("/Subtype") == "/Image":
            yield name, xobject


def _font_embedded(font: Any) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        descendants = font.get("/DescendantFonts") or []
        return bool(descendants) and all(_font_embedded(d) for d in descendants)
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _colour_model(space: Any) -> str | None:
    """``gray``, ``rgb``, ``cmyk`` for device spaces (ICC-based and others: None)."""
    if space is None:
        return None
    name = str(space[0]) if _is_array(space) else str(space)
    if name == "/Indexed":
        return _colour_model(space[1])
    return {"/DeviceGray": "gray", "/DeviceRGB": "rgb", "/DeviceCMYK": "cmyk"}.get(name)


def _is_array(obj: Any) -> bool:
    from pikepdf import Array

    return isinstance(obj, Array)


# -- the structural check --------------------------------------------------------------------
@dataclass(frozen=True)
class PdfaFinding:
    """One broken clause (a key of :data:`CLAUSES`) and where."""

    clause: str
    detail: str

    def __str__(self) -> str:
        return f"{self.clause}: {self.detail}"


def check_pdfa(source: bytes | str | os.PathLike[str]) -> list[PdfaFinding]:
    """The clauses of :data:`CLAUSES` that ``source`` breaks (empty: it passes all of them).

    A structural check with pikepdf, not a full validator (veraPDF checks some 150 more rules,
    e.g. glyph widths against the font program): it covers what a conversion can get wrong and
    what the archive's own PDFs could carry.
    """
    import pikepdf

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    found: list[PdfaFinding] = []

    def bad(clause: str, detail: str) -> None:
        found.append(PdfaFinding(clause, detail))

    head = data[:1024]
    first, _, rest = head.partition(b"\n")
    if not (first.startswith(b"%PDF-1.") and first[7:8].isdigit()):
        bad("6.1.2-header", "the file does not start with %PDF-1.n")
    comment = rest.split(b"\n", 1)[0].lstrip(b"\r")
    if not (comment.startswith(b"%") and sum(1 for b in comment[1:5] if b > 127) >= 4):
        bad("6.1.2-header", "no binary comment of four bytes above 127 after the header")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return [*found, PdfaFinding("6.1.3-encrypt", "the file is encrypted with a password")]
    with pdf:
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            bad("6.1.3-encrypt", "the trailer has /Encrypt")
        if "/ID" not in pdf.trailer:
            bad("6.1.3-id", "the trailer has no /ID")
        _check_streams(pdf, bad)
        _check_output_intent(pdf, bad)
        _check_pages(pdf, bad)
        _check_actions(pdf, bad)
        _check_metadata(pdf, bad)
        names = pdf.Root.get("/Names")
        if names is not None and "/EmbeddedFiles" in names:
            bad("6.8-embedded-files", "the catalog's name tree holds embedded files")
    return found


def _check_streams(pdf: Any, bad: Any) -> None:
    import pikepdf

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        filters = obj.get("/Filter")
        names = [str(f) for f in filters] if _is_array(filters) else [str(filters)] if filters else []
        if "/LZWDecode" in names:
            bad("6.1.7-filter", f"object {obj.objgen[0]} uses LZWDecode")
        if "/F" in obj:
            bad("6.1.7-filter", f"object {obj.objgen[0]} points to an external file")


def _check_output_intent(pdf: Any, bad: Any) -> str | None:
    intents = pdf.Root.get("/OutputIntents")
    pdfa = [i for i in (intents or []) if i.get("/S") == "/GTS_PDFA1"]
    if not pdfa:
        bad("6.2.2-output-intent", "no output intent with /S /GTS_PDFA1")
        return None
    profile = pdfa[0].get("/DestOutputProfile")
    if profile is None:
        bad("6.2.2-output-intent", "the output intent has no embedded ICC profile")
        return None
    components = int(profile.get("/N", 0))
    if components not in (1, 3, 4):
        bad("6.2.2-output-intent", f"the ICC profile has /N {components}")
    if len({i.get("/DestOutputProfile").objgen for i in pdfa if "/DestOutputProfile" in i}) > 1:
        bad("6.2.2-output-intent", "output intents name different profiles")
    return {1: "gray", 3: "rgb", 4: "cmyk"}.get(components)


def _check_pages(pdf: Any, bad: Any) -> None:
    intents = [i for i in (pdf.Root.get("/OutputIntents") or []) if i.get("/S") == "/GTS_PDFA1"]
    profile = intents[0].get("/DestOutputProfile") if intents else None
    model = {1: "gray", 3: "rgb", 4: "cmyk"}.get(int(profile.get("/N", 0))) if profile is not None else None
    for page_no, resources in _all_resources(pdf):
        for name, font in _fonts(resources):
            if not _font_embedded(font):
                bad("6.2.11.4-font-embedded", f"page {page_no}: font {name} {font.get('/BaseFont', '')}")
        for name, image in _images(resources):
            colour = _colour_model(image.get("/ColorSpace"))
            if colour is not None and (model is None or colour in ("rgb", "cmyk") and colour != model):
                detail = f"page {page_no}: image {name} is {colour}, the output intent {model}"
                bad("6.2.4.3-device-colour", detail)
            if "/Alternates" in image or "/OPI" in image or bool(image.get("/Interpolate", False)):
                bad("6.2.8-image", f"page {page_no}: image {name}")
    for page_no, page in enumerate(pdf.pages, start=1):
        for annot in page.obj.get("/Annots") or []:
            subtype = str(annot.get("/Subtype"))
            flags = int(annot.get("/F", 0))
            if subtype in _FORBIDDEN_ANNOTS:
                bad("6.3.2-annotation", f"page {page_no}: a {subtype} annotation")
            elif subtype != "/Popup" and (not flags & _PRINT or flags & _HIDDEN_BITS):
                bad("6.3.2-annotation", f"page {page_no}: a {subtype} annotation that does not print")


def _check_actions(pdf: Any, bad: Any) -> None:
    root = pdf.Root
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names:
        bad("6.6.1-action", "the catalog's name tree holds JavaScript")
    if "/AA" in root:
        bad("6.6.1-action", "the catalog has additional actions (/AA)")
    if "/OpenAction" in root and _is_forbidden_action(root.OpenAction):
        bad("6.6.1-action", f"the open action is {root.OpenAction.get('/S')}")
    for page_no, page in enumerate(pdf.pages, start=1):
        if "/AA" in page.obj:
            bad("6.6.1-action", f"page {page_no} has additional actions (/AA)")
        for annot in page.obj.get("/Annots") or []:
            if "/AA" in annot or ("/A" in annot and _is_forbidden_action(annot.A)):
                bad("6.6.1-action", f"page {page_no}: an annotation runs an action")


def _check_metadata(pdf: Any, bad: Any) -> None:
    stream = pdf.Root.get("/Metadata")
    if stream is None:
        bad("6.6.2-xmp", "the catalog has no /Metadata stream")
        return
    if "/Filter" in stream:
        bad("6.6.2-xmp", "the metadata stream is compressed")
    try:
        meta = pdf.open_metadata()
        part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
    except Exception as exc:  # noqa: BLE001 - any parse failure of the packet is the finding
        bad("6.6.2-xmp", f"the XMP does not parse ({type(exc).__name__})")
        return
    if str(part) != PDFA_PART or str(conformance).upper() != PDFA_CONFORMANCE:
        bad("6.6.2-pdfaid", f"pdfaid:part {part!r}, conformance {conformance!r}")
    info = pdf.trailer.get("/Info")
    if info is None:
        return
    pairs = (("/Title", "dc:title"), ("/Author", "dc:creator"), ("/Producer", "pdf:Producer"))
    for key, prop in pairs:
        if key not in info:
            continue
        value = meta.get(prop)
        if isinstance(value, list | tuple | set):
            value = "; ".join(str(v) for v in value) if value else None
        if value is None or str(info[key]) != str(value):
            bad("6.6.2.3-info", f"{key} differs from {prop}")


def is_pdfa(source: bytes | str | os.PathLike[str]) -> bool:
    """Whether ``source`` passes every clause of :data:`CLAUSES` (a PDF that cannot be read does not)."""
    import pikepdf

    try:
        return not check_pdfa(source)
    except (pikepdf.PdfError, OSError, ValueError):
        return False
