"""A second, independent development set: signer blocks, titles and fields on scans we did not tune to.

    .venv/bin/python bench/devset2.py                      # one document per kind (19) x 5 conditions
    .venv/bin/python bench/devset2.py --documents 38 --seed 23 --show subject_names,issued_date
    .venv/bin/python bench/devset2.py --cache /tmp/d2.pkl  # keep the OCR between runs
    # harsher seals: ink over ink (lighter in grey), stamped over the name; faxes cut at one level
    .venv/bin/python bench/devset2.py --seal-blend multiply --seal-over name --fax threshold

Drawn by a different hand than ``samples/_render.py``: DejaVu fonts (serif, condensed, sans) at
12.5-14 pt, the signer block in several shapes (``TM.``/``KT.``/``TUQ.``/``TL.``, one to three
title lines), a pen scribble that crosses the printed name, a round or oval seal (red, dark red
or violet, single or double ring, with ring text) placed anywhere over the block, and scan
conditions of its own: grey 200 dpi JPEG at quality 30-60, skew 1-4 degrees, fax-like 1-bit
Floyd-Steinberg dithering at 200 dpi, and image-only PDFs at 150-200 dpi. Forms that print an
identity number have a seal stamped over it, the ring across the number's last digits.
Four kinds name more than one person or print several dates and numbers, each in several
layouts: a cultural-family decision's household heads (list or table), a marriage certificate
after TT 04/2020 (husband and wife in a two-column table, side by side, or one after the other),
land recovery of a couple's or several households' land, and a household business certificate
(registration dates under its title, the owner's identity paper with its own issue date).
Names come from a realistic spread of surnames, rare ones included. Images go to a temporary folder (never
committed). Prints the share right per condition for the signer, the signer's title, the field
of procedures, the subjects' names (all of them, as printed), the issued date (the place-date
line, else the certificate's labelled date: a marriage's registration, a household business's
latest registration) and the ID numbers (exact and with issue 9's lenient match), the share
wrong with high confidence, and the share right but sent to review (the clerk's cost).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from metadata_accuracy import normalise, read_all  # noqa: E402

from sohoa.archive.review import DEFAULT_THRESHOLD  # noqa: E402
from sohoa.digitize.metadata import extract_fields  # noqa: E402

FONTS = Path("/usr/share/fonts/truetype/dejavu")
# Liberation Serif has Times New Roman's metrics: the face Nghị định 30/2020 prescribes for
# administrative documents, so the one real results are printed in (``--face times``; the
# package fonts-liberation2, which scripts/run.sh installs).
TIMES = Path("/usr/share/fonts/truetype/liberation2")
# How the seal's ink meets the print, and how a fax is made 1-bit (command-line variations)
SEAL_BLEND = "paste"
SEAL_OVER = "title"
FAX = "dither"
FACES = {
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"),
    "condensed": (
        "DejaVuSerifCondensed.ttf",
        "DejaVuSerifCondensed-Bold.ttf",
        "DejaVuSerifCondensed-Italic.ttf",
    ),
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
}
OTHER_FACES = {
    "times": tuple(str(TIMES / f"LiberationSerif-{style}.ttf") for style in ("Regular", "Bold", "Italic")),
}
# With ``--face``, every page is set in this face (the draw from FACES still happens, so the rest
# of a seed's page stays as it was).
FACE: str | None = None
CONDITIONS = ("clean-300", "grey-200", "skew", "fax", "pdf-image")
FIELDS = ("signer", "signer_title", "field", "subject_names", "issued_date", "id_numbers")

SURNAMES = (
    ["Nguyễn"] * 30
    + ["Trần"] * 11
    + ["Lê"] * 9
    + ["Phạm"] * 7
    + ["Hoàng"] * 5
    + ["Vũ"] * 4
    + [
        "Đặng",
        "Bùi",
        "Đỗ",
        "Hồ",
        "Ngô",
        "Dương",
        "Lý",
        "Đào",
        "Đinh",
        "Trịnh",
        "Lương",
        "Tạ",
        "Khuất",
        "Cấn",
        "Phí",
        "Giáp",
        "Lục",
        "Ninh",
        "Từ",
        "Hầu",
        "Kiều",
        "Chu",
        "Tô",
        "Mạc",
    ]
)
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Ngọc", "Quang", "Thanh", "Xuân", "Kim", "Bá", "Công", "Thu"]
GIVEN = [
    "Lân",
    "Tư",
    "Tám",
    "Năm",
    "Quyền",
    "Toản",
    "Thăng",
    "Lĩnh",
    "Tuân",
    "Hùng",
    "Dũng",
    "Hạnh",
    "Phượng",
    "Khánh",
    "Thủy",
    "Cường",
    "Nghĩa",
    "Hiền",
    "Trung",
    "Yến",
    "Thịnh",
    "Oanh",
    "Khải",
    "Luyến",
]
WARDS = ["PHƯỜNG LIÊN BẢO", "PHƯỜNG ĐỐNG ĐA", "XÃ THANH TRÙ", "PHƯỜNG HỘI HỢP", "PHƯỜNG TÍCH SƠN"]


@dataclass
class Row:
    """One printed row of a body: cells as (x offset from the left margin in px, text)."""

    cells: list[tuple[float, str]]
    ruled: bool = False  # a row of a ruled table: lines around it and between its cells
    bold: bool = False
    seal: bool = False  # a seal stamped over the row's end (an identity number under a photo's stamp)


@dataclass
class Body:
    """What a kind prints under its title, and what it means.

    ``issued`` is the paper's date when it prints no place-date line (a civil-status register's
    date, a household business's latest registration); with one, the place-date line is the date.
    """

    rows: list[Row]
    names: list[str] | None
    ids: list[str]
    issued: dt.date | None = None
    place_date: bool = True


@dataclass
class Kind:
    """One kind of result: its title lines, a body (or a composer of one), its field and how it is signed."""

    title: str
    summary: str
    symbol: str
    field: str
    body: list[str]
    compose: Callable[[random.Random], Body] | None = None


KINDS = [
    Kind(
        "QUYẾT ĐỊNH",
        "Về việc cấp giấy phép xây dựng nhà ở riêng lẻ",
        "QĐ-UBND",
        "Xây dựng",
        [
            "Căn cứ Luật Xây dựng năm 2014;",
            "Xét đề nghị của Phòng Quản lý đô thị,",
            "Điều 1. Cấp giấy phép xây dựng cho hộ gia đình ông {p} tại thửa đất số 112.",
        ],
    ),
    Kind(
        "QUYẾT ĐỊNH",
        "Xử phạt vi phạm hành chính trong lĩnh vực đất đai",
        "QĐ-XPHC",
        "Xử lý vi phạm hành chính",
        [
            "Căn cứ Luật Xử lý vi phạm hành chính;",
            "Điều 1. Xử phạt đối với ông {p}, đã có hành vi",
            "lấn chiếm đất công với mức phạt 5.000.000 đồng.",
        ],
    ),
    Kind(
        "THÔNG BÁO",
        "Lịch tiếp công dân định kỳ tháng 7 năm 2025",
        "TB-UBND",
        "Khiếu nại tố cáo",
        [
            "Ủy ban nhân dân thông báo lịch tiếp công dân như sau:",
            "Thứ Năm ngày 10/7: đồng chí {p}, Chủ tịch.",
            "Địa điểm: Trụ sở tiếp công dân.",
        ],
    ),
    Kind(
        "QUYẾT ĐỊNH",
        "Về việc hưởng trợ cấp xã hội hàng tháng",
        "QĐ-UBND",
        "Lao động – Thương binh xã hội",
        [
            "Căn cứ Nghị định số 20/2021/NĐ-CP;",
            "Điều 1. Ông (bà) {p} được hưởng trợ cấp xã hội",
            "hàng tháng kể từ tháng 8 năm 2025.",
        ],
    ),
    Kind(
        "GIẤY XÁC NHẬN",
        "TÌNH TRẠNG HÔN NHÂN",
        "XNTTHN",
        "Hộ tịch",
        [
            "Xét đề nghị của ông (bà) {p},",
            "Xác nhận: trong thời gian cư trú tại phường chưa đăng ký kết hôn",
            "với ai. Giấy này có giá trị sử dụng 06 tháng.",
        ],
    ),
    Kind(
        "GIẤY PHÉP",
        "BÁN LẺ SẢN PHẨM RƯỢU",
        "GP-UBND",
        "Lưu thông hàng hóa trong nước",
        [
            "Căn cứ Nghị định số 105/2017/NĐ-CP về kinh doanh rượu;",
            "Cho phép hộ kinh doanh {p}",
            "được bán lẻ sản phẩm rượu tại địa điểm kinh doanh.",
        ],
    ),
    Kind(
        "QUYẾT ĐỊNH",
        "Về việc cho phép chuyển mục đích sử dụng đất",
        "QĐ-UBND",
        "Đất đai",
        [
            "Căn cứ Luật Đất đai năm 2024;",
            "Điều 1. Cho phép hộ ông {p} chuyển mục đích sử dụng",
            "300 m2 đất trồng cây lâu năm sang đất ở.",
        ],
    ),
    Kind(
        "QUYẾT ĐỊNH",
        "Về việc khen thưởng thành tích xuất sắc năm 2024",
        "QĐ-UBND",
        "Nội vụ",
        [
            "Căn cứ Luật Thi đua, khen thưởng năm 2022;",
            "Điều 1. Tặng giấy khen cho ông {p}",
            "đã có thành tích xuất sắc trong phong trào thi đua.",
        ],
    ),
    Kind(
        "",
        "V/v trả lời đơn kiến nghị của công dân",
        "UBND-TNMT",
        "Khiếu nại tố cáo",
        [
            "Ủy ban nhân dân nhận được đơn kiến nghị của ông {p}",
            "về việc cấp đổi giấy chứng nhận. Sau khi xem xét,",
            "Ủy ban nhân dân trả lời như sau:",
        ],
    ),
    Kind(
        "TRÍCH LỤC KHAI SINH",
        "(Bản sao)",
        "TLKS-BS",
        "Hộ tịch",
        ["Họ, chữ đệm, tên: {p}", "Ngày, tháng, năm sinh: 12/03/2019", "Nơi sinh: Bệnh viện Sản Nhi"],
    ),
    Kind(
        "GIẤY XÁC NHẬN KHUYẾT TẬT",
        "",
        "GXNKT",
        "Lao động – Thương binh xã hội",
        [
            "Họ và tên: {P}",
            "Số định danh cá nhân: {id}",
            "Dạng khuyết tật: Khuyết tật vận động. Mức độ khuyết tật: Nặng.",
        ],
    ),
    Kind(
        "GIẤY CHỨNG NHẬN",
        "ĐĂNG KÝ HỘ KINH DOANH",
        "HKD",
        "Đăng ký kinh doanh",
        [
            "Tên hộ kinh doanh: CỬA HÀNG TẠP HÓA HƯNG THỊNH",
            "Địa điểm kinh doanh: số 15 đường Mê Linh.",
            "Họ và tên chủ hộ: {P}",
            "Số chứng minh nhân dân: {cmnd}",
        ],
    ),
    Kind(
        "QUYẾT ĐỊNH",
        "Về việc giải quyết khiếu nại lần đầu",
        "QĐ-UBND",
        "Khiếu nại tố cáo",
        [
            "Căn cứ Luật Khiếu nại năm 2011;",
            "Xét đơn khiếu nại đề ngày 02/5/2025 của bà {p},",
            "Điều 1. Công nhận một phần nội dung khiếu nại.",
        ],
    ),
    Kind(
        "QUYẾT ĐỊNH",
        "Về việc thu hồi đất để thực hiện dự án đường giao thông",
        "QĐ-UBND",
        "Đất đai",
        [
            "Căn cứ Luật Đất đai năm 2024;",
            "Điều 1. Thu hồi 120 m2 đất của hộ bà {p}",
            "tại thửa đất số 45, tờ bản đồ số 12.",
        ],
    ),
    Kind(
        "TRÍCH LỤC KHAI TỬ",
        "",
        "TLKT-BS",
        "Hộ tịch",
        [
            "Họ, chữ đệm, tên người đã chết: {P}",
            "Số CCCD: {id}",
            "Ngày chết: 03/02/2025. Nơi chết: tại nhà riêng.",
        ],
    ),
]

# (block lines above the signature, title the extractor should give)
SIGN_BLOCKS = [
    (["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "CHỦ TỊCH"),
    (["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"], "PHÓ CHỦ TỊCH"),
    (["TUQ. CHỦ TỊCH", "TRƯỞNG PHÒNG TƯ PHÁP"], "TRƯỞNG PHÒNG TƯ PHÁP"),
    (["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"], "PHÓ CHỦ TỊCH"),
    (["TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"], "CHÁNH VĂN PHÒNG"),
]


def _lenient_key(value: str) -> str:
    """NFC, case-folded, diacritics and đ folded, punctuation and spaces collapsed (issue 9)."""
    text = unicodedata.normalize("NFC", value).casefold().replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _lenient_one(got: str, want: str) -> bool:
    a, b = _lenient_key(got), _lenient_key(want)
    return a == b or fuzz.token_set_ratio(a, b) >= 90


def lenient_equal(got: object, want: object) -> bool:
    """Issue 9's lenient match: folded values equal or token-set similar ≥ 90%; lists as sets."""
    if got in (None, "", []) or want in (None, "", []):
        return got in (None, "", []) and want in (None, "", [])
    if isinstance(want, list):
        got_list = got if isinstance(got, list) else [got]
        return all(any(_lenient_one(g, w) for g in got_list) for w in want) and all(
            any(_lenient_one(g, w) for w in want) for g in got_list
        )
    return _lenient_one(str(got), str(want))


