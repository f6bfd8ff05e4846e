"""Splitting a batch scan into documents, on real OCR of generated stacks.

The 30-document stack is the issue's acceptance case: one image-only PDF as a clerk feeding a
pile through the feeder; it must come back as exactly the 30 documents, continuation pages
(numbered at the top centre, or ending with only the signer block) kept with their document.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from sohoa.digitize.model import PageText
from sohoa.digitize.pages import PageRef, open_document
from sohoa.digitize.read import read_document, read_page
from sohoa.digitize.split import classify_page, split_pages

from .conftest import load_generator

ROOT = Path(__file__).resolve().parent.parent


def _read_ref(ref: PageRef) -> PageText:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    page = read_page(ref)
    page.pdf = None
    return page


def read_pages_parallel(path: Path) -> list[PageText]:
    refs = list(open_document(path).pages)
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_read_ref, refs))


@pytest.mark.slow
def test_thirty_document_stack_splits_into_exactly_thirty(tmp_path: Path) -> None:
    gen = load_generator()
    pdf = gen.render_stack(tmp_path / "stack.pdf", 30, seed=2024)
    truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    want = [(d["first_page"], d["last_page"]) for d in truth["documents"]]
    assert any(last > first for first, last in want), "the stack should hold multi-page documents"
    pages = read_pages_parallel(pdf)
    assert split_pages(pages, "auto") == want
    assert split_pages(pages, "none") == [(1, len(pages))]


@pytest.fixture(scope="module")
def batch_with_blank_sheets(tmp_path_factory: pytest.TempPathFactory) -> list[PageText]:
    """A TIFF of: a two-page decision, a blank sheet, a one-page certificate, a speckled blank sheet."""
    gen = load_generator()
    decision = gen.make_document("quyet_dinh", 0)  # index 0: the long two-page decision
    certificate = gen.make_document("ket_hon", 0)
    assert len(decision.pages) == 2 and len(certificate.pages) == 1
    first = gen.page_images(decision, "clean-300")
    second = gen.page_images(certificate, "clean-300")
    blank = Image.new("L", first[0].size, 250)
    speckled = blank.copy()
    for i in range(0, speckled.width, 97):  # dust and staple marks, no text
        speckled.putpixel((i, (i * 7) % speckled.height), 0)
    images = [im.convert("L") for im in first] + [blank] + [im.convert("L") for im in second] + [speckled]
    path = tmp_path_factory.mktemp("batch") / "batch.tif"
    images[0].save(path, "TIFF", dpi=(300, 300), compression="tiff_deflate", save_all=True,
                   append_images=images[1:])
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return read_document(path)


def test_blank_mode_splits_at_blank_sheets_and_drops_them(batch_with_blank_sheets: list[PageText]) -> None:
    assert split_pages(batch_with_blank_sheets, "blank") == [(1, 2), (4, 4)]


def test_auto_mode_keeps_continuation_and_blank_pages(batch_with_blank_sheets: list[PageText]) -> None:
    roles = [classify_page(p) for p in batch_with_blank_sheets]
    assert [r.blank for r in roles] == [False, False, True, False, True]
    assert roles[0].header and not roles[1].header and roles[3].header
    assert roles[1].numbered  # page 2 of the decision carries "2" at the top centre
    assert split_pages(batch_with_blank_sheets, "auto") == [(1, 3), (4, 5)]


def test_signature_only_last_page_is_not_a_new_document() -> None:
    ending = PageText(2, "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nLê Anh Tân", "text-layer", 1.0)
    opening = PageText(
        1,
        "ỦY BAN NHÂN DÂN\nPHƯỜNG KHAI QUANG\nSố: 12/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nKhai Quang, ngày 05 tháng 02 năm 2024\nQUYẾT ĐỊNH",
        "text-layer",
        1.0,
    )
    assert split_pages([opening, ending, opening, ending], "auto") == [(1, 2), (3, 4)]


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="split mode"):
        split_pages([], "pages")
    assert split_pages([], "auto") == []
