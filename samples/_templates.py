"""Content of the sample documents: fictitious people, the Vĩnh Yên units, and seven result templates.

Each template function takes a seeded ``random.Random`` and returns a ``Spec``: what is printed where
(header columns, body paragraphs, recipients, signer block) plus the ground-truth metadata fields.
Layout in millimetres and rendering live in ``_render``; nothing here knows about pixels, so the
same content can be drawn as an image, as a born-digital PDF, or into a stack.

Everything here is invented: names are drawn from common Vietnamese surname / middle / given name lists,
ID numbers, dossier codes, addresses and legal reference numbers are made up.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

FIELD_KEYS = (
    "doc_type", "title", "number", "issued_date", "issuer", "place", "summary", "signer", "signer_title",
    "subject_names", "id_numbers", "field", "dossier_code", "procedure_code", "valid_until",
)

# Text styles: R regular, B bold, I italic, BI bold italic.
BODY_PT = 13.5


def nfc(text: str) -> str:
    """Every string that leaves this module is NFC: the OCR, metadata and search code compare against it."""
    return unicodedata.normalize("NFC", text)


@dataclass
class Para:
    """A paragraph: styled runs that the layout wraps into the column, keeping the printed line breaks."""

    runs: list[tuple[str, str]]
    size: float = BODY_PT
    align: str = "J"  # J justified, L left, C centred
    indent: float = 10.0  # first-line indent in mm (J and L only)
    space_before: float = 1.2  # mm
    rule_below: float = 0.0  # length in mm of a centred rule drawn under the paragraph (0: none)
    gap_after: float = 0.0  # extra empty space after the paragraph in mm (the signature space)
    signature: bool = False  # the gap after this paragraph is where the signature and seal go


def P(text: str, style: str = "R", **kw) -> Para:  # noqa: N802 - reads like markup in the templates
    return Para([(style, text)], **kw)


def C(text: str, style: str = "B", size: float = BODY_PT, **kw) -> Para:  # noqa: N802
    return Para([(style, text)], size=size, align="C", indent=0.0, **kw)


def art(n: int, text: str) -> Para:
    """`Điều n.` in bold, then the article's text."""
    return Para([("B", f"Điều {n}. "), ("R", text)])


def LV(label: str, value: str, **kw) -> Para:  # noqa: N802 - "label: value" line of a certificate
    kw.setdefault("align", "L")
    kw.setdefault("indent", 0.0)
    kw.setdefault("space_before", 0.6)
    return Para([("R", label), ("B", value)], **kw)


def LVS(*pairs: tuple[str, str], **kw) -> Para:  # noqa: N802 - several "label: value" on one printed line
    runs: list[tuple[str, str]] = []
    for i, (label, value) in enumerate(pairs):
        runs += [("R", ("\t" if i else "") + label), ("B", value)]
    kw.setdefault("align", "L")
    kw.setdefault("indent", 0.0)
    kw.setdefault("space_before", 0.6)
    return Para(runs, **kw)


@dataclass
class Spec:
    """What one document prints, in reading order, and its ground-truth fields."""

    header_left: list[Para]
    header_right: list[Para]
    body: list[Para]
    recipients: list[Para]
    signer: list[Para]
    fields: dict
    unit: str
    seal_text: str  # text around the rim of the round seal


# ---------------------------------------------------------------------------------------------- units


@dataclass(frozen=True)
class Unit:
    """An issuing unit of Vĩnh Yên city as it prints itself and as the archive names it (domain.md §5)."""

    name: str  # archive name: "Phường Khai Quang", "UBND thành phố", "Phòng Tài chính – Kế hoạch"
    parent_line: str  # first header line
    unit_line: str  # second header line, bold
    issuer: str  # ground truth issuer
    place: str  # place name in the date line
    code: str  # organ code used in dossier codes
    in_text: str  # how the body refers to it
    collective: str | None  # "ỦY BAN NHÂN DÂN" for TM. signatures, None for departments
    head: str
    deputy: str
    abbrev: str  # issuing-body part of a symbol: UBND, TCKH

    @property
    def local(self) -> str:
        """The unit as named inside a sentence: `phường Khai Quang`, `xã Thanh Trù`."""
        kind, _, rest = self.name.partition(" ")
        return f"{kind.lower()} {rest}"


WARD_NAMES = [
    "Định Trung", "Đống Đa", "Đồng Tâm", "Hội Hợp", "Khai Quang", "Liên Bảo", "Ngô Quyền", "Tích Sơn",
]


def _ward(i: int, name: str, kind: str = "Phường") -> Unit:
    return Unit(
        name=f"{kind} {name}", parent_line="ỦY BAN NHÂN DÂN", unit_line=f"{kind} {name}".upper(),
        issuer=f"ỦY BAN NHÂN DÂN {kind} {name}".upper(), place=name, code=f"000.{21 + i:02d}.12.H62",
        in_text=f"Ủy ban nhân dân {kind.lower()} {name}", collective="ỦY BAN NHÂN DÂN",
        head="CHỦ TỊCH", deputy="PHÓ CHỦ TỊCH", abbrev="UBND",
    )


WARDS = [_ward(i, n) for i, n in enumerate(WARD_NAMES)] + [_ward(8, "Thanh Trù", "Xã")]
CITY = Unit(
    name="UBND thành phố", parent_line="ỦY BAN NHÂN DÂN", unit_line="THÀNH PHỐ VĨNH YÊN",
    issuer="ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN", place="Vĩnh Yên", code="000.00.12.H62",
    in_text="Ủy ban nhân dân thành phố Vĩnh Yên", collective="ỦY BAN NHÂN DÂN",
    head="CHỦ TỊCH", deputy="PHÓ CHỦ TỊCH", abbrev="UBND",
)
TCKH = Unit(
    name="Phòng Tài chính – Kế hoạch", parent_line="UBND THÀNH PHỐ VĨNH YÊN",
    unit_line="PHÒNG TÀI CHÍNH - KẾ HOẠCH", issuer="PHÒNG TÀI CHÍNH - KẾ HOẠCH", place="Vĩnh Yên",
    code="000.05.12.H62", in_text="Phòng Tài chính - Kế hoạch thành phố Vĩnh Yên", collective=None,
    head="TRƯỞNG PHÒNG", deputy="PHÓ TRƯỞNG PHÒNG", abbrev="TCKH",
)

