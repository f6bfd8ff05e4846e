"""Two-layer PDF/A-2b: what ingest stores, what the structural check accepts and refuses, and
``sohoa pdfa`` converting an archive made before it (audited, new checksums, verify clean)."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pikepdf
import pytest
from PIL import ImageCms

from sohoa.archive.fixity import replace_derivative
from sohoa.archive.models import AuditEvent, Document, StoredFile
from sohoa.archive.store import open_archive
from sohoa.digitize.pdfa import CLAUSES, PdfaError, PdfaFields, check_pdfa, convert_pdf
from tests.conftest import SAMPLES, add_stored_document, run_sohoa

SCAN = SAMPLES / "cv-0001.clean-300.png"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive holding one OCR'd scan, ingested by the real command (made once, copied per test)."""
    home = tmp_path_factory.mktemp("pdfa") / "home"
    done = run_sohoa(home, "ingest", str(SCAN), "--unit", "khai-quang", "--json")
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture
def home(ingested: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(ingested, copy)
    return copy


def _show(home: Path, doc_id: int = 1) -> dict:
    done = run_sohoa(home, "show", str(doc_id), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _clauses(data: bytes | Path) -> set[str]:
    return {finding.clause for finding in check_pdfa(data)}


def test_ingest_stores_a_conforming_two_layer_pdfa_with_the_documents_fields(home: Path) -> None:
    shown = _show(home)
    pdf_path = home / shown["pdf"]
    assert check_pdfa(pdf_path) == []
    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        fields = shown["fields"]
        assert fields["number"] and meta["dc:identifier"] == fields["number"]
        assert fields["issuer"] and meta["dc:creator"] == [fields["issuer"]]
        assert fields["issued_date"] and meta["dc:date"] == [fields["issued_date"]]
        assert meta["dc:title"] == (fields["summary"] or fields["title"])
        assert str(pdf.docinfo["/Title"]) == meta["dc:title"]  # the info dictionary agrees
        intent = pdf.Root.OutputIntents[0]
        profile = ImageCms.ImageCmsProfile(io.BytesIO(intent.DestOutputProfile.read_bytes()))
        assert intent.S == "/GTS_PDFA1" and "sRGB" in ImageCms.getProfileDescription(profile)
        assert intent.DestOutputProfile.N == 3 and ImageCms.getDefaultIntent(profile) == 0
        assert "/Encrypt" not in pdf.trailer and "/ID" in pdf.trailer
        page = pdf.pages[0]
        # the two layers: the page image and Tesseract's invisible text in its embedded font
        assert [x.Subtype for x in page.Resources.XObject.values()] == ["/Image"]
        (font,) = page.Resources.Font.values()
        assert font.BaseFont == "/GlyphLessFont"
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor
        assert b"3 Tr" in page.Contents.read_bytes()  # rendering mode 3: invisible text
    import pdfplumber

    with pdfplumber.open(pdf_path) as doc:
        words = doc.pages[0].extract_text()
    assert "CỘNG HÒA" in words  # the text layer still reads, in NFC Vietnamese


def test_the_check_lists_its_clauses_and_refuses_non_conforming_pdfs(home: Path, tmp_path: Path) -> None:
    good = (home / _show(home)["pdf"]).read_bytes()
    assert set(CLAUSES) >= {"6.6.2-xmp", "6.2.2-output-intent", "6.2.11.4-font-embedded", "6.1.3-encrypt"}

    with pikepdf.open(io.BytesIO(good)) as pdf:  # no XMP
        del pdf.Root["/Metadata"]
        no_xmp = _saved(pdf)
    assert "6.6.2-xmp" in _clauses(no_xmp)

    with pikepdf.open(io.BytesIO(good)) as pdf:  # no output intent
        del pdf.Root["/OutputIntents"]
        no_intent = _saved(pdf)
    assert _clauses(no_intent) == {"6.2.2-output-intent", "6.2.4.3-device-colour"}  # a grey page image

    with pikepdf.open(io.BytesIO(good)) as pdf:  # encrypted
        encrypted = _saved(pdf, encryption=pikepdf.Encryption(owner="o", user="", R=4))
    assert "6.1.3-encrypt" in _clauses(encrypted)

    with pikepdf.open(io.BytesIO(good)) as pdf:  # JavaScript run on opening
        action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.Root.OpenAction = pdf.make_indirect(action)
        scripted = _saved(pdf)
    assert "6.6.1-action" in _clauses(scripted)

    with pikepdf.open(io.BytesIO(good)) as pdf:  # the claim says PDF/A-1a
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "1"
        wrong_part = _saved(pdf)
    assert "6.6.2-pdfaid" in _clauses(wrong_part)

    # converting repairs what can be repaired: the script is gone, the intent and XMP are back
    for bad in (no_xmp, no_intent, encrypted, scripted, wrong_part):
        out = io.BytesIO()
        convert_pdf(bad, out, PdfaFields(title="Về việc thử"))
        assert check_pdfa(out.getvalue()) == []


def test_unembedded_font_is_refused_and_left_plain(tmp_path: Path) -> None:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=12)  # a standard-14 font: fpdf2 does not embed it
    doc.cell(text="Quyet dinh so 12/QD-UBND")
    plain = bytes(doc.output())
    assert "6.2.11.4-font-embedded" in _clauses(plain)
    with pytest.raises(PdfaError) as caught:
        convert_pdf(plain, io.BytesIO())
    assert "Helvetica" in str(caught.value) and "not embedded" in str(caught.value)


def _saved(pdf: pikepdf.Pdf, **options: object) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **options)
    return out.getvalue()


