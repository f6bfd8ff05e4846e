"""Cleaning a speckled 1-bit page (a fax) without eating the strokes of its print.

A fax brings three kinds of noise: specks of ink on the paper (dots and 2x2 clumps), pinholes in
the strokes (white dropouts), and the dithered dot texture a light ink turns into (a red or violet
seal, the anti-aliased edges of a ruled table). A 3x3 median filter takes out all three, and also
every stroke one pixel thin: the hooks and tone marks of small print in Times New Roman's metrics
on a dithered fax ('Lĩnh' read 'l.ĩnh', 'Dũng' 'Dùng', 'Ngô' 'Ngõ'), where sohoa then read fewer
words than plain Tesseract (which reads the page unfiltered) on 7 of 27 pages. So the median is
kept only where the page is textured; elsewhere specks are taken out by size and pinholes filled.

Measured with ``bench/recall_gap.py --conditions fax`` and ``bench/devset2.py --conditions fax``;
the figures are in the commit that brought this module.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

# Ink that fits in a box this many pixels wide at 200 dpi, with paper all round the box, is a
# speck: the samples' fax noise (dots and 2x2 clumps) goes, a full stop (3 px and more) stays.
_SPECK_PX = 2
# A paper pixel with at least this many of its 8 neighbours ink is a pinhole in a stroke.
_PINHOLE_NEIGHBOURS = 5
# An ink pixel with at most this many ink neighbours is thin: a dot of a dither, the edge of a
# dithered stroke, a hairline.
_THIN_NEIGHBOURS = 3
# Where thin ink pixels are more than this share of a window this many pixels wide (at 200 dpi),
# the page is textured (a dithered seal's ring): the median filter cleans it there. Print has
# thin pixels along its edges at a few per cent; a dithered seal's ring at 10-22 %.
_TEXTURE_SHARE = 0.10
_TEXTURE_WINDOW = 15


def ink_neighbours(ink: np.ndarray) -> np.ndarray:
    """How many of each pixel's 8 neighbours are ink (``ink``: a boolean page)."""
    padded = np.pad(ink, 1).astype(np.uint8)
    return (
        padded[:-2, :-2] + padded[:-2, 1:-1] + padded[:-2, 2:]
        + padded[1:-1, :-2] + padded[1:-1, 2:]
        + padded[2:, :-2] + padded[2:, 1:-1] + padded[2:, 2:]
    )  # fmt: skip


def specks(ink: np.ndarray, size: int) -> np.ndarray:
    """The ink pixels of blobs that fit in a ``size`` x ``size`` box with no ink in the ring of
    pixels around the box.

    Every box position is tested at once with a summed-area table: a box holds a speck when it
    holds ink and the box one pixel wider all round holds no more.
    """
    h, w = ink.shape
    pad = size + 1
    table = np.zeros((h + 2 * pad + 1, w + 2 * pad + 1), np.int32)
    table[1:, 1:] = np.pad(ink, pad).astype(np.int32).cumsum(0).cumsum(1)

    def boxes(first: int, side: int) -> np.ndarray:
        # ink in every side x side box whose top-left corner (padded) runs from (first, first)
        near_r, near_c = slice(first, first + h + size - 1), slice(first, first + w + size - 1)
        far_r = slice(first + side, first + side + h + size - 1)
        far_c = slice(first + side, first + side + w + size - 1)
        return table[far_r, far_c] - table[near_r, far_c] - table[far_r, near_c] + table[near_r, near_c]

    inner = boxes(2, size)
    lone = (inner > 0) & (boxes(1, size + 2) == inner)
    covered = np.zeros((h + 2 * size - 2, w + 2 * size - 2), bool)
    for dy in range(size):
        for dx in range(size):
            covered[dy : dy + h + size - 1, dx : dx + w + size - 1] |= lone
    return ink & covered[size - 1 : size - 1 + h, size - 1 : size - 1 + w]


def _speck_size(dpi: int) -> int:
    return _SPECK_PX if dpi < 250 else _SPECK_PX + 1


def without_specks(grey: Image.Image, dpi: int) -> Image.Image:
    """``grey`` (a 1-bit page as grey) with its specks whited out, nothing else changed.

    Run again after a table's rules are erased: the dithered edge of a rule leaves dots along
    it, read as marks in the cells ('1 j¡ Nguyễn Công Quyền').
    """
    ink = np.asarray(grey) < 128
    lost = specks(ink, _speck_size(dpi))
    if not lost.any():
        return grey
    return Image.fromarray(np.where(ink & ~lost, 0, 255).astype(np.uint8), "L")


def despeckle(grey: Image.Image, dpi: int) -> Image.Image:
    """A speckled 1-bit page (as grey) cleaned for OCR: specks out and pinholes filled, and the
    median filter where the page is textured (see the module's docstring)."""
    ink = np.asarray(grey) < 128
    near = ink_neighbours(ink)
    thin = np.where(ink & (near <= _THIN_NEIGHBOURS), 255, 0).astype(np.uint8)
    radius = max(1, round(_TEXTURE_WINDOW * dpi / 200) // 2)
    share = np.asarray(Image.fromarray(thin, "L").filter(ImageFilter.BoxBlur(radius))) / 255.0
    textured = share > _TEXTURE_SHARE
    cleaned = ink & ~specks(ink, _speck_size(dpi))
    cleaned |= ink_neighbours(cleaned) >= _PINHOLE_NEIGHBOURS
    out = np.where(cleaned, 0, 255).astype(np.uint8)
    rows, cols = np.nonzero(textured.any(axis=1))[0], np.nonzero(textured.any(axis=0))[0]
    if rows.size:  # the median filter over the textured part's bounds only (a seal: a few inches)
        reach = 2
        top, left = max(0, int(rows[0]) - reach), max(0, int(cols[0]) - reach)
        bottom = min(out.shape[0], int(rows[-1]) + reach + 1)
        right = min(out.shape[1], int(cols[-1]) + reach + 1)
        part = grey.crop((left, top, right, bottom)).filter(ImageFilter.MedianFilter(3 if dpi < 250 else 5))
        window = (slice(top, bottom), slice(left, right))
        out[window] = np.where(textured[window], np.asarray(part), out[window])
    return Image.fromarray(out, "L")