# ---------------------------------------------------------------------------------------------- people

SURNAMES = [
    ("Nguyễn", 30), ("Trần", 10), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 1), ("Vũ", 4), ("Võ", 1),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Phan", 2),
    ("Đào", 2), ("Đinh", 1), ("Trịnh", 1), ("Khổng", 1), ("Kiều", 1), ("Lưu", 1), ("Tạ", 1),
]
MALE_MIDDLE = ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Tiến", "Mạnh", "Thành"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng", "Phương", "Kim"]
MALE_GIVEN = [
    "Lượng", "Tuấn", "Hùng", "Dũng", "Thắng", "Cường", "Hiếu", "Phúc", "Khánh", "Long", "Sơn", "Tùng",
    "Quyết", "Trường", "Huy", "Nghĩa", "Toàn", "Đạt", "Hải", "Thịnh", "Vượng", "Bình", "Chiến",
]
MALE_GIVEN_2 = ["Đức Anh", "Quang Huy", "Minh Đức", "Tuấn Anh", "Văn Hưởng", "Hoàng Long"]
FEMALE_GIVEN = [
    "Hương", "Lan", "Huyền", "Trang", "Thảo", "Nhung", "Yến", "Phương", "Hằng", "Nga", "Oanh", "Thủy",
    "Duyên", "Loan", "Hạnh", "Ngân", "Quỳnh", "Liên", "Mai", "Xuân",
]
FEMALE_GIVEN_2 = ["Thu Hà", "Ngọc Ánh", "Thu Hương", "Minh Châu", "Bích Ngọc", "Thanh Tâm", "Hải Yến"]
STREETS = [
    "Mê Linh", "Nguyễn Tất Thành", "Lam Sơn", "Trần Phú", "Hùng Vương", "Kim Ngọc", "Nguyễn Trãi",
    "Lê Lợi", "Ngô Quyền", "Chùa Hà", "Hai Bà Trưng", "Tôn Đức Thắng", "Lý Thái Tổ", "Đội Cấn",
    "Trần Quốc Tuấn",
]
VILLAGES = ["Thôn Đông", "Thôn Nam", "Thôn Bảo Sơn", "Thôn Đại Phùng", "Thôn Vị Trù", "Thôn Yên Lập"]
HOMETOWNS = [
    "xã Kim Long, huyện Tam Dương, tỉnh Vĩnh Phúc", "xã Đạo Tú, huyện Tam Dương, tỉnh Vĩnh Phúc",
    "xã Thổ Tang, huyện Vĩnh Tường, tỉnh Vĩnh Phúc", "xã Đồng Cương, huyện Yên Lạc, tỉnh Vĩnh Phúc",
    "phường Hùng Vương, thành phố Phúc Yên, tỉnh Vĩnh Phúc", "xã Hợp Thịnh, huyện Tam Dương, tỉnh Vĩnh Phúc",
    "xã Sơn Lôi, huyện Bình Xuyên, tỉnh Vĩnh Phúc", "xã Tam Hồng, huyện Yên Lạc, tỉnh Vĩnh Phúc",
]


@dataclass
class Person:
    name: str
    male: bool
    born: dt.date
    id_number: str
    address: str
    hometown: str

    @property
    def sir(self) -> str:
        """Form of address used in the body: Ông / Bà."""
        return "Ông" if self.male else "Bà"

    @property
    def gender(self) -> str:
        return "Nam" if self.male else "Nữ"


def pick_name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    surname = surname or rng.choices([s for s, _ in SURNAMES], [w for _, w in SURNAMES])[0]
    if male:
        if rng.random() < 0.2:
            return f"{surname} {rng.choice(MALE_GIVEN_2)}"
        return f"{surname} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}"
    if rng.random() < 0.25:
        return f"{surname} Thị {rng.choice(FEMALE_GIVEN_2)}" if rng.random() < 0.5 else \
            f"{surname} {rng.choice(FEMALE_GIVEN_2)}"
    return f"{surname} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}"


def id_number(rng: random.Random, male: bool, born: dt.date) -> str:
    """12-digit personal number: province 026 (Vĩnh Phúc), sex/century digit, 2-digit year, 6 digits."""
    century = 0 if born.year < 2000 else 2
    return f"026{century + (0 if male else 1)}{born.year % 100:02d}{rng.randrange(10**6):06d}"


def address(rng: random.Random, ward: Unit | None = None) -> str:
    ward = ward or rng.choice(WARDS)
    if ward.name.startswith("Xã"):
        return f"{rng.choice(VILLAGES)}, xã {ward.place}, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc"
    if rng.random() < 0.5:
        return f"Số {rng.randint(2, 180)}, đường {rng.choice(STREETS)}, phường {ward.place}, " \
               f"thành phố Vĩnh Yên, tỉnh Vĩnh Phúc"
    return f"Tổ dân phố số {rng.randint(1, 12)}, phường {ward.place}, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc"


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def person(rng: random.Random, male: bool | None = None, born_from: int = 1955, born_to: int = 2000,
           ward: Unit | None = None, surname: str | None = None) -> Person:
    male = rng.random() < 0.5 if male is None else male
    born = random_date(rng, dt.date(born_from, 1, 1), dt.date(born_to, 12, 28))
    return Person(pick_name(rng, male, surname), male, born, id_number(rng, male, born), address(rng, ward),
                  rng.choice(HOMETOWNS))


# ---------------------------------------------------------------------------------------------- formats


