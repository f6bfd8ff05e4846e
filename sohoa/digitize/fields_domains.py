"""The field (lĩnh vực) of procedures a result belongs to, weighed from its wording.

Field names are the readable names of ``domain.md`` §3, under which a city files and reports its
results (Hộ tịch, Chứng thực, Đăng ký kinh doanh, Xây dựng, Đất đai, Tài nguyên môi trường, Lao động
– Thương binh xã hội, Bảo hiểm xã hội / y tế, Giáo dục, Y tế, Văn hóa, Nội vụ, Tư pháp, Khiếu nại tố
cáo). The national database of procedures divides several of them further (Bảo trợ xã hội and
Người có công are Lao động – Thương binh xã hội's; Tiếp công dân, Giải quyết khiếu nại and Xử lý
đơn thư are Khiếu nại tố cáo's; Thi đua, khen thưởng is Nội vụ's): the rules below keep those
subdivisions' wording apart, and each names the readable field it files under. A result outside
that list (a fine, a licence to sell alcohol) keeps the national field's name.

The evidence is weighed, never looked up once: the title (3), the summary (2), the drafting unit
at the end of the symbol (2, ``12/UBND-TP`` is Tư pháp's), the body (1) and the legal bases it
cites (``Căn cứ …``, 0.5). Wording two fields share votes for both (a "Gia đình văn hóa" decision
is culture's and commendation's), so such a vote comes out close, and a close vote, or one the
body alone carried, is returned with a strength below the review threshold: the clerk decides,
rather than the archive keeping a confident guess. So is a field whose very name is a matter of
filing habit: one outside the readable list, or a readable name that holds several fields of the
national database (:data:`SETTLED_FIELDS` lists those that are not).
"""

from __future__ import annotations

import re

from sohoa.text import fold_aligned, squash

# Strengths returned with a field: SURE keeps the value out of the review queue (its default
# threshold is 0.8, ``sohoa.archive.review.DEFAULT_THRESHOLD``); the others send it there.
SURE = 0.9
DOUBTFUL = 0.6
WEAK = 0.45

# The readable names (domain.md §3).
HO_TICH = "Hộ tịch"
CHUNG_THUC = "Chứng thực"
KINH_DOANH = "Đăng ký kinh doanh"
XAY_DUNG = "Xây dựng"
DAT_DAI = "Đất đai"
TAI_NGUYEN = "Tài nguyên môi trường"
LAO_DONG = "Lao động – Thương binh xã hội"
BAO_HIEM = "Bảo hiểm xã hội / y tế"
GIAO_DUC = "Giáo dục"
Y_TE = "Y tế"
VAN_HOA = "Văn hóa"
NOI_VU = "Nội vụ"
TU_PHAP = "Tư pháp"
KHIEU_TO = "Khiếu nại tố cáo"
# Subdivisions of the national database, filed under the readable name that holds them.
CON_NUOI = TU_PHAP
MOI_TRUONG = KHOANG_SAN = TAI_NGUYEN_NUOC = TAI_NGUYEN
BAO_TRO = CO_CONG = GIAM_NGHEO = TRE_EM = LAO_DONG
TIEP_DAN = KHIEU_NAI = TO_CAO = DON_THU = KHIEU_TO
KHEN_THUONG = TON_GIAO = TIN_NGUONG = NOI_VU
THE_THAO = VAN_HOA
# Fields the readable list does not hold: their name is the national database's.
VI_PHAM = "Xử lý vi phạm hành chính"
LUU_THONG = "Lưu thông hàng hóa trong nước"
NONG_NGHIEP = "Nông nghiệp"
GIAO_THONG = "Giao thông vận tải"
# Residence registration: a ward's until the commune police took it over (Luật Cư trú 2020).
CU_TRU = "Đăng ký, quản lý cư trú"

