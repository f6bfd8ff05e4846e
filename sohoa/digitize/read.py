"""The public API of ``digitize``: open a file, read its pages, assemble its searchable PDF.

The ingest pipeline calls :func:`open_document` in the main process (cheap preflight, page
inventory), sends each :class:`PageRef` to a worker process running :func:`read_page`, and
then :func:`assemble_pdf` with the results. Reading one page is, in order::

    load or rasterise -> prepare -> (turn upright) -> OCR (words)
        -> read again rows OCR garbled -> read again what OCR missed -> reading order
        -> repair -> page PDF (the image, and the final words as its invisible text)

A page that fails (time-out, Tesseract error, an undecodable frame) comes back as a
``PageText`` with empty text, confidence 0 and a warning, so one bad page never loses the
document; only a missing Tesseract raises. No document text is logged (it is personal data).
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import statistics
import tempfile
import time
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from sohoa.digitize import layout, prepare, syllables, tesseract, text_layer
from sohoa.digitize.id_labels import promised_lengths
from sohoa.digitize.model import PageText, Word
from sohoa.digitize.pages import (
    KIND_IMAGE,
    KIND_PDF_OCR,
    KIND_PDF_TEXT,
    NO_TEXT_WARNING,
    DocumentSource,
    PageRef,
    image_dpi,
    open_document,
    square_pixels,
)
from sohoa.digitize.rows import each_level, top_bottom
from sohoa.errors import InputFileError, OcrError
from sohoa.i18n import _
from sohoa.text import strip_marks

__all__ = [
    "DocumentSource",
    "PageRef",
    "ReadOptions",
    "assemble_pdf",
    "open_document",
    "read_document",
    "read_page",
]

log = logging.getLogger(__name__)

# Below these, the first OCR pass looks like a page read upside down or sideways: worth an OSD run.
_SUSPECT_CONFIDENCE = 0.55
_SUSPECT_SHARE = 0.5
_OSD_MIN_CONFIDENCE = 2.0
# Scale of the word boxes given for text-layer pages (their PDF points are converted to this).
_TEXT_LAYER_DPI = 300


@dataclass(frozen=True)
class ReadOptions:
    """How pages are read; picklable, so the pipeline passes one to every worker.

    ``orientation``: ``auto`` runs Tesseract's OSD only when a cheap check or a poor first pass
    suggests a turned page (OSD costs as much as reading the page), ``always`` or ``never``.
    ``tesseract`` names the executable (tests put a fake one on ``PATH`` or pass a path).
    ``min_word_conf``: words Tesseract is less sure of than this (0-100) are dropped; below
    about 10 they are debris of seals, signatures and specks rather than misread words.
    ``reread_missed``: read again the ink no recognised word covers (lines the first pass
    dropped); ``reread_doubtful``: read again, with Tesseract's page segmentation, rows the first
    pass read with low confidence (side-by-side blocks it merged); both off only to measure
    what they bring.
    """

    lang: str = "vie"
    psm: int = 6
    timeout: float = tesseract.DEFAULT_TIMEOUT
    prepare: bool = True
    repair: bool = True
    orientation: str = "auto"
    jpeg_quality: int = 65
    tesseract: str = "tesseract"
    min_word_conf: float = 10.0
    reread_missed: bool = True
    reread_doubtful: bool = True


def read_document(path: str | os.PathLike[str], options: ReadOptions | None = None) -> list[PageText]:
    """Read every page of a file, one after another (tests, benchmarks, small jobs)."""
    source = open_document(path)
    return [read_page(ref, options) for ref in source.pages]


def read_page(ref: PageRef, options: ReadOptions | None = None) -> PageText:
    """Read one page: its text, words, confidence and (for OCR'd pages) a one-page PDF.

    Runs in a worker process. Raises only :class:`MissingDependencyError` (no Tesseract or no
    language model: nothing can be read); every other failure is a warning on the page.
    """
    options = options or ReadOptions()
    started = time.perf_counter()
    if ref.kind == KIND_PDF_TEXT:
        page = _read_text_layer(ref)
    elif ref.kind in (KIND_IMAGE, KIND_PDF_OCR):
        page = _read_by_ocr(ref, options)
    else:
        page = _failed(ref, _("không rõ loại trang %(kind)s") % {"kind": ref.kind})
    page.seconds = round(time.perf_counter() - started, 3)
    return page


# --- text layer ---------------------------------------------------------------------------


def _read_text_layer(ref: PageRef) -> PageText:
    """Take a born-digital page's own text, in reading order, NFC."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    scale = _TEXT_LAYER_DPI / 72.0
    try:
        with pdfplumber.open(ref.path) as pdf:
            page = pdf.pages[ref.index]
            width, height = round(float(page.width) * scale), round(float(page.height) * scale)
            raw = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            page.close()
    except (PDFSyntaxError, PSException, OSError, ValueError, KeyError, IndexError) as exc:
        return _failed(
            ref,
            _("không đọc được lớp chữ của trang PDF (%(error)s)") % {"error": type(exc).__name__},
            method="text-layer",
        )
    words = [
        Word(
            text=unicodedata.normalize("NFC", item["text"]),
            left=round(float(item["x0"]) * scale),
            top=round(float(item["top"]) * scale),
            width=max(1, round((float(item["x1"]) - float(item["x0"])) * scale)),
            height=max(1, round((float(item["bottom"]) - float(item["top"])) * scale)),
            conf=100.0,
        )
        for item in raw
    ]
    lines = layout.order_lines(words, keyed=False)
    return PageText(
        number=ref.number,
        text=layout.lines_text(lines),
        method="text-layer",
        confidence=1.0,
        words=[w for line in lines for w in line],
        dpi=_TEXT_LAYER_DPI,
        width=width,
        height=height,
    )


# --- OCR ------------------------------------------------------------------------------------


def load_page_image(ref: PageRef) -> tuple[Image.Image, int]:
    """Decode one page as a Pillow image, with the resolution stored in the file (0 if none).

    PDF pages are rasterised with pdfium at ``ref.dpi`` (the embedded scan's own resolution
    where there is one). Raises ``OSError``/``ValueError`` (decoding) or ``PdfiumError``.
    """
    if ref.kind == KIND_PDF_OCR:
        import pypdfium2 as pdfium

        dpi = ref.dpi or 300
        document = pdfium.PdfDocument(ref.path)
        try:
            page = document[ref.index]
            try:
                bitmap = page.render(scale=dpi / 72.0)
                image = bitmap.to_pil()
                if image.mode in ("RGBA", "RGBX", "L"):
                    image = image.copy()  # these modes share the bitmap's memory, freed with it
                bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
        return image, dpi
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's bomb warning: preflight already capped the size
        with Image.open(ref.path) as opened:
            if ref.index:
                opened.seek(ref.index)
            opened.load()
            dpi = image_dpi(opened)
            image = square_pixels(opened)
            if image is opened:
                image = opened.copy()
    return image, dpi


def _read_by_ocr(ref: PageRef, options: ReadOptions) -> PageText:
    """Load -> prepare -> (turn) -> OCR -> read what OCR missed -> order -> repair -> page PDF."""
    try:
        image, stored_dpi = load_page_image(ref)
    except Exception as exc:  # noqa: BLE001 - Pillow and pdfium raise many types; the page is lost, not the run
        return _failed(ref, _("không giải mã được ảnh của trang (%(error)s)") % {"error": type(exc).__name__})
    warnings: list[str] = []
    try:
        prepared = _prepare(image, stored_dpi, options)
    except (OSError, ValueError) as exc:  # an exotic pixel mode Pillow cannot convert
        return _failed(ref, _("không xử lý được ảnh của trang (%(error)s)") % {"error": type(exc).__name__})
    with tempfile.TemporaryDirectory(prefix="sohoa-page-") as tmp:
        workdir = Path(tmp)
        if options.orientation == "always" or (
            options.orientation == "auto" and prepare.looks_sideways(_grey(prepared.ocr_image))
        ):
            prepared = _turn_upright(image, stored_dpi, prepared, workdir, options)
        try:
            result = _ocr(prepared, workdir, options)
        except OcrError as exc:
            return _failed(
                ref, _("nhận dạng chữ (OCR) lỗi: %(reason)s") % {"reason": exc.message}, prepared=prepared,
                options=options,
            )  # fmt: skip
        if options.orientation == "auto" and _looks_wrong(result) and prepared.rotation == 0:
            prepared, result = _retry_turned(image, stored_dpi, prepared, result, workdir, options, warnings)
        words = [_to_word(w) for w in result.words if _is_text(w, options.min_word_conf)]
        words = _reread_doubtful(prepared, result.words, words, workdir, options)
        words = _reread_crowded(prepared, result.words, words, workdir, options)
        missed = _read_missed(prepared, result.words, words, workdir, options)
        words = _without_marks_inside(_without_unsure_under(words, missed) + missed)
        words = _numbers_read_again(prepared, _digits_crossed(prepared, words), workdir, options)
    words = _digits_under_red_seal(prepared, words)
    lines = layout.order_lines(words, keyed=True)
    if options.repair:
        lines = [_repaired(line) for line in lines]
    text = layout.lines_text(lines)
    if not text:
        warnings.append(_(NO_TEXT_WARNING))
    pdf = _page_pdf_or_warn(prepared, lines, result.pdf, options.jpeg_quality, warnings)
    return PageText(
        number=ref.number,
        text=text,
        method="ocr",
        confidence=_mean_confidence(result.words),
        words=[w for line in lines for w in line],
        dpi=prepared.dpi,
        width=prepared.keep_image.width,
        height=prepared.keep_image.height,
        rotation=prepared.rotation,
        skew=prepared.skew,
        pdf=pdf,
        warnings=warnings,
    )


def _retry_turned(
    image: Image.Image,
    stored_dpi: int,
    prepared: prepare.PreparedPage,
    result: tesseract.OcrOutput,
    workdir: Path,
    options: ReadOptions,
    warnings: list[str],
) -> tuple[prepare.PreparedPage, tesseract.OcrOutput]:
    """The first pass read badly: if OSD says the page is turned, read it turned, keep the better."""
    turned = _turn_upright(image, stored_dpi, prepared, workdir, options)
    if not turned.rotation:
        return prepared, result
    try:
        second = _ocr(turned, workdir, options)
    except OcrError as exc:
        warnings.append(_("nhận dạng chữ (OCR) trang đã xoay lỗi: %(reason)s") % {"reason": exc.message})
        return prepared, result
    if _mean_confidence(second.words) > _mean_confidence(result.words):
        return turned, second
    return prepared, result


# A row of the first pass is doubtful when this many of its words (letters or digits) read
# below this confidence: psm 6 garbles rows where two blocks of different line pitch sit side
# by side (recipients | signer: 'Bây SND huyt' at 0-13 for '- Chủ tịch UBND huyện;'). The zone
# read again grows over the neighbouring rows holding any unsure token, and one row more.
_DOUBT_CONF = 50.0
_DOUBT_SEED = 2
# Words a reading counts as sure, to compare the first pass and the re-read of a zone.
_SURE_CONF = 60.0
# At most this many zones are read again, and one more in the signer's quarter: the pen's and
# the seal's debris between the title and the name ('©Ẳ Ề' read at 80) ends a zone there, and
# the name below it ('Lê Luyến' read '#1+ẽ lỡ Iyê') was left as the first pass garbled it.
_MAX_DOUBTFUL_ZONES = 2
_SIGNER_EXTRA_ZONES = 1
# A zone taller than this is not read again (the page is poor throughout, and a second pass
# over most of it would cost as much as the first).
_MAX_ZONE_INCHES = 4.0


def _reread_doubtful(
    prepared: prepare.PreparedPage,
    raw: list[tesseract.TsvWord],
    words: list[Word],
    workdir: Path,
    options: ReadOptions,
) -> list[Word]:
    """Read again the zones whose rows the first pass read badly; keep the better reading.

    The first pass's own evidence picks the zones (rows with several low-confidence words), so
    a clean page costs nothing. In a grey or 1-bit scan a round seal over the zone is first
    suppressed by shape. Each zone (its rows across the text width) is then cut from the page;
    where a clear gap parts two columns (recipients | signer) each is read whole on its own,
    else Tesseract's own segmentation (psm 3) reads the zone. The re-read replaces the first
    pass's words there only when it scores better (:func:`_reading_score`). Returns the page's
    words.
    """
    if not options.reread_doubtful or not raw:
        return words
    zones = _doubtful_zones(raw, prepared.ocr_image.size, prepared.dpi)
    page = _grey_or_bilevel(prepared.ocr_image)
    # A speckled fax is read despeckled (median-filtered where textured), which breaks a seal's
    # dotted ring into specks too few to find: the ring is looked for on the page as scanned, and
    # erased from the one read.
    scanned = _grey_or_bilevel(prepared.keep_image) if "despeckle" in prepared.steps else None
    seal_ink: _SealInk | None = None
    unit = statistics.median(w.height for w in raw)
    for number, zone in enumerate(zones, start=1):
        top, bottom = zone[1], zone[3]
        if "red-channel" not in prepared.steps:
            page, seal_ink = _without_seal(page, zone, prepared.dpi, seal_ink, scanned)
        pieces = _zone_pieces(page, zone, unit)
        outputs: list[tuple[tesseract.OcrOutput, int, int]] = []
        for part, (left, piece_top, right, piece_bottom, psm) in enumerate(pieces):
            path = _tesseract_input(
                page.crop((left, piece_top, right, piece_bottom)), workdir / f"doubtful-{number}-{part}"
            )
            try:
                out = tesseract.ocr_image(
                    path,
                    lang=options.lang,
                    psm=psm,
                    dpi=prepared.dpi,
                    timeout=options.timeout,
                    command=options.tesseract,
                )
            except OcrError:
                break
            outputs.append((out, left, piece_top))
        if len(outputs) < len(pieces):
            continue
        read = [
            replace(w, left=w.left + left, top=w.top + piece_top)
            for out, left, piece_top in outputs
            for w in out.words
        ]
        limit = zones[number][1] if number < len(zones) else page.height  # the next zone's top
        read, bottom, named = _signer_rows_read_apart(
            page, zone, raw, read, unit, limit, workdir, options, prepared.dpi
        )  # fmt: skip
        inside = [w for w in raw if top <= w.top + w.height / 2 <= bottom]
        if _reading_score(read, names=named) <= _reading_score(inside, names=named):
            continue
        found = [_to_word(w) for w in read if _is_text(w, options.min_word_conf) or _capitalised_syllable(w)]
        replaced = [w for w in words if top <= w.top + w.height / 2 <= bottom]
        found = _first_reading_kept(found, replaced)
        words = [w for w in words if not top <= w.top + w.height / 2 <= bottom]
        mates = _row_mates(words, replaced, found)
        words = [w for w in words if w not in mates]
        # the sure words kept keep their first-pass lines, and are not counted as read again
        words += layout.rows_by_overlap(found + mates, block=2000 + number) + _sure_and_unread(
            replaced, found
        )
    return words


# A row the first pass read is cut this many word heights around its words to be read alone:
# close enough above that a signature's strokes stay out, wide enough for the words it garbled.
_ROW_STRIP_ABOVE = 0.3
_ROW_STRIP_BELOW = 0.25
# ... and as wide as its ink runs on from them with no blank this many word heights wide: the
# first pass may have seen only the end of the name ('nh' of 'Nguyễn Kim Oanh').
_ROW_STRIP_GAP = 1.5


def _signer_rows_read_apart(
    page: Image.Image,
    zone: tuple[int, int, int, int],
    raw: list[tesseract.TsvWord],
    read: list[tesseract.TsvWord],
    unit: float,
    limit: int,
    workdir: Path,
    options: ReadOptions,
    dpi: int,
) -> tuple[list[tesseract.TsvWord], int, bool]:
    """The zone's re-reading ``read``, its rows by the signer that it lost or garbled read alone.

    A signature's strokes over the signer's name throw Tesseract's segmentation: the right-hand
    column of a zone, seal already cut, came back empty where the name 'Hồ Ngọc Hiền' stood
    clean under the pen, and a zone read whole gave 'N guyễ yên Quang Cườn g'. Cut to the height
    of its own words in the first pass (``raw``) the row reads whole. Only rows in the signer's
    quarter of the page (:func:`_in_signer_quarter`), with a word of two letters or more, that
    the re-reading left without a word or with an unsure one, or where an unsure word of it
    reaches in from above (the pen's strokes read with 'Nguyễn' as one box 'Nà', 292 x 200 px,
    left 'Nghĩa' alone and sure on the row): elsewhere such a row is mostly debris, not worth a
    call. The first pass's row right below the zone (above ``limit``) is one of them when it
    read a word unsure: a zone ends where the first pass's rows stop being doubtful, and the
    pen's debris read surely ('Í' at 77) ended one just above the name. The strips are stacked
    into one Tesseract call; a strip's reading replaces the words on its row when it scores
    better than they do and than the first pass did (:func:`_reading_score`, a name's syllables
    the pen crossed counted neither sure nor debris: 'Phạm Xuân Thủy' read right at 67, 16 and
    16 lost to 'Sfham:Xúân Thủy'). Returns the words (page coordinates), the bottom of the rows
    they stand for (the zone's, or the row below's when it was read) and whether a strip's
    reading was taken, so that the zone is scored as its strips were.
    """
    rows = _first_pass_rows([w for w in raw if any(ch.isalnum() for ch in w.text)])
    inside = [row for row in rows if all(zone[1] <= w.top + w.height / 2 <= zone[3] for w in row)]
    below = next((row for row in rows if min(w.top + w.height / 2 for w in row) > zone[3]), None)
    if below and max(w.top + w.height for w in below) < limit and any(w.conf < _DOUBT_CONF for w in below):
        inside.append(below)
    reach = zone[3]
    strips: list[tuple[tuple[int, int, int, int], list[tesseract.TsvWord]]] = []
    for row in inside:
        lettered = [w for w in row if w.height <= 1.5 * unit]
        if not any(sum(ch.isalpha() for ch in w.text) >= 2 for w in lettered) or not _in_signer_quarter(
            row, *page.size
        ):
            continue
        floor = limit if row is below else zone[3]
        top = max(zone[1], int(min(w.top for w in lettered) - _ROW_STRIP_ABOVE * unit))
        bottom = min(floor, int(max(w.top + w.height for w in lettered) + _ROW_STRIP_BELOW * unit))
        words_left, words_right = min(w.left for w in row), max(w.left + w.width for w in row)
        band = (zone[0], top, zone[2], bottom)
        left, right = _ink_run(page, band, words_left, words_right, _ROW_STRIP_GAP * unit)
        on_row = [w for w in read if _centre_in(w, (left, top, right, bottom)) and _bare(w.text)]
        reaching = [w for w in read if w.conf < _DOUBT_CONF and _meets(w, (left, top, right, bottom))]
        if not on_row or any(w.conf < _DOUBT_CONF for w in on_row + reaching):
            strips.append(((left, top, right, bottom), row))
    if not strips:
        return read, reach, False
    try:
        readings = _read_stacked(page, [box for box, _ in strips], unit, workdir, options, dpi)
    except OcrError:
        return read, reach, False
    taken = False
    for (box, row), reading in zip(strips, readings, strict=True):
        on_row = [w for w in read if _centre_in(w, box)]
        before = max(0, _reading_score(row, names=True), _reading_score(on_row, names=True))
        if _reading_score(reading, names=True) > before:
            read = [w for w in read if not _centre_in(w, box)] + reading
            taken = True
            if row is below:
                reach = max(box[3], max(w.top + w.height for w in row))
    return read, reach, taken


def _ink_run(
    page: Image.Image, band: tuple[int, int, int, int], left: int, right: int, gap: float
) -> tuple[int, int]:
    """``left`` and ``right`` moved out across ``band`` (page pixels) while ink follows within ``gap``."""
    ink = (np.asarray(page.crop(band).convert("L")) < 128).any(axis=0)
    start, end = max(0, left - band[0]), max(1, right - band[0])
    ink[start:end] = True  # the words' own span, whatever ink the seal's cut left in it
    start, end = next((a, b) for a, b in prepare.joined_runs(ink, int(gap)) if a <= start < b)
    margin = int(gap / 3)
    return max(band[0], band[0] + start - margin), min(band[2], band[0] + end + margin)


# A first-pass word this sure, a syllable of two letters or more, an abbreviation in capitals
# (KT, UBND) or a number, outlives the re-reading of its zone when no word read again lies over
# it: a column read apart can come back empty ('KT. CHỦ TỊCH' and the signer's name at 96, lost
# with the seal's debris around them).
_KEEP_CONF = 90.0


def _sure_and_unread(old: list[Word], found: list[Word]) -> list[Word]:
    """The words of ``old`` that are sure (:data:`_KEEP_CONF`) and that no word of ``found`` overlaps."""
    return [
        w
        for w in old
        if w.conf >= _KEEP_CONF and _solid(w.text) and not any(_shared_area(w, f) for f in found)
    ]


def _solid(text: str) -> bool:
    """A word, not a speck: digits, a valid syllable, or a short upper-case abbreviation ('VT.')."""
    bare = _bare(text)
    return any(ch.isdigit() for ch in bare) or (
        len(bare) >= 2 and (syllables.is_syllable(bare) or (bare.isupper() and len(bare) <= 5))
    )


def _first_reading_kept(found: list[Word], old: list[Word]) -> list[Word]:
    """``found``, a zone read again, where the first pass read a word there better: its reading kept.

    A zone is read again as a whole when the whole reads better (:func:`_reading_score`), but
    a word of it may read worse than the first pass read it. Where the two boxes are one word's
    (they share half the larger), a first-pass word that is a word (:func:`_solid`) is kept:

    * when the re-read reads other letters, and is far less sure of them (by :data:`_SURER_BY`)
      than the first pass was (at least :data:`_SURE_CONF`): '- Lưu: VT.' at 82 came back 'VI.'
      at 0 in an image PDF's footer, read again for the signer's sake. Its text and confidence
      go in the re-read word's box (the first pass's boxes, from one block, joined the footer's
      two columns into rows: 'Nơi nhận: TUQ. CHỦ TỊCH'), and the re-read's other pieces of it
      go. Where only the marks differ, confidence does not decide: a skewed scan's first pass
      read 'LE' at 93 where the re-read saw 'LÊ' at 57;
    * when the re-read has no mark at all where a sure first pass (:data:`_KEEP_CONF`) read the
      very letters with marks, a valid syllable, and the zone's re-read shows it lost marks: one
      such word of it is no syllable without them. In an image PDF at 150 dpi the seal taken
      out by level took the light, thin tone marks of the name with it, and the first pass's
      'Nguyễn Khải' (96, 96) came back 'Nguyen Khai': 'Nguyen' is no syllable, so both get
      their marks back. A re-read that is all syllables is trusted: a grey seal's speck read as
      an acute made the first pass's 'Thánh' (for 'Thanh') sure.
    """
    kept: list[tuple[Word, bool]] = []  # (word, taken whole from the first pass)
    taken: list[Word] = []
    marked: dict[int, str] = {}  # index in kept -> the first pass's marked spelling
    lost_marks = False
    unused = [w for w in old if _solid(w.text)]
    for word in found:
        pieces = _glued_pieces(word, unused)
        if pieces:
            for piece in pieces:
                unused.remove(piece)
                taken.append(piece)
                kept.append((replace(piece, conf=max(piece.conf, word.conf)), True))
            continue
        bare = _bare(word.text)
        whole = False
        for first in unused:
            if _shared_area(word, first) * 2 < max(_area(word), _area(first)):
                continue  # not the same word: 'Cầm,' at 62 was a seal's box, 521 x 336 pixels
            first_bare = _bare(first.text)
            same_letters = strip_marks(first_bare).lower() == strip_marks(bare).lower()
            if (
                not same_letters
                and first.conf >= _SURE_CONF
                and (first.conf >= word.conf + _SURER_BY or _syllable_lost(first, word))
            ):
                word, whole = replace(word, text=first.text, conf=first.conf), True
                taken.append(first)
            elif (
                bare
                and first.conf >= _KEEP_CONF
                and first_bare != bare
                and strip_marks(bare) == bare
                and strip_marks(first_bare) == bare
                and syllables.is_syllable(first_bare)
            ):
                marked[len(kept)] = first_bare
                lost_marks = lost_marks or not syllables.is_syllable(bare)
            else:
                continue
            unused.remove(first)
            break
        kept.append((word, whole))
    if lost_marks:  # 'Nguyen' is no syllable: this zone's re-read lost marks, 'Khai' too
        for index, first_bare in marked.items():
            word = kept[index][0]
            kept[index] = (replace(word, text=word.text.replace(_bare(word.text), first_bare)), False)
    return [w for w, whole in kept if whole or not any(_shared_area(w, t) * 2 >= _area(w) for t in taken)]


def _glued_pieces(word: Word, first: list[Word]) -> list[Word]:
    """The first pass's words that ``word``, read again, glued into one: their spaces are kept.

    A schedule's 'Phạm Thanh Năm' was read 'Thanh' and 'Năm' at 25 by the first pass, and
    'ThanhNăm' at 61 by the zone's re-read, which then replaced them: a name lost from the
    text and from search. When a re-read word is no syllable and its letters are exactly the
    first pass's syllables under its box, left to right, those words stand, as sure as the
    re-read that confirmed their letters.
    """
    if any(ch.isdigit() for ch in word.text) or syllables.is_syllable(_bare(word.text)):
        return []
    under = sorted(
        (w for w in first if syllables.is_syllable(_bare(w.text)) and _centre_in(w, _box(word))),
        key=lambda w: w.left,
    )
    return under if len(under) >= 2 and "".join(w.text for w in under) == word.text else []


def _box(word: Word) -> tuple[int, int, int, int]:
    return word.left, word.top, word.left + word.width, word.top + word.height


def _syllable_lost(first: Word, again: Word) -> bool:
    """True when the first pass read a word as a syllable, sure, and the re-read reads no syllable there.

    A valid reading is never given up for an invalid one (issue 9: never alter a correct
    reading): an image PDF's recipients, read '- Chủ tịch' at 97, came back 'Ghu tịch' at 86
    once a grey seal was cut out of their zone by level, and 'Ghu' is no Vietnamese syllable.
    """
    bare = _bare(again.text)
    return (
        first.conf >= _KEEP_CONF
        and syllables.is_syllable(_bare(first.text))
        and not any(ch.isdigit() for ch in bare)
        and not syllables.is_syllable(bare)
    )


# A word read again this much less sure than the first pass read it keeps the first reading.
_SURER_BY = 30.0


def _area(word: tesseract.TsvWord | Word) -> int:
    return max(1, word.width * word.height)


def _shared_area(a: tesseract.TsvWord | Word, b: tesseract.TsvWord | Word) -> int:
    """Pixels the boxes of ``a`` and ``b`` have in common (0 when they do not meet)."""
    across = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    down = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    return across * down if across > 0 and down > 0 else 0


# Punctuation at a word's edges, set aside to judge the word itself.
_EDGE_MARKS = ".,;:()\"'“”-–"
# A pen's stroke read at a word's edge ('`Thủy').
_PEN_MARKS = "`´^|/\\"


def _bare(text: str) -> str:
    return text.strip(_EDGE_MARKS)


# The largest seal radius looked for, in inches: a zone is searched this far above and below.
_SEAL_REACH_INCHES = 1.0


@dataclass(frozen=True)
class _SealInk:
    """The grey level a light seal's ink was cut at, and the rows of the page it was cut in."""

    cut: int
    top: int
    bottom: int


def _without_seal(
    page: Image.Image,
    zone: tuple[int, int, int, int],
    dpi: int,
    seal_ink: _SealInk | None = None,
    scanned: Image.Image | None = None,
) -> tuple[Image.Image, _SealInk | None]:
    """The page with a round seal over ``zone`` suppressed (grey and 1-bit scans: no red channel).

    A seal that is not found by shape (an oval, a thin or broken ring) is still taken out of a
    grey zone by level when the zone's ink falls in two clear levels: first around the zone,
    then, where the text around outweighs the seal's ink (a light seal amid the recipients and
    the body), within the zone's own rows. A zone next to one whose seal ink was cut (``seal_ink``)
    is cut at the same level: the zone above whited out the upper half of the seal, and what is
    left of it is too little to show by shape or level. Looked for only around a zone the first
    pass read badly, so clean pages pay nothing. ``scanned`` is the page before despeckling
    broke the seal's ring into specks: the ring is found there. Returns the page and the seal
    ink cut last.
    """
    reach = int(_SEAL_REACH_INCHES * (dpi or 300))
    box = (zone[0], max(0, zone[1] - reach), zone[2], min(page.height, zone[3] + reach))
    cleaned, seal = prepare.suppress_round_seal(page.crop(box), dpi, scanned.crop(box) if scanned else None)
    if seal is None and page.mode == "L":
        cleaned, cut = prepare.suppress_light_ink(page.crop(box))
        if cut is None:
            cleaned, cut = prepare.suppress_light_ink(page.crop(zone))
            box = zone if cut is not None else box
        if cut is None and seal_ink is not None and seal_ink.top < box[3] and box[1] < seal_ink.bottom:
            cleaned, cut = prepare.suppress_light_ink(page.crop(box), cut=seal_ink.cut)
        if cut is None:
            return page, seal_ink
        seal_ink = _SealInk(cut, box[1], box[3])
    elif seal is None:
        return page, seal_ink
    out = page.convert("L") if page.mode != "L" else page.copy()
    out.paste(cleaned, box[:2])
    return out, seal_ink


# One column of mixed sizes: how a column parted from its neighbour is read.
_COLUMN_PSM = 4


def _zone_pieces(
    page: Image.Image,
    zone: tuple[int, int, int, int],
    unit: float,
    min_gap: float = 1.5,
    *,
    bands: bool = False,
) -> list[tuple[int, int, int, int, int]]:
    """How to read a zone again, as (left, top, right, bottom, psm) pieces.

    Its two columns apart, each as one column of mixed sizes (psm 4), when a clear gap (of
    ``min_gap`` word heights) parts them down the whole zone. With ``bands``, when only its lower
    rows stand in two columns (full-width lines, then the recipients beside the signer block),
    the rows above are one piece and the left column below another: a single block over both
    columns is what lost '- Như Điều 3;' to the signer's title lines. Else the whole zone with
    Tesseract's own segmentation (psm 3).
    """
    left, top, right, bottom = zone
    ink = np.asarray(page.crop(zone).reduce(2)) < 128  # the copy is halved: so are its pixels
    wide = min_gap * unit / 2
    gap = _central_gap(ink.any(axis=0), wide, bounded=False)
    if gap is not None:
        cut = left + gap[0] + gap[1]  # middle of the gap, in page pixels
        return [(left, top, cut, bottom, _COLUMN_PSM), (cut, top, right, bottom, _COLUMN_PSM)]
    band = _two_columns_below(ink, wide) if bands else None
    if band is None:
        return [(left, top, right, bottom, 3)]
    start, (gap_left, gap_right) = band
    split, cut = top + 2 * start, left + gap_left + gap_right
    # the right-hand column below is the signer's block, its seal and signature: read apart it
    # gives the pen's strokes as words on the name's row, and the signer's own re-reading
    # (:func:`_reread_doubtful`) is the one that knows it
    return [(left, top, right, split, 3), (left, split, cut, bottom, _COLUMN_PSM)]


def _central_gap(columns: np.ndarray, wide: float, *, bounded: bool) -> tuple[int, int] | None:
    """The widest run of blank ``columns`` centred in the middle half, if ``wide`` or wider.

    ``bounded`` asks for ink on both sides of the run (two columns, not one with blank beside).
    """
    width = columns.size
    edges = np.flatnonzero(np.diff(np.concatenate(([1], columns.astype(np.int8), [1]))))
    best: tuple[int, int] | None = None
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if bounded and (start == 0 or end == width):
            continue
        central = 0.25 * width <= (start + end) / 2 <= 0.75 * width
        if central and (best is None or end - start > best[1] - best[0]):
            best = (int(start), int(end))
    if best is None or best[1] - best[0] < wide:
        return None
    return best


def _two_columns_below(ink: np.ndarray, wide: float) -> tuple[int, tuple[int, int]] | None:
    """The highest line start below which the zone's ink stands in two columns, with their gap.

    Only line starts (a blank row above inked ones) are tried, so no line is cut; the rows
    above must hold ink, or the whole zone would have parted.
    """
    rows = ink.any(axis=1)
    # below[y, x]: ink in column x at row y or lower
    below = np.flipud(np.logical_or.accumulate(np.flipud(ink), axis=0))
    for y in np.flatnonzero(~rows[:-1] & rows[1:]) + 1:
        if not rows[:y].any():
            continue
        gap = _central_gap(below[y], wide, bounded=True)
        if gap is not None:
            return int(y), gap
    return None


def _first_pass_rows(words: list[tesseract.TsvWord]) -> list[list[tesseract.TsvWord]]:
    """The first pass's words grouped by the line Tesseract gave them, rows top to bottom."""
    rows: dict[tuple[int, int, int], list[tesseract.TsvWord]] = {}
    for w in words:
        rows.setdefault((w.block, w.par, w.line), []).append(w)
    return sorted(rows.values(), key=lambda row: min(w.top for w in row))


def _text_span(words: list[tesseract.TsvWord], width: int) -> tuple[int, int]:
    """Left and right of the page's text (a little margin each side), where zones are cut."""
    return max(0, min(w.left for w in words) - 10), min(width, max(w.left + w.width for w in words) + 10)


def _band(
    ordered: list[list[tesseract.TsvWord]], first: int, last: int, unit: float, height: int
) -> tuple[int, int]:
    """Top and bottom of a zone over rows ``first``..``last``, half a ``unit`` beyond their ink.

    The margin never cuts through a row outside the zone: half a line of capitals read as a row
    of its own is garbage that outweighs the words the re-read recovers.
    """
    members = [w for row in ordered[first : last + 1] for w in row]
    first_top = min(w.top for w in members)
    last_bottom = max(w.top + w.height for w in members)
    above = [w.top + w.height for row in ordered[:first] for w in row if w.top + w.height <= first_top]
    below = [w.top for row in ordered[last + 1 :] for w in row if w.top >= last_bottom]
    top = max([int(first_top - unit * 0.5), 0, *(b + 1 for b in above)])
    bottom = min([int(last_bottom + unit * 0.5), height, *(t - 1 for t in below)])
    return top, bottom


def _doubtful_zones(
    raw: list[tesseract.TsvWord], size: tuple[int, int], dpi: int
) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) around runs of doubtful rows, one sure row added each side."""
    ordered = _first_pass_rows(raw)
    low = [sum(1 for w in row if w.conf < _DOUBT_CONF) for row in ordered]
    width, height = size
    unsure = [_unsure_count(row) for row in ordered]
    seeds = [
        n >= _DOUBT_SEED or (n >= 1 and _in_signer_quarter(row, width, height))
        for n, row in zip(unsure, ordered, strict=True)
    ]
    text_left, text_right = _text_span(raw, width)
    zones: list[tuple[int, int, int, int]] = []
    index = floor = 0
    while index < len(ordered) and len(zones) < _MAX_DOUBTFUL_ZONES + _SIGNER_EXTRA_ZONES:
        if not seeds[index] or (
            len(zones) >= _MAX_DOUBTFUL_ZONES and not _in_signer_quarter(ordered[index], width, height)
        ):
            index += 1
            continue
        first, last = index, index
        while first > floor and low[first - 1]:
            first -= 1
        while last + 1 < len(ordered) and (low[last + 1] or _bridged(ordered, low, last + 1)):
            last += 1
        first, last = max(floor, first - 1), min(len(ordered) - 1, last + 1)
        unit = statistics.median(w.height for row in ordered[first : last + 1] for w in row)
        top, bottom = _band(ordered, first, last, unit, height)
        if bottom - top <= _MAX_ZONE_INCHES * (dpi or 300):
            zones.append((text_left, top, text_right, bottom))
        index = floor = last + 1  # zones never share a row
    return zones


def _unsure_count(row: list[tesseract.TsvWord]) -> int:
    """The row's unsure words (letters or digits), a stretched one (:func:`_stretched`) counted twice."""
    unit = statistics.median(w.height for w in row)
    return sum(
        2 if _stretched(w, unit) else 1
        for w in row
        if w.conf < _DOUBT_CONF and any(ch.isalnum() for ch in w.text)
    )


