"""A red seal over the signer block, scanned without colour (issue 9, item 4).

Most offices scan in grey, so the red-channel trick cannot tell the seal from the text. The
generator stamps a seal over the signature and scans the page in grey at 200 dpi
(``seal-grey``); real Tesseract reads it through ``read_document``, and the signer's name and
title must come out whole, as printed, and sure: the ring crosses the title's ``CHỦ`` and the
first syllable of the name, which the first pass alone lost (``Khổống``, ``Ủ TỊCH``).

In colour the red channel takes a seal out, yet a digit its ring crossed can still come back
wrong and sure: an identity number under red ink is sent to review, and so is one a ring
crosses in a grey or 1-bit scan.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from sohoa.archive.review import DEFAULT_THRESHOLD
from sohoa.digitize.metadata import extract_fields
from sohoa.digitize.read import read_document

from .conftest import load_devset2, load_generator

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


def _oval_seal_page(path: Path) -> Path:
    """A grey 200 dpi page whose signer block carries an oval seal (no round ring to find) over the title."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = "/usr/share/fonts/truetype/dejavu/"
    regular = ImageFont.truetype(fonts + "DejaVuSerif.ttf", 37)
    bold = ImageFont.truetype(fonts + "DejaVuSerif-Bold.ttf", 37)
    page = Image.new("L", (1654, 2339), 232)
    draw = ImageDraw.Draw(page)
    for i in range(8):
        line = "Các cơ quan, đơn vị và cá nhân có liên quan chịu trách nhiệm thi hành."
        draw.text((230, 300 + 60 * i), line, font=regular, fill=20)
    for i, line in enumerate(["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]):
        width = draw.textlength(line, font=bold)
        draw.text((1180 - width / 2, 950 + 52 * i), line, font=bold, fill=15)
    width = draw.textlength("Khuất Văn Lân", font=bold)
    draw.text((1180 - width / 2, 1330), "Khuất Văn Lân", font=bold, fill=15)
    # the seal: an oval double ring of lighter ink, over the title lines
    draw.ellipse((820, 890, 1120, 1140), outline=110, width=7)
    draw.ellipse((870, 930, 1070, 1100), outline=110, width=4)
    draw.regular_polygon((970, 1015, 30), 5, fill=110)
    page.save(path, dpi=(200, 200), quality=60)
    return path


@pytest.mark.slow
def test_an_oval_seal_in_a_grey_scan_is_taken_out_by_its_lighter_ink(tmp_path: Path) -> None:
    """No ring to find by shape, but its ink is lighter than the text: the title under it is read."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    result = extract_fields(read_document(_oval_seal_page(tmp_path / "oval-seal.jpg")))
    assert result.values["signer"] == "Khuất Văn Lân"
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"


def test_text_alone_keeps_every_level_of_its_ink() -> None:
    """Anti-aliased text makes a slope of grey levels, not a second peak: nothing is whited out."""
    from PIL import Image, ImageDraw, ImageFont

    from sohoa.digitize.prepare import suppress_light_ink

    zone = Image.new("L", (1200, 300), 232)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 37)
    for i in range(4):
        ImageDraw.Draw(zone).text(
            (20, 20 + 60 * i), "và cá nhân có liên quan chịu trách nhiệm thi hành.", font=font, fill=20
        )
    out, changed = suppress_light_ink(zone)
    assert not changed and out is zone


def _id_page(path: Path, sealed: bool) -> Path:
    """A colour 300 dpi certificate body whose identity number a red seal's ring crosses (or not)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 50)
    page = Image.new("RGB", (2480, 1200), (250, 250, 246))
    draw = ImageDraw.Draw(page)
    rows = [
        "Họ và tên: KHUẤT VĂN LÂN Giới tính: Nam",
        "Số định danh cá nhân: 026190004321",
        "Nơi cư trú: Tổ dân phố số 3, phường Liên Bảo, thành phố Vĩnh Yên",
    ]
    for i, row in enumerate(rows):
        draw.text((250, 300 + 110 * i), row, font=font, fill=(25, 25, 25))
    if sealed:  # the ring runs through the number's last digits, as a seal stamped beside it does
        draw.ellipse((1050, 220, 1450, 620), outline=(205, 30, 40), width=14)
        draw.ellipse((1110, 280, 1390, 560), outline=(205, 30, 40), width=6)
    page.save(path, dpi=(300, 300))
    return path


@pytest.mark.slow
def test_an_id_number_a_red_seal_crosses_in_a_colour_scan_goes_to_review(tmp_path: Path) -> None:
    """The red channel takes the ring out, but a digit under it may have lost a stroke with it."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    sealed = extract_fields(read_document(_id_page(tmp_path / "sealed.png", sealed=True)))
    # Tesseract reads this one 026190094321, the ring's arc taken into a 0, at 90 or more
    assert [len(n) for n in sealed.values["id_numbers"]] == [12]
    assert sealed.confidence["id_numbers"] < DEFAULT_THRESHOLD
    plain = extract_fields(read_document(_id_page(tmp_path / "plain.png", sealed=False)))
    assert plain.values["id_numbers"] == ["026190004321"]
    assert plain.confidence["id_numbers"] >= DEFAULT_THRESHOLD


def _grey_id_page(path: Path, ring: bool = False, rules: bool = False, mode: str = "L") -> Path:
    """A grey (``L``) or 1-bit (``1``, a fax cut at one grey level) 300 dpi page with an identity
    number, a seal's grey ring crossing its last digits (``ring``) or a table's rules around its
    cell (``rules``)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 50)
    page = Image.new("L", (2480, 1200), 248)
    draw = ImageDraw.Draw(page)
    draw.text((250, 300), "Họ và tên: KHUẤT VĂN LÂN Giới tính: Nam", font=font, fill=25)
    draw.text((250, 420), "Số định danh cá nhân: 026190004321", font=font, fill=25)
    left = 250 + draw.textlength("Số định danh cá nhân: ", font=font)
    right = 250 + draw.textlength("Số định danh cá nhân: 026190004321", font=font)
    draw.text((250, 540), "Nơi cư trú: Tổ dân phố số 3, phường Liên Bảo", font=font, fill=25)
    if ring:  # a seal stamped beside the number: its ring runs down through the last two digits
        draw.ellipse((right - 50, 250, right + 350, 650), outline=120, width=7)
    if rules:  # the number's cell: rules above, below and a few points either side of it
        for y in (400, 500):
            draw.line((220, y, right + 200, y), fill=30, width=3)
        for x in (220, left - 25, right + 25, right + 200):
            draw.line((x, 400, x, 500), fill=30, width=3)
    page = page.point(lambda v: 255 if v > 160 else 0).convert("1") if mode == "1" else page
    page.save(path, dpi=(300, 300))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["L", "1"])