def _make_plain(home: Path, doc_id: int) -> str:
    """Put back a plain PDF (no XMP, no output intent) as an archive from before PDF/A holds,
    through the audited replacement; returns its checksum."""
    archive = open_archive(home)
    try:
        with archive.sessions() as session:
            pdf_rel = session.get(Document, doc_id).pdf_path
        with pikepdf.open(archive.path(pdf_rel)) as pdf:
            del pdf.Root["/Metadata"]
            del pdf.Root["/OutputIntents"]
            plain = home.parent / "plain.pdf"
            pdf.save(plain)
        with archive.sessions.begin() as session:
            row = replace_derivative(archive, session, doc_id, plain, "test: an archive from before PDF/A")
            return row.sha256
    finally:
        archive.close()


def test_sohoa_pdfa_converts_an_old_archive_audited_and_verify_stays_clean(home: Path) -> None:
    old_sha = _make_plain(home, 1)
    archive = open_archive(home)
    try:
        fake = add_stored_document(archive, 2, text="không phải PDF")  # its "PDF" is no PDF at all
    finally:
        archive.close()

    done = run_sohoa(home, "pdfa", "--json")
    assert done.returncode == 3, done.stderr  # one document could not be converted
    report = json.loads(done.stdout)
    assert report["converted"] == 1 and report["already"] == 0
    assert [f["document_id"] for f in report["failed"]] == [fake]

    archive = open_archive(home)
    try:
        with archive.sessions() as session:
            doc = session.get(Document, 1)
            stored = session.query(StoredFile).filter_by(document_id=1, role="pdf").one()
            events = session.query(AuditEvent).filter_by(document_id=1, action="derivative.replace").all()
            assert stored.path == doc.pdf_path and stored.sha256 != old_sha
            assert check_pdfa(archive.path(doc.pdf_path)) == []
            assert events[-1].detail["old_sha256"] == old_sha
            assert events[-1].detail["new_sha256"] == stored.sha256
            assert "PDF/A" in events[-1].detail["reason"]
    finally:
        archive.close()
    verify = run_sohoa(home, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

    again = run_sohoa(home, "pdfa", "--json")  # a second run converts nothing
    assert json.loads(again.stdout)["converted"] == 0 and json.loads(again.stdout)["already"] == 1


def test_born_digital_pdf_with_an_unembedded_font_is_stored_plain_and_listed(tmp_path: Path) -> None:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=13)
    for line in ("UY BAN NHAN DAN PHUONG KHAI QUANG", "So: 12/QD-UBND", "QUYET DINH cap giay phep xay dung"):
        doc.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    source = tmp_path / "ban-dien-tu.pdf"
    source.write_bytes(bytes(doc.output()))
    home = tmp_path / "home"

    done = run_sohoa(home, "ingest", str(source), "--unit", "khai-quang")
    assert done.returncode == 0, done.stderr
    assert "not PDF/A" in done.stderr and "Helvetica" in done.stderr  # why, without document text
    shown = _show(home)
    assert (home / shown["pdf"]).read_bytes() == source.read_bytes()  # kept as it came, still searchable
    listed = run_sohoa(home, "pdfa", "--json")
    assert listed.returncode == 3
    assert [f["document_id"] for f in json.loads(listed.stdout)["failed"]] == [shown["id"]]