# A word box this many row heights wide per letter holds more ink than its letters: OCR gave one
# token for what it could not part.
_STRETCH = 1.5


def _stretched(word: tesseract.TsvWord, unit: float) -> bool:
    """True for an unsure word whose box is far wider than its letters: several words garbled as one.

    psm 6 read an image PDF's small footer line '- Lưu: VT, ĐT.' as 'p0.' at 37, one box
    291 pixels wide on a row 40 high: one unsure word, so the row was not read again and the
    line was lost, where plain Tesseract read it. Such a word counts as two. Its box is one line
    high: a dot leader read as letters is far lower, and a seal's or a signature's blob read as
    a word is several lines tall (it is no printed line lost; the signer's quarter has its own
    rule).
    """
    return 0.6 * unit <= word.height < _TWO_LINES * unit and word.width > _STRETCH * unit * len(word.text)


def _bridged(ordered: list[list[tesseract.TsvWord]], low: list[int], row: int) -> bool:
    """True when ``row`` holds no letter or digit and the row below it is doubtful.

    The pen's and the seal's debris between two doubtful rows ('`' and '|' at 61-92 between the
    ring over the signature and the name it crosses) is not text that ends a zone: stopping
    there left the signer's name, below the signature, out of the zone read again. Only
    downwards, and only over marks: a zone grown over more rows (a '3 L) 1' of the seal's, the
    name read well below it) is read again worse as a whole, and the first pass's garbled title
    stays.
    """
    return row + 1 < len(ordered) and bool(low[row + 1]) and not _solid_count(ordered[row])