def test_an_id_number_a_seal_crosses_in_a_grey_or_fax_scan_goes_to_review(mode: str, tmp_path: Path) -> None:
    """Without colour the ring cannot be taken out by its ink, yet it still shows where it runs:
    through the number and on above and below it, where print leaves a number's line blank. A
    table's rules run above, below and beside a cell's number, never through its digits."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    sealed = extract_fields(read_document(_grey_id_page(tmp_path / "sealed.png", ring=True, mode=mode)))
    assert [len(n) for n in sealed.values["id_numbers"]] == [12]
    assert sealed.confidence["id_numbers"] < DEFAULT_THRESHOLD
    for rules in (False, True):
        page = _grey_id_page(tmp_path / f"plain-{rules}.png", rules=rules, mode=mode)
        result = extract_fields(read_document(page))
        assert result.values["id_numbers"] == ["026190004321"]
        assert result.confidence["id_numbers"] >= DEFAULT_THRESHOLD


@pytest.mark.slow
@pytest.mark.parametrize(("index", "number"), [(18, "025204971390"), (33, "027040989309")])
def test_an_id_number_a_grey_ring_garbled_is_read_again_without_its_ink(
    index: int, number: str, tmp_path: Path
) -> None:
    """devset2 seed 18, grey 200 dpi: the seal's ring over the CCCD's last digits made the first
    pass read ``02520497134`` (a digit lost, at 67) and ``0270409893(9``. Cut at the two inks'
    levels and read as a line of digits, the number is whole; it still goes to review."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    devset2 = load_devset2()
    page, truth = devset2.render_document(index, 18)
    result = extract_fields(read_document(devset2.scan(page, "grey-200", index, 18, tmp_path)))
    assert truth["id_numbers"] == [number]
    assert result.values["id_numbers"] == [number]
    assert result.confidence["id_numbers"] < DEFAULT_THRESHOLD


@pytest.mark.slow
def test_a_light_seal_amid_text_is_taken_out_by_the_zone_s_own_ink_levels(
    tmp_path: Path,
) -> None:
    """Grey scans of the second hand's forms (seed 11): the seal over the signer block or an ID
    number is not found by shape, and around the zone (an inch above and below) the text's ink
    outweighs it; within the zone's own rows its lighter ink shows, and goes. The deputy's title
    and the CMND number under it are read; before, neither was."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    devset2 = load_devset2()
    page, truth = devset2.render_document(1, 11)
    result = extract_fields(read_document(devset2.scan(page, "grey-200", 1, 11, tmp_path)))
    assert truth["signer_title"] == "PHÓ CHỦ TỊCH"
    assert result.values["signer_title"] == "PHÓ CHỦ TỊCH"
    page, truth = devset2.render_document(18, 11)
    result = extract_fields(read_document(devset2.scan(page, "grey-200", 18, 11, tmp_path)))
    assert truth["id_numbers"] == ["227847773"]
    assert result.values["id_numbers"] == ["227847773"]


def _signer_under_a_low_seal(
    index: int, condition: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int = 11
) -> tuple[str, str | None]:
    """(printed, read) signer of devset2's document ``index`` (of ``seed``) scanned under ``condition``,
    its seal stamped over the name ink over ink (bench/devset2.py --seal-blend multiply --seal-over name)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    devset2 = load_devset2()
    monkeypatch.setattr(devset2, "SEAL_BLEND", "multiply")
    monkeypatch.setattr(devset2, "SEAL_OVER", "name")
    page, truth = devset2.render_document(index, seed)
    result = extract_fields(read_document(devset2.scan(page, condition, index, seed, tmp_path)))
    return truth["signer"], result.values["signer"]


@pytest.mark.slow
def test_a_light_seal_over_the_name_is_cut_in_the_next_zone_at_the_level_learned_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A light seal stamped over the signer's name (ink over ink) in a grey scan reaches two
    doubtful zones. The zone above whites out its upper half by level; what is left below is
    too little to show by shape or by level, and is cut at the level learned above. The name
    under it is read; before, no signer was found."""
    printed, read = _signer_under_a_low_seal(9, "grey-200", tmp_path, monkeypatch)
    assert printed == read == "Phạm Văn Hùng"


# (seed, document, condition, name) of devset2, seal over the name, each lost before (no
# signer found):
PEN_OVER_NAME = [
    # seed 11: the pen's strokes over the name throw Tesseract's segmentation of the zone read
    # again; the zone runs on past the strokes' debris ('`' and '|') to the name, and the name's
    # row, cut to the height of its words, is read alone (the zone's column read whole gave
    # nothing in the grey scan)
    (11, 34, "grey-200", "Hồ Ngọc Hiền"),
    (11, 2, "skew", "Khuất Hữu Tư"),
    (11, 30, "pdf-image", "Nguyễn Kim Oanh"),
    # seed 12, colour scan, seal cut by colour: the first pass dropped the pen's strokes and the
    # name they touch as one drawing, three lines tall, not looked for again as missed ink; the
    # crowded rows at its foot are now read as a line
    (12, 35, "clean-300", "Vũ Ngọc Toản"),
    # seed 12: two doubtful zones spent above (body; recipients and title): the name, read
    # '#1+ẽ lỡ Iyê' under the seal's debris, was left; one more zone is read in the signer's quarter
    (12, 10, "grey-200", "Lê Luyến"),
    # seed 12: the name's row read alone came back 'Phạm Xuân Thủy' at 67, 16 and 16, spelt right
    # under the pen, and lost to the first pass's 'Sfham:Xúân Thủy' as debris, then to the
    # missed-ink pass ("“#hạm'Xứ"); an unsure capitalised syllable by the signer now counts as neither
    (12, 9, "grey-200", "Phạm Xuân Thủy"),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "index", "condition", "name"),
    PEN_OVER_NAME,
    ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in PEN_OVER_NAME],
)
def test_a_signer_s_name_under_the_pen_and_a_low_seal_is_found(
    seed: int, index: int, condition: str, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed, read = _signer_under_a_low_seal(index, condition, tmp_path, monkeypatch, seed=seed)
    assert printed == read == name


@pytest.mark.slow
def test_a_signer_s_name_right_below_a_doubtful_zone_is_read_on_its_own_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pen's debris just above the name was read surely ('Í' at 77), so the zone read again
    ended there and the name below kept its first reading ('SNguyễn.Thị' at 35). The first
    pass's row right below a zone, read unsure, is read alone too. Before, no signer was found."""
    printed, read = _signer_under_a_low_seal(11, "grey-200", tmp_path, monkeypatch)
    assert printed == read == "Nguyễn Thị Hùng"


def test_a_seal_squashed_by_the_fax_is_found_as_an_ellipse_and_its_rings_erased() -> None:
    """An A4 page faxed as 1700 x 2200 dots is squashed upright by a tenth, and an unevenly
    pressed seal is oval already: a circle fits neither ring, and the seal was left over the
    signer's title. Searched stretched upright too, it is found and both rings go; the words
    beside it keep their ink."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    from sohoa.digitize.prepare import suppress_round_seal

    words = Image.new("L", (1300, 700), 255)
    draw = ImageDraw.Draw(words)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 34)
    draw.text((60, 60), "- Lưu: VT.", font=font, fill=0)
    draw.text((600, 200), "PHÓ CHỦ TỊCH", font=font, fill=0)
    draw.text((600, 520), "Cấn Thị Cường", font=font, fill=0)
    zone = words.copy()
    draw = ImageDraw.Draw(zone)
    centre, across, upright = (700, 330), 165, 0.82 * 165
    for radius, width in ((1.0, 5), (0.68, 3)):
        box = (
            centre[0] - across * radius,
            centre[1] - upright * radius,
            centre[0] + across * radius,
            centre[1] + upright * radius,
        )
        draw.ellipse(box, outline=0, width=width)
    word_ink = np.asarray(words) < 128
    near_words = np.asarray(words.filter(ImageFilter.MinFilter(41))) < 128

    out, seal = suppress_round_seal(zone, 200)

    assert seal is not None and seal.method == "rings" and 0.78 <= seal.aspect <= 0.86
    assert abs(seal.x - centre[0]) <= 4 and abs(seal.y - centre[1]) <= 4 and abs(seal.radius - across) <= 5
    ink = np.asarray(out) < 128
    ring_points = [
        (round(centre[1] + upright * r * np.sin(a)), round(centre[0] + across * r * np.cos(a)))
        for r in (1.0, 0.68)
        for a in np.linspace(0, 2 * np.pi, 90, endpoint=False)
    ]
    assert not any(ink[y, x] for y, x in ring_points if not near_words[y, x])
    assert (ink & word_ink).sum() >= 0.97 * word_ink.sum()


@pytest.mark.slow
@pytest.mark.parametrize("index", [19, 24])
def test_the_signer_s_title_under_a_squashed_seal_on_a_fax_is_read(index: int, tmp_path: Path) -> None:
    """devset2's faxes squash the page a tenth upright, so its seals are ellipses: 'KT. CHỦ TỊCH /
    PHÓ CHỦ TỊCH' under the seal read 'CHỦ TỊCH' alone, a vice-chair taken for the chair.
    Found as an ellipse, its rings erased, the title is read whole."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    devset2 = load_devset2()
    page_image, truth = devset2.render_document(index, 14)
    path = devset2.scan(page_image, "fax", index, 14, tmp_path)
    values = extract_fields(read_document(path)).values
    assert truth["signer_title"] == "PHÓ CHỦ TỊCH"
    assert values["signer_title"] == "PHÓ CHỦ TỊCH" and values["signer"] == truth["signer"]


def test_a_fax_seal_s_ring_is_erased_and_the_letters_it_crosses_are_kept() -> None:
    """The ring of a seal on a 1-bit page runs through the signer's name. Blanking its band
    whole cut the letters it crossed ('Đặng Thị Liên' read 'Đăng z+hị Liên'): the strokes that go
    on across the band are kept, the ring away from them goes."""
    from PIL import Image, ImageDraw, ImageFont

    from sohoa.digitize.prepare import suppress_round_seal

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 36)
    words = Image.new("L", (1200, 700), 255)
    ImageDraw.Draw(words).text((560, 455), "Đặng Thị Liên", font=font, fill=0)
    zone = words.copy()
    draw = ImageDraw.Draw(zone)
    for radius, width in ((150, 5), (100, 3)):
        draw.ellipse((640 - radius, 330 - radius, 640 + radius, 330 + radius), outline=0, width=width)
    word_ink = np.asarray(words) < 128
    assert (word_ink & (np.asarray(zone) < 128)).sum() == word_ink.sum()

    out, seal = suppress_round_seal(zone, 200)

    assert seal is not None and seal.method == "rings"
    ink = np.asarray(out) < 128
    # the name keeps its letters (a band blanked whole took 18% of their ink, 'Đặng' and 'T' cut)
    assert (ink & word_ink).sum() >= 0.95 * word_ink.sum()
    # the rings go, but for a twentieth where they run along the letters and grow back with them
    assert (ink & ~word_ink).sum() <= 0.1 * ((np.asarray(zone) < 128) & ~word_ink).sum()


@pytest.mark.slow
def test_a_seal_on_a_speckled_fax_is_found_on_the_page_as_scanned(tmp_path: Path) -> None:
    """A speckled fax is read median-filtered, which breaks a seal's dotted ring into specks too
    few to find: the ring stayed across 'Đặng' and the name read 'Thị Liên', no signer. Found on
    the page as scanned and erased from the one read, the name is read whole (its tone marks
    are still the clerk's to check: the dot of 'ặ' went with the ring)."""
    from sohoa.text import fold_aligned

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    gen = load_generator()
    document = gen.make_document("xac_nhan_hon_nhan", 0, 62)
    result = extract_fields(read_document(gen.render(document, "seal-fax", tmp_path)))
    assert document.fields["signer"] == "Đặng Thị Liên"
    assert fold_aligned(result.values["signer"] or "") == fold_aligned("Đặng Thị Liên")
