"""Preflight and page inventory (``open_document``): every refusal a clerk can meet, on real files.

Each bad file is made in ``tmp_path`` the way it happens in an office (a cut-short copy, a text
file renamed .jpg, a password-protected export ...) and must be refused with its reason code
before any page is decoded. No Tesseract here: these tests are fast.
"""

from __future__ import annotations

import pickle
import struct
import unicodedata
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter

from sohoa.digitize.pages import open_document
from sohoa.errors import ExitCode, InputFileError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SERIF = "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"


def _page_image(path: Path, size: tuple[int, int] = (1240, 1754), dpi: int = 150, mode: str = "L") -> Path:
    image = Image.new(mode, size, 255 if mode != "RGB" else (255, 255, 255))
    image.paste(0 if mode != "RGB" else (0, 0, 0), (200, 200, 900, 260))  # a "line of text"
    image.save(path, dpi=(dpi, dpi))
    return path


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A valid PNG whose header claims ``width`` x ``height``: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def _text_pdf(path: Path, pages: list[str]) -> Path:
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("serif", "", SERIF)
    for text in pages:
        pdf.add_page()
        pdf.set_font("serif", size=13)
        pdf.multi_cell(150, 7, text)
    pdf.output(str(path))
    return path


def _refused(path: Path) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        open_document(path)
    assert caught.value.exit_code == ExitCode.input_file
    assert str(path) in str(caught.value), "the message names the file"
    return caught.value


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    error = _refused(tmp_path / "không-có.pdf")
    assert error.reason_code == "unreadable"


def test_folder_is_unreadable(tmp_path: Path) -> None:
    assert _refused(tmp_path).reason_code == "unreadable"


def test_zero_byte_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(b"")
    error = _refused(path)
    assert error.reason_code == "empty"
    assert "tệp rỗng" in error.detail