def _in_signer_quarter(row: list[tesseract.TsvWord], width: int, height: int) -> bool:
    """True for a row in the lower right of the page, where the signer block and its seal sit.

    There one unsure word is enough to read the zone again: a seal's ring crossing the title or
    the name costs a single word (``Khổống``, a lost ``CHỦ``), while elsewhere one unsure word is
    mostly a speck or a dot leader not worth a second pass.
    """
    left = min(w.left for w in row)
    top = min(w.top for w in row)
    return left >= 0.4 * width and top >= 0.35 * height


def _reading_score(words: list[tesseract.TsvWord], unit: float = 0.0, names: bool = False) -> int:
    """Sure words that are Vietnamese syllables or numbers, less unsure words.

    Of two readings of a zone the better one recovers the words whole (``Đào Tuấn`` rather than
    ``Đào.Tuấn``) without the seal's debris around them (``SEH6'``, ``teAÓ``, ``AJ4``). Given
    the page's word height ``unit``, a word box spanning two lines (:func:`_spans_lines`) and a
    word lying over another word of the same reading (``ành`` inside ``thành``, one line read
    twice) are unsure whatever their confidence: psm 6 read two blocks' lines as one there.
    With ``names``, an unsure capitalised syllable (:func:`_capitalised_syllable`, a pen's
    mark at its edge such as '`Thủy' stripped first) counts nothing: by the signer, the pen's
    strokes over a name leave it spelt right but unsure. The strips by the signer are scored
    so, and a zone one of them was taken into is scored so whole, first pass and re-read alike.
    """
    score = 0
    for index, w in enumerate(words):
        bare = _bare(w.text)
        if not any(ch.isalnum() for ch in bare):
            continue
        if names and w.conf < _DOUBT_CONF and _is_capitalised_syllable(bare.strip(_PEN_MARKS)):
            continue
        if w.conf < _DOUBT_CONF or (unit and (_spans_lines(w, unit) or _over_another(w, words[:index]))):
            score -= 1
        elif w.conf >= _SURE_CONF and (any(ch.isdigit() for ch in bare) or syllables.is_syllable(bare)):
            score += 1
    return score


