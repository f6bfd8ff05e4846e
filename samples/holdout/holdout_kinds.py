"""The hold-out kinds: twenty results a ward, the city or one of its offices issues, laid out on a Sheet.

Each ``kind_*`` function takes a :class:`Draft` (a blank sheet, a seeded people source and the unit
that issues) and fills the sheet and the ground-truth fields the way a clerk would record them:
``number`` as printed after its label, ``issued_date`` from the place-date line or the labelled issue
or registration date (never a birth, death, violation or validity date), ``signer_title`` the last
title line(s) of the signature block as printed, ``subject_names`` the citizens the result is about in
ordinary capitalisation. Field names are those of ``sohoa/fields.py``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from holdout_people import CITY, COMMUNE, OFFICES, WARDS, People, Person
from holdout_sheet import LEFT, PAGE_W, TEXT_W, Sheet

CIVIL = "Hộ tịch"
LAND = "Đất đai"
SOCIAL = "Lao động – Thương binh xã hội"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
LEFT_X, RIGHT_X = LEFT + 38.0, LEFT + TEXT_W - 46.0  # centres of the header and footer columns
LEFT_ROOM, RIGHT_ROOM = 80.0, 92.0


@dataclass(frozen=True)
class Issuer:
    """Who issues: header lines (text, bold), the unit-table name, the place on the date line."""

    header: tuple[tuple[str, bool], ...]
    unit: str
    place: str
    body_name: str  # how the body calls it: "Ủy ban nhân dân phường Khai Quang"
    is_office: bool = False

    @property
    def printed(self) -> str:
        """The issuing body as a clerk copies it: the bold unit line(s), collapsed."""
        bold = [text for text, is_bold in self.header if is_bold]
        return " ".join(bold)


def ward_issuer(rng: random.Random, ward: str | None = None) -> Issuer:
    """A ward (or the commune) in one of three header styles: two lines, UBND + parent, one line."""
    ward = ward or rng.choice(WARDS)
    level = "XÃ" if ward == COMMUNE else "PHƯỜNG"
    style = rng.randrange(3)
    if style == 0:
        header = (("ỦY BAN NHÂN DÂN", True), (f"{level} {ward.upper()}", True))
    elif style == 1:
        header = (("UBND THÀNH PHỐ VĨNH YÊN", False), (f"UBND {level} {ward.upper()}", True))
    else:
        header = ((f"UBND {level} {ward.upper()}", True),)
    unit = f"{'Xã' if ward == COMMUNE else 'Phường'} {ward}"
    return Issuer(header, unit, ward, f"Ủy ban nhân dân {level.lower()} {ward}")


def city_issuer(rng: random.Random) -> Issuer:
    """The city people's committee, spelled out or abbreviated."""
    if rng.random() < 0.5:
        header = (("ỦY BAN NHÂN DÂN", True), ("THÀNH PHỐ VĨNH YÊN", True))
    else:
        header = (("UBND TỈNH VĨNH PHÚC", False), ("UBND THÀNH PHỐ VĨNH YÊN", True))
    return Issuer(header, CITY, "Vĩnh Yên", "Ủy ban nhân dân thành phố Vĩnh Yên")


def office_issuer(rng: random.Random, code: str) -> Issuer:
    """A city office under its parent line."""
    name = OFFICES[code]
    parent = rng.choice(("UBND THÀNH PHỐ VĨNH YÊN", "ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN"))
    printed = name.upper().replace("–", "-")
    return Issuer(((parent, False), (printed, True)), name, "Vĩnh Yên", name, is_office=True)


def vn_date(day: dt.date, pad: bool = True) -> str:
    """``ngày 05 tháng 3 năm 2024`` (NĐ 30: zero before days below 10 and months 1 and 2)."""
    if not pad:
        return f"ngày {day.day} tháng {day.month} năm {day.year}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def slash(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def title_case(name: str) -> str:
    return " ".join(part[:1].upper() + part[1:].lower() for part in name.split())