def date_line(place: str, d: dt.date) -> str:
    """`Vĩnh Yên, ngày 05 tháng 02 năm 2024`: days < 10 and months 1-2 are zero-padded (NĐ 30/2020)."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"


def in_words_date(d: dt.date) -> str:
    """A date in words, as civil-status extracts repeat a birth date: `Ngày mười lăm, tháng ba, năm ...`."""
    return f"Ngày {_words(d.day)}, tháng {_MONTHS[d.month - 1]}, năm {_words(d.year)}"


_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_MONTHS = ["một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một", "mười hai"]


def _words(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        unit = {0: "", 5: " lăm"}.get(n % 10, f" {_DIGITS[n % 10]}")
        return f"mười{unit}"
    if n < 100:
        unit = {0: "", 1: " mốt", 4: " tư", 5: " lăm"}.get(n % 10, f" {_DIGITS[n % 10]}")
        return f"{_DIGITS[n // 10]} mươi{unit}"
    if n < 1000:
        rest = n % 100
        head = f"{_DIGITS[n // 100]} trăm"
        if rest == 0:
            return head
        return f"{head} linh {_DIGITS[rest]}" if rest < 10 else f"{head} {_words(rest)}"
    rest = n % 1000
    head = f"{_DIGITS[n // 1000]} nghìn"
    if rest == 0:
        return head
    if rest < 100:
        if rest >= 10:
            return f"{head} không trăm {_words(rest)}"
        return f"{head} không trăm linh {_DIGITS[rest]}"
    return f"{head} {_words(rest)}"


def dmy(d: dt.date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def doc_number(n: int) -> str:
    """Numbers under 10 get a leading 0 (`05/UBND-TP`)."""
    return f"{n:02d}"


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def dossier_code(rng: random.Random, unit: Unit, received: dt.date) -> str:
    """`000.00.12.H62-240610-0001`: organ code, receipt date YYMMDD, daily sequence (TT 01/2018 Điều 19)."""
    return f"{unit.code}-{received:%y%m%d}-{rng.randint(1, 60):04d}"


def money(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# ---------------------------------------------------------------------------------------------- blocks


def header(unit: Unit, number_line: list[Para], place_date: str) -> tuple[list[Para], list[Para]]:
    """The two header columns: issuing body + number (left), motto + place and date (right)."""
    left = [C(unit.parent_line, "R", 12.5, space_before=0),
            C(unit.unit_line, "B", 12.5, space_before=0, rule_below=22.0)] + number_line
    right = [C("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12.5, space_before=0),
             C("Độc lập - Tự do - Hạnh phúc", "B", 13.5, space_before=0, rule_below=58.0),
             C(place_date, "I", 13.5, space_before=3.0)]
    return left, right


def number_paras(number: str | None, extra: list[Para] | None = None) -> list[Para]:
    paras = [C(f"Số: {number}", "R", 13.0, space_before=3.0)] if number else []
    return paras + (extra or [])


def signer_block(unit: Unit, rng: random.Random, deputy: bool | None = None) -> tuple[list[Para], str, str]:
    """Signer block lines (TM. / KT. / position / gap / name), the signer's name and printed position."""
    deputy = rng.random() < 0.7 if deputy is None else deputy
    name = pick_name(rng, rng.random() < 0.65)
    lines = [f"TM. {unit.collective}"] if unit.collective else []
    if deputy:
        lines += [f"KT. {unit.head}", unit.deputy]
    else:
        lines += [unit.head]
    title = lines[-1]
    paras = [C(t, "B", 13.0, space_before=0) for t in lines]
    paras[-1].gap_after = 24.0
    paras[-1].signature = True
    paras.append(C(name, "B", 13.5, space_before=0))
    return paras, name, title


def recipients(items: list[str]) -> list[Para]:
    out = [Para([("BI", "Nơi nhận:")], size=12.0, align="L", indent=0.0, space_before=0)]
    for i, item in enumerate(items):
        end = "." if i == len(items) - 1 else ";"
        out.append(Para([("R", f"- {item}{end}")], size=11.0, align="L", indent=0.0, space_before=0))
    return out


def canned(*texts: str) -> list[Para]:
    return [P(t) for t in texts]


def base_fields(**kw) -> dict:
    out = {k: None for k in FIELD_KEYS}
    out.update(subject_names=[], id_numbers=[])
    out.update(kw)
    return out


LAW_LOCAL = ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
             "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 "
             "năm 2019;")


# ---------------------------------------------------------------------------------------------- templates


