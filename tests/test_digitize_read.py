"""Reading pages with the real Tesseract and its Vietnamese model, on the committed samples.

What a clerk would notice: the document number and the people's names come out exactly, the
issuing body is not interleaved with the national motto, a red seal or a skewed scan does not
garble the words under it, a born-digital PDF keeps its exact text, and the searchable PDF has
every page. Failures of Tesseract itself are injected with fake ``tesseract`` programs.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from sohoa.digitize import prepare, tesseract
from sohoa.digitize.model import PageText
from sohoa.digitize.read import ReadOptions, assemble_pdf, open_document, read_document, read_page
from sohoa.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SERIF = "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"
SERIF_BOLD = "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf"


def _truth(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _lines(page: PageText) -> list[str]:
    return [line.strip() for line in page.text.split("\n")]


@pytest.fixture(scope="module")
def clean_page() -> PageText:
    """The marriage-status certificate scanned clean at 300 dpi, read once for several tests."""
    pages = read_document(SAMPLES / "xn-0001.clean-300.png")
    assert len(pages) == 1
    return pages[0]


def test_tesseract_and_vietnamese_are_installed() -> None:
    info = tesseract.probe()
    assert "vie" in info.languages and "osd" in info.languages
    assert info.version.startswith("5.")


def test_clean_page_reads_number_and_name_exactly(clean_page: PageText) -> None:
    truth = _truth("xn-0001.clean-300")
    assert clean_page.method == "ocr"
    assert f"Số: {truth['fields']['number']}" in clean_page.text
    for name in truth["fields"]["subject_names"]:
        assert name in clean_page.text or name.upper() in clean_page.text
    assert clean_page.confidence > 0.85
    assert clean_page.dpi == 300 and (clean_page.width, clean_page.height) == (2480, 3508)
    assert unicodedata.is_normalized("NFC", clean_page.text)


def test_header_blocks_are_not_interleaved(clean_page: PageText) -> None:
    lines = _lines(clean_page)
    issuer = lines.index("ỦY BAN NHÂN DÂN")
    motto = lines.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    number = next(i for i, line in enumerate(lines) if line.startswith("Số:"))
    assert issuer < number < motto, "issuing body and number first, then the motto"
    assert not any("ỦY BAN" in line and "CỘNG HÒA" in line for line in lines)
    # The words carry their reading blocks: the left header block is read before the right one.
    issuer_word = next(w for w in clean_page.words if w.text == "ỦY")
    motto_word = next(w for w in clean_page.words if w.text == "CỘNG")
    assert issuer_word.block < motto_word.block and issuer_word.left < motto_word.left


def test_footer_recipients_before_signer() -> None:
    page = read_document(SAMPLES / "cv-0001.pdf-text.pdf")[0]
    lines = _lines(page)
    assert lines.index("Nơi nhận:") < lines.index("TM. ỦY BAN NHÂN DÂN")
    assert not any("Nơi nhận" in line and "ỦY BAN" in line for line in lines)


def test_red_seal_page_reads_the_signer_under_the_seal() -> None:
    truth = _truth("cv-0001.seal")
    page = read_document(SAMPLES / "cv-0001.seal.jpg")[0]
    assert truth["fields"]["signer"] in page.text
    assert f"Số: {truth['fields']['number']}" in page.text
    assert page.pdf is not None


@pytest.mark.slow
def test_red_seal_needs_the_red_channel() -> None:
    """Without preparation Tesseract loses words under the seal; with it they are right."""
    raw = read_document(SAMPLES / "cv-0001.seal.jpg", ReadOptions(prepare=False, repair=False))[0]
    prepared = read_document(SAMPLES / "cv-0001.seal.jpg", ReadOptions(repair=False))[0]
    assert "Nguyễn" not in raw.text.split() or "TỊCH" not in raw.text.split()
    assert "Nguyễn" in prepared.text.split() and "TỊCH" in prepared.text.split()


def test_skewed_page_is_straightened_and_read() -> None:
    truth = _truth("kh-0001.skew")
    page = read_document(SAMPLES / "kh-0001.skew.png")[0]
    assert page.skew == pytest.approx(-truth["skew_degrees"], abs=0.3)
    assert truth["fields"]["dossier_code"] in page.text
    for name in truth["fields"]["subject_names"]:
        assert name in page.text or name.upper() in page.text


@pytest.mark.slow
def test_skewed_page_needs_deskewing() -> None:
    """Tesseract alone misreads the dossier code on this 1.8 degree page."""
    truth = _truth("kh-0001.skew")
    raw = read_document(SAMPLES / "kh-0001.skew.png", ReadOptions(prepare=False, repair=False))[0]
    assert truth["fields"]["dossier_code"] not in raw.text


def test_line_dropped_by_the_first_pass_is_read_back() -> None:
    """Tesseract's single-block mode drops this footer row (small recipients type beside the bold
    signer title); the ink no word covers is read again and joins the page in its place."""
    page = read_document(ROOT / "tests" / "resources" / "footer-line-dropped-by-psm6.png")[0]
    lines = _lines(page)
    assert "- Lưu: VT, TP." in lines
    signer = next(i for i, line in enumerate(lines) if line.startswith("TM."))
    assert lines.index("- Như trên;") < lines.index("- Lưu: VT, TP.") < signer, "recipients, then signer"
    # read from a copy with only the known words' own boxes whited out: the search's margin
    # around 'KT. CHỦ TỊCH' above once cut the hook off this row's Ủ ('PHÓ CHÚ TỊCH')
    assert "PHÓ CHỦ TỊCH" in lines[signer:]
    with pdfplumber.open(io.BytesIO(page.pdf)) as pdf:
        assert "Lưu:" in pdf.pages[0].extract_text(), "the recovered line is in the text layer too"


@pytest.mark.slow
def test_first_pass_alone_drops_the_line() -> None:
    page = read_document(
        ROOT / "tests" / "resources" / "footer-line-dropped-by-psm6.png", ReadOptions(reread_missed=False)
    )[0]
    assert "Lưu:" not in page.text


def test_born_digital_pdf_gives_its_exact_text() -> None:
    truth = _truth("qd-0001.pdf-text")
    pages = read_document(SAMPLES / "qd-0001.pdf-text.pdf")
    assert [p.method for p in pages] == ["text-layer"] * truth["pages"]
    assert all(p.pdf is None and p.confidence == 1.0 for p in pages)
    assert _squash("\f".join(p.text for p in pages)) == _squash(truth["text"])
    assert [p.text.split("\n") for p in pages] == [t.split("\n") for t in truth["text"].split("\f")]


def test_nfd_text_layer_comes_back_nfc(tmp_path: Path) -> None:
    sentence = "Họ và tên: Nguyễn Văn Lượng, sinh ngày 12 tháng 3 năm 1985 tại phường Khai Quang"
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("serif", "", SERIF)
    pdf.add_page()
    pdf.set_font("serif", size=13)
    pdf.multi_cell(170, 7, unicodedata.normalize("NFD", sentence))
    path = tmp_path / unicodedata.normalize("NFD", "trích lục.pdf")
    pdf.output(str(path))
    page = read_document(path)[0]
    assert page.method == "text-layer"
    assert _squash(page.text) == sentence


@pytest.fixture(scope="module")
def mixed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A born-digital page followed by a scanned page, as a clerk appends a scan to an export."""
    writer = PdfWriter()
    writer.append(str(SAMPLES / "xn-0001.pdf-text.pdf"))
    writer.append(str(SAMPLES / "ks-0001.pdf-image.pdf"))
    path = tmp_path_factory.mktemp("mixed") / "hồ sơ.pdf"
    with open(path, "wb") as stream:
        writer.write(stream)
    return path