def _cccd(rng: random.Random) -> str:
    """A fictitious 12-digit personal number with the structure of a real one (province, century, year)."""
    province = rng.choice(["001", "026", "025", "027", "030", "036", "079"])
    century = rng.choice("0123")
    year = rng.randint(40, 99) if century in "01" else rng.randint(0, 8)
    return f"{province}{century}{year:02d}{rng.randint(0, 999999):06d}"


def _name(rng: random.Random) -> str:
    middle = rng.choice(MIDDLE) if rng.random() < 0.85 else ""
    return " ".join(p for p in (rng.choice(SURNAMES), middle, rng.choice(GIVEN)) if p)


# --- kinds that name more than one person (or several dates and numbers) ---------------------------
# Drawn from the national forms: the cultural-family decision's list of household heads, the
# marriage certificate of Thông tư 04/2020/TT-BTP (husband and wife side by side), land recovery of
# a couple's or several households' land, and the household business certificate (registration
# dates under the title, the owner's identity paper and its own issue date, often no place-date line).
MEN_MIDDLE = ["Văn", "Đức", "Minh", "Hữu", "Quang", "Công", "Bá", "Xuân", "Thanh", ""]
WOMEN_MIDDLE = ["Thị", "Thị", "Ngọc", "Thu", "Kim", "Thanh", "Xuân", ""]
HAMLETS = [
    "Tổ dân phố số 2",
    "Tổ dân phố số 7",
    "Thôn Đồng Câu",
    "Thôn Vị Trù",
    "Tổ dân phố Đông Thịnh",
    "Thôn Lai Sơn",
]
TRADES = [
    "CỬA HÀNG TẠP HÓA HƯNG THỊNH",
    "QUÁN PHỞ BÌNH MINH",
    "HỘ KINH DOANH VẬT LIỆU XÂY DỰNG AN PHÁT",
    "TIỆM SỬA XE MINH KHANG",
    "CỬA HÀNG ĐIỆN THOẠI THÀNH ĐẠT",
]