def quyet_dinh(rng: random.Random, index: int) -> Spec:
    """Quyết định of the city or a ward; index 0 (and every third) is the long two-page land recovery."""
    issued = random_date(rng, dt.date(2016, 1, 1), dt.date(2024, 12, 28))
    variant = "thu_hoi" if index % 3 == 0 else rng.choice(["cap_gcn", "chuyen_muc_dich", "tro_cap"])
    unit = rng.choice(WARDS) if variant == "tro_cap" else CITY
    n = rng.randint(1, 4800)
    if unit is CITY and variant != "thu_hoi" and rng.random() < 0.2:
        number = f"{doc_number(rng.randint(1, 40))}/{issued.year}/QĐ-UBND"
    else:
        number = f"{doc_number(n)}/QĐ-{unit.abbrev}"
    sign, signer, signer_title = signer_block(unit, rng)
    left, right = header(unit, number_paras(number), date_line(unit.place, issued))
    received = issued - dt.timedelta(days=rng.randint(5, 25))
    code = dossier_code(rng, unit, received)
    tr = f"{rng.randint(10, 900)}/TTr-TNMT ngày {issued.day:02d}/{issued.month:02d}/{issued.year}"
    subjects: list[Person] = []
    body: list[Para]
    dossier: str | None = code
    if variant == "thu_hoi":
        project = rng.choice(["Đường Nguyễn Tất Thành kéo dài", "Khu đô thị mới Nam Vĩnh Yên",
                              "Mở rộng Trường Tiểu học Liên Bảo", "Cải tạo, nâng cấp đường Lam Sơn",
                              "Khu nhà ở xã hội phường Khai Quang"])
        ward = rng.choice(WARDS)
        summary = f"Về việc thu hồi đất để thực hiện dự án {project}"
        subjects = []
        while len(subjects) < rng.randint(9, 12) or len(subjects) < 9:
            p = person(rng, ward=ward)
            if p.name not in {s.name for s in subjects}:
                subjects.append(p)
        total = 0.0
        items = []
        for i, p in enumerate(subjects, 1):
            area = round(rng.uniform(45, 420), 1)
            total += area
            kind = rng.choice(["đất trồng lúa", "đất trồng cây hằng năm khác", "đất ở tại đô thị"])
            items.append(P(f"{i}. Hộ {p.sir.lower()} {p.name}, thửa đất số {rng.randint(10, 480)}, tờ bản đồ "
                           f"số {rng.randint(1, 40)}, diện tích {str(area).replace('.', ',')} m², {kind};",
                           indent=10.0, space_before=0.4))
        body = canned(
            LAW_LOCAL,
            "Căn cứ Luật Đất đai ngày 29 tháng 11 năm 2013;",
            "Căn cứ Nghị định số 43/2014/NĐ-CP ngày 15 tháng 5 năm 2014 của Chính phủ quy định chi tiết thi "
            "hành một số điều của Luật Đất đai; Nghị định số 47/2014/NĐ-CP ngày 15 tháng 5 năm 2014 của "
            "Chính phủ quy định về bồi thường, hỗ trợ, tái định cư khi Nhà nước thu hồi đất;",
            "Căn cứ Nghị quyết số 28/NQ-HĐND ngày 12 tháng 12 năm 2015 của Hội đồng nhân dân tỉnh Vĩnh Phúc "
            f"về danh mục các dự án cần thu hồi đất, trong đó có dự án {project};",
            f"Xét đề nghị của Phòng Tài nguyên và Môi trường tại Tờ trình số {tr}.",
        ) + [C("QUYẾT ĐỊNH:", "B", space_before=2.5),
             art(1, f"Thu hồi {str(round(total, 1)).replace('.', ',')} m² đất tại phường "
               f"{ward.place}, thành phố Vĩnh Yên của {len(subjects)} hộ gia đình, cá "
               f"nhân để thực hiện dự án {project}, cụ thể như sau:")]
        body += items
        body += [
            P("Vị trí, ranh giới khu đất thu hồi được xác định theo trích lục bản đồ địa chính khu đất do "
              "Văn phòng Đăng ký đất đai chi nhánh Vĩnh Yên lập."),
            art(2, "Giao Phòng Tài nguyên và Môi trường, Trung tâm Phát triển quỹ đất "
               f"thành phố, Ủy ban nhân dân phường {ward.place} có trách nhiệm:"),
            P("1. Giao quyết định thu hồi đất cho các hộ gia đình, cá nhân có đất bị thu hồi; niêm yết công "
              f"khai quyết định này tại trụ sở Ủy ban nhân dân phường {ward.place} và tại địa điểm sinh hoạt "
              "chung của khu dân cư nơi có đất thu hồi."),
            P("2. Lập phương án bồi thường, hỗ trợ trình cấp có thẩm quyền phê duyệt; tổ chức chi trả tiền "
              "bồi thường, hỗ trợ và bàn giao đất cho chủ đầu tư theo quy định."),
            P("3. Cập nhật biến động đất đai vào hồ sơ địa chính theo quy định của pháp luật."),
            art(3, "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng HĐND và "
               "UBND thành phố, Trưởng phòng Tài nguyên và Môi trường, Giám đốc Trung "
               f"tâm Phát triển quỹ đất, Chủ tịch UBND phường {ward.place}, các hộ gia "
               "đình, cá nhân có tên tại Điều 1 và các cơ quan, đơn vị có liên quan chịu "
               "trách nhiệm thi hành Quyết định này./."),
        ]
        field_name = "Đất đai"
        dossier = None
        rec = ["Như Điều 3", "TT Thành ủy, TT HĐND thành phố", "CT, các PCT UBND thành phố",
               "Sở Tài nguyên và Môi trường", "Lưu: VT, TNMT"]
    elif variant in ("cap_gcn", "chuyen_muc_dich"):
        p = person(rng)
        subjects = [p]
        parcel = f"thửa đất số {rng.randint(10, 480)}, tờ bản đồ số {rng.randint(1, 40)}"
        area = str(round(rng.uniform(60, 300), 1)).replace(".", ",")
        if variant == "cap_gcn":
            summary = ("Về việc cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác "
                       "gắn liền với đất")
            art1 = (f"Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với "
                    f"đất cho {p.sir.lower()} {p.name}, số định danh cá nhân {p.id_number}, nơi cư trú: "
                    f"{p.address}, đối với {parcel}, diện tích {area} m², mục đích sử dụng: đất ở tại đô "
                    f"thị, thời hạn sử dụng: lâu dài.")
        else:
            summary = "Về việc cho phép chuyển mục đích sử dụng đất"
            art1 = (f"Cho phép {p.sir.lower()} {p.name}, số định danh cá nhân {p.id_number}, nơi cư trú: "
                    f"{p.address}, được chuyển mục đích sử dụng {area} m² đất trồng cây lâu năm sang đất ở "
                    f"tại đô thị tại {parcel}.")
        body = canned(
            LAW_LOCAL,
            "Căn cứ Luật Đất đai ngày 29 tháng 11 năm 2013;",
            "Căn cứ Nghị định số 43/2014/NĐ-CP ngày 15 tháng 5 năm 2014 của Chính phủ quy định chi tiết thi "
            "hành một số điều của Luật Đất đai;",
            f"Xét đơn đề nghị của {p.sir.lower()} {p.name} và đề nghị của Phòng Tài nguyên và Môi trường tại "
            f"Tờ trình số {tr}.",
        ) + [C("QUYẾT ĐỊNH:", "B", space_before=2.5),
             art(1, art1),
             art(2, f"{p.sir} {p.name} có trách nhiệm thực hiện nghĩa vụ tài chính và "
               "sử dụng đất đúng mục đích theo quy định của pháp luật."),
             art(3, "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng HĐND và "
               "UBND thành phố, Trưởng phòng Tài nguyên và Môi trường, Chi cục trưởng "
               f"Chi cục Thuế khu vực Vĩnh Yên, {p.sir.lower()} {p.name} và các cơ quan "
               "có liên quan chịu trách nhiệm thi hành Quyết định này./."),
             P(f"Mã hồ sơ: {code}", "I", align="L", indent=0.0, size=12.0, space_before=2.0)]
        field_name = "Đất đai"
        rec = ["Như Điều 3", "Chi cục Thuế khu vực Vĩnh Yên", "Lưu: VT, TNMT"]
    else:  # tro_cap: a ward's decision on monthly social allowance
        p = person(rng, born_from=1935, born_to=1948, ward=unit)
        subjects = [p]
        amount = money(rng.choice([360000, 540000, 720000]))
        start = add_months(issued.replace(day=1), 1)
        summary = "Về việc trợ cấp xã hội hằng tháng đối với người cao tuổi"
        body = canned(
            LAW_LOCAL,
            "Căn cứ Luật Người cao tuổi ngày 23 tháng 11 năm 2009;",
            "Căn cứ Nghị định số 20/2021/NĐ-CP ngày 15 tháng 3 năm 2021 của Chính phủ quy định chính sách "
            "trợ giúp xã hội đối với đối tượng bảo trợ xã hội;",
            f"Xét đề nghị của công chức Văn hóa - Xã hội {unit.local}.",
        ) + [C("QUYẾT ĐỊNH:", "B", space_before=2.5),
             art(1, f"Trợ cấp xã hội hằng tháng đối với {p.sir.lower()} {p.name}, sinh "
               f"ngày {dmy(p.born)}, số định danh cá nhân {p.id_number}, nơi cư trú: "
               f"{p.address}."),
             P(f"Mức trợ cấp: {amount} đồng/tháng, kể từ ngày {dmy(start)}."),
             art(2, "Quyết định này có hiệu lực kể từ ngày ký. Công chức Văn hóa - Xã "
               f"hội, Kế toán ngân sách {unit.local} và {p.sir.lower()} {p.name} "
               "chịu trách nhiệm thi hành Quyết định này./."),
             P(f"Mã hồ sơ: {code}", "I", align="L", indent=0.0, size=12.0, space_before=2.0)]
        field_name = "Lao động – Thương binh xã hội"
        rec = ["Như Điều 2", "Phòng Lao động - TB&XH thành phố", "Lưu: VT"]
    title_paras = [C("QUYẾT ĐỊNH", "B", 14.0, space_before=6.0),
                   Para([("B", summary)], size=14.0, align="C", indent=0.0, space_before=0.5,
                        rule_below=35.0),
                   C(f"{unit.collective} {unit.unit_line}", "B", 14.0, space_before=4.0)]
    fields = base_fields(
        doc_type="Quyết định", title="Quyết định", number=number, issued_date=issued.isoformat(),
        issuer=unit.issuer, place=unit.place, summary=summary, signer=signer, signer_title=signer_title,
        subject_names=[s.name for s in subjects],
        id_numbers=[s.id_number for s in subjects] if variant != "thu_hoi" else [],
        field=field_name, dossier_code=dossier,
    )
    return Spec(left, right, title_paras + body, recipients(rec), sign, fields, unit.name, unit.issuer)