# Rows the first pass read across two blocks or packed too close lose their tone marks to the
# wrong line with no loss of confidence ('PHƯỜNG' read 'PHƯƠNG' at 93 beside the motto, 'PHÓ
# TRƯỞNG PHÒNG' read 'PHO TRƯƠNG PHONG' under a row whose boxes took its marks). Their own
# evidence: a word box reaching this share of a word height into the box of a word below it ...
_CROWD_OVERLAP = -0.05
# ... or, in a row psm 6 read across a gap between two blocks, ink that no word covers in the
# strip just above a word (a mark left out) of at least this share of a word height squared.
_LOOSE_MARK_STRIP = 0.5
_LOOSE_MARK_INK = 0.015
_MAX_CROWDED_ZONES = 2
# A blank this many word heights wide, down the whole zone, parts its two blocks (the header's
# columns can be closer than the 1.5 a doubtful zone asks for: no word space is this wide).
_CROWD_COLUMN_GAP = 1.0
# White between the pieces stacked into one image, in word heights.
_STACK_GAP = 1.5


def _reread_crowded(
    prepared: prepare.PreparedPage,
    raw: list[tesseract.TsvWord],
    words: list[Word],
    workdir: Path,
    options: ReadOptions,
) -> list[Word]:
    """Read again, each block apart, the rows whose tone marks the first pass put on the wrong line.

    The zones come from the first pass's own evidence (:func:`_crowded_zones`); all their
    column pieces are stacked into one image and read in one Tesseract call (a call's fixed
    cost is a sixth of a page's). Each row of a piece read again replaces the first pass's
    words in its place when it scores at least as well (:func:`_reading_score`) with at least
    as many words: on a tie the reading that saw each block's lines apart is the one to trust.
    """
    if not options.reread_doubtful or not raw:
        return words
    solid = [w for w in raw if any(ch.isalnum() for ch in w.text) and w.height > 0]
    if not solid:
        return words
    unit = statistics.median(w.height for w in solid)
    page = _grey_or_bilevel(prepared.ocr_image)
    taken = [(w.top, w.top + w.height) for w in words if w.block >= 2000]  # re-read already
    zones = [
        (zone, middles)
        for zone, middles in _crowded_zones(solid, page, unit)
        if not any(top < zone[3] and zone[1] < bottom for top, bottom in taken)
    ][:_MAX_CROWDED_ZONES]
    # only the block (column) of a zone where the evidence lies is read again
    pieces = [
        (number, piece[:4], piece[4] == _COLUMN_PSM)
        for number, (zone, middles) in enumerate(zones)
        for piece in _zone_pieces(page, zone, unit, _CROWD_COLUMN_GAP, bands=True)
        if any(piece[0] <= x < piece[2] for x in middles)
    ]
    if not pieces:
        return words
    try:
        readings = _read_stacked(page, [box for _, box, _ in pieces], unit, workdir, options, prepared.dpi)
    except OcrError:
        return words
    before = words
    kept: dict[int, list[Word]] = {}
    for (number, box, column), found in zip(pieces, readings, strict=True):
        # in a column read apart, the first pass's boxes over two lines are the fault itself
        tall = unit if column else 0.0
        for row in _rows_of(found):
            place = (box[0], min(w.top for w in row), box[2], max(w.top + w.height for w in row))
            old = [w for w in raw if _centre_in(w, place)]
            new_score = (_reading_score(row, tall), _solid_count(row))
            if new_score < (_reading_score(old, tall), _solid_count(old)):
                continue
            words = [
                w
                for w in words
                if not _centre_in(w, place) and not (column and _spans_into(w, place, box, unit))
            ]
            kept.setdefault(number, []).extend(_to_word(w) for w in row if _is_text(w, options.min_word_conf))
    for number, found_words in kept.items():
        # the zone's rows keyed afresh, words read again and words kept alike: a row whose
        # right block was read again still meets its left block, as the footer band needs
        box = zones[number][0]
        rest = [w for w in words if not _centre_in(w, box)]
        mates = _row_mates(rest, [w for w in before if _centre_in(w, box)], found_words)
        words = [w for w in rest if w not in mates] + layout.rows_by_overlap(
            found_words + mates + [w for w in words if _centre_in(w, box)], 3000 + number
        )
    return words


