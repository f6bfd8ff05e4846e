"""Known phrases of result documents: issuing bodies, titles, positions.

OCR misreads tone marks (``NHÂN DẦN``) but these phrases come from short lists, so a line
whose folded form matches a known phrase can be given back with its proper accents. That is
a correction we can be sure of; free text (names, summaries) is never "corrected" this way.
The lists help and lend confidence; they never decide what a field is: an issuer, a position
or a place missing from them is read as printed (see ``metadata``). Issuing bodies and places
come from the caller's units (:class:`~sohoa.digitize.fields_context.FieldContext`).
"""

from __future__ import annotations

from rapidfuzz import fuzz

from sohoa.digitize.fields_context import DEFAULT_CONTEXT, FieldContext
from sohoa.text import fold_aligned, squash

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
    ("GIẤY KHEN", "Giấy khen"),
    ("BẰNG KHEN", "Bằng khen"),
    ("GIẤY ỦY QUYỀN", "Giấy ủy quyền"),
    ("CHƯƠNG TRÌNH", "Chương trình"),
    ("PHƯƠNG ÁN", "Phương án"),
    ("ĐỀ ÁN", "Đề án"),
    ("QUY CHẾ", "Quy chế"),
    ("QUY ĐỊNH", "Quy định"),
    ("CÔNG ĐIỆN", "Công điện"),
    ("HỢP ĐỒNG", "Hợp đồng"),
    ("LỜI CHỨNG", "Lời chứng"),
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
    "tlkt": "Trích lục",
    "gp": "Giấy phép",
    "gcn": "Giấy chứng nhận",
    "gxn": "Giấy xác nhận",
    "ctr": "Chương trình",
    "pa": "Phương án",
    "qc": "Quy chế",
    "qyd": "Quy định",
    "cd": "Công điện",
    "guq": "Giấy ủy quyền",
    "ggt": "Giấy giới thiệu",
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
AUTHORITY = (
    "tm.", "kt.", "tl.", "tuq.", "q.", "tm ", "kt ", "tl ", "tuq ", "tm,", "kt,", "tl,", "tuq,", "t/m", "k/t",
)  # fmt: skip

def _key(text: str) -> str:
    """Folded form with punctuation spacing ignored, for comparing a line with a phrase."""
    return squash(fold_aligned(text).replace("-", " - ")).replace(".", "")


_POSITION_KEYS = {_key(p): p for p in POSITIONS}


def restore_accents(printed: str, canonical: str) -> str:
    """Give ``printed`` the canonical letters when both fold to the same characters.

    Keeps the printed punctuation and spacing; only letters whose accents OCR got wrong change.
    """
    if len(printed) != len(canonical) or fold_aligned(printed) != fold_aligned(canonical):
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


def snap_issuer_line(text: str, context: FieldContext = DEFAULT_CONTEXT) -> tuple[str, float] | None:
    """Known issuer line for ``text`` (``UY BAN NHAN DAN`` -> ``ỦY BAN NHÂN DÂN``) or ``None``."""
    keys = context._cache.get("issuer_keys")
    if keys is None:
        keys = context._cache["issuer_keys"] = {_key(p): p for p in context.issuer_lines()}
    return snap(text, keys)


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