def cong_van(rng: random.Random, index: int) -> Spec:
    """Công văn replying to a citizen: no type line, `V/v ...` under the number."""
    issued = random_date(rng, dt.date(2015, 7, 1), dt.date(2024, 12, 28))
    unit = rng.choice([CITY] + WARDS)
    topic = rng.choice([
        ("ĐC", "Đất đai", "trả lời đơn đề nghị cấp Giấy chứng nhận quyền sử dụng đất",
         "đề nghị cấp Giấy chứng nhận quyền sử dụng đất đối với thửa đất gia đình đang sử dụng"),
        ("TP", "Tư pháp", "trả lời đơn của công dân",
         "đề nghị cải chính thông tin trên giấy tờ hộ tịch"),
        ("ĐT", "Xây dựng", "trả lời đơn kiến nghị về trật tự xây dựng",
         "phản ánh việc xây dựng công trình lấn chiếm hành lang an toàn giao thông"),
        ("NC", "Khiếu nại tố cáo", "trả lời đơn kiến nghị của công dân",
         "kiến nghị về việc giải quyết tranh chấp ranh giới đất giữa các hộ liền kề"),
    ])
    symbol, field_name, vv, request = topic
    number = f"{doc_number(rng.randint(1, 2400))}/{unit.abbrev}-{symbol}"
    summary = f"V/v {vv}"
    vv_para = Para([("R", summary)], size=12.0, align="C", indent=0.0, space_before=0.8)
    left, right = header(unit, number_paras(number, [vv_para]), date_line(unit.place, issued))
    p = person(rng)
    sign, signer, signer_title = signer_block(unit, rng)
    sent = issued - dt.timedelta(days=rng.randint(10, 40))
    body = [
        Para([("I", "Kính gửi: "), ("R", f"{p.sir} {p.name}, nơi cư trú: {p.address}.")], align="L",
             indent=15.0, space_before=7.0),
        P(f"{unit.in_text} nhận được đơn đề ngày {dmy(sent)} của {p.sir.lower()} {p.name} {request}. Sau khi "
          f"xem xét hồ sơ và đối chiếu các quy định của pháp luật, {unit.in_text} trả lời như sau:",
          space_before=5.0),
        P(f"1. Nội dung đơn của {p.sir.lower()} thuộc thẩm quyền giải quyết của {unit.in_text}. Cơ quan "
          "chuyên môn đã kiểm tra thực địa, làm việc với các bên liên quan và lập biên bản kiểm tra theo quy "
          "định."),
        P(f"2. Đề nghị {p.sir.lower()} {p.name} bổ sung các giấy tờ còn thiếu theo hướng dẫn của bộ phận "
          "tiếp nhận và trả kết quả trong thời hạn 15 ngày làm việc kể từ ngày nhận được văn bản này."),
        P(f"3. Quá thời hạn trên, nếu {p.sir.lower()} không bổ sung hồ sơ thì đơn được lưu theo quy định; "
          f"{p.sir.lower()} có quyền nộp lại hồ sơ khi có đủ giấy tờ."),
        P(f"{unit.in_text} trả lời để {p.sir.lower()} {p.name} được biết và thực hiện./."),
    ]
    fields = base_fields(
        doc_type="Công văn", title=None, number=number, issued_date=issued.isoformat(), issuer=unit.issuer,
        place=unit.place, summary=summary, signer=signer, signer_title=signer_title, subject_names=[p.name],
        field=field_name,
    )
    return Spec(left, right, body, recipients(["Như trên", f"Lưu: VT, {symbol}"]), sign, fields, unit.name,
                unit.issuer)