def _row_mates(rest: list[Word], replaced: list[Word], found: list[Word]) -> list[Word]:
    """The words of ``rest`` on one line with a word of ``replaced``, and clear of ``found``.

    A zone read again takes the words whose middles lie in it; a word of the same line whose
    middle falls just past its edge stays out, and was left on a line of its own: a signer's
    name, 'Trần Công' read again in a crowded zone, lost its 'Trung' (its middle half a pixel
    below the zone) to the next line, and the name came out 'Trần Công'. Keyed afresh with the
    zone's words, it is read on their row again. Only a word level with one of them (each box
    holds the other's middle): psm 6 may have read two rows of two blocks as one line, and the
    zone's edge then parts two rows, not one ('KT. CHỦ' above the recipients' row it was read with).
    """
    return [
        w
        for w in rest
        if any(
            (r.block, r.line) == (w.block, w.line) and each_level(top_bottom(r), top_bottom(w))
            for r in replaced
        )
        and not any(_shared_area(w, f) for f in found)
    ]


# A word box this many word heights tall holds two lines: psm 6 read a block of one line pitch
# beside a block of another as one ('Chủ' 95 px tall over '- Như Điều 3;' and the next line,
# at 96, word height 45).
_TWO_LINES = 1.8


def _spans_lines(word: tesseract.TsvWord | Word, unit: float) -> bool:
    return word.height >= _TWO_LINES * unit


def _over_another(word: tesseract.TsvWord | Word, others: list[tesseract.TsvWord] | list[Word]) -> bool:
    """True when a third of ``word``'s box or more lies in the box of one of ``others``."""
    area = word.width * word.height
    return area > 0 and any(_shared_area(word, o) * 3 >= area for o in others)


def _spans_into(
    word: tesseract.TsvWord | Word,
    place: tuple[int, int, int, int],
    piece: tuple[int, int, int, int],
    unit: float,
) -> bool:
    """True for a word of the piece spanning two lines whose box reaches into the row ``place``:
    a row read again replaces it even though its middle fell between two rows."""
    return (
        _spans_lines(word, unit)
        and _centre_in(word, piece)
        and word.top < place[3]
        and place[1] < word.top + word.height
    )


def _meets(word: tesseract.TsvWord | Word, box: tuple[int, int, int, int]) -> bool:
    """True when ``word``'s box and ``box`` (left, top, right, bottom) share a pixel."""
    return (
        word.left < box[2]
        and box[0] < word.left + word.width
        and word.top < box[3]
        and box[1] < word.top + word.height
    )


def _centre_in(word: tesseract.TsvWord | Word, box: tuple[int, int, int, int]) -> bool:
    x, y = word.left + word.width / 2, word.top + word.height / 2
    return box[0] <= x < box[2] and box[1] <= y <= box[3]


def _rows_of(words: list[tesseract.TsvWord]) -> list[list[tesseract.TsvWord]]:
    """Words grouped in rows by vertical overlap (each middle inside the row's extent)."""
    rows: list[list[tesseract.TsvWord]] = []
    for w in sorted(words, key=lambda w: (w.top, w.left)):
        middle = w.top + w.height / 2
        row = next(
            (r for r in rows if min(v.top for v in r) <= middle <= max(v.top + v.height for v in r)), None
        )
        if row is None:
            rows.append([w])
        else:
            row.append(w)
    return rows


def _solid_count(words: list[tesseract.TsvWord]) -> int:
    return sum(1 for w in words if any(ch.isalnum() for ch in w.text))


def _crowded_zones(
    solid: list[tesseract.TsvWord], page: Image.Image, unit: float
) -> list[tuple[tuple[int, int, int, int], list[float]]]:
    """Boxes (left, top, right, bottom) over runs of rows whose marks may sit on the wrong line,
    each with the horizontal middles of the words that gave the rows away."""
    ordered = _first_pass_rows(solid)
    width, height = page.size
    text_left, text_right = _text_span(solid, width)
    # the words that give each row away
    evidence: list[list[tesseract.TsvWord]] = [[] for _ in ordered]
    for index, row in enumerate(ordered):
        for later in range(index + 1, min(len(ordered), index + 3)):
            pairs = _boxes_reach_into(row, ordered[later], unit)
            evidence[index] += [a for a, _b in pairs]
            evidence[later] += [b for _a, b in pairs]
        if not evidence[index] and _two_sided(row, text_left, text_right, unit):
            evidence[index] += [w for w in row if _loose_mark_above(w, page, solid, unit)]
        evidence[index] += _marks_outside_their_box(row, page, solid, unit)
    zones: list[tuple[tuple[int, int, int, int], list[float]]] = []
    index = floor = 0
    while index < len(ordered):
        if not evidence[index]:
            index += 1
            continue
        last = index
        while last + 1 < len(ordered) and evidence[last + 1]:
            last += 1
        middles = [w.left + w.width / 2 for row in evidence[index : last + 1] for w in row]
        # one row more each side: the marks in question sit between the rows, and a zone cut
        # at a neighbour's box would cut them off; but never a row of the zone before, which
        # read in both came back twice ('Họ Họ và và tên tên', a form's name row on two zones)
        first, last = max(floor, index - 1), min(len(ordered) - 1, last + 1)
        top, bottom = _band(ordered, first, last, unit, height)
        zones.append(((text_left, top, text_right, bottom), middles))
        index = floor = last + 1
    return zones


def _boxes_reach_into(
    row: list[tesseract.TsvWord], later: list[tesseract.TsvWord], unit: float
) -> list[tuple[tesseract.TsvWord, tesseract.TsvWord]]:
    """The words of ``row`` reaching into (or touching) the box of a word of a later row below."""
    return [
        (a, b)
        for a in row
        for b in later
        if a.top + a.height - b.top > _CROWD_OVERLAP * unit
        and min(a.conf, b.conf) >= _DOUBT_CONF  # not the debris of a signature
        and a.top < b.top
        and a.left < b.left + b.width
        and b.left < a.left + a.width
    ]


def _two_sided(row: list[tesseract.TsvWord], text_left: int, text_right: int, unit: float) -> bool:
    """True for a row with a wide gap in the middle of the text: two blocks read as one line."""
    ordered = sorted(row, key=lambda w: w.left)
    span = text_right - text_left
    for before, after in zip(ordered, ordered[1:], strict=False):
        gap_left, gap_right = before.left + before.width, after.left
        middle = (gap_left + gap_right) / 2
        if gap_right - gap_left >= 1.5 * unit and 0.25 * span <= middle - text_left <= 0.75 * span:
            return True
    return False


_ABOVE_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309")
_DOT_BELOW = "\u0323"
# A mark sits this share of a word height beyond the plain capitals of its row.
_MARK_REACH = 0.08


