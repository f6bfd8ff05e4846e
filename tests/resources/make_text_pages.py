"""Render the pages of ``tests/test_text_not_lost.py``: tables, a two-block footer, a round seal.

Run ``python tests/resources/make_text_pages.py [FOLDER]`` to write them again (default: this
folder). Pillow and Noto Serif (Debian package fonts-noto-core); nothing random, so the files
come out the same each time.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

F = "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"
FB = "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf"
DPI = 300


def pt(size: float) -> int:
    return round(size * DPI / 72)


def font(size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FB if bold else F, pt(size))


W, H = 2480, 3508


def mm(v: float) -> int:
    return round(v * DPI / 25.4)


ROWS = [
    ("Tháng 1", "Nguyễn Văn Lân", "Trực ban", "05"),
    ("Tháng 2", "Trần Thị Tư", "Tiếp dân", "12"),
    ("Tháng 3", "Khuất Duy Tám", "Thư ký", "08"),
    ("Tháng 4", "Cấn Thị Năm", "Trực ban", "20"),
    ("Tháng 5", "Phí Văn Quyền", "Tiếp dân", "15"),
    ("Tháng 6", "Giáp Thị Toản", "Kế toán", "09"),
    ("Tháng 7", "Lục Văn Thăng", "Văn thư", "11"),
    ("Tháng 8", "Ninh Thị Lĩnh", "Trực ban", "07"),
]
HEAD = ("Tháng", "Người trực", "Nhiệm vụ", "Số ngày")


def page_table(ruled: bool) -> Image.Image:
    """A4 page with a schedule table, with or without its grid."""
    im = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(im)
    f, fb = font(13), font(13, True)
    d.text((mm(30), mm(25)), "ỦY BAN NHÂN DÂN XÃ AN PHÚ", font=fb, fill=0)
    d.text((mm(30), mm(40)), "Lịch trực tiếp công dân năm 2026 như sau:", font=f, fill=0)
    cols = [mm(30), mm(62), mm(122), mm(162), mm(190)]
    y0 = mm(55)
    rh = mm(10)
    for r, row in enumerate([HEAD] + ROWS):
        y = y0 + r * rh
        for c, cell in enumerate(row):
            d.text((cols[c] + mm(2), y + mm(2)), cell, font=fb if r == 0 else f, fill=0)
    if ruled:
        n = len(ROWS) + 1
        for r in range(n + 1):
            d.line([(cols[0], y0 + r * rh), (cols[-1], y0 + r * rh)], fill=0, width=4)
        for x in cols:
            d.line([(x, y0), (x, y0 + n * rh)], fill=0, width=4)
    y = y0 + (len(ROWS) + 2) * rh
    d.text((mm(30), y), "Các thành viên có tên trên thực hiện đúng lịch trực.", font=f, fill=0)
    return im


RECIP = ["Nơi nhận:", "- Như trên;", "- Chủ tịch UBND huyện;", "- Lưu: VT, VP."]
SIGN = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "", "", "", "Hầu Văn Lục"]


def page_footer(seal: bool = False) -> Image.Image:
    """A4 page: recipients beside the signer block, a small-print address line at the bottom."""
    im = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(im)
    f, fb, fs = font(13), font(13, True), font(11)
    d.text((mm(30), mm(25)), "ỦY BAN NHÂN DÂN XÃ AN PHÚ", font=fb, fill=0)
    body = [
        "Ủy ban nhân dân xã thông báo đến các hộ gia đình được biết",
        "và thực hiện đúng quy định hiện hành của pháp luật.",
    ]
    for i, line in enumerate(body):
        d.text((mm(30), mm(50) + i * mm(7)), line, font=f, fill=0)
    y = mm(80)
    for i, line in enumerate(RECIP):
        d.text((mm(30), y + i * mm(5.5)), line, font=fb if i == 0 else fs, fill=0)
    for i, line in enumerate(SIGN):
        if line:
            fw = d.textlength(line, font=fb)
            d.text((mm(150) - fw / 2, y + i * mm(6.5)), line, font=fb, fill=0)
    # small footer
    d.text(
        (mm(30), mm(270)),
        "Địa chỉ: số 12 đường Lê Lợi, xã An Phú; điện thoại: 0238 3845 126; thư điện tử: anphu@gov.vn",
        font=font(8),
        fill=0,
    )
    if seal:
        draw_seal(im, (mm(140), y + mm(20)), mm(19))
    return im


def draw_seal(im: Image.Image, centre: tuple[int, int], r: int) -> None:
    """A red round seal (two rings, lettering, a star) multiplied onto the page, as ink is."""
    over = Image.new("RGBA", im.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(over)
    cx, cy = centre
    red = (215, 30, 35, 210)
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=mm(1.2))
    d.ellipse([cx - r * 0.72, cy - r * 0.72, cx + r * 0.72, cy + r * 0.72], outline=red, width=mm(0.5))
    fs = font(7, True)
    text = "ỦY BAN NHÂN DÂN XÃ AN PHÚ * HUYỆN AN PHÚ *"
    for i, ch in enumerate(text):
        a = -math.pi / 2 + 2 * math.pi * i / len(text)
        x, y = cx + r * 0.86 * math.cos(a), cy + r * 0.86 * math.sin(a)
        g = Image.new("RGBA", (mm(4), mm(4)), (0, 0, 0, 0))
        ImageDraw.Draw(g).text((mm(1), 0), ch, font=fs, fill=red)
        g = g.rotate(-math.degrees(a) - 90, expand=True)
        over.alpha_composite(g, (int(x - g.width / 2), int(y - g.height / 2)))
    pts = [
        (
            cx + (mm(5) if k % 2 == 0 else mm(2)) * math.cos(-math.pi / 2 + k * math.pi / 5),
            cy + (mm(5) if k % 2 == 0 else mm(2)) * math.sin(-math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]
    d.polygon(pts, fill=red)
    layer = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), over).convert("RGB")
    im.paste(ImageChops.multiply(im, layer))


def main(out: Path) -> None:
    """Write the committed test pages, cropped to the part each test reads."""
    out.mkdir(exist_ok=True, parents=True)
    page_table(True).crop((0, 0, W, mm(160))).save(out / "table-ruled.png", dpi=(300, 300), optimize=True)
    page_table(False).crop((0, 0, W, mm(160))).save(out / "table-unruled.png", dpi=(300, 300), optimize=True)
    page_footer().crop((0, mm(70), W, H)).save(
        out / "footer-recipients-signer.png", dpi=(300, 300), optimize=True
    )
    sealed = page_footer(seal=True).convert("L").resize((W * 2 // 3, H * 2 // 3), Image.Resampling.LANCZOS)
    box = (0, mm(70) * 2 // 3, W * 2 // 3, mm(165) * 2 // 3)
    sealed.crop(box).save(out / "seal-grey-200.png", dpi=(200, 200), optimize=True)
    bilevel = sealed.point(lambda v: 255 if v > 160 else 0).convert("1")
    bilevel.crop(box).save(out / "seal-fax-200.png", dpi=(200, 200), optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