def _civil_unit(rng: random.Random) -> Unit:
    return rng.choice(WARDS)


def ket_hon(rng: random.Random, index: int) -> Spec:
    """Giấy chứng nhận kết hôn from a ward: two people, registration book number."""
    issued = random_date(rng, dt.date(2016, 1, 1), dt.date(2024, 12, 28))
    unit = _civil_unit(rng)
    husband = person(rng, True, issued.year - 40, issued.year - 21, ward=unit)
    wife = person(rng, False, issued.year - 38, issued.year - 19)
    number = str(rng.randint(1, 180))
    book = f"Quyển số: {doc_number(rng.randint(1, 3))}/{issued.year}"
    left, right = header(unit, number_paras(number, [C(book, "R", 13.0, space_before=0.5)]),
                         date_line(unit.place, issued))
    sign, signer, signer_title = signer_block(unit, rng)
    code = dossier_code(rng, unit, issued)

    def side(label: str, p: Person) -> list[Para]:
        return [LV(f"Họ, chữ đệm, tên {label}: ", p.name.upper(), space_before=2.0),
                LV("Ngày, tháng, năm sinh: ", dmy(p.born)),
                LVS(("Dân tộc: ", "Kinh"), ("Quốc tịch: ", "Việt Nam")),
                LV("Nơi cư trú: ", p.address),
                LV("Số định danh cá nhân: ", p.id_number)]

    body = [C("GIẤY CHỨNG NHẬN KẾT HÔN", "B", 15.0, space_before=8.0, rule_below=0.0)]
    body += side("chồng", husband) + side("vợ", wife)
    body += [LV("Đăng ký kết hôn ngày: ", f"{dmy(issued)}", space_before=3.0),
             LV("Nơi đăng ký: ", f"{unit.in_text}, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc"),
             P(f"Mã hồ sơ: {code}", "I", align="L", indent=0.0, size=12.0, space_before=2.0),
             Para([("I", "Chồng "), ("R", "(ký, ghi rõ họ, chữ đệm, tên): "), ("B", husband.name)],
                  size=12.0, align="L", indent=0.0, space_before=3.0),
             Para([("I", "Vợ "), ("R", "(ký, ghi rõ họ, chữ đệm, tên): "), ("B", wife.name)],
                  size=12.0, align="L", indent=0.0, space_before=0.5)]
    fields = base_fields(
        doc_type="Giấy chứng nhận", title="Giấy chứng nhận kết hôn", number=number,
        issued_date=issued.isoformat(), issuer=unit.issuer, place=unit.place, signer=signer,
        signer_title=signer_title, subject_names=[husband.name, wife.name],
        id_numbers=[husband.id_number, wife.id_number], field="Hộ tịch", dossier_code=code,
    )
    return Spec(left, right, body, [], sign, fields, unit.name, unit.issuer)


def khai_sinh(rng: random.Random, index: int) -> Spec:
    """Trích lục khai sinh (bản sao): child, parents, birth date in figures and words."""
    issued = random_date(rng, dt.date(2016, 1, 1), dt.date(2024, 12, 28))
    unit = _civil_unit(rng)
    registered = random_date(rng, min(dt.date(2016, 1, 10), issued), issued)
    born = registered - dt.timedelta(days=rng.randint(5, 55))
    surname = rng.choices([s for s, _ in SURNAMES], [w for _, w in SURNAMES])[0]
    father = person(rng, True, born.year - 40, born.year - 22, ward=unit, surname=surname)
    mother = person(rng, False, born.year - 38, born.year - 20)
    male = rng.random() < 0.5
    child = Person(pick_name(rng, male, surname), male, born, id_number(rng, male, born), father.address,
                   father.hometown)
    number = f"{rng.randint(1, 400)}/TLKS-BS"
    left, right = header(unit, number_paras(number), date_line(unit.place, issued))
    sign, signer, signer_title = signer_block(unit, rng)
    code = dossier_code(rng, unit, issued)
    body = [C("TRÍCH LỤC KHAI SINH", "B", 15.0, space_before=8.0),
            C("(BẢN SAO)", "B", 13.0, space_before=0.5),
            LV("Họ, chữ đệm và tên: ", child.name.upper(), space_before=4.0),
            LV("Ngày, tháng, năm sinh: ", dmy(born)),
            LV("ghi bằng chữ: ", in_words_date(born), indent=0.0),
            LVS(("Giới tính: ", child.gender), ("Dân tộc: ", "Kinh"), ("Quốc tịch: ", "Việt Nam")),
            LV("Nơi sinh: ", "Bệnh viện Đa khoa tỉnh Vĩnh Phúc, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc"),
            LV("Quê quán: ", child.hometown),
            LV("Số định danh cá nhân: ", child.id_number),
            LV("Họ, chữ đệm và tên người mẹ: ", mother.name.upper(), space_before=2.5),
            LVS(("Năm sinh: ", str(mother.born.year)), ("Dân tộc: ", "Kinh"), ("Quốc tịch: ", "Việt Nam")),
            LV("Nơi cư trú: ", mother.address),
            LV("Họ, chữ đệm và tên người cha: ", father.name.upper(), space_before=2.5),
            LVS(("Năm sinh: ", str(father.born.year)), ("Dân tộc: ", "Kinh"), ("Quốc tịch: ", "Việt Nam")),
            LV("Nơi cư trú: ", father.address),
            LV("Nơi đăng ký khai sinh: ", f"{unit.in_text}, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc",
               space_before=2.5),
            LV("Ngày, tháng, năm đăng ký: ", dmy(registered)),
            P(f"Mã hồ sơ: {code}", "I", align="L", indent=0.0, size=12.0, space_before=2.0)]
    fields = base_fields(
        doc_type="Trích lục", title="Trích lục khai sinh", number=number, issued_date=issued.isoformat(),
        issuer=unit.issuer, place=unit.place, signer=signer, signer_title=signer_title,
        subject_names=[child.name, mother.name, father.name], id_numbers=[child.id_number], field="Hộ tịch",
        dossier_code=code,
    )
    return Spec(left, right, body, [], sign, fields, unit.name, unit.issuer)