def _marks_outside_their_box(
    row: list[tesseract.TsvWord], page: Image.Image, solid: list[tesseract.TsvWord], unit: float
) -> list[tesseract.TsvWord]:
    """The words in capitals read with a mark that is neither in their box nor beside it.

    A capital's mark lies above its cap height and a dot below under its baseline, so its box
    reaches beyond those of the row's plain capitals, or the mark is ink no box covers just
    there; 'BẠN' read with a box no lower than 'TM.' beside it took its dot from the hook of
    'CHỦ' in the row below (ink inside another word's box).
    """
    plain, marked = [], []
    for w in row:
        bare = w.text.strip(".,;:()-")
        if len(bare) < 2 or not bare.isupper():
            continue
        marks = set(unicodedata.normalize("NFD", bare)) - set(bare.encode("ascii", "ignore").decode())
        (marked if marks & (_ABOVE_MARKS | {_DOT_BELOW}) else plain).append((w, marks))
    if not plain or not marked:
        return []
    reach = _MARK_REACH * unit
    top = statistics.median(w.top for w, _ in plain)
    bottom = statistics.median(w.top + w.height for w, _ in plain)
    return [
        w
        for w, marks in marked
        if (
            _DOT_BELOW in marks
            and w.top + w.height <= bottom + reach
            and not _loose_ink(w, page, solid, unit, above=False)
        )
        or (
            marks & _ABOVE_MARKS and w.top >= top - reach and not _loose_ink(w, page, solid, unit, above=True)
        )
    ]


def _loose_mark_above(
    word: tesseract.TsvWord, page: Image.Image, solid: list[tesseract.TsvWord], unit: float
) -> bool:
    """True when ink no word covers sits just above ``word``, read with no mark above: a tone
    mark left out of it (a word read with its mark often has a box that leaves the mark out)."""
    if set(unicodedata.normalize("NFD", word.text)) & _ABOVE_MARKS:
        return False
    return _loose_ink(word, page, solid, unit, above=True)


def _loose_ink(
    word: tesseract.TsvWord, page: Image.Image, solid: list[tesseract.TsvWord], unit: float, *, above: bool
) -> bool:
    """True when ink no word's box covers lies in the strip just above (or below) ``word``."""
    reach = int(_LOOSE_MARK_STRIP * unit)
    if above:
        top, bottom = max(0, word.top - reach), word.top
    else:
        top, bottom = word.top + word.height, min(page.height, word.top + word.height + reach)
    if bottom - top < 2:
        return False
    box = (word.left, top, word.left + word.width, bottom)
    ink = np.asarray(page.crop(box).convert("L")) < 128
    for other in solid:
        x0, y0 = max(other.left, box[0]) - box[0], max(other.top, box[1]) - box[1]
        x1 = min(other.left + other.width, box[2]) - box[0]
        y1 = min(other.top + other.height, box[3]) - box[1]
        if x0 < x1 and y0 < y1:
            ink[y0:y1, x0:x1] = False
    return int(ink.sum()) >= _LOOSE_MARK_INK * unit * unit


def _read_stacked(
    page: Image.Image,
    boxes: list[tuple[int, int, int, int]],
    unit: float,
    workdir: Path,
    options: ReadOptions,
    dpi: int,
) -> list[list[tesseract.TsvWord]]:
    """Read several pieces of the page in one Tesseract call: stacked, white between them.

    Returns each piece's words in page coordinates. Raises :class:`OcrError`.
    """
    gap = max(8, int(_STACK_GAP * unit))
    width = max(right - left for left, _, right, _ in boxes) + 2 * gap
    height = sum(bottom - top for _, top, _, bottom in boxes) + gap * (len(boxes) + 1)
    stack = Image.new(page.mode, (width, height), 255 if page.mode == "L" else 1)
    offsets = []
    y = gap
    for left, top, right, bottom in boxes:
        stack.paste(page.crop((left, top, right, bottom)), (gap, y))
        offsets.append((y, y + bottom - top, left - gap, top - y))
        y += bottom - top + gap
    path = _tesseract_input(stack, workdir / "stacked")
    out = tesseract.ocr_image(
        path, lang=options.lang, psm=6, dpi=dpi, timeout=options.timeout, command=options.tesseract
    )
    readings: list[list[tesseract.TsvWord]] = [[] for _ in boxes]
    for w in out.words:
        middle = w.top + w.height / 2
        for number, (start, end, dx, dy) in enumerate(offsets):
            if start <= middle < end:
                readings[number].append(replace(w, left=w.left + dx, top=w.top + dy))
                break
    return readings


# Lines read again from what the first pass missed must look like text: each word at least this
# sure, and all of them this sure on average. Measured on the samples: seal and signature
# debris ('J0,', '1U', '[0099') read at 0-49, recovered lines at 86-97, a lone 'm2.' at 58.
_MISSED_WORD_CONF = 30.0
_MISSED_MEAN_CONF = 55.0
# An unsure word at least this many word heights wide may stand for a phrase the first pass lost.
_UNSURE_MIN_WIDTH = 3.0


def _read_missed(
    prepared: prepare.PreparedPage,
    raw: list[tesseract.TsvWord],
    words: list[Word],
    workdir: Path,
    options: ReadOptions,
) -> list[Word]:
    """Read again, one small region at a time, ink that no recognised word covers.

    Tesseract's single-block mode sometimes drops a whole line (a footer row with small and
    large type, a number at the start of a line). Each region is cut from the page with the
    known words whited out, so nothing is read twice; a recovered word joins the row it sits
    in, so ``221,0`` and a recovered ``m²`` stay on one line. A region read too unsure to
    take still gives the words the first pass (``raw``, all its words) read the same way
    there (:func:`_read_twice`).
    """
    heights = [w.height for w in words if w.height > 0]
    if not heights or not options.reread_missed:
        return []
    # ink under a long word the first pass was this unsure of counts as missed: 'H9.' at 26,
    # six word heights wide, stood for a whole '- Lưu: VT, ĐT.' beside the signer's title
    # (short unsure words are mostly specks and seal debris, not worth a call; a capitalised
    # syllable, spelt right however unsure, counts as read anywhere on the page: by the signer
    # it is a name the pen crossed, and 'Xuân' at 16 read again came back "“#hạm'Xứ" and was
    # lost; elsewhere word recall on devset2's forms stayed the same)
    unit = statistics.median(heights)
    boxes = [
        (w.left, w.top, w.width, w.height)
        for w in words
        if w.conf >= _MISSED_WORD_CONF or w.width < _UNSURE_MIN_WIDTH * unit or _capitalised_syllable(w)
    ]
    blanked, regions = prepare.find_missed_text(prepared.ocr_image, boxes, unit)
    found: list[Word] = []
    for number, (left, top, right, bottom) in enumerate(regions, start=1):
        path = _tesseract_input(blanked.crop((left, top, right, bottom)), workdir / f"missed-{number}")
        try:
            out = tesseract.ocr_image(
                path,
                lang=options.lang,
                psm=6,
                dpi=prepared.dpi,
                timeout=options.timeout,
                command=options.tesseract,
            )
        except OcrError:
            continue
        kept = [w for w in out.words if _is_text(w, max(options.min_word_conf, _MISSED_WORD_CONF))]
        if kept and statistics.fmean(w.conf for w in kept) < _MISSED_MEAN_CONF:
            kept = []
        kept += [w for w in out.words if w not in kept and _read_twice(w, raw, left, top)]
        if not kept:
            continue
        for w in kept:
            shifted = _to_word(w)
            found.append(
                replace(shifted, left=shifted.left + left, top=shifted.top + top, block=1000 + number)
            )
    return _join_rows(found, words)


def _without_unsure_under(words: list[Word], found: list[Word]) -> list[Word]:
    """The words, less the unsure ones whose middle lies in a word read back from missed ink."""

    def covered(w: Word) -> bool:
        x, y = w.left + w.width / 2, w.top + w.height / 2
        return any(f.left <= x <= f.left + f.width and f.top <= y <= f.top + f.height for f in found)

    return [w for w in words if w.conf >= _MISSED_WORD_CONF or not covered(w)]


def _without_marks_inside(words: list[Word]) -> list[Word]:
    """The words, less the unsure ones and the lone marks whose box lies inside a larger word's.

    A zone read again may read a tone mark apart from its letter: 'và' in a 4 x 5 px box inside
    'tịch', 'ˆ' inside 'huyện;' (a fax's recipients beside its seal). No word is printed inside
    another: the page's text held the mark as a word of its own, and the searchable PDF's layer
    ran it into the word around it ('tịvch'). A third of the box inside is enough
    (:func:`_over_another`). A capitalised syllable goes only from inside a sure word: inside
    an unsure one (a pen's strokes read 'SN)' at 27 over the signer's row) it is the name,
    'Nguyễn' read at 19 through the strokes. Not so in capitals: there the strokes read 'LÊN'.
    """
    suspects = [w for w in words if w.conf < _DOUBT_CONF or not any(map(_letter_or_digit, w.text))]
    inside = {
        id(w)
        for w in suspects
        if _over_another(
            w,
            [
                o
                for o in words
                if o.width * o.height > w.width * w.height
                and (o.conf >= _DOUBT_CONF or w.text.isupper() or not _capitalised_syllable(w))
            ],
        )
    }
    return [w for w in words if id(w) not in inside]


def _letter_or_digit(ch: str) -> bool:
    """True for a letter or a digit; not for a modifier letter ('ˆ' is a mark, not a word)."""
    return unicodedata.category(ch) in ("Lu", "Ll", "Lt", "Lo", "Nd")


# A word read alike by the first pass and again from its region alone is text, however unsure
# each reading, when it holds a digit: 'Số: 232/QĐ-UBND' on a clean page read right at 9 (below
# the debris cut, so dropped) and again at 42 (below what a missed line must average), and
# '379/QĐ-UBND' at 0 both times. Only words this long, and with a digit unless the second
# reading is as sure as a missed line's words must be: the letters of a seal's ring read alike
# twice too. The confidence stays as read: a number or a date printed by such a word goes to
# the clerk (fields_text.span_conf).
_TWICE_MIN_CHARS = 4


def _read_twice(word: tesseract.TsvWord, raw: list[tesseract.TsvWord], left: int, top: int) -> bool:
    """True when the first pass read ``word`` (a region's, cut at ``left``, ``top``) the same,
    at the same place, and it is text by :data:`_TWICE_MIN_CHARS` and its digits or confidence."""
    if sum(ch.isalnum() for ch in word.text) < _TWICE_MIN_CHARS:
        return False
    if word.conf < _MISSED_WORD_CONF and not any(ch.isdigit() for ch in word.text):
        return False
    box = (word.left + left, word.top + top, word.left + left + word.width, word.top + top + word.height)
    return any(w.text == word.text and _centre_in(w, box) for w in raw)


