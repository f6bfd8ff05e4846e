"""Preflight and page inventory: is this file a document we can read, and what are its pages?

:func:`open_document` is cheap on purpose (header reads, a draft decode, the PDF's own text
layer): the ingest pipeline calls it in the main process for every file before any page goes to
a worker. Each refusal is an :class:`InputFileError` with one stable reason code and a message
a clerk can act on. What it returns is plain and picklable, so pages can be handed to worker
processes one at a time and no page image is ever held here.

The file type comes from its first bytes, never from its extension: scanners and people name
files freely. File names are used exactly as they are on disk (NFD names from macOS included).
Phone photos (HEIC/HEIF, read through ``pillow-heif``) and GIF are images like any other. Size is
no reason to refuse: a strip of 517x147 pixels can hold a legible line, so every decodable image
is read and only a file whose pages yield no word at all fails (:func:`require_words`).

Messages are what a clerk reads: Vietnamese first, English after in parentheses.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

from PIL import Image, features

from sohoa.digitize import syllables
from sohoa.digitize.model import PageText
from sohoa.errors import InputFileError
from sohoa.i18n import N_, _
from sohoa.i18n import lazy_gettext as L_

#: The page warning of a page where OCR found no word (``read`` writes it, ``require_words`` leaves it
#: out of the refusal's reason, which says the same); a msgid, shown in the reader's language.
NO_TEXT_WARNING = N_("không tìm thấy chữ trên trang này (trang trắng, ảnh, hoặc chữ quá mờ)")


def _register_heif() -> bool:
    """Teach Pillow to open HEIC/HEIF phone photos; False when ``pillow-heif`` is not installed.

    Done at import, so the worker processes that decode pages (they import this module through
    ``read``) open HEIF files the same way preflight did.
    """
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


HEIF_READABLE = _register_heif()

# A0 at 300 dpi is ~140 Mpx; anything beyond this is a decompression bomb or a mistake, and is
# refused from the header alone, before a single pixel is decoded.
MAX_PIXELS = 150_000_000
# Rasterising resolution for PDF pages without a usable text layer and no embedded scan to
# take the resolution from (field notes: 200-300 dpi read equally well).
PDF_RASTER_DPI = 300
# A text layer is kept when at least this share of its letter tokens are Vietnamese syllables
# (real pages score 0.85-1.0; TCVN3/VNI legacy-font garbage scores well under 0.5).
TEXT_LAYER_MIN_SHARE = 0.6
TEXT_LAYER_MIN_TOKENS = 3

KIND_IMAGE = "image"
KIND_PDF_TEXT = "pdf-text"
KIND_PDF_OCR = "pdf-ocr"

_IMAGE_FORMATS = (
    "PNG",
    "JPEG",
    "TIFF",
    "BMP",
    "WEBP",
    "GIF",
    *(("HEIF",) if HEIF_READABLE else ()),
    *(("AVIF",) if features.check("avif") else ()),
)
# ISO base media ``ftyp`` brands: HEVC-coded HEIF (iPhone and most Android photos) and AV1 (AVIF).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_MIAF_BRANDS = frozenset({b"mif1", b"msf1", b"miaf"})


@dataclass(frozen=True)
class PageRef:
    """One page of a source file, small enough to pickle to a worker process.

    ``index`` is 0-based (frame of a TIFF, page of a PDF); ``kind`` is ``image`` (a raster
    file's frame), ``pdf-text`` (a PDF page whose own text layer is used) or ``pdf-ocr`` (a PDF
    page to rasterise and OCR). ``dpi`` is the resolution when known (from the file, or the one
    to rasterise at), else 0.
    """

    path: str
    index: int
    kind: str
    dpi: int = 0
    fmt: str = ""

    @property
    def number(self) -> int:
        """1-based page number, as clerks count."""
        return self.index + 1


@dataclass(frozen=True)
class DocumentSource:
    """A file that passed preflight: its type and its pages in order."""

    path: str
    fmt: str
    pages: tuple[PageRef, ...]
    size: int

    @property
    def is_pdf(self) -> bool:
        return self.fmt == "PDF"


def open_document(path: str | os.PathLike[str]) -> DocumentSource:
    """Check that ``path`` is a readable document and list its pages.

    Raises :class:`InputFileError` with reason ``unreadable``, ``empty``, ``not-a-document``,
    ``unsupported``, ``corrupt``, ``too-large``, ``encrypted`` or ``no-pages``.
    """
    name = os.fspath(path)
    head, size = _read_head(name)
    fmt = sniff(head)
    if fmt is None:
        raise InputFileError(
            name,
            "not-a-document",
            _("nội dung tệp không phải ảnh quét hay PDF: kiểm tra đã chọn đúng tệp chưa, hoặc quét lại giấy"),
        )
    if fmt not in (*_IMAGE_FORMATS, "PDF"):
        raise InputFileError(name, "unsupported", _unsupported_message(fmt))
    pages = _pdf_pages(name) if fmt == "PDF" else _image_pages(name, fmt)
    return DocumentSource(path=name, fmt=fmt, pages=tuple(pages), size=size)


def _unsupported_message(fmt: str) -> str:
    if fmt == "HEIF":
        return _(
            "ảnh HEIC/HEIF (ảnh chụp điện thoại) chưa đọc được trên máy này: cài gói pillow-heif, "
            "hoặc lưu ảnh dạng JPEG"
        )
    return _("không hỗ trợ tệp %(fmt)s: lưu tài liệu dạng PDF, TIFF, PNG hoặc JPEG") % {"fmt": fmt}


def _read_head(name: str) -> tuple[bytes, int]:
    try:
        with open(name, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(1024)
    except FileNotFoundError:
        raise InputFileError(
            name, "unreadable", _("tệp không còn ở đó: đã bị chuyển hoặc đổi tên?")
        ) from None
    except IsADirectoryError:
        raise InputFileError(name, "unreadable", _("đây là thư mục, không phải tệp")) from None
    except PermissionError:
        raise InputFileError(
            name,
            "unreadable",
            _("không có quyền đọc tệp: nhờ quản trị viên cấp quyền"),
        ) from None
    except OSError as exc:
        raise InputFileError(
            name, "unreadable", _("không đọc được tệp (%(why)s)") % {"why": exc.strerror or exc}
        ) from None
    if size == 0 or not head:
        raise InputFileError(
            name,
            "empty",
            _("tệp rỗng (0 byte): sao chép hoặc quét lại"),
        )
    return head, size


def sniff(head: bytes) -> str | None:
    """Format name from a file's first bytes; None when it looks like no known format.

    Formats we recognise but do not read (JPEG 2000, Office files, DjVu) are named so the
    message can say what to convert.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head.startswith(b"BM") and len(head) >= 26:
        return "BMP"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    if b"%PDF-" in head:
        return "PDF"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[4:8] == b"ftyp":
        return _iso_media_format(head)
    if head.startswith((b"\x00\x00\x00\x0cjP  ", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if head.startswith(b"PK\x03\x04"):
        return "ZIP/Office"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "Office (doc/xls)"
    if head.startswith(b"AT&TFORM") or head.startswith(b"\x41\x54\x26\x54"):
        return "DjVu"
    return None


def _iso_media_format(head: bytes) -> str | None:
    """HEIF or AVIF from an ISO base media ``ftyp`` box (major brand, then compatible brands)."""
    box_size = int.from_bytes(head[:4], "big")
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if head[8:12] in _AVIF_BRANDS or (brands & _AVIF_BRANDS and not brands & _HEIF_BRANDS):
        return "AVIF"
    if brands & (_HEIF_BRANDS | _MIAF_BRANDS):
        return "HEIF"
    return None  # an MP4 or QuickTime video, not a picture


# --- images -------------------------------------------------------------------------------


def _image_pages(name: str, fmt: str) -> list[PageRef]:
    """One PageRef per frame, after checking each frame's size and that it decodes."""
    pages: list[PageRef] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning, "Corrupt EXIF" ...
        try:
            with Image.open(name, formats=[fmt]) as image:
                frames = getattr(image, "n_frames", 1)
                for index in range(frames):
                    if index:
                        image.seek(index)
                    _check_frame(name, image, fmt, index, frames)
                    pages.append(PageRef(name, index, KIND_IMAGE, dpi=image_dpi(image), fmt=fmt))
        except InputFileError:
            raise
        except Image.DecompressionBombError:
            raise InputFileError(name, "too-large", _too_large_message()) from None
        except (
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
            RuntimeError,
            Image.UnidentifiedImageError,
        ) as exc:
            # RuntimeError: libheif's "no decoder" and damaged-stream errors
            raise InputFileError(
                name,
                "corrupt",
                _("ảnh %(fmt)s bị hỏng hoặc bị cắt cụt (%(why)s): sao chép hoặc quét lại")
                % {"fmt": fmt, "why": _short(exc)},
            ) from None
    return pages


def _check_frame(name: str, image: Image.Image, fmt: str, index: int, frames: int) -> None:
    width, height = image.size
    where = _("trang %(n)s/%(of)s: ") % {"n": index + 1, "of": frames} if frames > 1 else ""
    if width * height > MAX_PIXELS:
        raise InputFileError(name, "too-large", where + _too_large_message(width, height))
    # No lower bound: a small image is read, and fails only if no word is found on it.
    # Decode cheaply to find damage: PNG chunk CRCs, JPEG at 1/8 scale, other formats fully
    # (1-bit and LZW TIFF frames decode in milliseconds).
    if fmt == "PNG" and frames == 1:
        with Image.open(name, formats=["PNG"]) as fresh:
            fresh.verify()  # checks every chunk's CRC and the end marker without inflating
    elif fmt == "JPEG":
        image.draft("L", (max(1, width // 8), max(1, height // 8)))
        image.load()
    else:
        image.load()


def _too_large_message(width: int = 0, height: int = 0) -> str:
    size = f" ({width}x{height})" if width else ""
    limit = MAX_PIXELS // 1_000_000
    return _("ảnh quá lớn%(size)s, trên %(limit)s triệu điểm ảnh: quét lại ở 300 dpi trở xuống") % {
        "size": size,
        "limit": limit,
    }


# Stored resolutions further apart than this are a page of oblong pixels (a fax's standard mode).
_OBLONG = 1.15


def square_pixels(image: Image.Image) -> Image.Image:
    """The page with pixels as tall as they are wide, at its horizontal resolution.

    A fax received in standard mode is stored at 204 x 98 dpi: every letter is half its height
    in pixels, and Tesseract, which takes pixels as square, read a third fewer words and none
    of the signer, the number or the date on such a page. Stretched back to 204 x 204 it reads
    as a fine-mode fax does. A 1-bit page is stretched by repeating rows, so it stays 1-bit (the
    fax's cleaning looks for that).
    """
    dpi = image.info.get("dpi")
    try:
        x_dpi, y_dpi = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        return image
    if not (50 <= x_dpi <= 2400 and 50 <= y_dpi <= 2400) or max(x_dpi, y_dpi) / min(x_dpi, y_dpi) < _OBLONG:
        return image
    height = round(image.height * x_dpi / y_dpi)
    resample = Image.NEAREST if image.mode in ("1", "P") else Image.BICUBIC
    stretched = image.resize((image.width, height), resample)
    stretched.info["dpi"] = (x_dpi, x_dpi)
    return stretched


def image_dpi(image: Image.Image) -> int:
    """Resolution stored in the image file, or 0 when absent or implausible."""
    dpi = image.info.get("dpi")
    if not dpi:
        return 0
    try:
        value = round(float(dpi[0]))
    except (TypeError, ValueError, IndexError):
        return 0
    return value if 50 <= value <= 2400 else 0


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:120]


# --- PDF ----------------------------------------------------------------------------------


def _pdf_pages(name: str) -> list[PageRef]:
    """Classify each PDF page: its own text layer is good (``pdf-text``) or it needs OCR."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(name)
    except pdfium.PdfiumError as exc:
        raise _pdf_open_error(name, exc) from None
    try:
        count = len(document)
        if count == 0:
            raise InputFileError(name, "no-pages", str(_NO_PAGES))
        pages = []
        for index in range(count):
            try:
                kind, dpi = _classify_pdf_page(document, index)
            except pdfium.PdfiumError as exc:
                raise InputFileError(
                    name,
                    "corrupt",
                    _("trang %(n)s của PDF bị hỏng (%(why)s): quét lại")
                    % {"n": index + 1, "why": _short(exc)},
                ) from None
            pages.append(PageRef(name, index, kind, dpi=dpi, fmt="PDF"))
        return pages
    finally:
        document.close()


_NO_PAGES = L_("PDF không có trang nào: xuất hoặc quét lại")


def _pdf_open_error(name: str, exc: Exception) -> InputFileError:
    """pdfium says 'password' both for encrypted files and for files with an empty page tree."""
    import pypdfium2.raw as pdfium_c

    code = getattr(exc, "err_code", None)
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        if _pdf_is_encrypted(name):
            return InputFileError(
                name,
                "encrypted",
                _("PDF có mật khẩu: gỡ mật khẩu hoặc quét bản giấy"),
            )
        return InputFileError(name, "no-pages", str(_NO_PAGES))
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return InputFileError(
            name,
            "encrypted",
            _("PDF dùng kiểu bảo vệ không hỗ trợ: gỡ bảo vệ hoặc quét bản giấy"),
        )
    return InputFileError(
        name,
        "corrupt",
        _("PDF bị hỏng hoặc bị cắt cụt: sao chép hoặc xuất lại"),
    )


def _pdf_is_encrypted(name: str) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return bool(PdfReader(name).is_encrypted)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError):
        return True  # pdfium could not open it and pypdf cannot say: treat as protected


def _classify_pdf_page(document, index: int) -> tuple[str, int]:  # noqa: ANN001 - pdfium type
    """``pdf-text`` when the page's own text reads as Vietnamese, else ``pdf-ocr`` and a dpi."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
        share, tokens = syllables.valid_share(text)
        if tokens >= TEXT_LAYER_MIN_TOKENS and share >= TEXT_LAYER_MIN_SHARE:
            return KIND_PDF_TEXT, 0
        return KIND_PDF_OCR, _scan_dpi(page)
    finally:
        page.close()


def _scan_dpi(page) -> int:  # noqa: ANN001 - pdfium type
    """Resolution of the largest embedded image, so a 200 dpi scan is not resampled to 300.

    Falls back to :data:`PDF_RASTER_DPI` for pages drawn with vectors or fonts only.
    """
    import pypdfium2.raw as pdfium_c

    best_area, best_dpi = 0.0, 0
    page_width = page.get_width()
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        try:
            px_width, px_height = obj.get_px_size()
            left, bottom, right, top = obj.get_bounds()
        except Exception:  # noqa: BLE001 - a broken image object only loses its dpi hint
            continue
        width_pt, height_pt = right - left, top - bottom
        area = width_pt * height_pt
        if width_pt <= 0 or height_pt <= 0 or area <= best_area or width_pt < page_width / 2:
            continue
        # An image may be placed rotated: pair the longer pixel side with the longer side in points.
        px_long, pt_long = max(px_width, px_height), max(width_pt, height_pt)
        best_area, best_dpi = area, round(px_long / (pt_long / 72.0))
    if not best_dpi:
        return PDF_RASTER_DPI
    return min(400, max(150, best_dpi))


# --- after reading ------------------------------------------------------------------------


def require_words(source: DocumentSource, pages: list[PageText]) -> None:
    """Refuse a file none of whose pages yielded a single word (reason ``no_text``).

    This is the one refusal that needs OCR: size says nothing about legibility (a 517x147
    strip holding one printed line reads fine), so every image is read and only a file where
    no page holds a letter or digit fails. Specks read as lone punctuation are not words.
    """
    if any(any(ch.isalnum() for ch in page.text) for page in pages):
        return
    no_text = _(NO_TEXT_WARNING)
    notes = sorted({w for page in pages for w in page.warnings if w != no_text})
    why = f"; {notes[0]}" if notes else ""
    raise InputFileError(
        source.path,
        "no_text",
        _(
            "không tìm thấy chữ nào trong tệp (trang trắng, ảnh không có chữ, hoặc chữ quá mờ%(why)s): "
            "kiểm tra lại tệp hoặc quét lại giấy ở 300 dpi"
        )
        % {"why": why},
    )