BUSINESSES = [
    ("TẠP HÓA", "Bán lẻ lương thực, thực phẩm, đồ uống trong các cửa hàng kinh doanh tổng hợp", "4711"),
    ("ĂN UỐNG", "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động", "5610"),
    ("SỬA CHỮA XE MÁY", "Bảo dưỡng và sửa chữa mô tô, xe máy", "4542"),
    ("VẬT LIỆU XÂY DỰNG", "Bán buôn vật liệu, thiết bị lắp đặt khác trong xây dựng", "4663"),
    ("CẮT TÓC", "Cắt tóc, làm đầu, gội đầu", "9631"),
]


def ho_kinh_doanh(rng: random.Random, index: int) -> Spec:
    """Giấy chứng nhận đăng ký hộ kinh doanh from Phòng Tài chính – Kế hoạch: business code, owner."""
    issued = random_date(rng, dt.date(2016, 1, 1), dt.date(2024, 12, 28))
    unit = TCKH
    owner = person(rng, born_from=1960, born_to=2000)
    kind, trade, vsic = rng.choice(BUSINESSES)
    given = owner.name.split()[-1].upper()
    name = f"HỘ KINH DOANH {kind} {given}"
    code_len = rng.choice([10, 10, 11, 13])
    biz = "25" + "".join(str(rng.randrange(10)) for _ in range(code_len - 2))
    left, right = header(unit, [], date_line(unit.place, issued))
    sign, signer, signer_title = signer_block(unit, rng)
    dossier = dossier_code(rng, unit, issued - dt.timedelta(days=rng.randint(1, 3)))
    place_ward = rng.choice(WARDS)
    millions = rng.choice([50, 80, 100, 150, 200, 300, 500])
    capital = money(millions * 1_000_000)
    capital_words = f"{_words(millions)} triệu đồng".capitalize()
    body = [C("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "B", 14.5, space_before=8.0),
            C(f"Mã số hộ kinh doanh: {biz}", "B", 13.5, space_before=1.5),
            C(f"Đăng ký lần đầu: ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}", "I", 13.0,
              space_before=0.5),
            LV("1. Tên hộ kinh doanh: ", name, space_before=4.0),
            LV("2. Địa điểm kinh doanh: ", address(rng, place_ward)),
            LV("Điện thoại: ", f"0{rng.choice([9, 8, 3])}{rng.randrange(10**8):08d}"),
            LV("3. Ngành, nghề kinh doanh: ", f"{trade} (mã ngành {vsic})"),
            LV("4. Vốn kinh doanh: ", f"{capital} đồng"),
            LV("Bằng chữ: ", capital_words),
            LV("5. Số lượng lao động: ", str(rng.randint(1, 9))),
            Para([("R", "6. Chủ hộ kinh doanh:")], align="L", indent=0.0, space_before=0.6),
            LV("Họ, chữ đệm và tên: ", owner.name.upper()),
            LVS(("Giới tính: ", owner.gender), ("Sinh ngày: ", dmy(owner.born))),
            LVS(("Dân tộc: ", "Kinh"), ("Quốc tịch: ", "Việt Nam")),
            LV("Số định danh cá nhân: ", owner.id_number),
            LV("Nơi cư trú: ", owner.address),
            P(f"Mã hồ sơ: {dossier}", "I", align="L", indent=0.0, size=12.0, space_before=2.0)]
    fields = base_fields(
        doc_type="Giấy chứng nhận", title="Giấy chứng nhận đăng ký hộ kinh doanh", number=biz,
        issued_date=issued.isoformat(), issuer=unit.issuer, place=unit.place, signer=signer,
        signer_title=signer_title, subject_names=[owner.name], id_numbers=[owner.id_number],
        field="Đăng ký kinh doanh", dossier_code=dossier,
    )
    return Spec(left, right, body, [], sign, fields, unit.name, "PHÒNG TÀI CHÍNH - KẾ HOẠCH * VĨNH YÊN")


def giay_phep_xay_dung(rng: random.Random, index: int) -> Spec:
    """Giấy phép xây dựng nhà ở riêng lẻ from UBND thành phố."""
    issued = random_date(rng, dt.date(2016, 1, 1), dt.date(2024, 12, 28))
    unit = CITY
    owner = person(rng)
    number = f"{doc_number(rng.randint(1, 900))}/GPXD"
    left, right = header(unit, number_paras(number), date_line(unit.place, issued))
    sign, signer, signer_title = signer_block(unit, rng, deputy=True)
    dossier = dossier_code(rng, unit, issued - dt.timedelta(days=rng.randint(7, 15)))
    ward = rng.choice(WARDS)
    floors = rng.randint(2, 5)
    ground = round(rng.uniform(55, 140), 1)
    comma = lambda x: str(x).replace(".", ",")  # noqa: E731
    gcn = f"{rng.choice(['CĐ', 'CS', 'DA'])} {rng.randint(100000, 999999)}"
    body = [C("GIẤY PHÉP XÂY DỰNG", "B", 15.0, space_before=8.0),
            C("(Sử dụng cho nhà ở riêng lẻ)", "I", 13.0, space_before=0.5),
            Para([("R", "1. Cấp cho: "), ("B", f"{owner.sir} {owner.name}")], align="L", indent=0.0,
                 space_before=4.0),
            LV("Số định danh cá nhân: ", owner.id_number),
            LV("Nơi cư trú: ", owner.address),
            P("2. Được phép xây dựng công trình: nhà ở riêng lẻ theo thiết kế do chủ hộ lập, với các nội "
              "dung sau:", indent=0.0),
            P(f"- Vị trí xây dựng: thửa đất số {rng.randint(10, 480)}, tờ bản đồ số {rng.randint(1, 40)}, "
              f"phường {ward.place}, thành phố Vĩnh Yên.", indent=5.0, space_before=0.4),
            P(f"- Cốt nền xây dựng công trình: +{comma(round(rng.uniform(0.3, 0.6), 2))} m so với cốt vỉa "
              "hè.",
              indent=5.0, space_before=0.4),
            P(f"- Mật độ xây dựng: {rng.choice([70, 75, 80, 90])}%; hệ số sử dụng đất: "
              f"{comma(round(rng.uniform(2.0, 4.5), 1))} lần.", indent=5.0, space_before=0.4),
            P("- Chỉ giới đường đỏ, chỉ giới xây dựng: theo quy hoạch chi tiết được duyệt.", indent=5.0,
              space_before=0.4),
            P(f"- Diện tích xây dựng tầng 1: {comma(ground)} m²; tổng diện tích sàn: "
              f"{comma(round(ground * floors, 1))} m².", indent=5.0, space_before=0.4),
            P(f"- Chiều cao công trình: {comma(round(3.6 * floors + 1.2, 1))} m; số tầng: {floors:02d} tầng.",
              indent=5.0, space_before=0.4),
            P(f"3. Giấy tờ về quyền sử dụng đất: Giấy chứng nhận quyền sử dụng đất số {gcn}.", indent=0.0),
            P("4. Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn 12 tháng kể từ ngày cấp; quá "
              "thời hạn trên thì phải đề nghị gia hạn giấy phép xây dựng.", indent=0.0),
            P(f"Mã hồ sơ: {dossier}", "I", align="L", indent=0.0, size=12.0, space_before=2.0)]
    fields = base_fields(
        doc_type="Giấy phép", title="Giấy phép xây dựng", number=number, issued_date=issued.isoformat(),
        issuer=unit.issuer, place=unit.place, signer=signer, signer_title=signer_title,
        subject_names=[owner.name], id_numbers=[owner.id_number], field="Xây dựng", dossier_code=dossier,
    )
    rec = ["Như trên", "Phòng Quản lý đô thị", f"UBND phường {ward.place}", "Lưu: VT, QLĐT"]
    return Spec(left, right, body, recipients(rec), sign, fields, unit.name, unit.issuer)


def xac_nhan_hon_nhan(rng: random.Random, index: int) -> Spec:
    """Giấy xác nhận tình trạng hôn nhân from a ward, valid six months from issue."""
    issued = random_date(rng, dt.date(2016, 1, 1), dt.date(2024, 12, 28))
    unit = _civil_unit(rng)
    p = person(rng, born_from=1975, born_to=2002, ward=unit)
    number = f"{rng.randint(1, 300)}/XNTTHN"
    left, right = header(unit, number_paras(number), date_line(unit.place, issued))
    sign, signer, signer_title = signer_block(unit, rng)
    dossier = dossier_code(rng, unit, issued - dt.timedelta(days=rng.randint(1, 3)))
    purpose = rng.choice(["làm thủ tục đăng ký kết hôn", "bổ sung hồ sơ vay vốn ngân hàng",
                          "làm thủ tục mua bán nhà đất"])
    since = max(p.born.replace(day=1, month=1).replace(year=p.born.year + 18), dt.date(2010, 1, 1))
    body = [C("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "B", 14.5, space_before=8.0),
            C(f"{unit.in_text.upper()}", "B", 13.0, space_before=3.0),
            P(f"Xét đề nghị của {p.sir.lower()} {p.name} về việc cấp Giấy xác nhận tình trạng hôn nhân cho "
              "bản thân,", space_before=3.0),
            C("XÁC NHẬN:", "B", space_before=2.0),
            LV("Họ, chữ đệm và tên: ", p.name.upper(), space_before=2.0),
            LVS(("Ngày, tháng, năm sinh: ", dmy(p.born)), ("Giới tính: ", p.gender)),
            LVS(("Dân tộc: ", "Kinh"), ("Quốc tịch: ", "Việt Nam")),
            LV("Số định danh cá nhân: ", p.id_number),
            LV("Nơi cư trú: ", p.address),
            P(f"Trong thời gian cư trú tại {unit.local}, thành phố Vĩnh Yên, tỉnh Vĩnh Phúc từ ngày "
              f"{dmy(since)} đến ngày {dmy(issued)}.", indent=0.0, space_before=1.0),
            LV("Tình trạng hôn nhân: ", "Hiện tại chưa đăng ký kết hôn với ai."),
            LV("Giấy này được cấp để: ", purpose),
            P("Giấy này có giá trị sử dụng trong thời hạn 6 tháng, kể từ ngày cấp.", "I", indent=0.0,
              space_before=1.0),
            P(f"Mã hồ sơ: {dossier}", "I", align="L", indent=0.0, size=12.0, space_before=2.0)]
    fields = base_fields(
        doc_type="Giấy xác nhận", title="Giấy xác nhận tình trạng hôn nhân", number=number,
        issued_date=issued.isoformat(), issuer=unit.issuer, place=unit.place, signer=signer,
        signer_title=signer_title, subject_names=[p.name], id_numbers=[p.id_number], field="Hộ tịch",
        dossier_code=dossier, valid_until=add_months(issued, 6).isoformat(),
    )
    return Spec(left, right, body, [], sign, fields, unit.name, unit.issuer)


TEMPLATES = {
    "quyet_dinh": ("qd", quyet_dinh),
    "cong_van": ("cv", cong_van),
    "ket_hon": ("kh", ket_hon),
    "khai_sinh": ("ks", khai_sinh),
    "ho_kinh_doanh": ("hkd", ho_kinh_doanh),
    "giay_phep_xay_dung": ("gpxd", giay_phep_xay_dung),
    "xac_nhan_hon_nhan": ("xn", xac_nhan_hon_nhan),
}