@dataclass
class Draft:
    """A document being written: its sheet, people source, issuer, issue date and the truth fields."""

    kind: str
    sheet: Sheet
    people: People
    issuer: Issuer
    issued: dt.date
    fields: dict = field(default_factory=dict)

    @property
    def rng(self) -> random.Random:
        return self.people.rng

    # --- header ------------------------------------------------------------------------------
    def header(self, number: str | None, vv: str | None = None, date_top: bool = True,
               number_label: str = "Số:") -> None:
        """Two columns: issuer, rule and number left; motto, rule and place-date right."""
        s = self.sheet
        top = s.y
        size = s.size - 0.5
        for text, bold in self.issuer.header:
            fitted = s.fit(text, "B" if bold else "", size, LEFT_ROOM)
            s.put(LEFT_X, s.y, text, "B" if bold else "", fitted, anchor="c")
            s.y += s.leading(size)
        s.rules.append(_rule_under(s, LEFT_X, 22))
        s.y += 3.2
        if number is not None:
            s.put(LEFT_X, s.y, f"{number_label} {number}", "", size, anchor="c")
            s.y += s.leading(size)
        if vv:
            for part in s.wrap(vv, "", size - 1, LEFT_ROOM - 6):
                s.put(LEFT_X, s.y, part, "", size - 1, anchor="c")
                s.y += s.leading(size - 1)
        left_end = s.y
        s.y = top
        for i, text in enumerate(MOTTO):
            fitted = s.fit(text, "B", size - (0.5 if i == 0 else 0), RIGHT_ROOM)
            s.put(RIGHT_X, s.y, text, "B", fitted, anchor="c")
            s.y += s.leading(size)
        s.rules.append(_rule_under(s, RIGHT_X, 44))
        s.y += 3.2
        if date_top:
            s.put(RIGHT_X, s.y, self.date_line(), "I", size, anchor="c")
            s.y += s.leading(size)
        s.y = max(s.y, left_end) + 6
        self.fields.update(number=number, issuer=self.issuer.printed, place=self.issuer.place,
                           issued_date=self.issued.isoformat())
        if vv:
            self.fields["summary"] = vv

    def date_line(self) -> str:
        pad = self.rng.random() < 0.7
        return f"{self.issuer.place}, {vn_date(self.issued, pad)}"

    def title(self, name: str, doc_type: str, summary: str | None = None, size_up: float = 1.5) -> None:
        """The centred type name and, under it, the trích yếu."""
        s = self.sheet
        s.centre(name, "B", s.size + size_up)
        if summary:
            s.centre(summary, "B", s.size)
        s.gap(4)
        self.fields.update(doc_type=doc_type, title=name[:1] + name[1:].lower())
        if summary:
            self.fields["summary"] = summary

    # --- footer ------------------------------------------------------------------------------
    def footer(self, signer_lines: list[str], signer: str, recipients: list[str] | None = None,
               date_bottom: bool = False, left_block: list[str] | None = None,
               left_name: str | None = None) -> None:
        """Recipients (or another party's block) left, the signature block right; the seal goes on it."""
        s = self.sheet
        s.gap(4)
        top = s.y
        if recipients:
            s.put(LEFT, s.y, "Nơi nhận:", "BI", s.size - 1.5)
            s.y += s.leading(s.size - 1.5)
            for item in recipients:
                s.put(LEFT, s.y, item, "", s.size - 2)
                s.y += s.leading(s.size - 2)
        if left_block:
            for text in left_block:
                s.put(LEFT_X, s.y, text, "B", anchor="c")
                s.y += s.leading()
            s.y += 24
            if left_name:
                s.put(LEFT_X, s.y, left_name, "B", anchor="c")
        s.y = top
        if date_bottom:
            s.put(RIGHT_X, s.y, self.date_line(), "I", s.size - 0.5, anchor="c")
            s.y += s.leading()
        for text in signer_lines:
            fitted = s.fit(text, "B", s.size, RIGHT_ROOM)
            s.put(RIGHT_X, s.y, text, "B", fitted, anchor="c")
            s.y += s.leading()
        s.y += 24
        s.sign_at = (RIGHT_X, s.y)
        s.put(RIGHT_X, s.y, signer, "B", anchor="c")
        s.y += s.leading()
        titles = [t for t in signer_lines if not t.startswith(("TM.", "KT.", "TL.", "TUQ.", "ĐẠI DIỆN"))]
        self.fields.update(signer=signer, signer_title=" ".join(titles))

    def official(self) -> str:
        return self.people.name(self.rng.random() < 0.6)

    def ward_signer(self) -> list[str]:
        """TM./KT. lines of a ward or the city."""
        if self.rng.random() < 0.5:
            return ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
        return ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]

    # --- body helpers --------------------------------------------------------------------------
    def person_rows(self, p: Person, label: str = "Họ, chữ đệm, tên:", id_label: bool = True) -> None:
        s = self.sheet
        s.form_row(label, p.upper)
        s.form_row("Ngày, tháng, năm sinh:", slash(p.born))
        s.form_pairs([("Giới tính:", "Nam" if p.male else "Nữ"), ("Dân tộc:", p.ethnicity),
                      ("Quốc tịch:", "Việt Nam")], [0, 48, 100])
        if id_label:
            paper = "Chứng minh nhân dân" if len(p.id_number) == 9 else "Căn cước công dân"
            s.form_row("Giấy tờ tùy thân:", f"{paper} số {p.id_number}")
        s.form_row("Nơi cư trú:", p.address + ", thành phố Vĩnh Yên", value_style="")

    def subjects(self, people: list[Person], ids: bool = True) -> None:
        self.fields["subject_names"] = [p.name for p in people]
        self.fields["id_numbers"] = [p.id_number for p in people] if ids else []


def _rule_under(s: Sheet, centre: float, length: float):  # noqa: ANN202 - a Rule
    from holdout_sheet import Rule

    return Rule(centre - length / 2, s.y + 1.3, centre + length / 2, s.y + 1.3, 0.25)


RECIPIENTS_DECISION = ["- Như Điều 3;", "- Lưu: VT."]


# --- civil status ------------------------------------------------------------------------------