def test_mixed_pdf_ocrs_only_its_scanned_page(mixed_pdf: Path, tmp_path: Path) -> None:
    source = open_document(mixed_pdf)
    assert [p.kind for p in source.pages] == ["pdf-text", "pdf-ocr"]
    pages = [read_page(ref) for ref in source.pages]
    assert [p.method for p in pages] == ["text-layer", "ocr"]
    assert pages[0].pdf is None and pages[1].pdf is not None
    assert _truth("ks-0001.pdf-image")["fields"]["number"] in pages[1].text

    out = tmp_path / "archive" / "searchable.pdf"
    assemble_pdf(source, pages, out)
    assert [p.name for p in out.parent.iterdir()] == ["searchable.pdf"], "no temp file left behind"
    assert len(PdfReader(out).pages) == 2
    with pdfplumber.open(out) as pdf:
        scanned_text = pdf.pages[1].extract_text()
        assert pdf.pages[1].images, "the OCR'd page keeps its page image"
    assert "TRÍCH LỤC KHAI SINH" in scanned_text, "the invisible text layer is searchable"


def test_multi_page_tiff_gives_every_page() -> None:
    truth = _truth("qd-0001.tiff-multi")
    pages = read_document(SAMPLES / truth["file"])
    assert [p.number for p in pages] == list(range(1, truth["pages"] + 1))
    assert all(p.method == "ocr" and p.text and p.seconds > 0 for p in pages)
    assert truth["fields"]["signer"] in pages[-1].text


@pytest.mark.slow
def test_upside_down_page_is_turned() -> None:
    image = Image.open(SAMPLES / "xn-0001.clean-300.png").rotate(180)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"sohoa-test-upside-down-{os.getpid()}.png"
    try:
        image.save(path, dpi=(300, 300))
        page = read_document(path)[0]
    finally:
        path.unlink(missing_ok=True)
    assert page.rotation == 180
    assert f"Số: {_truth('xn-0001.clean-300')['fields']['number']}" in page.text


# --- failures of Tesseract itself, through fake programs -------------------------------------