def _join_rows(found: list[Word], words: list[Word]) -> list[Word]:
    """Give each recovered word the row key of the recognised line it sits in, if any."""
    rows: dict[tuple[int, int], tuple[int, int]] = {}
    for w in words:
        top, bottom = rows.get((w.block, w.line), (w.top, w.top + w.height))
        rows[(w.block, w.line)] = (min(top, w.top), max(bottom, w.top + w.height))
    joined = []
    for w in found:
        middle = w.top + w.height / 2
        key = next((k for k, (top, bottom) in rows.items() if top <= middle <= bottom), None)
        joined.append(replace(w, block=key[0], line=key[1]) if key else w)
    return joined


def _repaired(line: list[Word]) -> list[Word]:
    texts = syllables.repair_tokens([w.text for w in line])
    out: list[Word] = []
    for word, text in zip(line, texts, strict=True):
        out += [word] if word.text == text else _parted(replace(word, text=text))
    return out


def _parted(word: Word) -> list[Word]:
    """A word the repair parted into syllables ('TRẦN MINH TOẢN'), one word each, the box shared
    out by letters: a word stays one token for the fields and the text layer."""
    pieces = word.text.split(" ")
    if len(pieces) == 1:
        return [word]
    letters = sum(len(piece) for piece in pieces)
    out, left = [], word.left
    for piece in pieces:
        width = max(1, round(word.width * len(piece) / letters))
        out.append(replace(word, text=piece, left=left, width=width))
        left += width
    return out


def _prepare(image: Image.Image, stored_dpi: int, options: ReadOptions) -> prepare.PreparedPage:
    if options.prepare:
        return prepare.prepare_page(image, stored_dpi)
    keep = prepare.normalise_mode(image)
    dpi = prepare.guess_dpi(keep.width, keep.height, stored_dpi)
    return prepare.PreparedPage(ocr_image=keep, keep_image=keep, dpi=dpi)


def _grey(image: Image.Image) -> Image.Image:
    return image if image.mode == "L" else image.convert("L")


def _turn_upright(
    image: Image.Image,
    stored_dpi: int,
    prepared: prepare.PreparedPage,
    workdir: Path,
    options: ReadOptions,
) -> prepare.PreparedPage:
    """Ask OSD how the page lies; when it is turned, prepare the turned original again."""
    probe_path = _tesseract_input(_grey(prepared.ocr_image), workdir / "osd")
    try:
        found = tesseract.detect_orientation(
            probe_path, dpi=prepared.dpi, timeout=options.timeout, command=options.tesseract
        )
    except OcrError:
        return prepared
    if found.rotate == 0 or found.confidence < _OSD_MIN_CONFIDENCE:
        return prepared
    turned = _prepare(prepare.turn(prepare.normalise_mode(image), found.rotate), stored_dpi, options)
    turned.rotation = found.rotate
    turned.steps.append(f"turn {found.rotate}")
    return turned


def _ocr(prepared: prepare.PreparedPage, workdir: Path, options: ReadOptions) -> tesseract.OcrOutput:
    """Hand the prepared image to Tesseract and run it."""
    path = _tesseract_input(_grey_or_bilevel(prepared.ocr_image), workdir / "page")
    return tesseract.ocr_image(
        path,
        lang=options.lang,
        psm=options.psm,
        dpi=prepared.dpi,
        timeout=options.timeout,
        command=options.tesseract,
    )


def _tesseract_input(image: Image.Image, stem: Path) -> Path:
    """Write ``image`` where Tesseract will read it, as an uncompressed TIFF; returns its path.

    The file lives a moment in the page's temporary folder, so its size does not matter, and
    its encoding is paid on every page: a lightly compressed PNG cost 86 ms to write and
    Tesseract 27 ms more to read than a raw TIFF (6 ms to write) on an A4 page at 300 dpi; a
    PGM was cheap to write but slower for Leptonica to read.
    """
    path = stem.with_suffix(".tif")
    image.save(path, compression="raw")
    return path


def _grey_or_bilevel(image: Image.Image) -> Image.Image:
    return image if image.mode in ("1", "L") else image.convert("L")


def _looks_wrong(result: tesseract.OcrOutput) -> bool:
    """A first pass that reads like a turned page: low confidence or few real syllables."""
    if not result.words:
        return False
    share, tokens = syllables.valid_share(" ".join(w.text for w in result.words))
    return _mean_confidence(result.words) < _SUSPECT_CONFIDENCE or (tokens >= 10 and share < _SUSPECT_SHARE)


def _mean_confidence(words: list[tesseract.TsvWord]) -> float:
    values = [w.conf for w in words if w.conf >= 0]
    return round(statistics.fmean(values) / 100.0, 4) if values else 0.0


# Marks that Tesseract reads off rules, frames, seals and specks; never a token of their own in
# a document (unlike - – : ; , . / ( ) which are).
_DEBRIS = set("_|~\\<>=^`'‘’«»©®°—¬")
# A lone punctuation token below this confidence is a speck (measured: real list dashes read at
# 76-93, specks read as '.' or ':' at 21-63).
_PUNCTUATION_MIN_CONF = 70.0


def _capitalised_syllable(word: tesseract.TsvWord | Word) -> bool:
    """True for a capitalised Vietnamese syllable, however unsure Tesseract is of it.

    In a zone read again with the seal taken out, a name's first syllable that the ring crossed
    comes back spelt right but at confidence 0 (``Khổng``); a speck is never a well-formed
    syllable. Its low confidence stays on the word, so the name it opens goes to review.
    """
    return _is_capitalised_syllable(word.text.strip(".,;:"))


def _is_capitalised_syllable(text: str) -> bool:
    return len(text) >= 2 and text[0].isupper() and syllables.is_syllable(text)


def _is_text(word: tesseract.TsvWord, min_conf: float) -> bool:
    """False for debris: very unsure words, unsure lone punctuation, rule and speck marks."""
    if word.conf < min_conf:
        return False
    if any(ch.isalnum() for ch in word.text):
        return True
    return word.conf >= _PUNCTUATION_MIN_CONF and not (set(word.text) & _DEBRIS) and len(word.text) <= 3


# Share of a number's box covered by a red seal's ink above which its digits were read through
# the seal, and the confidence they keep at most. The red channel drops the seal's ink, but a
# digit the ring crossed may lose a stroke with it, and Tesseract's confidence does not show
# that: a rendered certificate under a red ring read 026190094321 for 026190004321 at 96.
_UNDER_SEAL_SHARE = 0.02
_UNDER_SEAL_CONF = 85.0