# (folded keyword, field, weight), most specific first. Weight 1 for wording only that field
# uses, more for wording that settles the field even beside another's (a fine "trong lĩnh vực đất
# đai" is a fine), less for words others share.
FIELD_RULES: tuple[tuple[str, str, float], ...] = (
    ("nuoi con nuoi", CON_NUOI, 1.5),
    ("con nuoi", CON_NUOI, 1.5),
    ("ho kinh doanh", KINH_DOANH, 1.0),
    ("dang ky kinh doanh", KINH_DOANH, 1.0),
    ("hop tac xa", KINH_DOANH, 1.0),
    ("tinh trang hon nhan", HO_TICH, 1.0),
    ("khai sinh", HO_TICH, 1.0),
    ("ket hon", HO_TICH, 1.0),
    ("khai tu", HO_TICH, 1.0),
    ("ho tich", HO_TICH, 1.0),
    ("nhan cha", HO_TICH, 1.0),
    ("nhan me", HO_TICH, 1.0),
    ("cha me con", HO_TICH, 1.0),
    ("giam ho", HO_TICH, 1.0),
    ("cai chinh", HO_TICH, 1.0),
    ("xac dinh lai dan toc", HO_TICH, 1.0),
    ("ly hon", HO_TICH, 0.5),
    ("trich luc", HO_TICH, 0.5),
    ("loi chung", CHUNG_THUC, 1.5),
    ("chung thuc", CHUNG_THUC, 1.5),
    ("ban sao tu ban chinh", CHUNG_THUC, 1.0),
    ("ban sao", CHUNG_THUC, 0.5),
    ("ly lich tu phap", TU_PHAP, 1.0),
    ("hoa giai", TU_PHAP, 1.0),
    ("tro giup phap ly", TU_PHAP, 1.0),
    ("pho bien giao duc phap luat", TU_PHAP, 1.0),
    ("tu phap", TU_PHAP, 0.5),
    ("giay phep xay dung", XAY_DUNG, 1.5),
    ("trat tu xay dung", XAY_DUNG, 1.0),
    ("xay dung", XAY_DUNG, 1.0),
    ("cong trinh", XAY_DUNG, 0.5),
    ("nha o rieng le", XAY_DUNG, 1.0),
    ("sua chua cai tao", XAY_DUNG, 1.0),
    ("quy hoach", XAY_DUNG, 0.5),
    ("su dung dat", DAT_DAI, 1.0),
    ("dat dai", DAT_DAI, 1.0),
    ("thua dat", DAT_DAI, 1.0),
    ("giao dat", DAT_DAI, 1.0),
    ("thu hoi dat", DAT_DAI, 1.0),
    ("cho thue dat", DAT_DAI, 1.0),
    ("chuyen muc dich", DAT_DAI, 1.0),
    ("tai dinh cu", DAT_DAI, 1.0),
    ("giai phong mat bang", DAT_DAI, 1.0),
    ("dia chinh", DAT_DAI, 1.0),
    ("tranh chap dat", DAT_DAI, 1.0),
    ("moc gioi", DAT_DAI, 0.5),
    ("boi thuong", DAT_DAI, 0.5),
    ("bao ve moi truong", MOI_TRUONG, 1.0),
    ("moi truong", MOI_TRUONG, 1.0),
    ("chat thai", MOI_TRUONG, 1.0),
    ("khoang san", KHOANG_SAN, 1.0),
    ("tai nguyen nuoc", TAI_NGUYEN_NUOC, 1.0),
    ("nuoc duoi dat", TAI_NGUYEN_NUOC, 1.0),
    ("khai thac nuoc", TAI_NGUYEN_NUOC, 1.0),
    ("xa nuoc thai", TAI_NGUYEN_NUOC, 1.0),
    ("tro cap xa hoi", BAO_TRO, 1.0),
    ("tro giup xa hoi", BAO_TRO, 1.0),
    ("bao tro xa hoi", BAO_TRO, 1.0),
    ("nguoi cao tuoi", BAO_TRO, 1.0),
    ("khuyet tat", BAO_TRO, 1.0),
    ("mai tang", BAO_TRO, 0.5),
    ("tro cap", BAO_TRO, 0.5),
    ("thuong binh", CO_CONG, 1.0),
    ("benh binh", CO_CONG, 1.0),
    ("liet si", CO_CONG, 1.0),
    ("nguoi co cong", CO_CONG, 1.0),
    ("chat doc hoa hoc", CO_CONG, 1.0),
    ("ho ngheo", GIAM_NGHEO, 1.0),
    ("can ngheo", GIAM_NGHEO, 1.0),
    ("bao ve tre em", TRE_EM, 1.0),
    ("cham soc thay the", TRE_EM, 1.0),
    ("tre em", TRE_EM, 0.5),
    ("bao hiem xa hoi", BAO_HIEM, 1.0),
    ("bao hiem y te", BAO_HIEM, 1.0),
    ("bao hiem", BAO_HIEM, 0.5),
    ("tiep cong dan", TIEP_DAN, 1.5),
    ("tiep dan", TIEP_DAN, 1.0),  # "Lịch trực tiếp dân", "Phòng tiếp dân"
    ("giai quyet khieu nai", KHIEU_NAI, 1.5),
    ("khieu nai", KHIEU_NAI, 1.0),
    ("giai quyet to cao", TO_CAO, 1.5),
    ("to cao", TO_CAO, 1.0),
    ("don thu", DON_THU, 1.0),
    ("kien nghi phan anh", DON_THU, 0.5),
    ("phan anh kien nghi", DON_THU, 0.5),
    ("don kien nghi", DON_THU, 0.5),
    ("tra loi don", DON_THU, 0.5),
    # "V/v trả lời đơn kiến nghị của công dân": the reply names the procedure that gave it (the
    # handling of a petition), whichever office drafted it and whatever the petition was about.
    ("tra loi don kien nghi", DON_THU, 1.5),
    ("tra loi don phan anh", DON_THU, 1.5),
    ("tra loi kien nghi", DON_THU, 1.5),
    ("xu phat vi pham hanh chinh", VI_PHAM, 1.5),
    ("vi pham hanh chinh", VI_PHAM, 1.2),
    ("xu phat", VI_PHAM, 1.0),
    ("ban le ruou", LUU_THONG, 1.5),
    ("ban le san pham ruou", LUU_THONG, 1.5),
    ("san pham ruou", LUU_THONG, 1.5),
    ("ruou thu cong", LUU_THONG, 1.5),
    ("thuoc la", LUU_THONG, 1.5),
    ("gia dinh van hoa", VAN_HOA, 1.0),
    ("gia dinh van hoa", KHEN_THUONG, 0.8),
    ("le hoi", VAN_HOA, 1.0),
    ("karaoke", VAN_HOA, 1.0),
    ("di tich", VAN_HOA, 1.0),
    ("quang cao", VAN_HOA, 0.5),
    ("van hoa", VAN_HOA, 1.0),
    ("the duc the thao", THE_THAO, 1.0),
    ("the thao", THE_THAO, 0.5),
    ("khen thuong", KHEN_THUONG, 1.0),
    ("thi dua", KHEN_THUONG, 1.0),
    ("giay khen", KHEN_THUONG, 1.0),
    ("bang khen", KHEN_THUONG, 1.0),
    ("danh hieu", KHEN_THUONG, 0.5),
    ("ton giao", TON_GIAO, 1.0),
    ("tin nguong", TIN_NGUONG, 1.0),
    ("noi vu", NOI_VU, 1.0),
    ("cong chuc", NOI_VU, 0.5),
    ("vien chuc", NOI_VU, 0.5),
    ("giao duc", GIAO_DUC, 1.0),
    ("hoc sinh", GIAO_DUC, 1.0),
    ("mam non", GIAO_DUC, 0.5),
    ("hoc phi", GIAO_DUC, 1.0),
    ("nhom tre", GIAO_DUC, 1.0),
    ("mau giao", GIAO_DUC, 1.0),
    ("an toan thuc pham", Y_TE, 1.0),
    ("kham chua benh", Y_TE, 1.0),
    ("y te", Y_TE, 1.0),
    ("tiem chung", Y_TE, 0.5),
    ("nong nghiep", NONG_NGHIEP, 0.5),
    ("thuy loi", NONG_NGHIEP, 0.5),
    ("giao thong", GIAO_THONG, 0.5),
    ("via he", GIAO_THONG, 0.5),
    ("dang ky tam tru", CU_TRU, 1.0),
    ("dang ky thuong tru", CU_TRU, 1.0),
    ("tam vang", CU_TRU, 1.0),
    ("xac nhan cu tru", CU_TRU, 1.0),
    ("xac nhan noi cu tru", CU_TRU, 1.0),
)

