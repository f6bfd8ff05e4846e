"""People, places, units and numbers for the hold-out set: drawn from their own lists, not the dev set's.

Surnames follow the published frequency of Vietnamese family names for the common ones, but every
second person or so gets a rare surname (Khuất, Cấn, Phí, Giáp, …) on purpose: a realistic share would
put one rare name in the whole set, and rare names are what the extractor has to survive. Given names
favour valid syllables that sit one diacritic away from a commoner name (Lân/Lan, Tư/Tú, Tám/Tâm), the
readings a "repair" step must never change. Every person and number is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

# (surname, weight): the common ones roughly by share of the population.
COMMON_SURNAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4.5), ("Vũ", 3.9),
    ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5),
    ("Đào", 0.5), ("Trịnh", 0.4), ("Đinh", 0.4), ("Lương", 0.3), ("Kim", 0.2), ("Triệu", 0.2),
)
RARE_SURNAMES: tuple[str, ...] = (
    "Khuất", "Cấn", "Phí", "Giáp", "Lục", "Ninh", "Từ", "Hầu", "Lã", "Mạc", "Ông", "Quách", "Tạ", "Văn",
    "Thân", "Chử", "Khổng", "Nghiêm", "Đàm", "Kiều", "Lò", "Hà", "Âu", "Doãn", "Lại", "Khúc",
)
MIDDLE_MALE: tuple[str, ...] = (
    "Văn", "Đức", "Hữu", "Quang", "Đình", "Công", "Xuân", "Minh", "Tiến", "Mạnh", "Duy", "Ngọc", "Thế",
    "Bá", "Trọng", "Khắc", "Viết", "Huy",
)
MIDDLE_FEMALE: tuple[str, ...] = (
    "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Kim", "Bích", "Phương", "Minh", "Thúy", "Diệu", "Hải",
)
# Valid syllables close to a commoner name, then ordinary ones.
CLOSE_MALE: tuple[str, ...] = (
    "Lân", "Tư", "Tám", "Năm", "Quyền", "Toản", "Thăng", "Lĩnh", "Tuân", "Chử", "Sáu", "Chín", "Khuê",
    "Thìn", "Dậu", "Tỵ", "Lực", "Tuyển",
)
PLAIN_MALE: tuple[str, ...] = (
    "Hùng", "Dũng", "Cường", "Khải", "Thịnh", "Hiển", "Nghĩa", "Lộc", "Phúc", "Kiên", "Tùng", "Khánh",
    "Định", "Thắng", "Toàn", "Tuấn", "Sơn", "Hòa",
)
CLOSE_FEMALE: tuple[str, ...] = (
    "Năm", "Tư", "Tám", "Lân", "Quyền", "Huệ", "Lụa", "Gấm", "Mận", "Xuyến", "Nụ", "Thơm", "Hến",
)
PLAIN_FEMALE: tuple[str, ...] = (
    "Nhung", "Thoa", "Hằng", "Nguyệt", "Yến", "Diệp", "Loan", "Đào", "Quyên", "Lan", "Tâm", "Hạnh", "Ngân",
)
ETHNICITIES: tuple[str, ...] = ("Kinh", "Kinh", "Kinh", "Kinh", "Sán Dìu", "Tày", "Mường")

# The default units of sohoa/archive/units.py (names only, copied: the generator must not depend on
# what the extractor is configured with). Wards and the commune issue civil status; the city and its
# offices the rest.
CITY = "UBND thành phố Vĩnh Yên"
WARDS: tuple[str, ...] = (
    "Định Trung", "Đống Đa", "Đồng Tâm", "Hội Hợp", "Khai Quang", "Liên Bảo", "Ngô Quyền", "Tích Sơn",
)
COMMUNE = "Thanh Trù"
OFFICES: dict[str, str] = {
    "tu-phap": "Phòng Tư pháp",
    "tc-kh": "Phòng Tài chính – Kế hoạch",
    "tn-mt": "Phòng Tài nguyên và Môi trường",
    "ld-tbxh": "Phòng Lao động – Thương binh và Xã hội",
    "vh-tt": "Phòng Văn hóa và Thông tin",
    "kinh-te": "Phòng Kinh tế",
    "qldt": "Phòng Quản lý đô thị",
    "vp": "Văn phòng HĐND và UBND",
}
STREETS: tuple[str, ...] = (
    "Mê Linh", "Nguyễn Tất Thành", "Lê Xoay", "Chùa Hà", "Hùng Vương", "Kim Ngọc", "Tôn Đức Thắng",
    "Lam Sơn", "Ngô Gia Tự", "Đội Cấn", "Lý Bôn", "Trần Quốc Tuấn",
)
HAMLETS: tuple[str, ...] = ("Đông", "Đoài", "Bắc", "Nam", "Vinh Thịnh", "Đại Phùng", "Thanh Giã")
CCCD_PROVINCE = "026"  # Vĩnh Phúc


@dataclass(frozen=True)
class Person:
    """One invented citizen: name as written in the body, sex, birth date, identity number, address."""

    name: str
    male: bool
    born: dt.date
    id_number: str
    ethnicity: str
    address: str

    @property
    def upper(self) -> str:
        """The name in capitals, as certificates print it."""
        return self.name.upper()

    @property
    def honorific(self) -> str:
        """``ông`` or ``bà`` as the body calls the person."""
        return "ông" if self.male else "bà"


class People:
    """Draws people, numbers and dates from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def surname(self) -> str:
        """A surname: rare about every second draw, else by frequency."""
        if self.rng.random() < 0.45:
            return self.rng.choice(RARE_SURNAMES)
        names, weights = zip(*COMMON_SURNAMES, strict=True)
        return self.rng.choices(names, weights=weights)[0]

    def name(self, male: bool, surname: str | None = None) -> str:
        """A full name not yet used in this set: surname, one middle name (sometimes two), given name."""
        for _ in range(50):
            middle_pool = MIDDLE_MALE if male else MIDDLE_FEMALE
            middles = [self.rng.choice(middle_pool)]
            if not male and middles[0] != "Thị" and self.rng.random() < 0.3:
                middles.insert(0, "Thị")  # Nguyễn Thị Thu Hằng
            close, plain = (CLOSE_MALE, PLAIN_MALE) if male else (CLOSE_FEMALE, PLAIN_FEMALE)
            given = self.rng.choice(close if self.rng.random() < 0.6 else plain)
            full = " ".join([surname or self.surname(), *dict.fromkeys(middles), given])
            if full not in self._used:
                self._used.add(full)
                return full
        raise RuntimeError("name pool exhausted")

    def person(self, male: bool | None = None, born_from: int = 1950, born_to: int = 2000,
               surname: str | None = None, old_id: bool | None = None) -> Person:
        """A citizen; ``old_id`` picks a 9-digit CMND (else a 12-digit CCCD)."""
        male = self.rng.random() < 0.5 if male is None else male
        born = self.date(born_from, born_to)
        if old_id is None:
            old_id = self.rng.random() < 0.3
        return Person(self.name(male, surname), male, born, self.id_number(male, born, old_id),
                      self.rng.choice(ETHNICITIES), self.address())

    def id_number(self, male: bool, born: dt.date, old: bool) -> str:
        """A CMND (9 digits, ``13…`` for the province) or a CCCD (12: province, sex/century, year, serial)."""
        if old:
            return "13" + "".join(self.rng.choice("0123456789") for _ in range(7))
        century = 0 if born.year < 2000 else 2
        code = century + (0 if male else 1)
        serial = "".join(self.rng.choice("0123456789") for _ in range(6))
        return f"{CCCD_PROVINCE}{code}{born.year % 100:02d}{serial}"

    def date(self, year_from: int, year_to: int) -> dt.date:
        """A day between 1 January ``year_from`` and 28 December ``year_to``."""
        start = dt.date(year_from, 1, 1).toordinal()
        end = dt.date(year_to, 12, 28).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, end))

    def address(self, ward: str | None = None) -> str:
        """A street address or a hamlet in one of the city's wards."""
        ward = ward or self.rng.choice(WARDS)
        if self.rng.random() < 0.5:
            return f"Số {self.rng.randint(2, 199)}, đường {self.rng.choice(STREETS)}, phường {ward}"
        return f"Tổ dân phố {self.rng.choice(HAMLETS)}, phường {ward}"

    def digits(self, count: int) -> str:
        """``count`` random digits (leading zeros allowed)."""
        return "".join(self.rng.choice("0123456789") for _ in range(count))
