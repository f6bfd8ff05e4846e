"""Page image preparation: only steps that measurably lower Tesseract's errors on our pages.

Measured on rendered Vietnamese administrative pages (see the field notes and
``bench/ocr_quality.py``):

* a red round seal over the signer block: the red channel (where red ink turns white) plus Otsu
  took the error from 7.0% to 0.9%; plain greyscale or Otsu alone did not help;
* skew: a projection-profile angle search brought 1.5-3 degree pages from 0.65% to ~0.1%; it is
  computed on a downscaled copy so it costs a few tens of milliseconds, and pages are rotated
  only when the angle is worth it (rotation is the expensive part);
* 1-bit fax-like pages with speckles: specks out and pinholes filled, a median filter only where
  the page is textured (:mod:`sohoa.digitize.despeckle`), only on such input, since it hurts
  clean pages; 1-bit 200 dpi pages are never upscaled (that made them much worse).
* a ruled table: psm 6 dropped all its rows; the grid (three vertical rules or more, and the
  horizontal ones) is erased from the image Tesseract reads, and the rows come back in order;
* a red seal in a grey or 1-bit scan (no red channel to use): found by its ring, its lighter ink
  (grey) or its rings (1-bit) taken out; run by ``read`` only around rows the first pass read
  badly, so clean pages do not pay for the search.

Two images come out: the one Tesseract reads (grey or binarised) and the one kept for the
searchable PDF (the original colours, turned and deskewed exactly like the first, same pixel
size), so the invisible text layer lines up with what a person sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageFilter

from sohoa.digitize.despeckle import despeckle, ink_neighbours, without_specks

# Paper sizes (inches, portrait) used to guess a missing resolution from the pixel size, most
# likely first: A4 and A3 share their shape, and our results are A4.
_PAPER_INCHES = ((8.27, 11.69), (8.5, 11.0))
_STANDARD_DPI = (100, 150, 200, 240, 300, 400, 600)
# Skew search: range and steps in degrees, on a copy about this wide in pixels.
_SKEW_RANGE = 5.0
_SKEW_COARSE = 0.25
_SKEW_FINE = 0.05
_SKEW_WIDTH = 900
_SKEW_MAX_POINTS = 120_000
# Below this angle Tesseract copes on its own and the rotation is not worth its 0.1-0.3 s.
SKEW_MIN_DEGREES = 0.3
# Red ink: share of strongly red pixels above which the red-channel binarisation is used.
_RED_SHARE = 0.0005


@dataclass
class PreparedPage:
    """The page as Tesseract should read it, and as the searchable PDF should show it."""

    ocr_image: Image.Image  # mode "L" or "1"
    keep_image: Image.Image  # "RGB", "L" or "1": the page as scanned, turned upright
    dpi: int
    skew: float = 0.0  # degrees the page was turned back (counter-clockwise positive)
    rotation: int = 0  # degrees clockwise the page was turned to be upright
    steps: list[str] = field(default_factory=list)
    # Where the red seal's ink lies (on a copy reduced by the factor) when the red channel was read:
    # the digits under it are doubtful however sure Tesseract is.
    red_ink: tuple[np.ndarray, int] | None = None


def normalise_mode(image: Image.Image) -> Image.Image:
    """Bring any decoded mode to ``1``, ``L`` or ``RGB`` (palette, alpha, CMYK, 16-bit ...).

    Colour images whose pixels are all grey (a greyscale scan saved as RGB or palette, a
    rasterised PDF page) become ``L``: a third of the memory and a smaller page PDF.
    """
    if image.mode in ("1", "L"):
        return image
    if image.mode == "RGB":
        return _grey_if_grey(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        return Image.fromarray((array * (255.0 / top)).astype(np.uint8), "L")
    return _grey_if_grey(image.convert("RGB"))


def _grey_if_grey(rgb: Image.Image) -> Image.Image:
    factor = max(1, rgb.width // 400)
    small = np.asarray(rgb.reduce(factor) if factor > 1 else rgb).astype(np.int16)
    spread = max(np.abs(small[..., 0] - small[..., 1]).max(), np.abs(small[..., 1] - small[..., 2]).max())
    return rgb.convert("L") if int(spread) <= 8 else rgb


def guess_dpi(width: int, height: int, stored_dpi: int = 0) -> int:
    """Resolution of a page image: the stored one when it fits a paper size, else a guess.

    Phone photos and some scanners store 72 or 96 dpi whatever the real resolution; a 2480 px
    wide page at "72 dpi" would be a 34-inch sheet. The guess matches the pixel size against A4
    (then A5, A3, Letter) and rounds to a standard scanner resolution.
    """
    short, long = sorted((width, height))
    if stored_dpi:
        inches_short, inches_long = short / stored_dpi, long / stored_dpi
        if 3.5 <= inches_short <= 12.5 and 5.0 <= inches_long <= 17.5:  # A6 to A3
            return stored_dpi
    estimate = short / _PAPER_INCHES[0][0]  # a cropped or odd-shaped scan: assume A4 width
    for paper_short, paper_long in _PAPER_INCHES:
        if abs((long / short) - paper_long / paper_short) < 0.02:
            estimate = long / paper_long
            break
    return min(_STANDARD_DPI, key=lambda dpi: abs(dpi - estimate))


def prepare_page(image: Image.Image, dpi: int = 0, *, deskew: bool = True) -> PreparedPage:
    """Turn a decoded page image into what Tesseract reads and what the PDF keeps.

    ``dpi`` is the resolution stored in the file (0 when unknown). The steps taken are listed
    in ``PreparedPage.steps`` for the benchmark and for debugging.
    """
    keep = normalise_mode(image)
    page = PreparedPage(ocr_image=keep, keep_image=keep, dpi=guess_dpi(keep.width, keep.height, dpi))
    grey = keep if keep.mode == "L" else keep.convert("L")
    if deskew:
        angle = estimate_skew(grey)
        if abs(angle) >= SKEW_MIN_DEGREES:
            keep = rotate(keep, angle)
            grey = keep if keep.mode == "L" else keep.convert("L")
            page.skew = round(angle, 2)
            page.steps.append(f"deskew {angle:+.2f}")
    page.keep_image = keep
    red_ink = red_ink_mask(keep) if keep.mode == "RGB" else None
    if red_ink is not None and float(red_ink[0].mean()) >= _RED_SHARE:
        page.ocr_image = binarise(keep.getchannel("R"))
        page.red_ink = red_ink
        page.steps.append("red-channel")
    elif keep.mode == "1" or is_bilevel(grey):
        if is_speckled(grey):
            page.ocr_image = despeckle(grey, page.dpi)
            page.steps.append("despeckle")
        else:
            page.ocr_image = grey
    else:
        page.ocr_image = grey
    cleared = remove_rules(page.ocr_image, page.dpi)
    if cleared is not page.ocr_image:
        page.ocr_image = without_specks(cleared, page.dpi) if "despeckle" in page.steps else cleared
        page.steps.append("rules")
    return page


def rotate(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise by ``degrees`` about the centre, same size, white fill."""
    if image.mode == "1":
        # Rotating bilevel pixels directly jags the strokes; go through grey and back.
        turned = image.convert("L").rotate(degrees, resample=Image.Resampling.BILINEAR, fillcolor=255)
        return turned.point(lambda v: 255 if v >= 128 else 0).convert("1")
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(degrees, resample=Image.Resampling.BILINEAR, fillcolor=fill)