def _person(rng: random.Random, woman: bool) -> str:
    middle = rng.choice(WOMEN_MIDDLE if woman else MEN_MIDDLE)
    return " ".join(p for p in (rng.choice(SURNAMES), middle, rng.choice(GIVEN)) if p)


def _honorific(name: str, rng: random.Random) -> str:
    """``ông``/``bà`` as a clerk writes it: from the middle name when it tells, else a coin."""
    middle = name.split()[1] if len(name.split()) > 2 else ""
    if middle in set(WOMEN_MIDDLE) - set(MEN_MIDDLE):
        return "bà"
    if middle in set(MEN_MIDDLE) - set(WOMEN_MIDDLE):
        return "ông"
    return "bà" if rng.random() < 0.5 else "ông"


def _date(rng: random.Random, first: int, last: int) -> dt.date:
    return dt.date(rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28))


def _worded(date: dt.date, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"ngày {date.day} tháng {date.month} năm {date.year}"
    return f"ngày {date.day:02d}/{date.month:02d}/{date.year}"


def _cased(name: str, rng: random.Random, caps: float = 0.5) -> str:
    return name.upper() if rng.random() < caps else name


def _cultural_families(rng: random.Random) -> Body:
    """Công nhận danh hiệu Gia đình văn hóa for N households, listed or in a table after Điều 1."""
    heads = [_person(rng, rng.random() < 0.35) for _ in range(rng.randint(2, 5))]
    year = rng.choice([2023, 2024])
    rows = [
        Row([(0, "Căn cứ Luật Thi đua, khen thưởng năm 2022;")]),
        Row([(0, "Xét đề nghị của Ban Chỉ đạo phong trào “Toàn dân đoàn kết xây dựng đời sống văn hóa”,")]),
        Row([(0, f"Điều 1. Công nhận danh hiệu “Gia đình văn hóa” năm {year} cho {len(heads):02d} hộ")]),
        Row([(0, "gia đình (có danh sách kèm theo):")]),
    ]
    shape = rng.choice(["ruled", "columns", "list-ho", "list-honorific"])
    caps = rng.random() < 0.4
    if shape in ("ruled", "columns"):
        header = rng.choice(["Họ và tên chủ hộ", "Họ tên chủ hộ", "HỌ VÀ TÊN CHỦ HỘ", "Chủ hộ"])
        place_head = rng.choice(["Thôn/Tổ dân phố", "Địa chỉ", "Tổ dân phố"])
        ruled = shape == "ruled"
        rows.append(Row([(0, "STT"), (170, header), (1150, place_head)], ruled=ruled, bold=True))
        for i, head in enumerate(heads, 1):
            name = head.upper() if caps else head
            rows.append(Row([(20, str(i)), (170, name), (1150, rng.choice(HAMLETS))], ruled=ruled))
    else:
        for i, head in enumerate(heads, 1):
            name = head.upper() if caps else head
            lead = "Hộ ông" if shape == "list-ho" else "Ông"
            lead = lead.replace("ông", "bà").replace("Ông", "Bà") if _honorific(head, rng) == "bà" else lead
            sep = rng.choice([", ", " - ", "; "])
            rows.append(Row([(40, f"{i}. {lead} {name}{sep}{rng.choice(HAMLETS).lower()};")]))
    rows.append(Row([(0, "Điều 2. Tặng giấy công nhận cho các hộ gia đình có tên tại Điều 1.")]))
    return Body(rows, heads, [])


def _id_paper(rng: random.Random) -> tuple[str, str]:
    """(printed identity paper, its number): a CCCD mostly, an old CMND sometimes."""
    if rng.random() < 0.75:
        number = _cccd(rng)
        return f"{rng.choice(['CCCD số', 'Căn cước công dân số', 'Số định danh cá nhân:'])} {number}", number
    number = f"{rng.randint(10, 38)}{rng.randint(0, 9999999):07d}"
    return f"CMND số {number}", number


def _marriage(rng: random.Random) -> Body:
    """Giấy chứng nhận kết hôn (TT 04/2020): husband and wife, as a two-column table or stacked."""
    husband, wife = _person(rng, False), _person(rng, True)
    births = [_date(rng, 1975, 2003), _date(rng, 1978, 2005)]
    papers = [_id_paper(rng), _id_paper(rng)]
    wards = ["Phường Liên Bảo, Vĩnh Yên", "Xã Thanh Trù, Vĩnh Yên", "Phường Tích Sơn, Vĩnh Yên"]
    homes = [rng.choice(wards), rng.choice(wards)]
    registered = _date(rng, 2024, 2025)
    shape = rng.choice(["table", "table", "columns", "stacked"])
    rows: list[Row] = []
    heads = rng.choice([("Chồng", "Vợ"), ("Bên nam", "Bên nữ"), ("BÊN NAM", "BÊN NỮ")])
    if shape == "table":
        ruled = rng.random() < 0.6
        rows.append(
            Row([(0, rng.choice(["", "Thông tin"])), (620, heads[0]), (1260, heads[1])], ruled, bold=True)
        )
        name_label = rng.choice(["Họ, chữ đệm, tên", "Họ, chữ đệm, tên:", "Họ và tên"])
        for label, a, b in (
            (name_label, husband.upper(), wife.upper()),
            ("Ngày, tháng, năm sinh", f"{births[0]:%d/%m/%Y}", f"{births[1]:%d/%m/%Y}"),
            ("Dân tộc", "Kinh", "Kinh"),
            ("Quốc tịch", "Việt Nam", "Việt Nam"),
            ("Nơi cư trú", homes[0], homes[1]),
            (
                "Giấy tờ tùy thân",
                papers[0][0].replace("Số định danh cá nhân:", "CCCD số"),
                papers[1][0].replace("Số định danh cá nhân:", "CCCD số"),
            ),
        ):
            rows.append(Row([(0, label), (620, a), (1260, b)], ruled))
    elif shape == "columns":
        suffix = rng.choice([(" chồng", " vợ"), ("", "")])
        rows.append(Row([(0, f"Họ, chữ đệm, tên{suffix[0]}:"), (960, f"Họ, chữ đệm, tên{suffix[1]}:")]))
        rows.append(Row([(60, husband.upper()), (1020, wife.upper())], bold=True))
        rows.append(Row([(0, f"Ngày sinh: {births[0]:%d/%m/%Y}"), (960, f"Ngày sinh: {births[1]:%d/%m/%Y}")]))
        rows.append(Row([(0, "Dân tộc: Kinh"), (960, "Dân tộc: Kinh")]))
        rows.append(Row([(0, f"Nơi cư trú: {homes[0]}"), (960, f"Nơi cư trú: {homes[1]}")]))
        rows.append(Row([(0, papers[0][0]), (960, papers[1][0])]))
    else:
        for head, name, birth, home, paper in (
            (heads[0], husband, births[0], homes[0], papers[0]),
            (heads[1], wife, births[1], homes[1], papers[1]),
        ):
            rows.append(Row([(0, f"{head}:")], bold=True))
            rows.append(Row([(60, f"Họ, chữ đệm, tên: {_cased(name, rng, 0.7)}")]))
            rows.append(Row([(60, f"Ngày, tháng, năm sinh: {birth:%d/%m/%Y}   Dân tộc: Kinh")]))
            rows.append(Row([(60, f"Nơi cư trú: {home}")]))
            rows.append(Row([(60, f"Giấy tờ tùy thân: {paper[0]}")]))
    rows.append(Row([(0, "Nơi đăng ký: Ủy ban nhân dân phường Liên Bảo")]))
    label = rng.choice(["Ngày, tháng, năm đăng ký:", "Ngày đăng ký:", "Đăng ký kết hôn ngày"])
    rows.append(Row([(0, f"{label} {_worded(registered, rng).removeprefix('ngày ')}")]))
    # The form prints no place-date line; a ward's own template sometimes adds one on the same day.
    return Body(rows, [husband, wife], [papers[0][1], papers[1][1]], registered, rng.random() < 0.3)


def _land_recovery(rng: random.Random) -> Body:
    """Thu hồi đất of a couple's household or of several households (a list or a table)."""
    rows = [Row([(0, "Căn cứ Luật Đất đai năm 2024;")])]
    shape = rng.choice(["couple", "couple-wrap", "list", "table"])
    if shape.startswith("couple"):
        a, b = _person(rng, False), _person(rng, True)
        hon = rng.choice(["hộ ông", "ông", "hộ gia đình ông"])
        if shape == "couple":
            rows.append(
                Row([(0, f"Điều 1. Thu hồi {rng.randint(60, 400)} m2 đất ở của {hon} {a} và bà {b}")])
            )
            rows.append(Row([(0, "tại thửa đất số 45, tờ bản đồ số 12, phường Liên Bảo.")]))
        else:
            rows.append(
                Row([(0, f"Điều 1. Thu hồi {rng.randint(60, 400)} m2 đất trồng cây lâu năm của {hon}")])
            )
            rows.append(Row([(0, f"{a} và bà {b}, tại thửa đất số 45, tờ bản đồ số 12.")]))
        names = [a, b]
    else:
        names = [_person(rng, rng.random() < 0.4) for _ in range(rng.randint(2, 4))]
        rows.append(
            Row([(0, f"Điều 1. Thu hồi đất của {len(names):02d} hộ gia đình, cá nhân để thực hiện dự án")])
        )
        rows.append(Row([(0, "đường giao thông tại phường Liên Bảo, cụ thể như sau:")]))
        if shape == "list":
            for i, name in enumerate(names, 1):
                hon = "Hộ " + _honorific(name, rng)
                area, plot = rng.randint(40, 300), rng.randint(5, 300)
                rows.append(Row([(40, f"{i}. {hon} {name}: {area} m2, thửa đất số {plot};")]))
        else:
            ruled = rng.random() < 0.7
            header = rng.choice(
                ["Họ và tên chủ sử dụng đất", "Tên người sử dụng đất", "Hộ gia đình, cá nhân"]
            )
            rows.append(
                Row(
                    [(0, "STT"), (150, header), (1100, "Thửa số"), (1400, "Diện tích (m2)")], ruled, bold=True
                )
            )
            for i, name in enumerate(names, 1):
                cell = f"Hộ {_honorific(name, rng)} {name}" if rng.random() < 0.4 else name
                rows.append(
                    Row(
                        [
                            (20, str(i)),
                            (150, cell),
                            (1130, str(rng.randint(5, 300))),
                            (1430, str(rng.randint(40, 300))),
                        ],
                        ruled,
                    )
                )
    rows.append(Row([(0, "Điều 2. Giao Phòng Tài nguyên và Môi trường bàn giao đất thu hồi.")]))
    return Body(rows, names, [])


def _household_business(rng: random.Random) -> Body:
    """Giấy chứng nhận đăng ký hộ kinh doanh: registration dates, the owner and the owner's paper.

    The certificate's date is its latest registration: a change re-issues the certificate, so
    "Đăng ký thay đổi lần thứ 2, ngày …" dates the paper in hand and "Đăng ký lần đầu" dates
    the first one. A place-date line, when a template prints one, carries that same day.
    """
    owner = _person(rng, rng.random() < 0.4)
    first = _date(rng, 2016, 2022)
    changes = rng.choice([0, 0, 1, 2, 3])
    latest = _date(rng, 2023, 2025) if changes else first
    born = _date(rng, 1965, 2000)
    granted = _date(rng, 2016, 2024)
    code = rng.choice([f"25A80{rng.randint(0, 99999):05d}", f"{rng.randint(2500000000, 2500999999)}"])
    cmnd = rng.random() < 0.25
    number = f"{rng.randint(10, 38)}{rng.randint(0, 9999999):07d}" if cmnd else _cccd(rng)
    rows = [Row([(380, f"Mã số hộ kinh doanh: {code}")], bold=True)]
    rows.append(Row([(300, f"Đăng ký lần đầu{rng.choice([', ', ': '])}{_worded(first, rng)}")]))
    if changes:
        rows.append(
            Row(
                [(300, f"Đăng ký thay đổi lần thứ{rng.choice([' ', ': '])}{changes}, {_worded(latest, rng)}")]
            )
        )
    rows.append(Row([(0, f"1. Tên hộ kinh doanh: {rng.choice(TRADES)}")]))
    rows.append(Row([(0, "2. Địa điểm kinh doanh: Số 15 đường Mê Linh, phường Liên Bảo")]))
    rows.append(Row([(0, "3. Ngành, nghề kinh doanh: Bán lẻ hàng hóa tiêu dùng")]))
    label = rng.choice(
        [
            "4. Họ và tên chủ hộ kinh doanh:",
            "4. Chủ hộ kinh doanh:",
            "4. Họ, chữ đệm và tên:",
            "4. Họ và tên đại diện hộ kinh doanh:",
        ]
    )
    sex = "Nữ" if " Thị " in f" {owner} " else "Nam"
    rows.append(Row([(0, f"{label} {_cased(owner, rng, 0.7)}"), (1450, f"Giới tính: {sex}")]))
    rows.append(Row([(0, f"Sinh ngày: {born:%d/%m/%Y}   Dân tộc: Kinh   Quốc tịch: Việt Nam")]))
    paper = "Chứng minh nhân dân" if cmnd else "Căn cước công dân"
    if rng.random() < 0.6:
        rows.append(Row([(0, f"Loại giấy tờ pháp lý của cá nhân: {paper}")]))
        rows.append(Row([(0, f"Số giấy tờ pháp lý của cá nhân: {number}")], seal=True))
    else:
        label = "Số chứng minh nhân dân:" if cmnd else rng.choice(["Số định danh cá nhân:", "Số CCCD:"])
        rows.append(Row([(0, f"{label} {number}")], seal=True))
    place = rng.choice(["Cục Cảnh sát QLHC về TTXH", "Công an tỉnh Vĩnh Phúc"])
    rows.append(Row([(0, f"Ngày cấp: {granted:%d/%m/%Y}   Nơi cấp: {place}")]))
    rows.append(Row([(0, "Nơi thường trú: Tổ dân phố số 3, phường Liên Bảo, Vĩnh Yên")]))
    return Body(rows, [owner], [number], latest, rng.random() < 0.35)


KINDS += [
    Kind(
        "QUYẾT ĐỊNH",
        "Về việc công nhận danh hiệu Gia đình văn hóa",
        "QĐ-UBND",
        "Văn hóa",
        [],
        _cultural_families,
    ),
    Kind("GIẤY CHỨNG NHẬN KẾT HÔN", "", "KH", "Hộ tịch", [], _marriage),
    Kind("QUYẾT ĐỊNH", "Về việc thu hồi đất để thực hiện dự án", "QĐ-UBND", "Đất đai", [], _land_recovery),
    Kind("GIẤY CHỨNG NHẬN", "ĐĂNG KÝ HỘ KINH DOANH", "", "Đăng ký kinh doanh", [], _household_business),
]


def _font(face: str, style: int, pt: float, dpi: int = 300) -> ImageFont.FreeTypeFont:
    files = FACES.get(face) or OTHER_FACES[face]
    return ImageFont.truetype(str(FONTS / files[style]), round(pt * dpi / 72))


def _centred(draw: ImageDraw.ImageDraw, cx: float, y: float, text: str, font, fill=(0, 0, 0)) -> float:
    width = draw.textlength(text, font=font)
    draw.text((cx - width / 2, y), text, font=font, fill=fill)
    return y + font.size * 1.35


def _scribble(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], rng: random.Random) -> None:
    """A pen signature: a few looping strokes across ``box``."""
    x0, y0, x1, y1 = box
    points = []
    for i in range(40):
        t = i / 39
        x = x0 + t * (x1 - x0) + rng.uniform(-25, 25)
        y = y0 + (y1 - y0) * (0.5 + 0.45 * math.sin(t * rng.uniform(8, 14)) * rng.uniform(0.6, 1.0))
        points.append((x, y))
    colour = rng.choice([(20, 30, 140), (10, 10, 10), (40, 40, 90)])
    draw.line(points, fill=colour, width=rng.choice([4, 5, 6]), joint="curve")


