"""Metadata read from real OCR of the sample documents: one per template, clean scan and born-digital PDF.

Each sample is read once (module fixture) with the real ``read_document`` and Tesseract ``vie``.
The committed ``samples/`` are used when present; otherwise the same documents are rendered by
the deterministic samples generator into a temporary folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.read import read_document

from .conftest import load_generator

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TEMPLATES = ("quyet_dinh", "cong_van", "ket_hon", "khai_sinh", "ho_kinh_doanh", "giay_phep_xay_dung",
             "xac_nhan_hon_nhan")
CONDITIONS = ("clean-300", "pdf-text")


def sample_set(tmp: Path) -> list[tuple[Path, dict]]:
    """(file, sidecar) for each template x condition: committed files first, rendered ones otherwise."""
    found = {}
    for meta_path in SAMPLES.glob("*.json"):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("condition") in CONDITIONS and (SAMPLES / meta.get("file", "")).exists():
            found.setdefault((meta["template"], meta["condition"]), (SAMPLES / meta["file"], meta))
    missing = [(t, c) for t in TEMPLATES for c in CONDITIONS if (t, c) not in found]
    if missing:
        gen = load_generator()
        for path in gen.render_set(tmp, 1, list(CONDITIONS)):
            meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            found.setdefault((meta["template"], meta["condition"]), (path, meta))
    return [found[(t, c)] for t in TEMPLATES for c in CONDITIONS]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[dict, dict]]:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    out = {}
    for path, meta in sample_set(tmp_path_factory.mktemp("samples")):
        result = extract_fields(read_document(path))
        out[(meta["template"], meta["condition"])] = (result.values, meta["fields"])
    return out


CASES = [(t, c) for t in TEMPLATES for c in CONDITIONS]


def folded(value: object) -> object:
    if isinstance(value, list):
        return sorted(" ".join(v.casefold().split()) for v in value)
    return " ".join(value.casefold().split()) if isinstance(value, str) else value


@pytest.mark.parametrize(("template", "condition"), CASES)
@pytest.mark.parametrize("name", ["doc_type", "number", "issued_date", "issuer", "signer", "signer_title",
                                  "subject_names", "id_numbers", "field", "dossier_code", "valid_until"])
def test_field_matches_the_truth(extracted: dict, template: str, condition: str, name: str) -> None:
    values, truth = extracted[(template, condition)]
    assert folded(values[name]) == folded(truth[name])


@pytest.mark.parametrize(("template", "condition"), CASES)
def test_values_keep_their_accents(extracted: dict, template: str, condition: str) -> None:
    values, truth = extracted[(template, condition)]
    assert values["issuer"] == truth["issuer"]
    assert values["signer"] == truth["signer"]
    assert sorted(values["subject_names"]) == sorted(truth["subject_names"])
