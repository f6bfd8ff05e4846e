"""The committed samples: reproducible from the generator, well-formed ground truth, files that open right.

Other tests and the benchmarks measure OCR and metadata against these files, so a silent drift between
the generator and the committed JSON, or a file whose page count or DPI lies, would corrupt every number.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader

from .conftest import load_generator

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


gen = load_generator()
SIDECARS = sorted(SAMPLES.glob("*.json"))
A4_MM = (210.0, 297.0)


def _meta(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_committed_set_has_every_template_in_every_condition():
    stems = {p.stem for p in SIDECARS}
    docs = gen.make_documents(1, gen.DEFAULT_SEED)
    expected = {f"{d.doc}.{c}" for d in docs for c in gen.CONDITIONS}
    assert len(expected) == 7 * 8
    assert expected <= stems, sorted(expected - stems)
    assert any(len(d.pages) > 1 for d in docs), "the set must include a two-page document"


def test_committed_json_is_what_the_generator_produces():
    docs = {d.doc: d for d in gen.make_documents(1, gen.DEFAULT_SEED)}
    for path in SIDECARS:
        meta = _meta(path)
        assert gen.sidecar(docs[meta["doc"]], meta["condition"]) == meta, path.name


@pytest.mark.parametrize("path", SIDECARS, ids=lambda p: p.stem)
def test_sidecar_is_nfc_and_complete(path: Path):
    meta = _meta(path)
    for s in _strings(meta):
        assert unicodedata.is_normalized("NFC", s), s
    fields = meta["fields"]
    assert set(fields) == set(gen.FIELD_KEYS)
    assert isinstance(fields["subject_names"], list) and fields["subject_names"]
    assert isinstance(fields["id_numbers"], list)
    assert all(re.fullmatch(r"026\d{9}", n) for n in fields["id_numbers"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["issued_date"])
    for key in ("number", "issuer", "place", "signer", "signer_title", "field", "doc_type"):
        assert fields[key], key
    if fields["dossier_code"]:
        assert re.fullmatch(r"000\.\d{2}\.12\.H62-\d{6}-\d{4}", fields["dossier_code"])
    text = meta["text"]
    assert text.count("\f") == meta["pages"] - 1
    for value in [fields["number"], fields["signer"], *fields["id_numbers"]]:
        assert value in text, value
    assert (SAMPLES / meta["file"]).exists()


@pytest.mark.parametrize("path", [p for p in SIDECARS if not p.stem.endswith(".pdf-text")
                                  and not p.stem.endswith(".pdf-image")], ids=lambda p: p.stem)
def test_image_file_has_page_count_and_dpi(path: Path):
    meta = _meta(path)
    with Image.open(SAMPLES / meta["file"]) as img:
        assert getattr(img, "n_frames", 1) == meta["pages"]
        dpi = img.info["dpi"]
        assert round(dpi[0]) == round(dpi[1]) == meta["dpi"]
        k = meta["dpi"] / 25.4
        assert abs(img.width - A4_MM[0] * k) <= 2 and abs(img.height - A4_MM[1] * k) <= 2
        if meta["condition"] == "fax":
            assert img.mode == "1"
        if meta["condition"] == "seal":
            assert img.mode in ("RGB", "YCbCr")


@pytest.mark.parametrize("path", [p for p in SIDECARS if ".pdf-" in p.stem], ids=lambda p: p.stem)
def test_pdf_has_page_count_size_and_the_right_layer(path: Path):
    meta = _meta(path)
    reader = PdfReader(SAMPLES / meta["file"])
    assert len(reader.pages) == meta["pages"]
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - A4_MM[0] / 25.4 * 72) < 2 and abs(h - A4_MM[1] / 25.4 * 72) < 2
    if meta["condition"] == "pdf-image":
        assert all(not (p.extract_text() or "").strip() for p in reader.pages)
        image = reader.pages[0].images[0].image
        assert abs(image.width / (A4_MM[0] / 25.4) - 300) < 2
    else:
        with pdfplumber.open(SAMPLES / meta["file"]) as pdf:
            text = unicodedata.normalize("NFC", "\n".join(p.extract_text() or "" for p in pdf.pages))
        # certificates print the holder's name in capitals; the ground truth keeps names as written
        for value in [meta["fields"]["number"], meta["fields"]["signer"], *meta["fields"]["subject_names"]]:
            assert value.casefold() in text.casefold(), value


def test_tesseract_reads_number_and_name_of_a_clean_sample():
    tesseract = shutil.which("tesseract")
    assert tesseract, "Tesseract is missing: apt-get install tesseract-ocr tesseract-ocr-vie"
    meta = _meta(SAMPLES / "cv-0001.clean-300.json")
    out = subprocess.run([tesseract, str(SAMPLES / meta["file"]), "-", "-l", "vie", "--psm", "3"],
                         capture_output=True, text=True, timeout=60, check=True,
                         env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout
    out = unicodedata.normalize("NFC", out)
    assert meta["fields"]["number"] in out
    assert meta["fields"]["subject_names"][0] in out


def test_generator_renders_on_demand_and_stacks(tmp_path: Path):
    doc = gen.make_document("xac_nhan_hon_nhan", 7, seed=11)
    assert gen.make_document("xac_nhan_hon_nhan", 7, seed=11).text == doc.text  # deterministic
    path = gen.render(doc, "fax", tmp_path)
    meta = _meta(tmp_path / f"{doc.doc}.fax.json")
    assert meta["file"] == path.name and meta["fields"]["valid_until"] > meta["fields"]["issued_date"]
    stack = gen.render_stack(tmp_path / "stack.pdf", documents=3, seed=5)
    index = _meta(stack.with_suffix(".json"))
    assert len(PdfReader(stack).pages) == index["pages"]
    pages = [(d["first_page"], d["last_page"]) for d in index["documents"]]
    assert pages[0][0] == 1 and pages[-1][1] == index["pages"]
    assert all(b[0] == a[1] + 1 for a, b in zip(pages, pages[1:], strict=False))