def _seal(page: Image.Image, cx: float, cy: float, rng: random.Random, text: str) -> None:
    """A round or slightly oval seal, single or double ring, ring text and a star, drawn over the page."""
    r = rng.uniform(190, 240)
    oval = rng.uniform(0.9, 1.0)
    colour = rng.choice([(210, 30, 40), (160, 20, 30), (150, 40, 140)])
    layer = Image.new("L", page.size, 0)
    draw = ImageDraw.Draw(layer)
    draw.ellipse((cx - r, cy - r * oval, cx + r, cy + r * oval), outline=255, width=9)
    if rng.random() < 0.6:
        inner = r * 0.68
        draw.ellipse((cx - inner, cy - inner * oval, cx + inner, cy + inner * oval), outline=255, width=5)
    star = [
        (
            cx + r * 0.2 * math.cos(a * math.pi / 5 - math.pi / 2) * (1 if a % 2 == 0 else 0.4),
            cy + r * 0.2 * math.sin(a * math.pi / 5 - math.pi / 2) * (1 if a % 2 == 0 else 0.4),
        )
        for a in range(10)
    ]
    draw.polygon(star, fill=255)
    font = _font("sans", 1, 7.5)
    letters = text.upper()
    for i, ch in enumerate(letters):
        angle = -math.pi * 0.95 + i * (1.9 * math.pi / max(1, len(letters)))
        glyph = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(glyph).text((15, 10), ch, font=font, fill=255)
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        gx = cx + r * 0.84 * math.cos(angle) - 30
        gy = cy + r * 0.84 * oval * math.sin(angle) - 30
        layer.paste(glyph, (int(gx), int(gy)), glyph)
    if SEAL_BLEND == "multiply":  # ink over ink: the print under the seal stays black
        strength = rng.uniform(0.7, 0.9) * rng.uniform(0.55, 0.8) / 0.8
        a = np.asarray(layer, dtype=np.float32)[..., None] / 255.0 * strength
        rgb = np.asarray(page, dtype=np.float32)
        tint = np.array(colour, dtype=np.float32) / 255.0
        page.paste(Image.fromarray(np.clip(rgb * (1 - a * (1 - tint)), 0, 255).astype(np.uint8)))
        return
    ink = Image.new("RGB", page.size, colour)
    # one random strength per grey level of the layer: the ink's density varies along the ring
    alpha = layer.point(lambda v: int(v * rng.uniform(0.7, 0.9)))
    page.paste(ink, (0, 0), alpha)