def turn(image: Image.Image, clockwise: int) -> Image.Image:
    """Turn by a multiple of 90 degrees clockwise (OSD's answer), lossless."""
    steps = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    return image.transpose(steps[clockwise % 360]) if clockwise % 360 else image


def _dark_points(grey: Image.Image) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Coordinates of ink pixels on a small copy (rows, columns), and that copy's size."""
    factor = max(1, round(grey.width / _SKEW_WIDTH))
    small = grey.reduce(factor) if factor > 1 else grey
    array = np.asarray(small)
    threshold = otsu_threshold(array)
    ys, xs = np.nonzero(array < threshold)
    if ys.size > _SKEW_MAX_POINTS:
        pick = np.random.default_rng(0).choice(ys.size, _SKEW_MAX_POINTS, replace=False)
        ys, xs = ys[pick], xs[pick]
    return ys, xs, small.height, small.width


def estimate_skew(grey: Image.Image) -> float:
    """Skew angle in degrees (rotate counter-clockwise by it to straighten), 0.0 if unclear.

    Projection profile: text lines give the sharpest row histogram when they are level. The
    histogram of each candidate angle is one ``bincount`` over the ink pixels of a ~900 px wide
    copy, coarse then fine, so the whole search takes a few tens of milliseconds.
    """
    ys, xs, height, width = _dark_points(grey)
    if ys.size < 200:
        return 0.0
    ys_f, xs_f = ys.astype(np.float64), (xs - width / 2.0).astype(np.float64)
    margin = int(width * math.tan(math.radians(_SKEW_RANGE + 1))) + 2

    def score(angle: float) -> float:
        shifted = np.rint(ys_f - xs_f * math.tan(math.radians(angle))).astype(np.int64) + margin
        profile = np.bincount(shifted, minlength=height + 2 * margin).astype(np.float64)
        return float(np.dot(profile, profile))

    coarse = np.arange(-_SKEW_RANGE, _SKEW_RANGE + 1e-9, _SKEW_COARSE)
    scores = [score(a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    if max(scores) <= min(scores) * 1.02:
        return 0.0  # no text lines to align (a photo, a blank page)
    fine = np.arange(best - _SKEW_COARSE, best + _SKEW_COARSE + 1e-9, _SKEW_FINE)
    best = float(fine[int(np.argmax([score(a) for a in fine]))])
    # ys grow downwards: a page turned counter-clockwise by a has lines y = y0 - x tan(a), which
    # the shear above levels at angle -a; turning it back means rotating by -a = best.
    return best


def looks_sideways(grey: Image.Image) -> bool:
    """Cheap hint that the page lies on its side: columns profile sharper than rows profile."""
    ys, xs, height, width = _dark_points(grey)
    if ys.size < 200:
        return False
    rows = np.bincount(ys, minlength=height).astype(np.float64)
    cols = np.bincount(xs, minlength=width).astype(np.float64)
    row_score = float(np.abs(np.diff(rows)).sum()) / max(1.0, rows.sum())
    col_score = float(np.abs(np.diff(cols)).sum()) / max(1.0, cols.sum())
    return col_score > 1.3 * row_score


def otsu_threshold(array: np.ndarray) -> int:
    """Otsu's threshold of an 8-bit array (pixels below it are ink)."""
    return otsu_from_histogram(np.bincount(array.ravel(), minlength=256))


def otsu_from_histogram(counts: np.ndarray | list[int]) -> int:
    """Otsu's threshold from a 256-bin histogram (Pillow's ``Image.histogram()`` of an ``L`` image)."""
    histogram = np.asarray(counts, dtype=np.float64)
    total = histogram.sum()
    if total == 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * levels)
    background = total - weight
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * weight - mean * total) ** 2 / (weight * background)
    between = np.nan_to_num(between)
    return int(np.argmax(between)) + 1