def _fake_tesseract(folder: Path, languages: list[str], on_ocr: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "tesseract"
    langs = "\n".join(languages)
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        '  --version) echo "tesseract 5.3.0"; exit 0;;\n'
        f'  --list-langs) echo "List of available languages in \\"/fake/\\" ({len(languages)}):"; '
        f'printf "{langs}\\n"; exit 0;;\n'
        "esac\n" + on_ocr + "\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_missing_vie_model_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tesseract(tmp_path / "bin", ["eng", "osd"], "exit 1")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    source = open_document(SAMPLES / "xn-0001.clean-300.png")
    with pytest.raises(MissingDependencyError) as caught:
        read_page(source.pages[0])
    assert "vie" in caught.value.message
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in caught.value.message


def test_missing_tesseract_says_how_to_install(tmp_path: Path) -> None:
    source = open_document(SAMPLES / "xn-0001.clean-300.png")
    with pytest.raises(MissingDependencyError) as caught:
        read_page(source.pages[0], ReadOptions(tesseract=str(tmp_path / "no-such-tesseract")))
    assert "apt-get install" in caught.value.message


def test_failing_tesseract_marks_the_page_not_the_run(tmp_path: Path) -> None:
    fake = _fake_tesseract(
        tmp_path / "bin", ["eng", "osd", "vie"], 'echo "Error in pixReadStream: unknown format" >&2; exit 1'
    )
    source = open_document(SAMPLES / "xn-0001.clean-300.png")
    page = read_page(source.pages[0], ReadOptions(tesseract=str(fake), orientation="never"))
    assert page.text == "" and page.confidence == 0.0
    assert page.warnings and "unknown format" in page.warnings[0]
    assert page.pdf is not None, "the page image is still kept for the document's PDF"


def test_hanging_tesseract_times_out_with_a_warning(tmp_path: Path) -> None:
    fake = _fake_tesseract(tmp_path / "bin", ["eng", "osd", "vie"], "exec sleep 30")
    source = open_document(SAMPLES / "xn-0001.clean-300.png")
    page = read_page(source.pages[0], ReadOptions(tesseract=str(fake), timeout=1.0, orientation="never"))
    assert page.text == "" and page.confidence == 0.0
    assert "hết thời gian chờ" in page.warnings[0]  # the time-out, said in the default language
    assert page.seconds < 10


def test_tesseract_runs_single_threaded_and_the_environment_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page runs go through pytesseract, which passes os.environ on: OMP_THREAD_LIMIT=1 is set for
    the run only (OpenMP threads make a page six times slower on two cores), the caller's value
    comes back after it."""
    seen = tmp_path / "omp.txt"
    fake = _fake_tesseract(
        tmp_path / "bin", ["eng", "osd", "vie"], f'echo "$OMP_THREAD_LIMIT" > {seen}; exit 1'
    )
    monkeypatch.setenv("OMP_THREAD_LIMIT", "4")
    source = open_document(SAMPLES / "xn-0001.clean-300.png")
    page = read_page(source.pages[0], ReadOptions(tesseract=str(fake), orientation="never"))
    assert seen.read_text().strip() == "1"
    assert os.environ["OMP_THREAD_LIMIT"] == "4"
    assert page.warnings and "mã thoát 1" in page.warnings[0]  # exit code 1


def _name_under_strokes(strokes_to: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A page with "Lê Phượng" in bold at y 2000 and a pen's strokes from y 1700 down to ``strokes_to``."""
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(SERIF_BOLD, 50)
    draw.text((1400, 2000), "Lê Phượng", font=font, fill=0)
    for i, x in enumerate(range(1380, 1700, 45)):
        draw.line([(x, 1700), (x + 30, strokes_to + (i % 2) * 8)], fill=0, width=5)
    return page, draw.textbbox((1400, 2000), "Lê Phượng", font=font)


def test_a_name_the_pen_s_strokes_run_down_into_is_looked_for_as_missed_text() -> None:
    # the strokes touch the name's first letters: strokes and name are one band of ink three
    # times a line's height, which was taken for a drawing and never read again
    page, (left, top, right, bottom) = _name_under_strokes(strokes_to=2010)
    _, regions = prepare.find_missed_text(page, [], 50.0)
    (region,) = [r for r in regions if r[0] <= left and r[1] <= top and right <= r[2] and bottom <= r[3]]
    assert region[1] > 1900  # cut at the line, not from the strokes' top at 1700: 'Lê' read 'Tê'
    # a rule drawn under the name is no line of its own, and does not hide the name
    ImageDraw.Draw(page).line([(1380, 2072), (1720, 2072)], fill=0, width=3)
    _, regions = prepare.find_missed_text(page, [], 50.0)
    assert any(r[0] <= left and r[1] <= top and right <= r[2] and bottom <= r[3] for r in regions)
    # strokes running on far below the line: it is no name at the pen's foot, but a drawing
    page, _ = _name_under_strokes(strokes_to=2300)
    assert prepare.find_missed_text(page, [], 50.0)[1] == []