def kind_khai_sinh(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(100, 480)}/TLKS")
    d.title("TRÍCH LỤC KHAI SINH", "Trích lục")
    mother = p.person(False, 1985, 2000, old_id=False)
    father = p.person(True, 1982, 1998, old_id=False)
    born = d.issued - dt.timedelta(days=p.rng.randint(8, 40))
    child_name = p.name(p.rng.random() < 0.5, father.name.split()[0])
    child_id = f"026{2 if p.rng.random() < 0.5 else 3}{born.year % 100:02d}{p.digits(6)}"
    s = d.sheet
    s.form_row("Họ, chữ đệm, tên:", child_name.upper())
    s.form_row("Ngày, tháng, năm sinh:", f"{slash(born)}")
    s.form_row("Nơi sinh:", "Bệnh viện Đa khoa tỉnh Vĩnh Phúc", value_style="")
    s.form_row("Số định danh cá nhân:", child_id)
    s.form_row("Họ, chữ đệm, tên người mẹ:", mother.upper)
    s.form_row("Năm sinh:", str(mother.born.year), value_style="")
    s.form_row("Họ, chữ đệm, tên người cha:", father.upper)
    s.form_row("Năm sinh:", str(father.born.year), value_style="")
    s.form_row("Nơi cư trú:", father.address, value_style="")
    s.form_row("Nơi đăng ký khai sinh:", d.issuer.body_name, value_style="")
    s.form_row("Ngày, tháng, năm đăng ký:", slash(born + dt.timedelta(days=5)), value_style="")
    d.footer(d.ward_signer(), d.official())
    d.fields.update(subject_names=[child_name, mother.name, father.name], id_numbers=[child_id], field=CIVIL)


def kind_ket_hon(d: Draft) -> None:
    p = d.people
    d.header(None, date_top=False)
    s = d.sheet
    d.title("GIẤY CHỨNG NHẬN KẾT HÔN", "Giấy chứng nhận", size_up=2)
    number = str(p.rng.randint(12, 99))
    s.gap(-3)
    s.centre(f"Số: {number}", "", s.size)
    s.centre(f"Quyển số: 01/{d.issued.year}", "", s.size - 1)
    s.gap(3)
    husband = p.person(True, 1988, 2000)
    wife = p.person(False, 1990, 2002, old_id=False)
    paper = {9: "CMND số ", 12: "CCCD số "}
    rows = [
        ["Họ, chữ đệm, tên", husband.upper, wife.upper],
        ["Ngày sinh", slash(husband.born), slash(wife.born)],
        ["Dân tộc", husband.ethnicity, wife.ethnicity],
        ["Quốc tịch", "Việt Nam", "Việt Nam"],
        ["Giấy tờ tùy thân", paper[len(husband.id_number)] + husband.id_number,
         paper[len(wife.id_number)] + wife.id_number],
        ["Nơi cư trú", "Phường " + husband.address.rsplit("phường ", 1)[1],
         "Phường " + wife.address.rsplit("phường ", 1)[1]],
    ]
    s.table(["Thông tin", "Chồng", "Vợ"], rows, [44, 60, 60], ruled=True)
    s.form_row("Nơi đăng ký:", d.issuer.body_name, value_style="")
    s.form_row("Ngày, tháng, năm đăng ký:", slash(d.issued), value_style="")
    d.footer(d.ward_signer(), d.official(), left_block=["Chồng", "Vợ"][:1], left_name=husband.upper)
    d.fields.update(number=number, field=CIVIL, summary=None)
    d.subjects([husband, wife])


def kind_khai_tu(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(10, 90)}/TLKT")
    d.title("TRÍCH LỤC KHAI TỬ", "Trích lục")
    dead = p.person(None, 1930, 1960)
    died = d.issued - dt.timedelta(days=p.rng.randint(2, 12))
    s = d.sheet
    d.person_rows(dead)
    hour, minute = p.rng.randint(0, 23), p.rng.randint(0, 59)
    s.form_row("Đã chết vào lúc:", f"{hour} giờ {minute:02d} phút, ngày {slash(died)}", value_style="")
    s.form_row("Nơi chết:", "tại nhà riêng", value_style="")
    s.form_row("Nguyên nhân chết:", "bệnh già", value_style="")
    s.form_row("Nơi đăng ký khai tử:", d.issuer.body_name, value_style="")
    s.form_row("Ngày, tháng, năm đăng ký:", slash(died + dt.timedelta(days=1)), value_style="")
    d.footer(d.ward_signer(), d.official())
    d.fields["field"] = CIVIL
    d.subjects([dead])


def kind_nhan_cha_con(d: Draft) -> None:
    p = d.people
    d.header(f"0{p.rng.randint(1, 9)}/TLNCMC", date_top=False)
    d.title("TRÍCH LỤC ĐĂNG KÝ NHẬN CHA, MẸ, CON", "Trích lục")
    father = p.person(True, 1975, 1995)
    child = p.person(None, 2005, 2015, surname=father.name.split()[0], old_id=False)
    s = d.sheet
    s.put(LEFT, s.y, "Người nhận", "BI")
    s.y += s.leading()
    d.person_rows(father)
    s.put(LEFT, s.y, "Người được nhận là con", "BI")
    s.y += s.leading()
    d.person_rows(child)
    s.form_row("Nơi đăng ký:", d.issuer.body_name, value_style="")
    s.form_row("Ngày, tháng, năm đăng ký:", slash(d.issued - dt.timedelta(days=3)), value_style="")
    d.footer(d.ward_signer(), d.official(), date_bottom=True)
    d.fields["field"] = CIVIL
    d.subjects([father, child])