def _simple_body(kind: Kind, person: str, ids: dict[str, str]) -> Body:
    """A one-person kind's lines with its person and numbers filled in."""
    rows = []
    for line in kind.body:
        sealed = any(f"{{{k}}}" in line for k in ids)
        rows.append(Row([(0, line.format(p=person, P=person.upper(), **ids))], seal=sealed))
    printed = [v for k, v in ids.items() if any(f"{{{k}}}" in line for line in kind.body)]
    # the notice names an official, not a subject (not scored)
    return Body(rows, [person] if kind.title != "THÔNG BÁO" else None, printed)


_TEXT_RIGHT = 2480 - 200  # the right margin's edge, px


def _draw_row(draw: ImageDraw.ImageDraw, row: Row, y: float, pitch: float, face: str, pt: float) -> None:
    """Draw one body row from the left margin (380 px): each cell shrunk to fit before the next,
    and for a ruled table its rules above and below and between the cells."""
    edges = [380 + x for x, _ in row.cells] + [_TEXT_RIGHT]
    for (x, text), right in zip(row.cells, edges[1:], strict=True):
        size = pt
        font = _font(face, 1 if row.bold else 0, size)
        while size > pt - 6 and draw.textlength(text, font=font) > right - (380 + x) - 30:
            size -= 0.5
            font = _font(face, 1 if row.bold else 0, size)
        draw.text((380 + x, y), text, font=font, fill=(0, 0, 0))
    if row.ruled:
        top, bottom = y - pitch * 0.18, y + pitch * 0.82
        for line_y in (top, bottom):
            draw.line((edges[0] - 20, line_y, _TEXT_RIGHT, line_y), fill=(0, 0, 0), width=3)
        for x in [*edges[:-1], _TEXT_RIGHT]:
            x = x - 20 if x != _TEXT_RIGHT else x
            draw.line((x, top, x, bottom), fill=(0, 0, 0), width=3)


