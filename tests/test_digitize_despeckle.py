"""Cleaning a fax for OCR: specks and pinholes go, thin strokes stay, a dithered seal is smoothed.

The pages are drawn pixel by pixel (white 255, ink 0) at 200 dpi, the resolution of a fax; the
reading of whole faxes is in tests/test_text_not_lost.py.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from sohoa.digitize.despeckle import despeckle, without_specks
from sohoa.digitize.prepare import is_speckled, prepare_page


def _page(ink: np.ndarray) -> Image.Image:
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), "L")


def _ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image) < 128


def test_specks_go_and_pinholes_fill_but_hairlines_and_full_stops_stay() -> None:
    ink = np.zeros((60, 80), bool)
    ink[5, 5] = True  # a dot of noise
    ink[10:12, 20:22] = True  # a 2x2 clump
    ink[30, 10:40] = True  # a hairline one pixel thin (a tone mark's stroke, a serif)
    ink[40:43, 50:53] = True  # a full stop
    ink[45:55, 60:70] = True  # a stroke ...
    ink[50, 65] = False  # ... with a pinhole
    out = _ink(despeckle(_page(ink), 200))
    assert not out[5, 5] and not out[10:12, 20:22].any()
    assert out[30, 10:40].all()  # a 3x3 median filter erased it whole
    assert out[40:43, 50:53].all()
    assert out[45:55, 60:70].all()


def test_a_dithered_seal_ring_is_smoothed_away_where_print_is_left_alone() -> None:
    rng = np.random.default_rng(3)
    ink = np.zeros((120, 120), bool)
    ink[10:50, 10:110] = rng.random((40, 100)) < 0.3  # a light ink dithered into dots
    ink[80:83, 10:110] = True  # a printed stroke below it
    out = _ink(despeckle(_page(ink), 200))
    specks_only = _ink(without_specks(_page(ink), 200))
    # the median filter's work: most of the texture is gone, where taking out specks alone
    # leaves nearly all of it (its dots touch one another)
    assert out[10:50, 10:110].mean() < 0.5 * specks_only[10:50, 10:110].mean()
    assert out[80:83, 10:110].all()


def test_specks_a_table_s_erased_rules_leave_are_taken_out() -> None:
    ink = np.zeros((40, 40), bool)
    ink[20, 5], ink[20, 9:11] = True, True  # dots left along an erased rule's dithered edge
    ink[5:15, 5:8] = True  # a letter's stem
    out = _ink(without_specks(_page(ink), 200))
    assert not out[20].any()
    assert out[5:15, 5:8].all()


def test_a_speckled_fax_is_despeckled_and_a_clean_one_is_not() -> None:
    rng = np.random.default_rng(5)
    ink = np.zeros((2200, 1700), bool)
    ink[200:230, 100:1600] = True  # a line of print
    clean = _page(ink).convert("1")
    assert not is_speckled(clean.convert("L"))
    assert "despeckle" not in prepare_page(clean, 200).steps
    noisy = ink | (rng.random(ink.shape) < 0.002)
    page = prepare_page(_page(noisy).convert("1"), 200)
    assert "despeckle" in page.steps
    assert _ink(page.ocr_image)[300:, :].sum() < 0.05 * (noisy[300:, :].sum())