def kind_cai_chinh(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(11, 60)}/TLCC")
    d.title("TRÍCH LỤC THAY ĐỔI, CẢI CHÍNH HỘ TỊCH", "Trích lục")
    who = p.person(None, 1960, 1995)
    wrong = who.born.replace(day=min(28, who.born.day % 12 + 1)) if who.born.day > 12 else \
        who.born + dt.timedelta(days=9)
    s = d.sheet
    d.person_rows(who)
    s.form_row("Nội dung cải chính:", f"ngày, tháng, năm sinh từ {slash(wrong)} thành {slash(who.born)}",
               value_style="")
    s.form_row("Lý do:", "ghi sai khi đăng ký khai sinh", value_style="")
    s.form_row("Nơi đăng ký:", d.issuer.body_name, value_style="")
    s.form_row("Ngày, tháng, năm đăng ký:", slash(d.issued), value_style="")
    d.footer(d.ward_signer(), d.official())
    d.fields["field"] = CIVIL
    d.subjects([who])


def kind_hon_nhan(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(100, 400)}/XNTTHN")
    d.title("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "Giấy xác nhận")
    who = p.person(None, 1988, 2002)
    s = d.sheet
    d.person_rows(who)
    s.form_row("Tình trạng hôn nhân:", "Chưa đăng ký kết hôn với ai", value_style="")
    s.form_row("Mục đích sử dụng:", "Để làm thủ tục đăng ký kết hôn", value_style="")
    valid = d.issued + dt.timedelta(days=182)
    s.paragraph(f"Giấy này có giá trị sử dụng đến hết ngày {slash(valid)}.", indent=0, style="I")
    d.footer(d.ward_signer(), d.official())
    d.fields.update(field=CIVIL, valid_until=valid.isoformat())
    d.subjects([who])


def kind_giam_ho(d: Draft) -> None:
    p = d.people
    d.header(f"0{p.rng.randint(1, 9)}/TLGH")
    d.title("TRÍCH LỤC ĐĂNG KÝ GIÁM HỘ", "Trích lục")
    guardian = p.person(None, 1965, 1985)
    ward = p.person(None, 2010, 2016, old_id=False)
    s = d.sheet
    s.put(LEFT, s.y, "Người giám hộ", "BI")
    s.y += s.leading()
    d.person_rows(guardian)
    s.put(LEFT, s.y, "Người được giám hộ", "BI")
    s.y += s.leading()
    d.person_rows(ward, id_label=True)
    s.form_row("Ngày, tháng, năm đăng ký:", slash(d.issued), value_style="")
    d.footer(d.ward_signer(), d.official())
    d.fields["field"] = CIVIL
    d.subjects([guardian, ward])


def kind_chung_thuc(d: Draft) -> None:
    p = d.people
    d.header(None, date_top=False)
    d.title("LỜI CHỨNG CHỨNG THỰC CHỮ KÝ", "Lời chứng")
    who = p.person(None, 1950, 1995)
    signer = d.official()
    number = str(p.rng.randint(120, 980))
    paper = "Chứng minh nhân dân" if len(who.id_number) == 9 else "Căn cước công dân"
    s = d.sheet
    s.paragraph(f"Ngày {slash(d.issued)}, tại Ủy ban nhân dân {d.issuer.body_name.split('dân ', 1)[1]}, "
                f"tôi {signer}, Phó Chủ tịch Ủy ban nhân dân, chứng thực:")
    s.paragraph(f"{who.honorific.capitalize()} {who.name}, {paper} số {who.id_number}, đã ký vào Giấy ủy "
                "quyền này trước mặt tôi. Người yêu cầu chứng thực chịu trách nhiệm về nội dung của giấy tờ.")
    s.form_row("Số chứng thực:", number, dots=False)
    s.form_row("Quyển số:", f"01/{d.issued.year}-SCT/CK,ĐC", dots=False, value_style="")
    d.footer(["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"], signer)
    d.fields.update(number=number, issued_date=d.issued.isoformat(), field="Chứng thực")
    d.subjects([who])


# --- business, building, land ------------------------------------------------------------------


def kind_ho_kinh_doanh(d: Draft) -> None:
    p = d.people
    d.header(None, date_top=False)
    code = f"26A8{p.digits(6)}"
    s = d.sheet
    d.title("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "Giấy chứng nhận", size_up=1)
    s.gap(-3)
    s.centre(f"Mã số hộ kinh doanh: {code}", "B", s.size)
    s.centre(f"Đăng ký lần đầu: {vn_date(d.issued)}", "I", s.size)
    s.gap(3)
    owner = p.person(None, 1965, 1995)
    given = owner.name.split()[-1]
    s.form_row("1. Tên hộ kinh doanh:", f"TẠP HÓA {given.upper()} {owner.name.split()[0].upper()}")
    s.form_row("2. Địa điểm kinh doanh:", owner.address + ", thành phố Vĩnh Yên", value_style="")
    s.form_row("3. Ngành, nghề kinh doanh:", "Bán lẻ lương thực, thực phẩm, đồ uống", value_style="")
    s.form_row("4. Vốn kinh doanh:", f"{p.rng.randint(5, 90) * 10}.000.000 đồng", value_style="")
    s.form_row("5. Chủ hộ kinh doanh:", owner.upper)
    s.form_pairs([("Giới tính:", "Nam" if owner.male else "Nữ"), ("Sinh ngày:", slash(owner.born))], [6, 60])
    s.form_row("Số giấy tờ pháp lý của cá nhân:", owner.id_number)
    d.footer(["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"], d.official())
    d.fields.update(number=code, field="Đăng ký kinh doanh")
    d.subjects([owner])


def kind_xay_dung(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(150, 480)}/GPXD")
    d.title("GIẤY PHÉP XÂY DỰNG", "Giấy phép", "Sử dụng cho nhà ở riêng lẻ")
    owner = p.person(None, 1960, 1992)
    s = d.sheet
    s.paragraph(f"1. Cấp cho: {owner.honorific.capitalize()} {owner.name}; số định danh cá nhân: "
                f"{owner.id_number}; địa chỉ: {owner.address}, thành phố Vĩnh Yên.", indent=0)
    s.paragraph(f"2. Được phép xây dựng nhà ở riêng lẻ tại thửa đất số {p.rng.randint(20, 400)}, tờ bản đồ "
                f"số {p.rng.randint(3, 40)}: diện tích xây dựng tầng 1: {p.rng.randint(60, 120)},5 m²; "
                f"tổng diện tích sàn: {p.rng.randint(180, 360)},0 m²; chiều cao công trình: 14,6 m; "
                "số tầng: 3.",
                indent=0)
    s.paragraph(f"3. Giấy tờ về quyền sử dụng đất: Giấy chứng nhận số CS {p.digits(5)} cấp ngày "
                f"{slash(p.date(2012, 2020))}.", indent=0)
    s.paragraph("4. Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn 12 tháng kể từ ngày cấp.",
                indent=0)
    d.footer(["TUQ. CHỦ TỊCH", "TRƯỞNG PHÒNG QUẢN LÝ ĐÔ THỊ"], d.official(),
             recipients=["- Như trên;", "- Lưu: VT, QLĐT."])
    d.fields.update(field="Xây dựng", summary=None)
    d.subjects([owner])


def kind_xu_phat(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(5, 40)}/QĐ-XPHC")
    d.title("QUYẾT ĐỊNH", "Quyết định", "Xử phạt vi phạm hành chính")
    who = p.person(True, 1965, 1995)
    made = d.issued - dt.timedelta(days=p.rng.randint(3, 9))
    s = d.sheet
    s.paragraph("Căn cứ Luật Xử lý vi phạm hành chính ngày 20 tháng 6 năm 2012;")
    s.paragraph(f"Căn cứ Biên bản vi phạm hành chính số {p.rng.randint(2, 30):02d}/BB-VPHC lập ngày "
                f"{slash(made)};")
    s.centre("QUYẾT ĐỊNH:", "B")
    s.paragraph(f"Điều 1. Xử phạt vi phạm hành chính đối với ông {who.name}, sinh ngày {slash(who.born)}, "
                f"số định danh cá nhân {who.id_number}, nơi ở: {who.address}.")
    s.paragraph("Hành vi vi phạm: tổ chức thi công xây dựng công trình không có giấy phép xây dựng. "
                f"Hình thức xử phạt: phạt tiền {p.rng.randint(15, 60)}.000.000 đồng.")
    s.paragraph("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
    d.footer(["CHỦ TỊCH"], d.official(), recipients=["- Như Điều 1;", "- Lưu: VT, hồ sơ."])
    d.fields["field"] = "Xử lý vi phạm hành chính"
    d.subjects([who])


def kind_chuyen_muc_dich(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(1000, 4800)}/QĐ-UBND")
    d.title("QUYẾT ĐỊNH", "Quyết định", "Về việc cho phép chuyển mục đích sử dụng đất")
    who = p.person(None, 1955, 1990)
    s = d.sheet
    s.centre("ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN", "B")
    s.paragraph("Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;")
    s.paragraph("Xét đề nghị của Trưởng phòng Tài nguyên và Môi trường,")
    s.centre("QUYẾT ĐỊNH:", "B")
    s.paragraph(f"Điều 1. Cho phép {who.honorific} {who.name} (số định danh cá nhân {who.id_number}) chuyển "
                f"mục đích sử dụng {p.rng.randint(50, 200)} m² đất trồng cây lâu năm sang đất ở tại thửa "
                f"đất số {p.rng.randint(10, 500)}, tờ bản đồ số {p.rng.randint(2, 30)}, {who.address}.")
    s.paragraph("Điều 2. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng HĐND và UBND thành phố, "
                f"Trưởng phòng Tài nguyên và Môi trường và {who.honorific} {who.name} chịu trách nhiệm "
                "thi hành.")
    d.footer(d.ward_signer(), d.official(), recipients=["- Như Điều 2;", "- Lưu: VT, TNMT."])
    d.fields["field"] = LAND
    d.subjects([who])


def kind_thu_hoi_dat(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(10, 40)}/{d.issued.year}/QĐ-UBND")
    d.title("QUYẾT ĐỊNH", "Quyết định", "Về việc thu hồi đất để thực hiện dự án mở rộng đường Lê Xoay")
    owners = [p.person(None, 1950, 1985) for _ in range(p.rng.randint(3, 4))]
    s = d.sheet
    s.paragraph("Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;")
    s.centre("QUYẾT ĐỊNH:", "B")
    s.paragraph("Điều 1. Thu hồi đất của các hộ gia đình, cá nhân sau đây để thực hiện dự án:")
    rows = [[str(i), o.name, str(p.rng.randint(10, 400)), str(p.rng.randint(2, 30)),
             f"{p.rng.randint(40, 300)},{p.rng.randint(0, 9)}"] for i, o in enumerate(owners, 1)]
    s.table(["STT", "Họ và tên", "Thửa số", "Tờ bản đồ", "Diện tích (m²)"], rows, [14, 62, 24, 26, 34],
            ruled=True)
    s.paragraph("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
    d.footer(d.ward_signer(), d.official(), recipients=RECIPIENTS_DECISION)
    d.fields["field"] = LAND
    d.subjects(owners, ids=False)


# --- social, culture -----------------------------------------------------------------------------


def kind_tro_cap(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(1200, 4000)}/QĐ-UBND")
    d.title("QUYẾT ĐỊNH", "Quyết định", "Về việc trợ cấp xã hội hằng tháng đối với người cao tuổi")
    who = p.person(None, 1935, 1944)
    start = d.issued.replace(day=1) + dt.timedelta(days=32)
    start = start.replace(day=1)
    s = d.sheet
    s.paragraph("Căn cứ Nghị định số 20/2021/NĐ-CP ngày 15 tháng 3 năm 2021 của Chính phủ;")
    s.centre("QUYẾT ĐỊNH:", "B")
    s.paragraph(f"Điều 1. Trợ cấp xã hội hằng tháng đối với {who.honorific} {who.name}, sinh ngày "
                f"{slash(who.born)}, nơi cư trú: {who.address}. Mức trợ cấp: 540.000 đồng/tháng, kể từ "
                f"{vn_date(start)}.")
    s.paragraph("Điều 2. Trưởng phòng Lao động – Thương binh và Xã hội và người có tên tại Điều 1 chịu trách "
                "nhiệm thi hành Quyết định này.")
    d.footer(d.ward_signer(), d.official(), recipients=["- Như Điều 2;", "- Lưu: VT, LĐTBXH."])
    d.fields["field"] = SOCIAL
    d.subjects([who], ids=False)


def kind_khuyet_tat(d: Draft) -> None:
    p = d.people
    d.header(None, date_top=False)
    number = f"{p.rng.randint(100, 2999):04d}"
    d.title("GIẤY XÁC NHẬN KHUYẾT TẬT", "Giấy xác nhận", size_up=2)
    s = d.sheet
    s.gap(-3)
    s.centre(f"Số: {number}", "", s.size)
    s.gap(3)
    who = p.person(None, 1950, 2010)
    d.person_rows(who, label="Họ và tên:")
    s.form_row("Dạng khuyết tật:", "Khuyết tật vận động", value_style="")
    s.form_row("Mức độ khuyết tật:", p.rng.choice(["Nặng", "Đặc biệt nặng"]), value_style="")
    d.footer(["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], d.official(), date_bottom=True)
    d.fields.update(number=number, field=SOCIAL, summary=None)
    d.subjects([who])


def kind_gia_dinh_van_hoa(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(80, 300)}/QĐ-UBND")
    year = d.issued.year - 1 if d.issued.month < 3 else d.issued.year
    d.title("QUYẾT ĐỊNH", "Quyết định", f"Về việc công nhận danh hiệu “Gia đình văn hóa” năm {year}")
    families = [p.person(True, 1955, 1985) for _ in range(4)]
    s = d.sheet
    s.paragraph("Căn cứ Nghị định số 86/2023/NĐ-CP ngày 07 tháng 12 năm 2023 của Chính phủ;")
    s.centre("QUYẾT ĐỊNH:", "B")
    s.paragraph(f"Điều 1. Công nhận danh hiệu “Gia đình văn hóa” năm {year} cho các hộ gia đình sau:")
    rows = [[str(i), f.name, "Tổ dân phố " + p.rng.choice(["Đông", "Đoài", "Bắc", "Nam"])]
            for i, f in enumerate(families, 1)]
    s.table(["STT", "Họ và tên chủ hộ", "Nơi cư trú"], rows, [16, 80, 60], ruled=False)
    s.paragraph("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
    d.footer(d.ward_signer(), d.official(), recipients=RECIPIENTS_DECISION)
    d.fields["field"] = "Văn hóa"
    d.subjects(families, ids=False)


def kind_thong_bao(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(20, 150)}/TB-UBND")
    quarter = (d.issued.month - 1) // 3 + 2
    quarter = min(quarter, 4)
    roman = {2: "II", 3: "III", 4: "IV"}[quarter]
    summary = f"Lịch tiếp công dân định kỳ của lãnh đạo Ủy ban nhân dân quý {roman} năm {d.issued.year}"
    d.title("THÔNG BÁO", "Thông báo", summary)
    s = d.sheet
    s.paragraph(f"{d.issuer.body_name} thông báo lịch tiếp công dân định kỳ như sau:")
    chair, vice = d.official(), d.official()
    months = [3 * (quarter - 1) + i for i in (1, 2, 3)]
    duty = [(chair, "Chủ tịch"), (vice, "Phó Chủ tịch"), (chair, "Chủ tịch")]
    rows = [[f"Tháng {m}", who, role, f"{p.rng.randint(3, 9):02d}, {p.rng.randint(15, 25)}"]
            for m, (who, role) in zip(months, duty, strict=True)]
    s.table(["Tháng", "Người tiếp", "Chức vụ", "Ngày tiếp"], rows, [24, 60, 40, 34], ruled=True)
    s.paragraph("Địa điểm: Phòng tiếp công dân, trụ sở Ủy ban nhân dân. Đề nghị công dân mang theo giấy tờ "
                "tùy thân khi đến liên hệ.")
    d.footer(["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], chair, recipients=["- Như trên;", "- Lưu: VT."])
    d.fields["field"] = "Tiếp công dân"
    d.subjects([], ids=False)


def kind_tra_loi_don(d: Draft) -> None:
    p = d.people
    who = p.person(False, 1950, 1980)
    vv = f"V/v trả lời đơn của {who.honorific} {who.name}"
    d.header(f"{p.rng.randint(100, 999)}/UBND-TNMT", vv=vv)
    s = d.sheet
    s.centre(f"Kính gửi: {who.honorific.capitalize()} {who.name}", "", s.size, x=PAGE_W / 2 + 8)
    s.gap(2)
    sent = d.issued - dt.timedelta(days=p.rng.randint(10, 30))
    s.paragraph(f"Ngày {slash(sent)}, Ủy ban nhân dân thành phố nhận được đơn của {who.honorific} "
                f"{who.name}, trú tại {who.address}, kiến nghị về việc xác định ranh giới thửa đất giáp "
                "ranh.")
    s.paragraph("Sau khi kiểm tra, xác minh, Ủy ban nhân dân thành phố trả lời như sau: ranh giới thửa đất "
                "đã được xác định đúng theo bản đồ địa chính năm 2015; đề nghị bà phối hợp với Ủy ban nhân "
                "dân phường để được hướng dẫn giải quyết.")
    d.footer(["TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"], d.official(),
             recipients=["- Như trên;", "- Lưu: VT, TNMT."])
    d.fields.update(field="Khiếu nại tố cáo", doc_type="Công văn", title=None)
    d.subjects([who], ids=False)


def kind_ban_le_ruou(d: Draft) -> None:
    p = d.people
    d.header(f"0{p.rng.randint(1, 9)}/GPBLR")
    d.title("GIẤY PHÉP BÁN LẺ RƯỢU", "Giấy phép")
    owner = p.person(None, 1965, 1990)
    valid = d.issued.replace(year=d.issued.year + 5) - dt.timedelta(days=1)
    s = d.sheet
    s.paragraph("Căn cứ Nghị định số 105/2017/NĐ-CP ngày 14 tháng 9 năm 2017 của Chính phủ về kinh "
                "doanh rượu;")
    s.paragraph(f"Xét đề nghị của hộ kinh doanh ngày {slash(d.issued - dt.timedelta(days=12))},")
    s.form_row("1. Cho phép:", f"Hộ kinh doanh Tạp hóa {owner.name.split()[-1]}", value_style="")
    s.form_row("Mã số hộ kinh doanh:", f"26A8{p.digits(6)}", dots=False)
    s.form_row("Chủ hộ:", f"{owner.name}, số định danh cá nhân {owner.id_number}", value_style="")
    s.form_row("Địa điểm:", owner.address, value_style="")
    s.paragraph("2. Được phép bán lẻ sản phẩm rượu có độ cồn từ 5,5 độ trở lên tại địa điểm nêu trên.",
                indent=0)
    s.paragraph(f"3. Giấy phép này có giá trị đến ngày {slash(valid)}.", indent=0)
    d.footer(["Q. TRƯỞNG PHÒNG"], d.official(), recipients=["- Hộ kinh doanh;", "- Lưu: VT, KT."])
    d.fields.update(field="Lưu thông hàng hóa trong nước", valid_until=valid.isoformat(), summary=None)
    d.subjects([owner])


def kind_bien_ban(d: Draft) -> None:
    p = d.people
    d.header(f"{p.rng.randint(2, 30):02d}/BB-UBND")
    d.title("BIÊN BẢN", "Biên bản", "Kiểm tra hiện trạng sử dụng đất")
    citizen = p.person(True, 1955, 1990)
    vice, officer = d.official(), d.official()
    s = d.sheet
    s.paragraph(f"Hôm nay, hồi 8 giờ 30 phút, {vn_date(d.issued)}, tại thửa đất số {p.rng.randint(10, 300)}, "
                f"tờ bản đồ số {p.rng.randint(2, 20)}, chúng tôi gồm:")
    rows = [["1", vice, "Phó Chủ tịch UBND phường"], ["2", officer, "Công chức Địa chính"],
            ["3", citizen.name, "Người sử dụng đất"]]
    s.table(["STT", "Họ và tên", "Chức vụ, vai trò"], rows, [16, 70, 74], ruled=False)
    s.paragraph(f"Đã tiến hành kiểm tra hiện trạng thửa đất của ông {citizen.name} (số định danh cá nhân "
                f"{citizen.id_number}). Hiện trạng: đất trống, không có công trình xây dựng, ranh giới "
                "rõ ràng.")
    s.paragraph("Biên bản kết thúc vào hồi 10 giờ cùng ngày, đã đọc cho mọi người cùng nghe và nhất trí "
                "ký tên.")
    d.footer(["ĐẠI DIỆN UBND PHƯỜNG", "PHÓ CHỦ TỊCH"], vice, left_block=["NGƯỜI SỬ DỤNG ĐẤT"],
             left_name=citizen.name)
    d.fields["field"] = LAND
    d.subjects([citizen])


@dataclass(frozen=True)
class Kind:
    """One hold-out kind: its code, who issues it, the builder, the font and size it is printed in."""

    code: str
    what: str
    issuer: str  # "ward", "city" or an office code
    build: Callable[[Draft], None]
    family: str
    size: float


KINDS: tuple[Kind, ...] = (
    Kind("khai-sinh", "birth extract (Trích lục khai sinh), child's ID number", "ward", kind_khai_sinh,
         "dejavu-serif", 12),
    Kind("ket-hon", "marriage certificate, `Số: 38` under the title, ruled husband|wife table", "ward",
         kind_ket_hon, "noto-sans", 12),
    Kind("khai-tu", "death extract: birth, death and registration dates", "ward", kind_khai_tu,
         "dejavu-sans-cond", 12.5),
    Kind("nhan-cha-con", "recognition of parentage extract, place-date above the signer", "ward",
         kind_nhan_cha_con, "dejavu-serif-cond", 12),
    Kind("cai-chinh", "correction of civil status (a birth date corrected from … to …)", "ward",
         kind_cai_chinh, "noto-sans", 11.5),
    Kind("hon-nhan", "marital status certificate, valid-until date", "ward", kind_hon_nhan, "dejavu-serif",
         11.5),
    Kind("giam-ho", "guardianship registration extract (guardian and ward)", "ward", kind_giam_ho,
         "dejavu-sans-cond", 12),
    Kind("chung-thuc", "attestation of a signature, `Số chứng thực`, signer named in the body", "ward",
         kind_chung_thuc, "dejavu-serif-cond", 13),
    Kind("ho-kinh-doanh", "household business certificate, `Mã số hộ kinh doanh`", "tc-kh",
         kind_ho_kinh_doanh, "noto-sans", 11.5),
    Kind("xay-dung", "building permit `Số: 312/GPXD`, TUQ. signer with the office title", "city",
         kind_xay_dung, "dejavu-serif", 11.5),
    Kind("xu-phat", "fine decision; violation date and the law's date in the body", "ward", kind_xu_phat,
         "dejavu-serif-cond", 12.5),
    Kind("chuyen-muc-dich", "land-use conversion decision (city)", "city", kind_chuyen_muc_dich,
         "dejavu-sans-cond", 12),
    Kind("thu-hoi-dat", "land recovery decision `Số: 15/2024/QĐ-UBND`, ruled table of households", "city",
         kind_thu_hoi_dat, "noto-sans", 11),
    Kind("tro-cap", "monthly social allowance decision, start date in the body", "city", kind_tro_cap,
         "dejavu-serif", 12),
    Kind("khuyet-tat", "disability certificate, number under the title", "ward", kind_khuyet_tat,
         "dejavu-sans-cond", 13),
    Kind("gia-dinh-van-hoa", "“Gia đình văn hóa” decision, unruled table of households", "ward",
         kind_gia_dinh_van_hoa, "dejavu-serif-cond", 12),
    Kind("thong-bao", "notice with a ruled schedule (month | person | role | days)", "ward", kind_thong_bao,
         "noto-sans", 11.5),
    Kind("tra-loi-don", "reply to a citizen's petition, `V/v` under the number, TL./KT. signer", "city",
         kind_tra_loi_don, "dejavu-serif", 12.5),
    Kind("ban-le-ruou", "alcohol retail licence, Q. signer, validity date", "kinh-te", kind_ban_le_ruou,
         "dejavu-sans-cond", 12),
    Kind("bien-ban", "minutes of a land inspection, unruled attendance table, two signature blocks", "ward",
         kind_bien_ban, "dejavu-serif", 12),
)