def _digits_under_red_seal(prepared: prepare.PreparedPage, words: list[Word]) -> list[Word]:
    """Numbers (three digits or more) printed under a red seal, given a confidence that says so."""
    if prepared.red_ink is None:
        return words
    mask, factor = prepared.red_ink
    out = []
    for word in words:
        if sum(ch.isdigit() for ch in word.text) >= 3 and word.conf > _UNDER_SEAL_CONF:
            bottom, right = (word.top + word.height) // factor + 1, (word.left + word.width) // factor + 1
            box = mask[word.top // factor : bottom, word.left // factor : right]
            if box.size and float(box.mean()) > _UNDER_SEAL_SHARE:
                word = replace(word, conf=_UNDER_SEAL_CONF)
        out.append(word)
    return out


# Grey level under which a pixel is ink for :func:`_digits_crossed`: a grey seal's ring (100-170)
# and a pen's stroke are ink as much as print is.
_STROKE_INK = 190


def _digits_crossed(prepared: prepare.PreparedPage, words: list[Word]) -> list[Word]:
    """Numbers a seal's ring or a pen's stroke crosses, given a confidence that says so.

    Without colour (grey, 1-bit, a greyed PDF) the ring cannot be told from print by its ink,
    but by its course: it runs through the number's box, on into the blank above and below it.
    Digits carry no marks above or below, and the lines around stand a line's gap away, so ink
    running across a narrow band right above the box and across one right below, near the same
    column, is a stroke through the digits. A digit it crossed may be misread for its neighbour
    at Tesseract's full confidence (``...576`` read ``...575`` at 90 under a grey ring). Read on
    the page as scanned, where the ring is still there (a red one as dark as a grey one), so a
    red ring too thin to cover much of the box (:func:`_digits_under_red_seal`) counts as well.
    """
    page = None
    out = []
    for word in words:
        if sum(ch.isdigit() for ch in word.text) >= 3 and word.conf > _UNDER_SEAL_CONF:
            if page is None:
                page = np.asarray(_grey(prepared.keep_image))
            if _crossed(page, word):
                word = replace(word, conf=_UNDER_SEAL_CONF)
        out.append(word)
    return out


# A run of this many digits is an identity paper's number (CMND 9, CCCD 12), worth a second look.
_ID_DIGITS = 8
# The lengths an identity number has, and how many of its first digits (a CCCD's province,
# century and year of birth) a second reading must share with the first to be the same number.
_ID_LENGTHS = (9, 12)
_ID_HEAD = 6
_DIGIT_RUN = re.compile(r"[0-9]+")


def _numbers_read_again(
    prepared: prepare.PreparedPage, words: list[Word], workdir: Path, options: ReadOptions
) -> list[Word]:
    """Identity numbers a grey seal's ring crossed, read again on their own without its ink.

    In a grey scan the ring over an identity number's last digits made Tesseract drop or add
    digits (``02520497134`` at 67 for ``025204971390``; ``0270409893(9``). The ring is lighter
    than the print: the number's box, cut at the two inks' levels
    (:func:`prepare.suppress_light_ink`) and read as one line of digits, comes back whole. Only
    numbers of no identity number's length (9 or 12 digits) that the first pass doubted (or that
    a stroke crosses: ``words`` come through :func:`_digits_crossed`, which lowers their
    confidence so), where a lighter ink is there to cut, are read again: a
    number read whole but unsure was as often right as the second reading (devset2 seed 18). The
    second reading is taken when it has an identity number's length and opens as the first did,
    and keeps the first's doubt: the clerk confirms it. Where the label on the number's line says
    which paper it is (:func:`_lengths_labelled`), only that paper's length counts as whole, and a
    number of another length is read again even when the first pass was sure of it. A colour
    scan was read on its red channel, which the seal is not in; a 1-bit one has one ink.
    """
    if "red-channel" in prepared.steps or prepared.ocr_image.mode != "L":
        return words
    page = prepared.ocr_image
    out: list[Word] = []
    for number, word in enumerate(words):
        run = max(_DIGIT_RUN.findall(word.text), key=len, default="")
        lengths = _lengths_labelled(words, number) if len(run) >= _ID_DIGITS else _ID_LENGTHS
        # a number its label says is short is read again however sure the first pass was
        sure = word.conf > _UNDER_SEAL_CONF and lengths == _ID_LENGTHS
        if len(run) < _ID_DIGITS or len(run) in lengths or sure:
            out.append(word)  # no identity number, one whole (a second reading may be no better), or sure
            continue
        if again := _number_again(page, word, run, workdir / f"number-{number}", options, lengths):
            word = replace(word, text=word.text.replace(run, again, 1), conf=min(word.conf, _UNDER_SEAL_CONF))
        out.append(word)
    return out


def _lengths_labelled(words: list[Word], index: int) -> tuple[int, ...]:
    """The lengths the identity number ``words[index]`` may have, by the label before it on its
    line (:func:`sohoa.digitize.id_labels.promised_lengths`).

    'Số định danh cá nhân: 026150925' under a ring is a CCCD number that lost three digits, not
    an old 9-digit card's: read again, it comes back whole.
    """
    word = words[index]
    label = " ".join(w.text for w in words[:index] if (w.block, w.line) == (word.block, word.line))
    return promised_lengths(strip_marks(label.lower())) or _ID_LENGTHS


def _number_again(
    page: Image.Image,
    word: Word,
    run: str,
    stem: Path,
    options: ReadOptions,
    lengths: tuple[int, ...] = _ID_LENGTHS,
) -> str | None:
    """``run``, the digits of ``word``, as read again without a lighter ink; ``None`` when that
    reading is no better (no lighter ink, another length, another number)."""
    start = word.left + round(word.width * word.text.index(run) / max(1, len(word.text)))
    h = word.height  # a digit or two the first pass lost may stand past the box's right edge
    # ... or as many as the label says are lost ('026150925' of a 12-digit number), a digit's
    # width each
    lost = max(lengths) - len(run)
    reach = max(3 * h // 2, round((lost + 1) * word.width / max(1, len(word.text))))
    right, bottom = (
        min(page.width, word.left + word.width + reach),
        min(page.height, word.top + h + h // 3),
    )
    box = (max(0, start - h // 2), max(0, word.top - h // 3), right, bottom)
    cleaned, cut = prepare.suppress_light_ink(page.crop(box))
    if cut is None:
        return None
    cleaned = _digits_band(cleaned, cut)
    try:
        out = tesseract.ocr_image(
            _tesseract_input(cleaned, stem), lang=options.lang, psm=7, timeout=options.timeout,
            command=options.tesseract, digits=True,
        )  # fmt: skip
    except OcrError:
        return None
    again = max((m for w in out.words for m in _DIGIT_RUN.findall(w.text)), key=len, default="")
    if len(again) not in lengths or again == run or again[:_ID_HEAD] != run[:_ID_HEAD]:
        return None
    return again


def _digits_band(cleaned: Image.Image, cut: int) -> Image.Image:
    """``cleaned`` cut down to the band of rows where most of its ink lies, a little around it.

    A ring grows the number's box to twice a line (69 px for digits 30 high): read whole, the
    crop holds the ends of the lines above and below, and Tesseract, told it is one line, reads
    none of it.
    """
    rows = (np.asarray(cleaned) < cut).sum(axis=1)
    bands = prepare.joined_runs(rows > 0, 0)
    if not bands:
        return cleaned
    top, end = max(bands, key=lambda band: int(rows[band[0] : band[1]].sum()))
    pad = max(2, (end - top) // 4)
    return cleaned.crop((0, max(0, top - pad), cleaned.width, min(cleaned.height, end + pad)))


def _crossed(page: np.ndarray, word: Word) -> bool:
    """True when ink runs across a band right above ``word``'s box and one right below it, in
    columns of the box less than half a line apart. A table's rules do not: a horizontal one
    crosses a band's few rows, not all of them, and a vertical one stands beside the cell's
    text, not over it."""
    gap, band = max(1, word.height // 8), max(2, word.height // 4)
    top, bottom = word.top - gap - band, word.top + word.height + gap
    if top < 0 or bottom + band > page.shape[0]:
        return False
    left, right = max(0, word.left), min(page.shape[1], word.left + word.width)
    # a column crossed through the whole band: a stroke passing, not a mark's tip at its edge
    above = (page[top : top + band, left:right] < _STROKE_INK).sum(axis=0) >= band - 1
    below = (page[bottom : bottom + band, left:right] < _STROKE_INK).sum(axis=0) >= band - 1
    xa, xb = np.flatnonzero(above), np.flatnonzero(below)
    if not xa.size or not xb.size:
        return False
    return bool(np.abs(xa[:, None] - xb[None, :]).min() <= word.height // 2)


def _to_word(word: tesseract.TsvWord) -> Word:
    # Tesseract's (block, paragraph, line) folded into one line key for the layout step.
    line_key = word.par * 1000 + word.line
    # A rule or speck glued to a word ('_ỦY') is not part of it.
    text = word.text.strip("_|~") or word.text
    return Word(text, word.left, word.top, word.width, word.height, word.conf, word.block, line_key)


def _failed(
    ref: PageRef,
    reason: str,
    *,
    method: str = "ocr",
    prepared: prepare.PreparedPage | None = None,
    options: ReadOptions | None = None,
) -> PageText:
    """A page that could not be read: empty text, confidence 0, the reason as a warning.

    When the image itself was decoded, the page PDF still carries it (without text), so the
    document's PDF keeps every page.
    """
    # never the file's name: scan names carry citizens' names (the batch logs which item it is)
    log.warning("page %d not read: %s", ref.number, reason)
    page = PageText(number=ref.number, text="", method=method, confidence=0.0, warnings=[reason])
    if prepared is not None:
        quality = options.jpeg_quality if options else ReadOptions.jpeg_quality
        page.pdf = _page_pdf(prepared.keep_image, prepared.dpi, quality)
        page.dpi = prepared.dpi
        page.width, page.height = prepared.keep_image.size
    return page


# --- PDF assembly ---------------------------------------------------------------------------


def _page_pdf_or_warn(
    prepared: prepare.PreparedPage,
    lines: list[list[Word]],
    font_source: bytes,
    quality: int,
    warnings: list[str],
) -> bytes | None:
    """The page PDF, or None and a warning (the text is still worth keeping)."""
    from pypdf.errors import PyPdfError

    try:
        return _page_pdf(prepared.keep_image, prepared.dpi, quality, lines, font_source)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        error = type(exc).__name__
        warnings.append(_("không tạo được PDF tìm kiếm được của trang (%(error)s)") % {"error": error})
        return None


def _page_pdf(
    image: Image.Image,
    dpi: int,
    quality: int,
    lines: list[list[Word]] | None = None,
    font_source: bytes | None = None,
) -> bytes:
    """One PDF page: the page image (JPEG, or CCITT G4 for 1-bit) with invisible text on top.

    The text is the page's final words (:mod:`sohoa.digitize.text_layer`), in the glyphless
    font copied from ``font_source``, a text-only PDF of Tesseract's. No lines, no text.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    picture = io.BytesIO()
    extra = {} if image.mode == "1" else {"quality": quality}  # 1-bit pages go in as CCITT G4
    image.save(picture, "PDF", resolution=float(dpi), **extra)
    writer = PdfWriter(clone_from=PdfReader(picture))
    page = writer.pages[0]
    if not lines or font_source is None:
        return _written(writer)
    page_width, page_height = float(page.mediabox.width), float(page.mediabox.height)
    fonts = PdfReader(io.BytesIO(font_source)).pages[0]["/Resources"]["/Font"]
    name, font = next(iter(fonts.items()))
    page["/Resources"][NameObject("/Font")] = DictionaryObject({NameObject(name): font.clone(writer)})
    text = text_layer.text_stream(lines, page_width / image.width, page_height, name)
    stream = ContentStream(None, None)
    stream.set_data(page["/Contents"].get_object().get_data() + b"\n" + text)
    page.replace_contents(stream)
    page.compress_content_streams()
    return _written(writer)


def _written(writer) -> bytes:  # noqa: ANN001 - pypdf's PdfWriter
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def assemble_pdf(source: DocumentSource, pages: list[PageText], out: Path) -> None:
    """Write the document's searchable PDF to ``out`` (atomically: temp file, then rename).

    OCR'd pages come from their one-page PDFs; ``pdf-text`` pages (and pages that failed before
    their image was decoded) are copied from the original PDF. Raises :class:`InputFileError`
    when a page cannot be found in either.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    whole = [p.number for p in pages] == [ref.number for ref in source.pages]
    if source.is_pdf and whole and not any(p.pdf or p.pdf_file for p in pages):
        # a born-digital PDF is already searchable: keep its bytes rather than re-serialise it
        _write_atomically(out, lambda stream: _copy_into(source.path, stream))
        return
    writer = PdfWriter()
    original = None
    for page in pages:  # only these pages: a batch scan is split into several documents
        ref = source.pages[page.number - 1]
        if page.pdf or page.pdf_file:
            writer.add_page(PdfReader(io.BytesIO(page.pdf) if page.pdf else page.pdf_file).pages[0])
            continue
        if not source.is_pdf:
            raise InputFileError(source.path, "corrupt", f"page {ref.number} could not be read")
        try:
            if original is None:
                original = PdfReader(source.path)
            writer.add_page(original.pages[ref.index])
        except (PyPdfError, OSError, ValueError, KeyError, IndexError) as exc:
            raise InputFileError(
                source.path, "corrupt", f"page {ref.number} could not be copied ({type(exc).__name__})"
            ) from None
    _write_atomically(out, writer.write)


def _copy_into(path: str, stream: BinaryIO) -> None:
    with open(path, "rb") as source:
        shutil.copyfileobj(source, stream, 1 << 20)


def _write_atomically(out: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``out`` through a temp file in its folder, fsynced, then renamed into place."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