def binarise(channel: Image.Image) -> Image.Image:
    """Otsu binarisation of one 8-bit channel, as an ``L`` image of 0 and 255.

    Pillow's histogram and lookup table: 8 ms on an A4 page at 300 dpi, where NumPy's bincount
    and comparison took 80 ms.
    """
    threshold = otsu_from_histogram(channel.histogram())
    return channel.point([0] * threshold + [255] * (256 - threshold))


def red_ink_mask(rgb: Image.Image) -> tuple[np.ndarray, int]:
    """Where seal ink lies (a seal, a red signature), on a copy about 600 px wide, and the factor
    it was reduced by: a page carries seal ink when a share ``_RED_SHARE`` of it is such ink.

    Seal ink is bright in the red channel and dark in the green: red, and the purple a seal's
    ink turns to on some pads and scanners (150, 40, 140), whose blue is as bright as its red.
    Both vanish from the red channel, which is what the OCR image is made from; black print
    and a blue pen's signature stay. Asking red to outshine blue too left purple seals on the
    page: 'TM. ỦY BAN NHÂN DÂN' under one was read 'NHÂN DÂN', its 'TM. ỦY BAN' lost.
    """
    factor = max(1, round(rgb.width / 600))
    small = np.asarray(rgb.reduce(factor) if factor > 1 else rgb).astype(np.int16)
    red, green = small[..., 0], small[..., 1]
    return (red > 120) & (red - green > 60), factor


def is_bilevel(grey: Image.Image) -> bool:
    """True for pages that are black and white only (a fax, a 1-bit scan saved as grey)."""
    factor = max(1, round(grey.width / 600))
    small = np.asarray(grey.reduce(factor) if factor > 1 else grey)
    histogram = np.bincount(small.ravel(), minlength=256)
    # Reducing averages neighbours, so allow a band at both ends.
    extreme = histogram[:16].sum() + histogram[240:].sum()
    return extreme >= 0.995 * small.size and histogram[:16].sum() > 0


def is_speckled(grey: Image.Image) -> bool:
    """True when isolated dark specks (fax noise) are common enough to be worth cleaning
    (:func:`sohoa.digitize.despeckle.despeckle`).

    Counts ink pixels with no ink among their 8 neighbours on the full-resolution page; clean
    text has almost none (strokes are several pixels thick).
    """
    ink = np.asarray(grey) < 128
    isolated = int(np.count_nonzero(ink & (ink_neighbours(ink) <= 1)))
    return isolated >= max(200, int(ink.sum() * 0.002))


# --- ruling lines -----------------------------------------------------------------------------

# A straight run of ink at least this long (inches) is a rule: a table's grid, an underline, a
# frame. The longest stroke of a letter is a few millimetres; a rule is centimetres.
_RULE_MIN_INCHES = 0.45
# Pixels darker than this count as ink of a rule (its anti-aliased edges included).
_RULE_INK = 200
_RULE_REDUCE = 4
# Vertical rules that make a grid (a seal's ring has two sides that look like short rules).
_RULE_MIN_VERTICAL = 3