def test_text_file_named_jpg_is_not_a_document(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    path.write_text("Danh sách hồ sơ cần số hóa\n", encoding="utf-8")
    assert _refused(path).reason_code == "not-a-document"


def test_office_file_is_unsupported_with_what_to_do(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "scan.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    error = _refused(path)
    assert error.reason_code == "unsupported"
    assert "PDF" in error.detail


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_cut_short_image_is_corrupt(tmp_path: Path, fmt: str) -> None:
    whole = _page_image(tmp_path / f"whole.{fmt.lower()}", mode="RGB")
    noisy = Image.effect_noise((1240, 1754), 60).convert("RGB")  # noise: no tiny compressed file
    noisy.save(whole, fmt)
    data = whole.read_bytes()
    cut = tmp_path / f"cut.{fmt.lower()}"
    cut.write_bytes(data[: len(data) // 2])
    assert _refused(cut).reason_code == "corrupt"


def test_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    error = _refused(_png_header_only(tmp_path / "bomb.png", 40000, 40000))
    assert error.reason_code == "too-large"


def test_one_pixel_image_is_not_refused_for_its_size(tmp_path: Path) -> None:
    """Size says nothing about legibility: the page is read, and fails only if no word is found."""
    path = tmp_path / "pixel.png"
    Image.new("L", (1, 1), 0).save(path)
    assert len(open_document(path).pages) == 1


def test_garbage_after_pdf_signature_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert _refused(path).reason_code == "corrupt"


def test_cut_short_pdf_is_corrupt(tmp_path: Path) -> None:
    whole = _text_pdf(tmp_path / "whole.pdf", ["Quyết định cấp giấy phép xây dựng"])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[:600])
    assert _refused(cut).reason_code == "corrupt"


def test_password_protected_pdf_says_remove_the_password(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("mật khẩu")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as stream:
        writer.write(stream)
    error = _refused(path)
    assert error.reason_code == "encrypted"
    assert "gỡ mật khẩu hoặc quét bản giấy" in error.detail


def test_pdf_without_pages_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nothing.pdf"
    with open(path, "wb") as stream:
        PdfWriter().write(stream)
    assert _refused(path).reason_code == "no-pages"


def test_owner_password_only_pdf_opens(tmp_path: Path) -> None:
    """A PDF that only restricts printing has no user password: it is readable and accepted."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("", owner_password="chủ")
    path = tmp_path / "restricted.pdf"
    with open(path, "wb") as stream:
        writer.write(stream)
    assert len(open_document(path).pages) == 1


def test_nfd_file_name_opens_as_it_is_on_disk(tmp_path: Path) -> None:
    name = unicodedata.normalize("NFD", "Quyết định Nguyễn Văn Lượng.png")
    path = _page_image(tmp_path / name)
    source = open_document(path)
    assert Path(source.pages[0].path).exists()
    assert source.pages[0].path == str(path)


def test_multi_page_tiff_lists_every_page_with_its_dpi(tmp_path: Path) -> None:
    frames = [Image.new("1", (1654, 2339), 1) for _ in range(3)]
    path = tmp_path / "ba-trang.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4", dpi=(200, 200))
    source = open_document(path)
    assert [(p.number, p.kind, p.dpi) for p in source.pages] == [(n, "image", 200) for n in (1, 2, 3)]


def test_image_types_are_found_by_content_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    Image.new("L", (1240, 1754), 255).save(path, "PNG")
    assert open_document(path).fmt == "PNG"


@pytest.mark.parametrize("fmt", ["BMP", "WEBP"])
def test_bmp_and_webp_are_accepted(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"scan.{fmt.lower()}"
    Image.new("RGB", (1240, 1754), (255, 255, 255)).save(path, fmt)
    assert open_document(path).pages[0].kind == "image"


def test_pdf_pages_are_classified_text_layer_or_ocr(tmp_path: Path) -> None:
    """A page with real Vietnamese text keeps its layer; a scanned page and a legacy-font page go to OCR."""
    text_pdf = _text_pdf(
        tmp_path / "text.pdf",
        [
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; "
            "xét đề nghị của ông Nguyễn Văn Lượng",
            # What a TCVN3-encoded PDF extracts as: the right glyphs on screen, garbage as text.
            "Céng hßa x· héi chñ nghÜa ViÖt Nam §éc lËp Tù do H¹nh phóc QuyÕt ®Þnh vÒ viÖc cÊp giÊy phÐp",
        ],
    )
    scan = tmp_path / "scan.pdf"
    Image.new("L", (1654, 2339), 255).save(scan, "PDF", resolution=200.0)
    merged = PdfWriter()
    merged.append(str(text_pdf))
    merged.append(str(scan))
    mixed = tmp_path / "mixed.pdf"
    with open(mixed, "wb") as stream:
        merged.write(stream)
    pages = open_document(mixed).pages
    assert [p.kind for p in pages] == ["pdf-text", "pdf-ocr", "pdf-ocr"]
    assert pages[2].dpi == 200, "a 200 dpi scan is rasterised at its own resolution"
    assert pages[1].dpi == 300, "a page without a scan is rasterised at 300 dpi"


def test_sixty_page_scan_is_listed_page_by_page(tmp_path: Path) -> None:
    """A long stack from the feeder: every page listed, none decoded (speed is in bench/)."""
    pages = [Image.new("L", (1654, 2339), 255) for _ in range(60)]
    path = tmp_path / "stack.pdf"
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=200.0)
    source = open_document(path)
    assert [p.number for p in source.pages] == list(range(1, 61))
    assert {(p.kind, p.dpi) for p in source.pages} == {("pdf-ocr", 200)}


def test_page_refs_pickle_for_worker_processes(tmp_path: Path) -> None:
    source = open_document(_page_image(tmp_path / "scan.png"))
    assert pickle.loads(pickle.dumps(source)) == source


def test_committed_samples_all_open() -> None:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".png", ".jpg", ".tif", ".pdf"))
    assert files, "samples/ holds the committed sample set"
    for path in files:
        source = open_document(path)
        expected = "image"
        if path.suffix == ".pdf":
            expected = "pdf-text" if ".pdf-text." in path.name else "pdf-ocr"
        assert {p.kind for p in source.pages} == {expected}, path.name
