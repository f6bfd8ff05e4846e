"""Known phrases of result documents: issuing bodies, titles, positions, fields.

OCR misreads tone marks (``NHÂN DẦN``) but these phrases come from short lists, so a line
whose folded form matches a known phrase can be given back with its proper accents. That is
a correction we can be sure of; free text (names, summaries) is never "corrected" this way.
The lists help and lend confidence; they never decide what a field is: an issuer, a position
or a place missing from them is read as printed (see ``metadata``). Issuing bodies and places
come from the caller's units (:class:`~sohoa.digitize.fields_context.FieldContext`).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from sohoa.digitize.fields_context import DEFAULT_CONTEXT, FieldContext
from sohoa.digitize.fields_text import fold, squash

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

_HT = "Hộ tịch"
_DD = "Đất đai"
_LD = "Lao động – Thương binh xã hội"
# (folded keyword, field, weight): the wording of a field's procedures and results, most
# specific first. Weight 1 for wording only that field uses, 0.5 for words others share.
FIELD_RULES: tuple[tuple[str, str, float], ...] = (
    ("ho kinh doanh", "Đăng ký kinh doanh", 1.0),
    ("dang ky kinh doanh", "Đăng ký kinh doanh", 1.0),
    ("hop tac xa", "Đăng ký kinh doanh", 1.0),
    ("tinh trang hon nhan", _HT, 1.0),
    ("khai sinh", _HT, 1.0),
    ("ket hon", _HT, 1.0),
    ("khai tu", _HT, 1.0),
    ("ho tich", _HT, 1.0),
    ("nhan cha", _HT, 1.0),
    ("nhan me", _HT, 1.0),
    ("cha, me, con", _HT, 1.0),
    ("cha me con", _HT, 1.0),
    ("giam ho", _HT, 1.0),
    ("cai chinh", _HT, 1.0),
    ("xac dinh lai dan toc", _HT, 1.0),
    ("ly hon", _HT, 0.5),
    ("trich luc", _HT, 0.5),
    ("chung thuc", "Chứng thực", 1.0),
    ("ban sao tu ban chinh", "Chứng thực", 1.0),
    ("ban sao", "Chứng thực", 0.5),
    ("ly lich tu phap", "Tư pháp", 1.0),
    ("hoa giai", "Tư pháp", 1.0),
    ("tro giup phap ly", "Tư pháp", 1.0),
    ("pho bien, giao duc phap luat", "Tư pháp", 1.0),
    ("tu phap", "Tư pháp", 0.5),
    ("giay phep xay dung", "Xây dựng", 1.0),
    ("trat tu xay dung", "Xây dựng", 1.0),
    ("xay dung", "Xây dựng", 1.0),
    ("cong trinh", "Xây dựng", 0.5),
    ("quy hoach", "Xây dựng", 0.5),
    ("su dung dat", _DD, 1.0),
    ("dat dai", _DD, 1.0),
    ("thua dat", _DD, 1.0),
    ("giao dat", _DD, 1.0),
    ("thu hoi dat", _DD, 1.0),
    ("cho thue dat", _DD, 1.0),
    ("chuyen muc dich", _DD, 1.0),
    ("tai dinh cu", _DD, 1.0),
    ("giai phong mat bang", _DD, 1.0),
    ("dia chinh", _DD, 1.0),
    ("boi thuong", _DD, 0.5),
    ("moi truong", "Tài nguyên môi trường", 1.0),
    ("khoang san", "Tài nguyên môi trường", 1.0),
    ("tai nguyen nuoc", "Tài nguyên môi trường", 1.0),
    ("tro cap xa hoi", _LD, 1.0),
    ("tro giup xa hoi", _LD, 1.0),
    ("bao tro xa hoi", _LD, 1.0),
    ("nguoi cao tuoi", _LD, 1.0),
    ("khuyet tat", _LD, 1.0),
    ("thuong binh", _LD, 1.0),
    ("liet si", _LD, 1.0),
    ("nguoi co cong", _LD, 1.0),
    ("ho ngheo", _LD, 1.0),
    ("can ngheo", _LD, 1.0),
    ("mai tang", _LD, 1.0),
    ("tro cap", _LD, 0.5),
    ("tre em", _LD, 0.5),
    ("bao hiem xa hoi", "Bảo hiểm xã hội / y tế", 1.0),
    ("bao hiem y te", "Bảo hiểm xã hội / y tế", 1.0),
    ("bao hiem", "Bảo hiểm xã hội / y tế", 0.5),
    ("khieu nai", "Khiếu nại tố cáo", 1.0),
    ("to cao", "Khiếu nại tố cáo", 1.0),
    ("tiep cong dan", "Khiếu nại tố cáo", 1.0),
    ("kien nghi, phan anh", "Khiếu nại tố cáo", 0.5),
    ("don thu", "Khiếu nại tố cáo", 1.0),
    ("tra loi don", "Khiếu nại tố cáo", 0.5),
    ("don kien nghi", "Khiếu nại tố cáo", 0.5),
    ("tranh chap dat", _DD, 1.0),
    ("ban le ruou", "Công thương", 1.0),
    ("ban le san pham ruou", "Công thương", 1.0),
    ("thuoc la", "Công thương", 1.0),
    ("xang dau", "Công thương", 1.0),
    ("gia dinh van hoa", "Văn hóa", 1.0),
    ("le hoi", "Văn hóa", 1.0),
    ("karaoke", "Văn hóa", 1.0),
    ("quang cao", "Văn hóa", 0.5),
    ("van hoa", "Văn hóa", 1.0),
    ("the thao", "Văn hóa", 0.5),
    ("khen thuong", "Nội vụ", 1.0),
    ("thi dua", "Nội vụ", 1.0),
    ("ton giao", "Nội vụ", 1.0),
    ("tin nguong", "Nội vụ", 1.0),
    ("cong chuc", "Nội vụ", 0.5),
    ("vien chuc", "Nội vụ", 0.5),
    ("noi vu", "Nội vụ", 1.0),
    ("giao duc", "Giáo dục", 1.0),
    ("hoc sinh", "Giáo dục", 1.0),
    ("mam non", "Giáo dục", 0.5),
    ("an toan thuc pham", "Y tế", 1.0),
    ("kham chua benh", "Y tế", 1.0),
    ("y te", "Y tế", 1.0),
    ("nong nghiep", "Nông nghiệp", 0.5),
    ("giao thong", "Giao thông vận tải", 0.5),
)

# "… trong lĩnh vực đất đai": a text that names its field says it best.
_NAMED_FIELD = re.compile(r"linh\s*vuc\s*:?\s*([a-z ,-]{3,40})")


def _key(text: str) -> str:
    """Folded form with punctuation spacing ignored, for comparing a line with a phrase."""
    return squash(fold(text).replace("-", " - ")).replace(".", "")


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


def _rule_hits(key: str) -> dict[str, float]:
    """Field -> summed weight of its keywords found in a folded, space-padded text."""
    hits: dict[str, float] = {}
    for keyword, field_name, weight in FIELD_RULES:
        if f" {keyword} " in key:
            hits[field_name] = max(hits.get(field_name, 0.0), weight) + 0.1 * (field_name in hits)
    return hits


def _padded(text: str) -> str:
    return f" {squash(re.sub(r'[.;:()]', ' ', fold(text)))} "


def infer_field(title: str | None, summary: str | None, body: str | None = None) -> tuple[str | None, float]:
    """The field (lĩnh vực) a result belongs to, and how strongly its wording says so.

    A field named outright (``… trong lĩnh vực đất đai``) wins. Otherwise each text votes with
    its weight (title 3, summary 2, body 1; body lines citing laws, ``Căn cứ …``, half) for the
    fields whose wording it carries. Strength is 0.9 when the title or summary decided with a
    clear margin, 0.6 when only the body did or the vote was close (the value goes to review).
    """
    for text in (title, summary, body):
        if not text:
            continue
        for m in _NAMED_FIELD.finditer(fold(text)):
            hits = _rule_hits(_padded(m.group(1)))
            if hits:
                return max(hits.items(), key=lambda kv: kv[1])[0], 0.9
    votes: dict[str, float] = {}
    heads: dict[str, float] = {}
    body_lines = (body or "").split("\n")
    cited = "\n".join(ln for ln in body_lines if fold(ln).lstrip(" -").startswith("can cu"))
    plain = "\n".join(ln for ln in body_lines if not fold(ln).lstrip(" -").startswith("can cu"))
    for text, weight in ((title, 3.0), (summary, 2.0), (plain, 1.0), (cited, 0.5)):
        if not text:
            continue
        for field_name, score in _rule_hits(_padded(text)).items():
            votes[field_name] = votes.get(field_name, 0.0) + weight * score
            if weight >= 2.0:
                heads[field_name] = heads.get(field_name, 0.0) + weight * score
    if not votes:
        return None, 0.0
    order = {name: i for i, (_, name, _) in enumerate(FIELD_RULES)}
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], order[kv[0]]))
    best, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    decided_by_head = heads.get(best, 0.0) > 0 and max(heads.values()) == heads.get(best, 0.0)
    strength = 0.9 if decided_by_head and score >= 1.5 * second else 0.6
    return best, strength


def field_for(*texts: str | None) -> str | None:
    """The field (lĩnh vực) named by the first text, in order, that carries a known keyword."""
    for text in texts:
        if not text:
            continue
        hits = _rule_hits(_padded(text))
        if hits:
            order = {name: i for i, (_, name, _) in enumerate(FIELD_RULES)}
            return sorted(hits.items(), key=lambda kv: (-kv[1], order[kv[0]]))[0][0]
    return None