def remove_rules(image: Image.Image, dpi: int) -> Image.Image:
    """The page with its long horizontal and vertical rules whited out (or ``image`` itself).

    With one uniform block (psm 6), Tesseract reads a ruled table as one tall blob and drops
    every row of it (measured: 8 rows of a month | person | role | days schedule, all lost;
    with the grid erased it reads them row by row, cells in order). Only a grid is erased: at
    least three vertical rules (a table's borders and a column rule); an underline or a long
    signature stroke alone is left as it is, since psm 6 reads around them and erasing them
    shifts its reading of the lines nearby. Found on a 4x reduced copy (a few milliseconds); only
    the rows and columns that hold a rule are scanned at full size.
    """
    grey = image if image.mode == "L" else image.convert("L")
    min_run = max(40, int(_RULE_MIN_INCHES * (dpi or 300)))
    small = np.asarray(grey.reduce(_RULE_REDUCE)) < _RULE_INK
    rows = _lines_with_long_runs(small, min_run // _RULE_REDUCE)
    cols = _lines_with_long_runs(np.ascontiguousarray(small.T), min_run // _RULE_REDUCE)
    if len(joined_runs(np.isin(np.arange(small.shape[1]), cols), max_gap=1)) < _RULE_MIN_VERTICAL:
        return image
    # Both directions are found on the page as it is (a grid's vertical rules, cut at every
    # horizontal one, would be too short to find afterwards), then erased together.
    erase = []
    for band in _bands(rows, grey.height):
        box = (0, band.start, grey.width, band.stop)
        erase.append((box, _long_runs(np.asarray(grey.crop(box)) < _RULE_INK, min_run)))
    for band in _bands(cols, grey.width):
        box = (band.start, 0, band.stop, grey.height)
        strip = np.ascontiguousarray(np.asarray(grey.crop(box)).T)
        erase.append((box, np.ascontiguousarray(_long_runs(strip < _RULE_INK, min_run).T)))
    out = grey.copy()
    for box, mask in erase:
        strip = np.array(out.crop(box))
        strip[mask] = 255
        out.paste(Image.fromarray(strip, "L"), box)
    return out


def _lines_with_long_runs(ink: np.ndarray, min_run: int) -> np.ndarray:
    """Indices of the rows of ``ink`` that hold a horizontal run at least ``min_run`` long."""
    starts, ends = _run_edges(ink)
    return np.unique(starts[(ends - starts) >= min_run] // (ink.shape[1] + 1))


def _run_edges(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat start and end indices of the horizontal runs of ink (each row padded by one column)."""
    rows, cols = ink.shape
    padded = np.zeros((rows, cols + 1), dtype=np.int8)
    padded[:, :cols] = ink
    edges = np.diff(padded.ravel(), prepend=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _bands(small_indices: np.ndarray, limit: int) -> list[slice]:
    """Full-size slices covering the reduced rows (or columns) that hold a rule, one pixel of margin."""
    if not small_indices.size:
        return []
    held = np.isin(np.arange(small_indices.max() + 1), small_indices)
    return [
        slice(max(0, start * _RULE_REDUCE - _RULE_REDUCE), min(limit, end * _RULE_REDUCE + _RULE_REDUCE))
        for start, end in joined_runs(held, max_gap=1)
    ]


def _long_runs(ink: np.ndarray, min_run: int) -> np.ndarray:
    """Mask of the pixels lying in a horizontal run of ink at least ``min_run`` long."""
    rows, cols = ink.shape
    starts, ends = _run_edges(ink)
    long = (ends - starts) >= min_run
    marks = np.zeros(rows * (cols + 1) + 1, dtype=np.int32)
    marks[starts[long]] += 1  # runs never share a start or an end
    marks[ends[long]] -= 1
    return (np.cumsum(marks[:-1]) > 0).reshape(rows, cols + 1)[:, :cols]


# --- text Tesseract missed ------------------------------------------------------------------

# Bands of ink narrower than this many word heights are specks, dashes or stray marks.
_MISSED_MIN_WIDTH = 1.5
# ... and lower or taller than these shares of a word height are rules and drawings.
_MISSED_HEIGHT = (0.45, 3.5)
# Page edges ignored (scanner borders, punch holes), as a share of the page size.
_EDGE = 0.03
_MAX_MISSED_REGIONS = 4
# In a band taller than a line, the crowded rows of a line's middle (its x-height) are at least
# this many word heights tall, and the line reaches this far above and below them.
_MISSED_CORE = 0.3
_MISSED_ABOVE_CORE = 0.6
_MISSED_BELOW_CORE = 0.5
# ... and the band ends at most this many word heights below the core.
_MISSED_UNDER_CORE = 1.0
# Share of a row's span (first to last ink) that ink fills across a line of type.
_CROWDED_SHARE = 0.4
# Pixels whited out above and below a known word in the copy read again.
_BLANK_PAD = 2


def find_missed_text(
    image: Image.Image, boxes: list[tuple[int, int, int, int]], unit: float
) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """Regions of ink that no recognised word covers, and the page with the words whited out.

    With one uniform block (psm 6), Tesseract now and then drops a whole line where small and
    large type share a row (``- Lưu: VT, TP.`` beside ``PHÓ CHỦ TỊCH``); psm 3 drops regions
    too. Every word box (left, top, width, height) is blanked, and what ink is left is grouped
    into line-shaped regions (left, top, right, bottom) worth reading again. ``unit`` is the
    median word height in pixels. At most a few regions, largest first. The search runs on a
    copy reduced 4 times (a few milliseconds); the full page is blanked only when needed.
    """
    grey = image if image.mode == "L" else image.convert("L")
    factor = 4
    pad_y, pad_x = max(2, int(unit * 0.25)), max(2, int(unit * 0.4))
    padded = [(x - pad_x, y - pad_y, x + w + pad_x, y + h + pad_y) for x, y, w, h in boxes]
    small = np.array(grey.reduce(factor))
    for left, top, right, bottom in padded:
        rows = slice(max(0, top // factor), bottom // factor + 1)
        small[rows, max(0, left // factor) : right // factor + 1] = 255
    rows_total, cols_total = small.shape
    edge_y, edge_x = int(rows_total * _EDGE), int(cols_total * _EDGE)
    # A 4x4 block with a stroke through it averages well under 200; a lone speck does not.
    blocks = small[edge_y : rows_total - edge_y, edge_x : cols_total - edge_x] < 200
    small_unit = max(1.0, unit / factor)
    regions: list[tuple[int, int, int, int, int, bool]] = []
    for top, bottom, cut in _text_bands(blocks, small_unit):
        for left, right in joined_runs(blocks[top:bottom].any(axis=0), max_gap=int(2 * small_unit)):
            if right - left >= _MISSED_MIN_WIDTH * small_unit:
                regions.append((int(blocks[top:bottom, left:right].sum()), left, top, right, bottom, cut))
    if not regions:
        return grey, []
    regions.sort(reverse=True)
    width, height = grey.size
    margin = int(unit * 0.6)
    out = [
        (
            max(0, (left + edge_x) * factor - margin),
            max(0, (top + edge_y) * factor - (0 if cut else margin)),
            min(width, (right + edge_x) * factor + margin),
            min(height, (bottom + edge_y) * factor + margin),
        )
        for _, left, top, right, bottom, cut in regions[:_MAX_MISSED_REGIONS]
    ]
    array = np.array(grey)
    for region in out:
        _blank_known_words(array, region, boxes, margin, pad_x)
    return Image.fromarray(array, "L"), sorted(out, key=lambda box: (box[1], box[0]))


def _text_bands(blocks: np.ndarray, small_unit: float) -> list[tuple[int, int, bool]]:
    """(top, bottom, cut) of the bands of ``blocks`` (a reduced page's ink) that are shaped like a line.

    A band of ink taller than a line is mostly a drawing, but a signature's strokes run down
    into the name under them and join it into one: 'Lê Phượng', its first letters touched by
    the pen, was dropped by the first pass with the strokes and never looked for again. In such
    a band, the rows crowded with ink (:func:`_crowded_rows`) at its foot are a line's middle:
    grown by a line's ascenders and descenders, they are looked at as a line of their own, cut
    (``cut``) no higher than that: the strokes just above made 'Lê' read 'Tê'. Only at the
    foot, where a name stands under the pen: a line crowded in the middle of a tall band is a
    title under a round seal, its ring's letters around it ('TRƯỞNG PHÒNG TƯ PHÁP HA HA').
    """
    bands = []
    low, high = _MISSED_HEIGHT[0] * small_unit, _MISSED_HEIGHT[1] * small_unit
    for top, bottom in joined_runs(blocks.sum(axis=1) >= 2, max_gap=1):
        if low <= bottom - top <= high:
            bands.append((top, bottom, False))
        elif bottom - top > high:
            crowded = joined_runs(_crowded_rows(blocks[top:bottom], small_unit), max_gap=1)
            cores = [(a, b) for a, b in crowded if b - a >= _MISSED_CORE * small_unit]
            if not cores:
                continue
            start, end = cores[-1]  # a rule under the name is no core, and never hides it
            if bottom - top - end <= _MISSED_UNDER_CORE * small_unit:
                grown = (
                    max(top, top + start - int(_MISSED_ABOVE_CORE * small_unit)),
                    min(bottom, top + end + int(_MISSED_BELOW_CORE * small_unit)),
                )
                bands.append((*grown, True))
    return bands


def _crowded_rows(blocks: np.ndarray, small_unit: float) -> np.ndarray:
    """Which rows of ``blocks`` cross a line of type rather than strokes of a drawing.

    Through a line's middle, letters stand close: the row has at least two word heights of
    ink, and ink fills at least :data:`_CROWDED_SHARE` of its span. The strokes of a signature
    cross a row a few times each, a rule's is one thin row.
    """
    counts = blocks.sum(axis=1)
    cols = np.arange(blocks.shape[1])
    first = np.where(blocks.any(axis=1), np.where(blocks, cols, blocks.shape[1]).min(axis=1), 0)
    last = np.where(blocks.any(axis=1), np.where(blocks, cols, -1).max(axis=1), 0)
    span = np.maximum(1, last - first + 1)
    return (counts >= 2 * small_unit) & (counts >= _CROWDED_SHARE * span)


def _blank_known_words(
    array: np.ndarray,
    region: tuple[int, int, int, int],
    boxes: list[tuple[int, int, int, int]],
    margin: int,
    pad_x: int,
) -> None:
    """White out, inside ``region``, the words already read, but never the missed row's marks.

    A word of the row above or below is whited out only outside the region's own band (its
    margin): its box often reaches over this row's tone marks ('nhận:' over the circumflex of
    'trên', 'KT. CHỦ TỊCH' over the hook of the next 'CHỦ'), and whiting them out made
    'Như trên;' read 'Nhu uien:,' and 'CHỦ' read 'CHÚ'. A word in the band itself goes whole.
    """
    left, top, right, bottom = region
    # the band reaches half a margin beyond the ink the search found, which had the marks
    # under a neighbour's padded box whited out
    band_top, band_bottom = top + margin // 2, bottom - margin // 2
    for x, y, w, h in boxes:
        x0, x1 = max(left, x - pad_x), min(right, x + w + pad_x)
        y0, y1 = max(top, y - _BLANK_PAD), min(bottom, y + h + _BLANK_PAD)
        if x0 >= x1 or y0 >= y1:
            continue
        middle = y + h / 2
        if middle < band_top:
            y1 = min(y1, band_top)
        elif middle > band_bottom:
            y0 = max(y0, band_bottom)
        if y0 < y1:
            array[y0:y1, x0:x1] = 255


def joined_runs(flags: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """(start, end) of runs of True, joining runs separated by at most ``max_gap`` False."""
    indices = np.flatnonzero(flags)
    if indices.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(indices) > max_gap + 1)
    starts = np.concatenate(([indices[0]], indices[breaks + 1]))
    ends = np.concatenate((indices[breaks] + 1, [indices[-1] + 1]))
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


# --- round seals without colour ---------------------------------------------------------------

# Round seals of Vietnamese bodies are 30-45 mm across (radius in mm), their ring ~1 mm thick.
_SEAL_RADIUS_MM = (13.0, 24.0)
_SEAL_STEP_MM = 0.8
_SEAL_SEARCH_DPI = 50
# A ring: at least this share of the circle is ink, and this much more than just outside it.
_SEAL_RING_COVER = 0.6
_SEAL_RING_CONTRAST = 0.35
# A grey seal is suppressed by level only when its ink is this much lighter than the text's.
_SEAL_LEVEL_GAP = 40


@dataclass(frozen=True)
class Seal:
    """A round seal found on a page: centre and outer radius in page pixels, and how it was removed."""

    x: int
    y: int
    radius: int
    inner: int  # radius of an inner ring, 0 if none
    method: str  # "level" (lighter ink whited out inside the seal) or "rings" (the rings erased)
    aspect: float = 1.0  # height over width: an oval seal, or a page faxed squashed


def find_round_seal(
    grey: Image.Image, dpi: int, aspects: tuple[float, ...] = (1.0,)
) -> tuple[int, int, int, int, float] | None:
    """Centre (x, y), outer and inner ring radius (pixels, across) and height/width of the
    strongest round seal, or None.

    Without colour a seal is known by its shape: a thick circle of ink with clear paper just
    outside it. Every candidate radius is matched at once over the image by one FFT
    correlation with a thin ring (on a ~50 dpi copy); the best centre per radius is scored as ring
    coverage minus the coverage of a ring just outside, which text blocks cover alike. A seal
    pressed unevenly, or a page faxed at another resolution down than across (an A4 page sent as
    1700 x 2200 dots is squashed by a tenth), makes the circle an ellipse: the copy is searched
    again stretched upright by each of ``aspects`` (height over width).
    """
    dpi = dpi or 300
    factor = max(1, round(dpi / _SEAL_SEARCH_DPI))
    reduced = grey.reduce(factor) if factor > 1 else grey
    best: tuple[float, int, int, float, float] | None = None
    for aspect in aspects:
        small = reduced if aspect == 1.0 else reduced.resize((reduced.width, round(reduced.height / aspect)))
        found = _best_ring(np.asarray(small), dpi / factor)
        if found is not None and (best is None or found[0] > best[0]):
            best = (*found, aspect)
        if best is not None and aspect == 1.0:
            break  # a round seal found as a circle: no ellipse search (a tenth of a fax page's time)
    if best is None:
        return None
    _, y, x, radius, aspect = best
    upright = reduced.resize((reduced.width, round(reduced.height / aspect)))
    ink = (np.asarray(upright) < 190).astype(np.float32)
    half_width = max(0.8, 0.5 * dpi / factor / 25.4)
    inner = 0.0
    inner_best = _SEAL_RING_COVER
    for candidate in np.arange(0.55, 0.9, 0.02) * radius:
        cover = _ring_cover_at(ink, x, y, candidate, half_width)
        if cover >= inner_best:
            inner, inner_best = candidate, cover
    return (
        x * factor + factor // 2,
        round(y * aspect * factor) + factor // 2,
        round(radius * factor),
        round(inner * factor),
        aspect,
    )


# Height over width of the seals looked for on a 1-bit page: round, and squashed by up to a
# fifth. In grey an oval seal is lighter than the text and goes by its level (suppress_light_ink);
# searched for as an ellipse there too it was found in more zones, at a quarter more time per page,
# and cut digits of identity numbers it lay near (devset2 seed 14 skewed scans: IDs 100 -> 80%).
_FAX_SEAL_ASPECTS = (1.0, 0.95, 0.9, 0.85, 0.8)
# A page is 1-bit when at most this share of its pixels is neither black nor white.
_TWO_LEVEL_SHARE = 0.01


def _best_ring(small: np.ndarray, small_dpi: float) -> tuple[float, int, int, float] | None:
    """Score, centre (row, column) and radius of the best ring on the search copy, or None."""
    ink = (small < 190).astype(np.float32)
    if ink.sum() < 50:
        return None
    per_mm = small_dpi / 25.4
    radii = np.arange(_SEAL_RADIUS_MM[0], _SEAL_RADIUS_MM[1] + 1e-9, _SEAL_STEP_MM) * per_mm
    reach = int(radii[-1] + 4 * max(1.0, 0.8 * per_mm)) + 2
    shape = (_fast_length(ink.shape[0] + 2 * reach), _fast_length(ink.shape[1] + 2 * reach))
    spectrum = np.fft.rfft2(ink, s=shape)
    offsets = np.arange(-reach, reach + 1)
    distance = np.hypot(offsets[:, None], offsets[None, :])
    half_width = max(0.8, 0.5 * per_mm)
    best: tuple[float, int, int, float] | None = None
    for radius in radii:
        ring = _ring_cover(spectrum, distance, radius, half_width, shape, reach, ink.shape)
        y, x = np.unravel_index(int(np.argmax(ring)), ring.shape)
        if ring[y, x] < _SEAL_RING_COVER:
            continue
        score = float(ring[y, x]) - _ring_cover_at(ink, int(x), int(y), radius + 3 * half_width, half_width)
        if score >= _SEAL_RING_CONTRAST and (best is None or score > best[0]):
            best = (score, int(y), int(x), float(radius))
    return best


def _fast_length(n: int) -> int:
    """The smallest length >= n whose only prime factors are 2, 3 and 5 (fast for the FFT)."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _ring_cover(
    spectrum: np.ndarray,
    distance: np.ndarray,
    radius: float,
    half_width: float,
    shape: tuple[int, int],
    reach: int,
    size: tuple[int, int],
) -> np.ndarray:
    """Share of a ring of ``radius`` that is ink, for every centre of the image (FFT correlation)."""
    kernel = (np.abs(distance - radius) <= half_width).astype(np.float32)
    kernel /= max(1.0, kernel.sum())
    padded = np.zeros(shape, dtype=np.float32)
    side = kernel.shape[0]
    padded[:side, :side] = kernel[::-1, ::-1]
    full = np.fft.irfft2(spectrum * np.fft.rfft2(padded), s=shape)
    return full[reach : reach + size[0], reach : reach + size[1]]


def _ring_cover_at(
    ink: np.ndarray, x: int, y: int, radius: float, half_width: float, aspect: float = 1.0
) -> float:
    """Share of one ring (centre x, y; ``radius`` across, ``aspect`` times that upright) that is ink."""
    radii = radius + np.array([-half_width / 2, 0.0, half_width / 2])
    return float(np.logical_or.reduce(_ring_hits(ink, x, y, radii, aspect)).mean())


_RING_ANGLES = np.linspace(0.0, 2 * np.pi, 180, endpoint=False)


def _ring_hits(ink: np.ndarray, x: int, y: int, radii: np.ndarray, aspect: float) -> np.ndarray:
    """Whether ink lies at each of 180 points of each thin ring of ``radii`` (one row a radius)."""
    xs = np.rint(x + radii[:, None] * np.cos(_RING_ANGLES)[None, :]).astype(int)
    ys = np.rint(y + radii[:, None] * aspect * np.sin(_RING_ANGLES)[None, :]).astype(int)
    inside = (xs >= 0) & (ys >= 0) & (xs < ink.shape[1]) & (ys < ink.shape[0])
    hit = np.zeros(xs.shape, dtype=bool)
    hit[inside] = ink[ys[inside], xs[inside]] > 0
    return hit


def _refine_ring(
    ink: np.ndarray, x: int, y: int, radius: int, step: int, aspects: tuple[float, ...] = (1.0,)
) -> tuple[int, int, int, float, float]:
    """Centre, radius, half thickness and height/width of a ring, fitted on the full-size page's ink.

    The search copy places the ring within a few pixels; erasing a band that loose would bite
    into the letters it crosses. The centre and the aspect (one of ``aspects``) are where the
    ring's radial ink profile is fullest, fitted together; the radius is the middle of that
    profile, the thickness where it stays mostly ink.
    """
    offsets = range(-2 * step - 2, 2 * step + 3)
    radii = np.array([radius + k for k in offsets], dtype=np.float64)

    def profile(cx: int, cy: int, aspect: float) -> list[float]:
        """Share of ink on each thin ring of the profile, all radii at once."""
        return _ring_hits(ink, cx, cy, radii, aspect).mean(axis=1).tolist()

    _, x, y, aspect = max(
        (sum(c * c for c in profile(x + dx, y + dy, a)), x + dx, y + dy, a)
        for dx in range(-step, step + 1)
        for dy in range(-step, step + 1)
        for a in aspects
    )
    covered = [k for k, cover in zip(offsets, profile(x, y, aspect), strict=True) if cover >= 0.5]
    if not covered:
        return x, y, radius, float(step), aspect
    return x, y, radius + (covered[0] + covered[-1]) // 2, (covered[-1] - covered[0]) / 2, aspect


def suppress_round_seal(
    image: Image.Image, dpi: int, found_on: Image.Image | None = None
) -> tuple[Image.Image, Seal | None]:
    """The image with a round seal found by shape taken out, and the seal (or ``image``, None).

    In a grey scan a red seal is lighter than the black text it covers: inside the seal every
    pixel lighter than halfway between the two inks turns white, and the text stays whole. In a
    1-bit scan (fax) both are black: the seal's rings are erased, but for the strokes of the
    letters they cross (:func:`_strokes_through`), which is what merges with the signer's title
    and name; its small lettering is left to the debris filter. There the seal is looked for as
    an ellipse too (:data:`_FAX_SEAL_ASPECTS`): faxes squash the page upright. ``found_on`` is
    the same zone as scanned, when ``image`` was cleaned in a way that broke the ring (a
    speckled fax's median filter, run where the page is textured): the seal is found on it and
    taken out of ``image``.
    """
    grey = image if image.mode == "L" else image.convert("L")
    seen = grey if found_on is None else found_on if found_on.mode == "L" else found_on.convert("L")
    arr = np.asarray(seen)
    two_levels = np.count_nonzero((arr > 32) & (arr < 224)) <= _TWO_LEVEL_SHARE * arr.size
    found = find_round_seal(seen, dpi, _FAX_SEAL_ASPECTS if two_levels else (1.0,))
    if found is None:
        return image, None
    x, y, radius, inner, aspect = found
    ink = arr < 128
    step = max(1, round((dpi or 300) / _SEAL_SEARCH_DPI))
    # The search steps the aspect by 0.05; an ellipse's is fitted on the page to the hundredth,
    # as a ring left beside its band grows back through it (_strokes_through). A circle stays one:
    # fitted so too, round seals on faxes came out a hundredth off, and two names of 14 were lost.
    fits = (aspect,) if aspect == 1.0 else tuple(aspect + d / 100 for d in range(-3, 4))
    x, y, radius, half, aspect = _refine_ring(ink, x, y, radius, step, fits)
    band = half + 2.5
    inner_band = 0.0
    if inner:
        _, _, inner, inner_half, _ = _refine_ring(ink, x, y, inner, 1, (aspect,))
        inner_band = inner_half + 2.5
    left, top = max(0, int(x - radius - band)), max(0, int(y - (radius + band) * aspect))
    right = min(grey.width, int(x + radius + band) + 1)
    bottom = min(grey.height, int(y + (radius + band) * aspect) + 1)
    patch = np.array(grey.crop((left, top, right, bottom)))
    ys, xs = np.ogrid[top:bottom, left:right]
    distance = np.hypot(xs - x, (ys - y) / aspect)  # in pixels across: the ring's band keeps its width
    on_ring = np.abs(distance - radius) <= band
    seal_ink = patch[on_ring & (patch < 200)]
    text_level = float(np.percentile(patch, 1))
    seal_level = float(np.median(seal_ink)) if seal_ink.size else text_level
    if seal_level - text_level >= _SEAL_LEVEL_GAP:
        cut = (seal_level + text_level) / 2
        # Whitened to the paper's own level, not pure white: a disc whiter than the paper around
        # it leaves an edge through the words it crosses, and OCR cuts them there ('Ho|àng').
        outside = patch[(distance > radius + band) & (patch > cut)]
        paper = int(np.median(outside)) if outside.size else 255
        patch[(distance <= radius + band) & (patch > cut)] = paper
        method = "level"
    else:
        band_mask = on_ring
        if inner:
            band_mask = band_mask | (np.abs(distance - inner) <= inner_band)
        patch[band_mask & ~_strokes_through(patch < 128, band_mask, band)] = 255
        method = "rings"
    out = grey.copy()
    out.paste(Image.fromarray(patch, "L"), (left, top))
    return out, Seal(x, y, radius, inner, method, aspect)


def _strokes_through(ink: np.ndarray, band: np.ndarray, width: float) -> np.ndarray:
    """The ink in ``band`` that is joined, within ``width`` pixels, to ink outside it.

    Blanking a seal's ring band whole cut every letter it ran through: 'Đặng Thị Liên' lost the
    'Đ' and the top of the 'T' ('Đăng z+hị Liên'). Grown back from the ink around the band, a
    letter's stroke across it comes back and the ring alone stays erased, but for a stub as
    long as ``width`` where a letter touches it.
    """
    kept = ink & ~band
    image = Image.fromarray(np.where(kept, 0, 255).astype(np.uint8), "L")
    for _ in range(int(np.ceil(width)) + 1):
        grown = np.asarray(image.filter(ImageFilter.MinFilter(3))) == 0
        image = Image.fromarray(np.where(grown & ink, 0, 255).astype(np.uint8), "L")
    return np.asarray(image) == 0


# Ink of two clear levels in a grey zone: the text's (dark), and a lighter ink with a peak of
# its own, this many times higher than the valley between them and at least this much lighter
# than the text. A seal of any shape or colour (an oval, a thin ring, a faded stamp) scanned in
# grey makes that peak; anti-aliased text edges alone make a slope, not a peak.
_LIGHT_INK_PEAK = 1.6
_LIGHT_INK_GAP = 40
_INK_BIN = 16
_TEXT_BINS = 6  # text ink is darker than 96
# A seal's ring and star are a lot of ink: its peak holds at least this share of the text's.
_LIGHT_INK_MASS = 0.4
# Bins of the valley this close to its lowest count are valley too: a grey 200 dpi JPEG's text
# edges spread evenly from the text's level to the seal's, and cut at the valley's dark end
# (32 for a seal at 80-95) the text went with the seal ('- Như Điều 3;' read 'Nhĩ Điệu 3;').
_FLAT_VALLEY = 1.15


def suppress_light_ink(image: Image.Image, cut: int | None = None) -> tuple[Image.Image, int | None]:
    """The zone with ink clearly lighter than its text whited out, and the level cut (or None).

    Where no round seal is found by shape, a seal in a grey scan is still lighter than the
    black text it covers: the zone's ink levels show a second peak, and everything from the
    valley before it up to the paper goes. A 1-bit zone has one level only and is left as it is.
    A ``cut`` already learned from the same seal next to this zone is applied as it is.
    """
    grey = image if image.mode == "L" else image.convert("L")
    arr = np.asarray(grey)
    paper = float(np.percentile(arr, 75))
    if cut is None:
        cut = _light_ink_cut(arr, paper)
        if cut is None:
            return image, None
    out = arr.copy()
    out[arr >= cut] = int(paper)
    return Image.fromarray(out, "L"), cut


def _light_ink_cut(arr: np.ndarray, paper: float) -> int | None:
    """The grey level from which a zone's ink is the lighter of two clear levels, or None."""
    ink = arr[arr < paper - 40]
    if ink.size < 500:
        return None
    counts = np.bincount(ink.ravel() // _INK_BIN, minlength=256 // _INK_BIN).astype(np.float64)
    text_bin = int(np.argmax(counts[:_TEXT_BINS]))  # the text is the darkest ink, not the most
    text_mass = counts[max(0, text_bin - 1) : text_bin + 2].sum()
    last = int((paper - 40) // _INK_BIN)
    best: tuple[float, int] | None = None
    for peak in range(text_bin + 2, last):
        valley = text_bin + 1 + int(np.argmin(counts[text_bin + 1 : peak]))
        if (peak - text_bin) * _INK_BIN < _LIGHT_INK_GAP or counts[peak] < counts[peak - 1]:
            continue
        ratio = counts[peak] / max(1.0, counts[valley])
        mass = counts[peak - 1 : peak + 2].sum() / max(1.0, text_mass)
        if ratio >= _LIGHT_INK_PEAK and mass >= _LIGHT_INK_MASS and (best is None or ratio > best[0]):
            # a flat valley is cut at its light end: the text's grey edges lie all along it
            floor = counts[valley] * _FLAT_VALLEY
            valley = max(b for b in range(valley, peak) if counts[b] <= floor)
            best = (ratio, valley)
    return None if best is None else (best[1] + 1) * _INK_BIN