# Ties go to the field whose wording comes first (the more specific).
_ORDER: dict[str, int] = {}
for _i, (_, _name, _) in enumerate(FIELD_RULES):
    _ORDER.setdefault(_name, _i)

# "… trong lĩnh vực đất đai": a text that names its field says so outright, except in a fine,
# where it names the domain of the violation (the field is the handling of violations).
_NAMED_FIELD = re.compile(r"linh\s*vuc\s*:?\s*([a-z -]{3,40})")
_FINE = re.compile(r"\b(?:vi pham hanh chinh|xu phat)\b")

# Fields whose name nobody would argue with once the wording names them: readable names that are
# also a single field of the national database, so the two namings agree. Three readable names
# each hold several fields of the national database, and an archive may file under either: a
# disability certificate or a social allowance under "Lao động – Thương binh xã hội" or "Bảo trợ
# xã hội", a reception schedule or a reply to a petition under "Khiếu nại tố cáo", "Tiếp công
# dân" or "Xử lý đơn thư", a mining licence under "Tài nguyên môi trường" or "Khoáng sản". For
# those, as for a result outside the readable list (a fine, filed under the handling of
# violations or under the domain violated; a licence to sell alcohol or tobacco), the wording
# gives the likeliest field, never a sure one: the clerk confirms it. The cost is review of
# right values of those kinds (bench/devset2.py prints it).
SETTLED_FIELDS = frozenset({
    HO_TICH, CHUNG_THUC, KINH_DOANH, XAY_DUNG, DAT_DAI, BAO_HIEM, GIAO_DUC, Y_TE, VAN_HOA, NOI_VU, TU_PHAP,
})  # fmt: skip