# -- a hand correction reaches the PDF's XMP (and a bag's PDF) ----------------------------------
CORRECTED = {"number": "77/QĐ-UBND", "summary": "Về việc cấp giấy phép xây dựng nhà ở riêng lẻ"}


def _edit(home: Path, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``sohoa edit``, optionally killed (SIGKILL) at a step of the PDF's replacement."""
    env = {**os.environ, "SOHOA_FAULT": fault} if fault else None
    sets = [arg for name, value in CORRECTED.items() for arg in ("--set", f"{name}={value}")]
    return subprocess.run(
        [sys.executable, "-m", "sohoa.cli", "--home", str(home), "edit", "1", *sets],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def _xmp(pdf: Path) -> tuple[str, str]:
    with pikepdf.open(pdf) as doc:
        meta = doc.open_metadata()
        return str(meta["dc:identifier"]), str(meta["dc:title"])


def _export_and_read_bag(home: Path, out: Path) -> tuple[dict, tuple[str, str], ET.Element]:
    done = run_sohoa(home, "export", str(out), "--unit", "khai-quang", "--json")
    assert done.returncode == 0, done.stderr
    (folder,) = (out / "data" / "documents").iterdir()
    (pdf,) = folder.glob("*.pdf")
    assert check_pdfa(pdf) == []
    return json.loads(done.stdout), _xmp(pdf), ET.parse(folder / "metadata.xml").getroot()


def _verify_clean(home: Path) -> None:
    verify = run_sohoa(home, "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["findings"] == []


def test_a_hand_correction_rewrites_the_xmp_audited_and_the_bag_agrees(home: Path, tmp_path: Path) -> None:
    before = _show(home)
    assert _xmp(home / before["pdf"])[0] != CORRECTED["number"]

    done = _edit(home)
    assert done.returncode == 0, done.stderr
    after = _show(home)
    assert after["pdf"] != before["pdf"] and not (home / before["pdf"]).exists()
    assert _xmp(home / after["pdf"]) == (CORRECTED["number"], CORRECTED["summary"])
    assert check_pdfa(home / after["pdf"]) == []
    with pikepdf.open(home / after["pdf"]) as pdf:  # the information dictionary says the same
        assert str(pdf.docinfo["/Title"]) == CORRECTED["summary"]
    archive = open_archive(home)
    try:
        with archive.sessions() as session:
            event = session.query(AuditEvent).filter_by(document_id=1, action="derivative.replace").one()
            stored = session.query(StoredFile).filter_by(document_id=1, role="pdf").one()
            assert "XMP" in event.detail["reason"] and event.detail["new_sha256"] == stored.sha256
    finally:
        archive.close()
    _verify_clean(home)

    report, xmp, xml = _export_and_read_bag(home, tmp_path / "bag")
    assert report["pdf_refreshed"] == 0  # the edit refreshed it already
    assert xmp == (CORRECTED["number"], CORRECTED["summary"])
    assert xml.findtext("Subject") == CORRECTED["summary"]
    assert f"{xml.findtext('CodeNumber')}/{xml.findtext('CodeNotation')}" == CORRECTED["number"]
    _verify_clean(home)


@pytest.mark.parametrize("fault", ["derivative-placed", "derivative-committed"])
def test_a_crash_in_the_refresh_leaves_verify_clean_and_export_refreshes(
    home: Path, tmp_path: Path, fault: str
) -> None:
    done = _edit(home, fault)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert _show(home)["fields"]["number"] == CORRECTED["number"]  # the edit itself committed
    _verify_clean(home)  # the journal of the interrupted replacement is settled, no orphan

    report, xmp, _xml = _export_and_read_bag(home, tmp_path / "bag")
    assert xmp == (CORRECTED["number"], CORRECTED["summary"])
    assert report["pdf_refreshed"] == (1 if fault == "derivative-placed" else 0)
    _verify_clean(home)
    again = run_sohoa(home, "pdfa", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["refreshed"] == 0