def _blank_page(rng: random.Random) -> tuple[Image.Image, ImageDraw.ImageDraw, str, float, tuple]:
    """A white A4 page at 300 dpi, its face and size drawn from ``rng``, and the four fonts of a
    page: regular, bold, italic and the smaller bold of the header's second line."""
    face = rng.choice(list(FACES))
    face = FACE or face
    pt = rng.uniform(12.5, 14.0)
    page = Image.new("RGB", (2480, 3508), (255, 255, 255))
    fonts = (*(_font(face, s, pt) for s in range(3)), _font(face, 1, pt - 1))
    return page, ImageDraw.Draw(page), face, pt, fonts


def render_document(index: int, seed: int) -> tuple[Image.Image, dict]:
    """One A4 page at 300 dpi (colour) and its truth."""
    rng = random.Random(seed * 1000 + index)
    kind = KINDS[index % len(KINDS)]
    page, draw, face, pt, (regular, bold, italic, small_bold) = _blank_page(rng)
    ward = rng.choice(WARDS)
    left_cx, right_cx = 380 + 420, 2480 - 200 - 700
    y = 260
    top_line = rng.choice(["UBND THÀNH PHỐ VĨNH YÊN", "ỦY BAN NHÂN DÂN"])
    y = _centred(draw, left_cx, y, top_line, regular)
    y = _centred(draw, left_cx, y, ward if top_line.startswith("UBND") else f"{ward}", small_bold)
    number = rng.randint(3, 480)
    if kind.symbol:  # a household business certificate prints its business code, not a "Số:"
        y = _centred(draw, left_cx, y + 30, f"Số: {number}/{kind.symbol}", regular)
    if not kind.title:
        _centred(draw, left_cx, y, kind.summary, _font(face, 0, pt - 1.5))
    y2 = _centred(draw, right_cx, 260, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", small_bold)
    y2 = _centred(draw, right_cx, y2, "Độc lập - Tự do - Hạnh phúc", bold)
    dated = dt.date(2025, rng.randint(1, 12), rng.randint(1, 28))
    y = 900
    if kind.title:
        y = _centred(draw, 1240 + 100, y, kind.title, _font(face, 1, pt + 1))
        if kind.summary:
            y = _centred(draw, 1240 + 100, y, kind.summary, bold)
    y += 80
    person = _name(rng)
    ids = {"id": _cccd(rng), "cmnd": f"{rng.randint(10, 38)}{rng.randint(0, 9999999):07d}"}
    if kind.compose is not None:
        body = kind.compose(random.Random(seed * 1000 + index + 1_000_000))
    else:
        body = _simple_body(kind, person, ids)
    if body.place_date:
        dated = body.issued or dated  # a template's place-date line carries the registration's day
        place_date = f"Vĩnh Yên, ngày {dated.day} tháng {dated.month} năm {dated.year}"
        _centred(draw, right_cx, y2 + 40, place_date, italic)
    pitch = min(regular.size * 1.6, (2560 - y) / (len(body.rows) + 1))
    for row in body.rows:
        _draw_row(draw, row, y, pitch, face, pt)
        if row.seal:
            # A seal stamped over the form's identity line (a photo's corner seal, a second
            # stamp): its ring crosses the last digits of the number.
            srng = random.Random(seed * 1000 + index + 500_000)
            x, text = row.cells[-1]
            end = 380 + x + draw.textlength(text, font=regular)
            ring = f"ỦY BAN NHÂN DÂN {ward} * "
            _seal(page, end + srng.uniform(120, 200), y + regular.size * 0.5, srng, ring)
            draw = ImageDraw.Draw(page)
        y += pitch
    fillers = rng.randint(2, 5)
    for _ in range(fillers if kind.compose is None else 1):
        draw.text(
            (380, y),
            "Các cơ quan, đơn vị và cá nhân có liên quan chịu trách nhiệm thi hành.",
            font=regular,
            fill=(0, 0, 0),
        )
        y += regular.size * 1.6
    block, want_title = rng.choice(SIGN_BLOCKS)
    signer = _name(rng)
    foot = y + 90
    small = _font(face, 0, pt - 2.5)
    draw.text((380, foot), "Nơi nhận:", font=_font(face, 1, pt - 2), fill=(0, 0, 0))
    for i, line in enumerate(["- Như Điều 3;", "- Chủ tịch UBND thành phố;", "- Lưu: VT."]):
        draw.text((380, foot + (i + 1) * small.size * 1.4), line, font=small, fill=(0, 0, 0))
    sign_cx = right_cx + rng.uniform(-60, 60)
    by = foot
    for line in block:
        by = _centred(draw, sign_cx, by, line, bold)
    gap = rng.uniform(330, 420)
    name_y = by + gap
    _centred(draw, sign_cx, name_y, signer, bold)
    name_w = draw.textlength(signer, font=bold)
    _scribble(
        draw,
        (sign_cx - name_w * 0.6, by + 30, sign_cx + name_w * 0.5, name_y + bold.size * rng.uniform(0.3, 0.9)),
        rng,
    )
    seal_cx = sign_cx - rng.uniform(120, 380)
    seal_cy = by + rng.uniform(-40, gap * 0.55)
    if SEAL_OVER == "name":  # stamped low: the ring crosses the signer's name
        seal_cx = sign_cx - rng.uniform(0, 260)
        seal_cy = name_y - rng.uniform(40, 160)
    _seal(page, seal_cx, seal_cy, rng, f"ỦY BAN NHÂN DÂN {ward} * ")
    truth = {
        "signer": signer,
        "signer_title": want_title,
        "field": kind.field,
        # the person the result is about; the notice names an official, not a subject (not scored)
        "subject_names": body.names,
        # the paper's own date: its place-date line, else the labelled registration date
        "issued_date": (dated if body.place_date else body.issued).isoformat(),
        "id_numbers": body.ids or None,
    }
    return page, truth


DUTIES = ["Trực ban", "Tiếp dân", "Thư ký", "Văn thư", "Kế toán", "Địa chính", "Tư pháp"]
PLACES = ["Phòng tiếp dân", "Trụ sở UBND", "Nhà văn hóa tổ 5", "Hội trường A"]
RECIPIENT_LINES = ["- Như trên;", "- Thường trực HĐND phường;", "- Chủ tịch, các PCT UBND;", "- Lưu: VT, VP."]


def _table(draw: ImageDraw.ImageDraw, top: float, rows: list[list[str]], font, bold, ruled: bool) -> float:
    """A schedule table from x=380 to the right margin; returns the y below it."""
    widths = [140, 300, 560, 400, 520]
    xs = [380]
    for w in widths:
        xs.append(xs[-1] + w)
    pitch = font.size * 2.0
    y = top
    for number, cells in enumerate(rows):
        face = bold if number == 0 else font
        for k, cell in enumerate(cells):
            x = xs[k] + 20 if k else xs[k] + (widths[k] - draw.textlength(cell, font=face)) / 2
            draw.text((x, y + pitch * 0.22), cell, font=face, fill=(0, 0, 0))
        if ruled:
            draw.line((xs[0], y, xs[-1], y), fill=(0, 0, 0), width=3)
        y += pitch
    if ruled:
        draw.line((xs[0], y, xs[-1], y), fill=(0, 0, 0), width=3)
        for x in xs:
            draw.line((x, top, x, y), fill=(0, 0, 0), width=3)
    return y


def render_notice(index: int, seed: int) -> tuple[Image.Image, str]:
    """A one-page notice with a schedule table (ruled on even, unruled on odd indices), a
    recipients | signer footer and a small-print address line; returns the page and its text.

    The text lists the printed lines, a table row's cells joined by spaces, the left block of
    a two-column part before the right.
    """
    rng = random.Random(seed * 7777 + index)
    page, draw, face, pt, (regular, bold, italic, small_bold) = _blank_page(rng)
    cell, cell_bold = _font(face, 0, pt - 1), _font(face, 1, pt - 1)
    ward = rng.choice(WARDS)
    left_cx, right_cx = 380 + 330, 2480 - 150 - 600  # apart enough for the wide sans face
    number = f"Số: {rng.randint(3, 480)}/TB-UBND"
    when = f"Vĩnh Yên, ngày {rng.randint(1, 28)} tháng {rng.randint(1, 12)} năm 2025"
    lines: list[str] = ["ỦY BAN NHÂN DÂN", ward, number]
    y = _centred(draw, left_cx, 260, lines[0], regular)
    y = _centred(draw, left_cx, y, ward, small_bold)
    _centred(draw, left_cx, y + 30, number, regular)
    motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    y2 = _centred(draw, right_cx, 260, motto[0], small_bold)
    y2 = _centred(draw, right_cx, y2, motto[1], bold)
    _centred(draw, right_cx, y2 + 40, when, italic)
    lines += [*motto, when]
    quarter = rng.choice(["I", "II", "III", "IV"])
    title = ["THÔNG BÁO", f"Lịch trực tiếp công dân quý {quarter} năm 2025"]
    y = _centred(draw, 1340, 820, title[0], _font(face, 1, pt + 1))
    y = _centred(draw, 1340, y, title[1], bold) + 60
    lines += title
    intro = "Ủy ban nhân dân phường thông báo lịch trực tiếp công dân như sau:"
    draw.text((380, y), intro, font=regular, fill=(0, 0, 0))
    lines.append(intro)
    y += regular.size * 2.0
    rows = [["STT", "Ngày", "Người trực", "Nhiệm vụ", "Địa điểm"]]
    for k in range(rng.randint(5, 9)):
        day = f"{rng.randint(1, 28):02d}/{rng.randint(7, 9):02d}"
        rows.append([str(k + 1), day, _name(rng), rng.choice(DUTIES), rng.choice(PLACES)])
    y = _table(draw, y, rows, cell, cell_bold, ruled=index % 2 == 0) + 50
    lines += [" ".join(r) for r in rows]
    closing = "Đề nghị các cá nhân có tên trên thực hiện nghiêm túc lịch trực."
    draw.text((380, y), closing, font=regular, fill=(0, 0, 0))
    lines.append(closing)
    foot = y + regular.size * 2.5
    small = _font(face, 0, pt - 2.5)
    recipients = ["Nơi nhận:", *RECIPIENT_LINES[: rng.randint(2, 4)]]
    draw.text((380, foot), recipients[0], font=_font(face, 1, pt - 2), fill=(0, 0, 0))
    for i, line in enumerate(recipients[1:]):
        draw.text((380, foot + (i + 1) * small.size * 1.4), line, font=small, fill=(0, 0, 0))
    block, _ = rng.choice(SIGN_BLOCKS)
    signer = _name(rng)
    by = foot
    for line in block:
        by = _centred(draw, right_cx, by, line, bold)
    name_y = by + rng.uniform(300, 380)
    _centred(draw, right_cx, name_y, signer, bold)
    lines += recipients + block + [signer]
    if rng.random() < 0.5:
        _scribble(draw, (right_cx - 250, by + 40, right_cx + 200, name_y - 20), rng)
    if rng.random() < 0.4:
        _seal(
            page,
            right_cx - rng.uniform(150, 300),
            by + rng.uniform(40, 200),
            rng,
            f"ỦY BAN NHÂN DÂN {ward} * ",
        )
        draw = ImageDraw.Draw(page)
    address = (
        f"Địa chỉ: số {rng.randint(2, 99)} đường Mê Linh, {ward.title()}; "
        f"điện thoại: 0211 38{rng.randint(10000, 99999)}; thư điện tử: ubnd@vinhyen.gov.vn"
    )
    draw.text((380, 3508 - 260), address, font=_font(face, 0, pt - 4), fill=(0, 0, 0))
    lines.append(address)
    return page, "\n".join(lines)


def scan(page: Image.Image, condition: str, index: int, seed: int, out: Path) -> Path:
    """Write the page as scanned under ``condition``; returns the file."""
    rng = np.random.default_rng(seed * 7919 + index)
    grey = page.convert("L")
    stem = f"d2-{index:03d}.{condition}"
    if condition == "clean-300":
        path = out / f"{stem}.png"
        page.save(path, dpi=(300, 300))
        return path
    if condition == "grey-200":
        small = grey.resize((1654, 2339), Image.LANCZOS).filter(ImageFilter.GaussianBlur(0.6))
        arr = np.asarray(small, dtype=np.float32) * rng.uniform(0.9, 0.97) + rng.normal(
            0, 5, small.size[::-1]
        )
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        path = out / f"{stem}.jpg"
        img.save(path, quality=int(rng.integers(30, 61)), dpi=(200, 200))
        return path
    if condition == "skew":
        angle = float(rng.uniform(1.0, 4.0)) * (1 if rng.random() < 0.5 else -1)
        img = grey.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
        path = out / f"{stem}.png"
        img.save(path, dpi=(300, 300))
        return path
    if condition == "fax" and FAX == "threshold":  # a 1-bit page cut at one grey level, with specks
        small = np.asarray(grey.resize((1700, 2200), Image.BILINEAR)) < int(rng.integers(140, 171))
        specks = rng.random(small.shape) < 0.001
        dropped = rng.random(small.shape) < 0.012
        img = Image.fromarray(~((small | specks) & ~dropped)).convert("1")
        path = out / f"{stem}.tif"
        img.save(path, compression="group4", dpi=(200, 200))
        return path
    if condition == "fax":
        small = grey.resize((1700, 2200), Image.BILINEAR)
        arr = np.asarray(small, dtype=np.float32) + rng.normal(0, 8, small.size[::-1])
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).convert("1", dither=Image.FLOYDSTEINBERG)
        path = out / f"{stem}.tif"
        img.save(path, compression="group4", dpi=(200, 200))
        return path
    if condition == "pdf-image":
        dpi = int(rng.choice([150, 175, 200]))
        size = (round(2480 * dpi / 300), round(3508 * dpi / 300))
        img = grey.resize(size, Image.LANCZOS).filter(ImageFilter.GaussianBlur(0.5))
        path = out / f"{stem}.pdf"
        img.save(path, "PDF", resolution=float(dpi), quality=int(rng.integers(40, 76)))
        return path
    raise ValueError(condition)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=len(KINDS), help="document i is of kind i mod 19")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cache", type=Path, help="pickle file keeping OCR results between runs")
    parser.add_argument("--show", default="", help="comma-separated fields whose misses to list")
    parser.add_argument(
        "--seal-blend",
        choices=("paste", "multiply"),
        default="paste",
        help="paste: the seal's ink covers the print; multiply: ink over ink, the print stays black",
    )
    parser.add_argument(
        "--fax", choices=("dither", "threshold"), default="dither", help="how a fax page is made 1-bit"
    )
    parser.add_argument(
        "--seal-over", choices=("title", "name"), default="title", help="where the seal is stamped"
    )
    parser.add_argument(
        "--face", choices=(*FACES, *OTHER_FACES), help="set every page in this face (default: drawn)"
    )
    args = parser.parse_args(argv)
    global SEAL_BLEND, FAX, SEAL_OVER, FACE
    SEAL_BLEND, FAX, SEAL_OVER, FACE = args.seal_blend, args.fax, args.seal_over, args.face
    conditions = [c for c in args.conditions.split(",") if c]
    show = set(args.show.split(","))
    with tempfile.TemporaryDirectory(prefix="sohoa-devset2-") as tmp:
        out = Path(tmp)
        items: list[tuple[Path, str, dict]] = []
        for index in range(args.documents):
            page, truth = render_document(index, args.seed)
            for condition in conditions:
                items.append((scan(page, condition, index, args.seed, out), condition, truth))
        started = time.process_time()
        wall = time.perf_counter()
        read = read_all([p for p, _, _ in items], args.jobs, args.cache)
        ocr_seconds = [secs / max(1, len(pages)) for pages, secs in read.values()]
        rows: dict[str, dict[str, list[tuple[bool, bool, bool]]]] = {}  # (exact, lenient, sure)
        for path, condition, truth in items:
            pages, _ = read[str(path)]
            result = extract_fields(pages)
            for name in FIELDS:
                if truth[name] is None:
                    continue
                got = result.values[name]
                ok = normalise(got) == normalise(truth[name])
                near = lenient_equal(got, truth[name])
                sure = got not in (None, "", []) and result.confidence[name] >= DEFAULT_THRESHOLD
                rows.setdefault(condition, {}).setdefault(name, []).append((ok, near, sure))
                if not ok and (name in show or "all" in show):
                    flag = "WRONG-SURE " if sure and not near else ("wrong-sure(exact) " if sure else "")
                    print(
                        f"  MISS {flag}{path.name} {name}: got {got!r} ({result.confidence[name]:.2f}) "
                        f"want {truth[name]!r}"
                    )
    print(
        f"\ndevset2: {args.documents} documents x {len(conditions)} conditions, seed {args.seed}; "
        f"OCR wall/page mean {sum(ocr_seconds) / max(1, len(ocr_seconds)):.2f} s (worker wall clock), "
        f"main-process CPU {time.process_time() - started:.1f} s, wall {time.perf_counter() - wall:.0f} s"
    )

    def pct(flags: list[bool]) -> float:
        return 100 * sum(flags) / max(1, len(flags))

    print("share right %: exact (diacritics count) / lenient (issue 9's match)")
    print(f"{'field':14}" + "".join(f"{c:>13}" for c in conditions))
    for name in FIELDS:
        cells = [
            f"{pct([r[0] for r in rows[c][name]]):5.0f}/{pct([r[1] for r in rows[c][name]]):<5.0f}"
            for c in conditions
        ]
        print(f"{name:14}" + "".join(f"{c:>13}" for c in cells))
    print(
        f"wrong with high confidence % (lenient / exact) ; right (lenient) but sent to review % "
        f"(threshold {DEFAULT_THRESHOLD})"
    )
    print(f"{'field':14}" + "".join(f"{c:>15}" for c in conditions))
    for name in FIELDS:
        cells = []
        for c in conditions:
            r = rows[c][name]
            cells.append(
                f"{pct([s and not n for _, n, s in r]):3.0f}/{pct([s and not e for e, _, s in r]):<3.0f};"
                f"{pct([n and not s for _, n, s in r]):3.0f}"
            )
        print(f"{name:14}" + "".join(f"{c:>15}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