_TITLE, _SUMMARY, _DRAFTING, _BODY, _CITED = 3.0, 2.0, 2.0, 1.0, 0.5
_HEAD = (_TITLE, _SUMMARY, _DRAFTING)


def _padded(text: str) -> str:
    """Folded text with punctuation turned to spaces and padded, so keywords match whole words."""
    return f" {squash(re.sub(r'[.,;:()/]', ' ', fold_aligned(text)))} "


def _rule_hits(key: str) -> dict[str, tuple[float, float]]:
    """Field -> (summed weight, strongest keyword weight) of its keywords found in a padded text.

    A second keyword of the same field adds a little: more of a field's wording, more sure.
    """
    hits: dict[str, tuple[float, float]] = {}
    for keyword, field_name, weight in FIELD_RULES:
        if f" {keyword} " in key:
            total, top = hits.get(field_name, (0.0, 0.0))
            hits[field_name] = (max(total, weight) + 0.1 * (field_name in hits), max(top, weight))
    return hits


def _named(text: str) -> dict[str, tuple[float, float]]:
    """Fields a text names outright (``… trong lĩnh vực đất đai``), unless it is a fine's wording."""
    folded = fold_aligned(text)
    if _FINE.search(folded):
        return {}
    hits: dict[str, tuple[float, float]] = {}
    for m in _NAMED_FIELD.finditer(folded):
        for name, (total, top) in _rule_hits(_padded(m.group(1))).items():
            hits[name] = (2.0 * total, top)
    return hits


def infer_field(
    title: str | None, summary: str | None, body: str | None = None, drafted: str | None = None
) -> tuple[str | None, float]:
    """The field (lĩnh vực) a result belongs to, and how strongly its evidence says so.

    ``drafted`` is the field of the drafting unit named in the symbol, if any. The strength is
    :data:`SURE` only when the title or the summary carried the winning field with wording of its
    own (weight ≥ 1), named no other field that way, the drafting unit (if any) agrees, it won
    at least two to one, and the field is one of :data:`SETTLED_FIELDS` (its name is not a matter
    of filing habit); :data:`DOUBTFUL` when the body alone decided, the vote was close or the
    field's naming is arguable; :data:`WEAK` when only shared words spoke.
    """
    votes: dict[str, float] = {}
    heads: dict[str, float] = {}
    strong: set[str] = set()
    own: set[str] = set()  # fields the title or summary name with wording of their own
    body_lines = (body or "").split("\n")
    cited = "\n".join(ln for ln in body_lines if fold_aligned(ln).lstrip(" -").startswith("can cu"))
    plain = "\n".join(ln for ln in body_lines if not fold_aligned(ln).lstrip(" -").startswith("can cu"))
    sources = [(title, _TITLE), (summary, _SUMMARY), (plain, _BODY), (cited, _CITED)]
    for text, weight in sources:
        if not text:
            continue
        hits = _rule_hits(_padded(text))
        for name, named in _named(text).items():
            hits[name] = max(hits.get(name, (0.0, 0.0)), named)
        is_head = weight in _HEAD or (weight == _BODY and bool(_named(text)))
        for name, (total, top) in hits.items():
            votes[name] = votes.get(name, 0.0) + weight * total
            if is_head:
                heads[name] = heads.get(name, 0.0) + weight * total
                if top >= 1.0:
                    strong.add(name)
                    if weight in (_TITLE, _SUMMARY):
                        own.add(name)
    if drafted:
        votes[drafted] = votes.get(drafted, 0.0) + _DRAFTING
        heads[drafted] = heads.get(drafted, 0.0) + _DRAFTING
        strong.add(drafted)
    if not votes:
        return None, 0.0
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], _ORDER.get(kv[0], 0)))
    best, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    led = best in strong and heads.get(best, 0.0) >= max(heads.values(), default=0.0)
    # Sure only when the document's own words settle it: its title or summary names this field
    # and no other, and a drafting unit, if any, agrees. A symbol's unit alone (a reply to a
    # petition drafted by the land office) or a title and summary naming two fields is the
    # clerk's call.
    unambiguous = own == {best} and (drafted is None or drafted == best)
    if led and unambiguous and score >= 2.0 * second and best in SETTLED_FIELDS:
        return best, SURE
    if best in strong or score >= 2.0 * second:
        return best, DOUBTFUL
    return best, WEAK
