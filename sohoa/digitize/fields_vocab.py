"""The closed vocabularies of Vĩnh Yên's results: issuing bodies, titles, positions, fields.

OCR misreads tone marks (``NHÂN DẦN``) but these phrases come from short fixed lists, so a
line whose folded form matches a known phrase can be given back with its proper accents.
That is a correction we can be sure of; free text (names, summaries) is never "corrected"
this way.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from sohoa.digitize.fields_text import fold, squash

WARDS = ("Định Trung", "Đống Đa", "Đồng Tâm", "Hội Hợp", "Khai Quang", "Liên Bảo", "Ngô Quyền", "Tích Sơn")
COMMUNES = ("Thanh Trù",)
DEPARTMENTS = (
    "Văn phòng HĐND và UBND",
    "Phòng Nội vụ",
    "Phòng Tư pháp",
    "Phòng Tài chính - Kế hoạch",
    "Phòng Tài nguyên và Môi trường",
    "Phòng Lao động - Thương binh và Xã hội",
    "Phòng Văn hóa và Thông tin",
    "Phòng Giáo dục và Đào tạo",
    "Phòng Y tế",
    "Thanh tra thành phố",
    "Phòng Kinh tế",
    "Phòng Quản lý đô thị",
)

ISSUER_LINES: tuple[str, ...] = (
    "ỦY BAN NHÂN DÂN",
    "UBND THÀNH PHỐ VĨNH YÊN",
    "UBND TỈNH VĨNH PHÚC",
    "THÀNH PHỐ VĨNH YÊN",
    "TỈNH VĨNH PHÚC",
    *(f"PHƯỜNG {w.upper()}" for w in WARDS),
    *(f"XÃ {c.upper()}" for c in COMMUNES),
    *(d.upper() for d in DEPARTMENTS),
)

PLACES: tuple[str, ...] = ("Vĩnh Yên", "Vĩnh Phúc", *WARDS, *COMMUNES)

# Printed title (capitals) -> document type. Longest prefixes are tried first.
TITLE_TYPES: tuple[tuple[str, str], ...] = (
    ("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "Giấy chứng nhận"),
    ("GIẤY CHỨNG NHẬN KẾT HÔN", "Giấy chứng nhận"),
    ("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "Giấy xác nhận"),
    ("TRÍCH LỤC KHAI SINH", "Trích lục"),
    ("TRÍCH LỤC KẾT HÔN", "Trích lục"),
    ("TRÍCH LỤC KHAI TỬ", "Trích lục"),
    ("GIẤY KHAI SINH", "Giấy khai sinh"),
    ("GIẤY PHÉP XÂY DỰNG", "Giấy phép"),
    ("GIẤY CHỨNG NHẬN", "Giấy chứng nhận"),
    ("GIẤY XÁC NHẬN", "Giấy xác nhận"),
    ("GIẤY PHÉP", "Giấy phép"),
    ("TRÍCH LỤC", "Trích lục"),
    ("QUYẾT ĐỊNH", "Quyết định"),
    ("NGHỊ QUYẾT", "Nghị quyết"),
    ("CHỈ THỊ", "Chỉ thị"),
    ("THÔNG BÁO", "Thông báo"),
    ("KẾ HOẠCH", "Kế hoạch"),
    ("BÁO CÁO", "Báo cáo"),
    ("TỜ TRÌNH", "Tờ trình"),
    ("BIÊN BẢN", "Biên bản"),
    ("HƯỚNG DẪN", "Hướng dẫn"),
    ("GIẤY MỜI", "Giấy mời"),
    ("GIẤY GIỚI THIỆU", "Giấy giới thiệu"),
)

# Type abbreviation in the symbol (``1234/QĐ-UBND``) -> type, for pages whose title is unreadable.
SYMBOL_TYPES: dict[str, str] = {
    "qd": "Quyết định",
    "nq": "Nghị quyết",
    "ct": "Chỉ thị",
    "tb": "Thông báo",
    "kh": "Kế hoạch",
    "bc": "Báo cáo",
    "ttr": "Tờ trình",
    "bb": "Biên bản",
    "hd": "Hướng dẫn",
    "gm": "Giấy mời",
    "gpxd": "Giấy phép",
    "tlks": "Trích lục",
    "tlkh": "Trích lục",
}

POSITIONS: tuple[str, ...] = (
    "CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "TRƯỞNG PHÒNG",
    "PHÓ TRƯỞNG PHÒNG",
    "CHÁNH VĂN PHÒNG",
    "PHÓ CHÁNH VĂN PHÒNG",
    "CHÁNH THANH TRA",
    "PHÓ CHÁNH THANH TRA",
    "GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH",
    "CÔNG CHỨC TƯ PHÁP – HỘ TỊCH",
    "TRƯỞNG BAN",
    "PHÓ TRƯỞNG BAN",
)

# Authority prefixes of the signer block; a line starting with one is not the position itself.
AUTHORITY = ("tm.", "kt.", "tl.", "tuq.", "q.", "tm ", "kt ", "tl ", "tuq ")

# (folded keyword, field), most specific first; matched on title, then summary, then body.
FIELD_RULES: tuple[tuple[str, str], ...] = (
    ("ho kinh doanh", "Đăng ký kinh doanh"),
    ("dang ky kinh doanh", "Đăng ký kinh doanh"),
    ("tinh trang hon nhan", "Hộ tịch"),
    ("khai sinh", "Hộ tịch"),
    ("ket hon", "Hộ tịch"),
    ("khai tu", "Hộ tịch"),
    ("ho tich", "Hộ tịch"),
    ("nhan cha", "Hộ tịch"),
    ("giam ho", "Hộ tịch"),
    ("cai chinh", "Hộ tịch"),
    ("chung thuc", "Chứng thực"),
    ("ban sao", "Chứng thực"),
    ("xay dung", "Xây dựng"),
    ("su dung dat", "Đất đai"),
    ("dat dai", "Đất đai"),
    ("thua dat", "Đất đai"),
    ("giao dat", "Đất đai"),
    ("thu hoi dat", "Đất đai"),
    ("moi truong", "Tài nguyên môi trường"),
    ("tro cap xa hoi", "Lao động – Thương binh xã hội"),
    ("tro giup xa hoi", "Lao động – Thương binh xã hội"),
    ("nguoi cao tuoi", "Lao động – Thương binh xã hội"),
    ("thuong binh", "Lao động – Thương binh xã hội"),
    ("nguoi co cong", "Lao động – Thương binh xã hội"),
    ("bao tro xa hoi", "Lao động – Thương binh xã hội"),
    ("bao hiem", "Bảo hiểm xã hội / y tế"),
    ("khieu nai", "Khiếu nại tố cáo"),
    ("to cao", "Khiếu nại tố cáo"),
    ("giao duc", "Giáo dục"),
    ("van hoa", "Văn hóa"),
    ("y te", "Y tế"),
)


def _key(text: str) -> str:
    """Folded form with punctuation spacing ignored, for comparing a line with a phrase."""
    return squash(fold(text).replace("-", " - ")).replace(".", "")


_ISSUER_KEYS = {_key(p): p for p in ISSUER_LINES}
_POSITION_KEYS = {_key(p): p for p in POSITIONS}


def restore_accents(printed: str, canonical: str) -> str:
    """Give ``printed`` the canonical letters when both fold to the same characters.

    Keeps the printed punctuation and spacing; only letters whose accents OCR got wrong change.
    """
    if len(printed) != len(canonical) or fold(printed) != fold(canonical):
        return canonical
    return "".join(c if c.isalpha() else p for p, c in zip(printed, canonical, strict=True))


def snap(text: str, keys: dict[str, str], cutoff: float = 88.0) -> tuple[str, float] | None:
    """Return ``(canonical phrase, similarity 0-1)`` for an OCR'd phrase, or ``None``.

    Exact folded matches restore the accents; near matches (OCR dropped or swapped a letter)
    return the phrase when one candidate is clearly best.
    """
    key = _key(text)
    if key in keys:
        return restore_accents(squash(text), keys[key]), 1.0
    best: tuple[float, str] | None = None
    second = 0.0
    for cand_key, phrase in keys.items():
        score = fuzz.ratio(key, cand_key)
        if best is None or score > best[0]:
            second = best[0] if best else 0.0
            best = (score, phrase)
        elif score > second:
            second = score
    if best and best[0] >= cutoff and best[0] - second >= 3:
        return best[1], best[0] / 100.0
    return None


def snap_issuer_line(text: str) -> tuple[str, float] | None:
    """Known issuer line for ``text`` (``UY BAN NHAN DAN`` -> ``ỦY BAN NHÂN DÂN``) or ``None``."""
    return snap(text, _ISSUER_KEYS)


def snap_position(text: str) -> tuple[str, float] | None:
    """Known signer position for ``text`` or ``None``."""
    return snap(text, _POSITION_KEYS, cutoff=85.0)


def title_type(title: str) -> tuple[str, str, float] | None:
    """``(printed title in capitals, document type, similarity)`` for a title line, or ``None``."""
    key = _key(title)
    for phrase, doc_type in TITLE_TYPES:
        pkey = _key(phrase)
        if key == pkey or key.startswith(pkey + " "):
            return phrase, doc_type, 1.0
    best: tuple[float, str, str] | None = None
    for phrase, doc_type in TITLE_TYPES:
        pkey = _key(phrase)
        score = fuzz.ratio(key[: len(pkey)], pkey) if len(key) >= len(pkey) - 2 else 0.0
        better = best is None or score > best[0] or (score == best[0] and len(phrase) > len(best[1]))
        if score >= 85 and better:
            best = (score, phrase, doc_type)
    if best:
        return best[1], best[2], best[0] / 100.0
    return None


def field_for(*texts: str | None) -> str | None:
    """The field (lĩnh vực) named by the first text, in order, that carries a known keyword."""
    for text in texts:
        if not text:
            continue
        key = f" {squash(fold(text))} "
        for keyword, field_name in FIELD_RULES:
            if f" {keyword} " in key:
                return field_name
    return None
