"""A red seal over the signer block, scanned without colour (issue 9, item 4).

Most offices scan in grey, so the red-channel trick cannot tell the seal from the text. The
generator stamps a seal over the signature and scans the page in grey at 200 dpi
(``seal-grey``); real Tesseract reads it through ``read_document``, and the signer's name and
title must come out whole, as printed, and sure: the ring crosses the title's ``CHỦ`` and the
first syllable of the name, which the first pass alone lost (``Khổống``, ``Ủ TỊCH``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sohoa.archive.review import DEFAULT_THRESHOLD
from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.read import read_document

from .conftest import load_generator

# (template, seed): documents whose seal crosses the title or the name in the first pass.
CASES = [("xac_nhan_hon_nhan", 21), ("ket_hon", 21)]


@pytest.mark.slow
@pytest.mark.parametrize(("template", "seed"), CASES, ids=[c[0] for c in CASES])
def test_signer_under_a_seal_in_a_grey_scan(template: str, seed: int, tmp_path: Path) -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    gen = load_generator()
    document = gen.make_document(template, 0, seed)
    path = gen.render(document, "seal-grey", tmp_path)
    result = extract_fields(read_document(path))
    assert result.values["signer"] == document.fields["signer"]
    assert result.values["signer_title"] == document.fields["signer_title"]


@pytest.mark.slow
def test_a_syllable_the_seal_left_unsure_sends_the_signer_to_review(tmp_path: Path) -> None:
    """``Khổng`` comes back spelt right at OCR confidence 0: kept, and the clerk checks it."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    gen = load_generator()
    document = gen.make_document("ket_hon", 0, 21)
    result = extract_fields(read_document(gen.render(document, "seal-grey", tmp_path)))
    assert result.values["signer"] == document.fields["signer"]
    assert result.confidence["signer"] < DEFAULT_THRESHOLD
