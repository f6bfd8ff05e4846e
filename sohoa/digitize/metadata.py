"""Metadata of a result document, read from its OCR'd pages (issue 3).

The layout of NĐ 30/2020 tells where each field sits: the issuing body top left with the
number under it, the motto and the place-and-date top right, the title centred, the signer
block bottom right. Where pages carry word boxes we use that geometry; text-layer pages (and
lines merged across the two header columns) fall back on text patterns alone.

Keywords are matched on folded text so that OCR's tone-mark errors (``Sô:``, ``Quyêt định``)
do not hide them, but every value is returned as printed, in NFC. Only corrections that are
certain are applied: known phrases (issuers, titles, positions, places) get their accents
back, and OCR letter-for-digit swaps are repaired inside numbers.

This module is pure and fast: no I/O, no logging of document text (it is personal data).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from sohoa.digitize.fields_context import DEFAULT_CONTEXT, FieldContext
from sohoa.digitize.fields_dates import WORDED_DATE, add_months, find_dates
from sohoa.digitize.fields_names import (
    NameSighting,
    can_open_name,
    consolidate,
    is_name_syllable,
    is_name_token,
    is_surname,
    looks_like_name,
    name_strength,
    rescue_token,
)
from sohoa.digitize.fields_text import (
    Line,
    PageLines,
    fix_digits,
    fold,
    is_upper_text,
    nfc,
    page_lines,
    sentence_case,
    squash,
)
from sohoa.digitize.fields_vocab import (
    AUTHORITY,
    SYMBOL_TYPES,
    infer_field,
    restore_accents,
    snap_issuer_line,
    snap_position,
    title_type,
)
from sohoa.digitize.model import PageText
from sohoa.digitize.syllables import is_syllable
from sohoa.fields import FIELD_NAMES, LIST_FIELDS

Value = str | list[str] | None


@dataclass
class ExtractedFields:
    """The 15 metadata fields of one document, each with a confidence in [0, 1] and a source.

    ``values`` always holds every name in :data:`FIELD_NAMES` (``None`` or ``[]`` when not
    found; dates as ISO ``YYYY-MM-DD``). ``confidence`` is 0 for a missing field. ``source``
    is ``"auto"`` for what was extracted here and ``"manual"`` once a clerk set the value.
    """

    values: dict[str, Value] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in FIELD_NAMES:
            self.values.setdefault(name, [] if name in LIST_FIELDS else None)
            self.confidence.setdefault(name, 0.0)
            self.source.setdefault(name, "auto")

    def set(self, name: str, value: Value, confidence: float) -> None:
        """Record an automatically extracted value (empty values get confidence 0)."""
        if name not in FIELD_NAMES:
            raise KeyError(name)
        empty = value is None or value == [] or value == ""
        self.values[name] = [] if (empty and name in LIST_FIELDS) else (None if empty else value)
        self.confidence[name] = 0.0 if empty else round(max(0.0, min(1.0, confidence)), 3)
        self.source[name] = "auto"

    def to_dict(self) -> dict[str, dict]:
        """Plain JSON-ready form: ``{"values": …, "confidence": …, "source": …}``."""
        values = {k: (list(v) if isinstance(v, list) else v) for k, v in self.values.items()}
        return {"values": values, "confidence": dict(self.confidence), "source": dict(self.source)}

    def set_manual(self, name: str, value: Value) -> None:
        """Record a value a clerk typed or confirmed: full confidence, source ``manual``."""
        if name not in FIELD_NAMES:
            raise KeyError(name)
        if isinstance(value, str):
            value = nfc(value)
        elif isinstance(value, list):
            value = [nfc(v) for v in value]
        self.values[name] = value
        self.confidence[name] = 1.0 if value not in (None, [], "") else 0.0
        self.source[name] = "manual"


# --- the header: issuer, number, motto, place and date, title --------------------------------

_MOTTO_KEYS = ("cong hoa xa hoi", "doc lap", "tu do", "hanh phuc", "chu nghia viet nam")
_NUMBER_LABEL = re.compile(r"^\s*(?:s|5)[o0]\s*(?:[:;.,]\s*|(?=[0-9oil]))")
_NUMBER_BODY = re.compile(
    r"(?P<num>[0-9OIl][0-9OIl ]{0,7})"
    r"(?P<year>\s*/\s*[0-9OIl]{4}(?=\s*/|\s*$|[\s,;.)]))?"
    r"(?P<sym>\s*/\s*[A-Za-zĐđÐ][A-Za-zĐđÐ0-9]*(?:\s*[-–]\s*[A-Za-zĐđÐ][A-Za-zĐđÐ0-9]*)*)?"
)
_PLACE_DATE = re.compile(r"(?P<place>[a-z][a-z .]{1,30}?)\s*[,.]\s*ng[a-z]?y\s*[:.,]?\s*[0-9oil]")


@dataclass
class _Header:
    left: list[Line]
    right: list[Line]
    title_at: int | None  # index into the first page's lines of the title line
    body_from: int  # first line index after the header (and title, summary)


def _is_motto(line: Line) -> bool:
    key = squash(line.folded)
    return any(k in key for k in _MOTTO_KEYS)


def _split_text_line(line: Line) -> list[Line]:
    """Split a text-layer line that runs across both header columns into its two parts."""
    key = line.folded
    cuts = []
    for marker in ("cong hoa xa hoi", "doc lap"):
        pos = key.find(marker)
        if pos > 0:
            cuts.append(pos)
    m = _NUMBER_LABEL.match(key)
    if m:
        body = _NUMBER_BODY.match(line.text, m.end())
        if body and body.end() < len(line.text) and _PLACE_DATE.search(key, body.end()):
            cuts.append(body.end())
    else:
        pd = _PLACE_DATE.search(key)
        if pd and pd.start() > 0 and is_upper_text(line.text[: pd.start()]):
            cuts.append(pd.start())
    if not cuts:
        return [line]
    cut = min(cuts)
    left = Line(squash(line.text[:cut]), line.page, line.index, line.conf, zone="left")
    right = Line(squash(line.text[cut:]), line.page, line.index, line.conf, zone="right")
    return [part for part in (left, right) if part.text]


def _find_title(lines: list[Line], page: PageLines, start: int = 0) -> int | None:
    """Index of the title line: a known type name, centred on pages with boxes."""
    limit = min(len(lines), start + 25)
    for i in range(start, limit):
        line = lines[i]
        if line.zone == "right" or _is_motto(line) or _NUMBER_LABEL.match(line.folded):
            continue
        cx = line.centre_x
        if page.has_boxes and page.width and cx is not None and abs(cx - page.width / 2) > 0.15 * page.width:
            continue
        if not is_upper_text(line.text):
            continue
        if title_type(line.text):
            return i
    return None


def _header(page: PageLines) -> tuple[_Header, list[Line]]:
    """Sort the first page's top lines into the left and right header columns."""
    lines: list[Line] = []
    if page.has_boxes:
        lines = list(page.lines)
        # Header columns are centred near 30% and 70% of the width, titles near 50%.
        half = page.width / 2 if page.width else None
        for line in lines:
            cx = line.centre_x
            if half is None or cx is None:
                line.zone = ""
            elif cx < half * 0.8:
                line.zone = "left"
            elif cx > half * 1.2:
                line.zone = "right"
            else:
                line.zone = "centre"
    else:
        for line in page.lines[:20]:
            lines.extend(_split_text_line(line))
        lines.extend(page.lines[20:])
        for i, line in enumerate(lines):
            line.index = i
            if not line.zone:
                line.zone = "right" if (_is_motto(line) or _PLACE_DATE.match(line.folded)) else ""
    title_at = _find_title(lines, page)
    end = title_at if title_at is not None else min(len(lines), 12)
    if title_at is None:
        # A công văn has no title line: its header ends where the body starts.
        for i, line in enumerate(lines[:end]):
            key = line.folded
            if key.startswith(("kinh gui", "can cu", "ubnd ") ) and i > 2 and not _NUMBER_LABEL.match(key):
                end = i
                break
    left, right = [], []
    for line in lines[:end]:
        if line.zone == "right" or (line.zone == "" and _is_motto(line)):
            right.append(line)
        elif line.zone in ("left", ""):
            left.append(line)
        elif line.zone == "centre" and _is_motto(line):
            right.append(line)
    return _Header(left, right, title_at, end), lines


# A parent line that is only a kind of body needs the line under it to name the issuer.
_GENERIC_BODIES = {"uy ban nhan dan", "hoi dong nhan dan"}


def _issuer(header: _Header, context: FieldContext) -> tuple[str | None, float]:
    """The issuing body: the capitals above ``Số:`` in the left column, lines joined."""
    parts: list[str] = []
    confs: list[float] = []
    strength = 1.0
    for line in header.left:
        key = line.folded
        if _NUMBER_LABEL.match(key) or key.startswith("v/v"):
            break
        text = line.text.strip(" -_=~.*")
        if sum(c.isalpha() for c in text) < 2:
            continue  # a speckle or the rule under the issuer, not a line of text
        if not is_upper_text(text):
            if parts:
                break
            continue
        if _is_motto(line):
            continue
        snapped = snap_issuer_line(text, context)
        if snapped:
            text, sim = snapped
            strength = min(strength, 0.95 + 0.05 * sim)
        else:
            strength = min(strength, 0.75)  # not one of the caller's units: read as printed, doubtful
        parts.append(text)
        confs.append(line.conf)
        if len(parts) == 3:
            break
    if not parts:
        return None, 0.0
    if len(parts) > 1 and fold(parts[0]) not in _GENERIC_BODIES:
        # "UBND THÀNH PHỐ VĨNH YÊN / PHÒNG TÀI CHÍNH - KẾ HOẠCH": the upper line names the
        # superior body, the issuer is the bold line under it.
        return parts[-1], strength * confs[-1]
    return " ".join(parts), strength * (sum(confs) / len(confs))


def clean_number(raw: str) -> str:
    """Normalise a printed number: OCR spaces around ``/`` and ``-`` out, ``Ð`` -> ``Đ``, digits fixed."""
    text = squash(raw).replace("Ð", "Đ").replace("ð", "đ").replace("–", "-")
    text = re.sub(r"\s*([/-])\s*", r"\1", text)
    parts = text.split("/")
    parts[0] = fix_digits(parts[0].replace(" ", ""))
    if len(parts) > 2 and re.fullmatch(r"[0-9OIl]{4}", parts[1]):
        parts[1] = fix_digits(parts[1])
    if len(parts) > 1:
        symbol = parts[-1]
        symbol = re.sub(r"(?<![A-Za-z])QD(?![A-Za-z])", "QĐ", symbol)
        parts[-1] = symbol
    return "/".join(parts)


# "Số:" or "Số hiệu:" as a form labels its number (never "Số định danh", "Số lượng", "Số nhà").
_BODY_NUMBER_LABEL = re.compile(r"(?:^|(?<=[\s.]))(?:s|5)[o0]\s*(?:hieu\s*|giay\s*phep\s*|gcn\s*)?[:;]\s*")


# A number that is one code of digits and letters, no symbol ("Số: 25A8001234").
_CODE_NUMBER = re.compile(r"\s*([0-9]{2}[A-Za-z][0-9A-Za-z]{5,12})(?![0-9A-Za-z/-])")


def _number_at(line: Line, start: int, strength: float) -> tuple[str | None, float]:
    """The number printed in ``line`` from ``start`` (just after its label), with its strength."""
    code = _CODE_NUMBER.match(line.text, start)
    if code and re.search(r"[A-Za-z]", code.group(1)):
        return code.group(1).upper(), 0.9 * strength * line.conf  # "25A8001234": an older business code
    body = _NUMBER_BODY.match(line.text, start)
    if not body or not re.search(r"[0-9]", fix_digits(body.group("num"))):
        return None, 0.0
    number = clean_number(body.group(0).rstrip(" -/"))
    if not re.match(r"^[0-9]+(/|$)", number):
        return None, 0.0
    return number, (strength if body.group("sym") else 0.9 * strength) * line.conf


def _number(header: _Header, lines: list[Line]) -> tuple[str | None, float]:
    """The document's number wherever the form prints it.

    ``Số: 1234/QĐ-UBND`` under the issuer (the left column, or the top lines of a text page)
    first; then ``Mã số hộ kinh doanh: …`` (a household business certificate's number); then a
    ``Số:``/``Số hiệu:`` label anywhere on the first page, beside the title or in the body
    (``Số: 38`` of a marriage certificate under its title, a disability certificate's number).
    A number found outside the header weighs less: it may be another paper's.
    """
    candidates = header.left + [ln for ln in lines[: header.body_from] if ln not in header.left]
    for line in candidates:
        m = _NUMBER_LABEL.match(line.folded)
        if not m:
            continue
        strength = 1.0 if ":" in line.text[: m.end() + 1] else 0.9
        number, conf = _number_at(line, m.end(), strength)
        if number:
            return number, conf
    number, conf = _business_code(lines)
    if number:
        return number, conf
    for line in lines[:60]:
        for m in _BODY_NUMBER_LABEL.finditer(line.folded):
            before = line.text[: m.start()].strip(" -.•0123456789")
            if before and not is_upper_text(before):
                continue  # "Quyển số:", "Mã hồ sơ:": another label's "số", not the paper's number
            # Under or beside the title it is the paper's number; deeper in the body it may be
            # another paper's, so it goes to review.
            near_title = header.title_at is not None and abs(line.index - header.title_at) <= 3
            number, conf = _number_at(line, m.end(), 0.95 if near_title else 0.75)
            if number:
                return number, conf
    return None, 0.0


def _snap_place(text: str, context: FieldContext) -> tuple[str | None, float]:
    """A place name before ``, ngày``, given back with accents when it is one of the caller's places."""
    text = squash(text.strip(" ,.:;-"))
    if not text:
        return None, 0.0
    places = context.place_names()
    key = fold(text)
    for place in places:
        if fold(place) == key:
            return restore_accents(text, place), 1.0
    for place in places:
        if key.endswith(" " + fold(place)):
            return place, 0.9
    if places:
        best = max(places, key=lambda p: fuzz.ratio(key, fold(p)))
        score = fuzz.ratio(key, fold(best))
        if score >= 80:
            return best, score / 100.0  # "Khat Quang": one letter misread in a known place name
    return text, 0.7


# Words before a date that make it some other date than the paper's own: of birth, of death,
# of validity, of a registration or an earlier paper.
_OTHER_DATE = re.compile(
    r"(?<![a-z])(?:sinh|khai tu|chet|mat|tu tran|gia tri|hieu luc|het han|thoi han|den|tu|ket thuc"
    r"|dang ky ket hon|dang ky khai sinh|lan dau|thay doi|cap lai|bo sung|nop|nhan)\s*(?:ngay)?\s*[:,.]?\s*$"
)
_NOT_PLACE = re.compile(
    r"(?<![a-z])(?:sinh|khai tu|chet|tu tran|gia tri|hieu luc|het han|thoi han|ke tu|den het|cap lai)"
    r"(?![a-z])"
)
_ISSUE_LABEL = re.compile(r"(?:ngay\s*cap|cap\s*ngay|ngay\s*ky|ngay\s*ban\s*hanh)\s*[:.]?\s*")


def _other_date(key: str, start: int) -> bool:
    """True when the date at ``start`` of folded ``key`` is labelled as another date (birth, validity...)."""
    return bool(_OTHER_DATE.search(key[max(0, start - 40) : start]))


def _place_date(line: Line, context: FieldContext) -> tuple[dt.date, str | None, float] | None:
    """``(date, place, place confidence)`` of a ``Place, ngày … tháng … năm …`` line, or ``None``."""
    key = line.folded
    pd = _PLACE_DATE.search(key)
    if not pd or _NOT_PLACE.search(key[: pd.end("place")]):
        return None
    if not line.text[pd.start("place")].isupper():
        return None  # "… lúc 10 giờ, ngày …": a place name is capitalised
    found = [d for d in find_dates(key) if pd.end() - 12 <= d[1] <= pd.end()]
    if not found:
        return None
    place, place_conf = _snap_place(line.text[pd.start("place") : pd.end("place")], context)
    return found[0][0], place, place_conf


def _issued(
    header: _Header, lines: list[Line], pages: list[PageLines], context: FieldContext
) -> tuple[dt.date | None, float, str | None, float]:
    """Issue date and place, from the place-and-date line or a labelled issue date.

    In order: ``Vĩnh Yên, ngày 10 tháng 6 năm 2024`` under the motto; a worded date alone
    under the motto; a place-and-date line anywhere (certificates print it above the signer);
    ``Ngày cấp: …`` / ``cấp ngày …``. A date of birth, death or validity is never taken, and a
    date found only by the weaker rules is given a confidence that sends it to review.
    """
    for line in header.right:
        found = _place_date(line, context)
        if found:
            return found[0], line.conf, found[1], found[2] * line.conf
    for line in header.right:
        key = line.folded
        for date, start, _ in find_dates(key, numeric=False):
            if not _other_date(key, start):
                place_text = line.text[:start]
                place, place_conf = (None, 0.0)
                if place_text.strip(" ,"):
                    place, place_conf = _snap_place(place_text, context)
                return date, 0.95 * line.conf, place, place_conf * line.conf
    for page in pages:
        for line in page.lines:
            found = _place_date(line, context)
            if found:
                return found[0], 0.9 * line.conf, found[1], 0.9 * found[2] * line.conf
    for page in pages:
        for line in page.lines:
            key = line.folded
            m = _ISSUE_LABEL.search(key)
            if not m:
                continue
            dates = [d for d, s, _ in find_dates(key) if m.end() - 2 <= s <= m.end() + 2]
            if dates:
                return dates[0], 0.85 * line.conf, None, 0.0
    for line in lines[: header.body_from]:
        key = line.folded
        for date, start, _ in find_dates(key, numeric=False):
            if not _other_date(key, start) and ":" not in key[max(0, start - 3) : start]:
                return date, 0.7 * line.conf, None, 0.0
    return None, 0.0, None, 0.0


_SUMMARY_START = re.compile(r"^[\s\-_.•~]*(?:v\s*[/l|1]\s*[vw]|ve\s+viec)\b")
_VV_PREFIX = re.compile(r"^[\s\-_.•~]*[vV]\s*[/l|1]\s*[vVwW]\b\.?")
_BODY_START = ("can cu", "kinh gui", "xet ", "theo de nghi", "dieu ", "chu tich", "uy ban nhan dan")


# Types whose title is followed by a trích yếu even without "Về việc" ("THÔNG BÁO" / "Lịch tiếp
# công dân tháng 7"); certificates, permits and extracts have none.
_TYPES_WITH_SUMMARY = {
    "Quyết định", "Nghị quyết", "Chỉ thị", "Thông báo", "Kế hoạch", "Báo cáo", "Tờ trình", "Hướng dẫn",
    "Biên bản", "Giấy mời",
}  # fmt: skip


def _plain_summary_start(header: _Header, lines: list[Line], page: PageLines) -> int | None:
    """The line right under the title when it reads as a trích yếu: sentence case, no label, centred."""
    if header.title_at is None or header.title_at + 1 >= len(lines):
        return None
    line = lines[header.title_at + 1]
    text = line.text.strip()
    key = line.folded.lstrip(" -")
    if not text or text[0] in "([" or ":" in text[:40] or is_upper_text(text) or not text[0].isupper():
        return None
    if key.startswith((*_BODY_START, "thuc hien", "theo ", "xet ")) or WORDED_DATE.search(key):
        return None
    cx = line.centre_x
    if page.has_boxes and page.width and cx is not None and abs(cx - page.width / 2) > 0.2 * page.width:
        return None
    return header.title_at + 1


def _summary(
    header: _Header, lines: list[Line], page: PageLines, allow_plain: bool = False
) -> tuple[str | None, float]:
    """Trích yếu: ``Về việc …`` under the title, or ``V/v …`` under a công văn's number.

    With ``allow_plain`` (a type that carries one), the sentence-case line right under the title
    is taken too, doubtfully. A summary wraps over a few lines; it ends at capitals (the body's
    opening line), a ``Căn cứ``/``Kính gửi`` line, or, on pages with boxes, a vertical gap or
    another column.
    """
    start = None
    strength = 0.9
    if header.title_at is not None:
        for i in range(header.title_at + 1, min(len(lines), header.title_at + 4)):
            if _SUMMARY_START.match(lines[i].folded):
                start = i
                break
    if start is None:
        for line in lines[: max(header.body_from, 14)]:
            if _SUMMARY_START.match(line.folded):
                start = line.index
                break
    if start is None and allow_plain:
        start = _plain_summary_start(header, lines, page)
        strength = 0.75
    if start is None:
        return None, 0.0
    first = lines[start]
    chosen = [first]
    for line in lines[start + 1 : start + 8]:
        key = line.folded
        if key.startswith(_BODY_START) or _is_motto(line) or WORDED_DATE.search(key):
            break
        if is_upper_text(line.text) or line.text.strip(" -_") == "":
            break
        if line.text[:1].isupper() and key.startswith(("thuc hien", "theo ", "nham ", "ubnd ")):
            break  # the body's first sentence ("Thực hiện Luật …")
        if chosen[-1].text.rstrip().endswith((".", ":", ";")):
            break
        if first.zone == "left" and line.zone == "right":
            continue
        if page.has_boxes:
            if first.zone == "left" and line.zone != "left":
                continue
            prev = chosen[-1]
            height = (first.bottom or 0) - (first.top or 0)
            if (line.top or 0) - (prev.bottom or 0) > 1.2 * height:
                break
        chosen.append(line)
        if len(chosen) == 4:
            break
    # The rule drawn under a summary comes back as stray "-" or "_" at a line's edge on noisy
    # scans; Vietnamese never hyphenates a syllable across lines, so edge dashes are noise.
    parts = []
    for ln in chosen:
        words = ln.text.split()
        while words and not any(c.isalnum() for c in words[-1]):
            words.pop()
        while len(words) > 1 and not any(c.isalnum() for c in words[0]) and ln is not first:
            words.pop(0)
        parts.append(" ".join(words))
    text = squash(" ".join(parts)).strip(" ;")
    # The fixed prefixes come back as printed: "V/w", "- Về việc" are OCR's doing.
    text = _VV_PREFIX.sub("V/v", text, count=1).lstrip(" -_.•~")
    return text, strength * sum(ln.conf for ln in chosen) / len(chosen)


# --- the signer block ----------------------------------------------------------------------

def name_tail(text: str) -> list[str]:
    """The trailing run of capitalised syllables of ``text`` (``- Lưu: VT. Lê Anh Tân`` -> 3 tokens)."""
    tokens = text.replace("Ð", "Đ").split()
    tail: list[str] = []
    for token in reversed(tokens):
        if not is_name_token(token):
            token = rescue_token(token) or ""
        if token:
            tail.append(token)
        else:
            break
    tail.reverse()
    return tail


# Abbreviations a printed position may hold besides syllables.
_TITLE_ABBREVIATIONS = {"ubnd", "hdnd", "tt", "-", "–", "&"}


def _authority(text: str) -> tuple[str, str] | None:
    """``(prefix, rest)`` for a line opening with TM., KT., TUQ., TL. or Q.; ``None`` otherwise."""
    key = fold(text.strip(" .,:;"))
    prefix = next((p for p in AUTHORITY if key.startswith(p)), None)
    if prefix is None:
        return None
    return prefix.strip(" ."), text.strip(" .,:;")[len(prefix) :].strip(" .")


def _upper_tail(text: str) -> str:
    """The trailing capitals of a line (``- Lưu: VT. PHÓ CHỦ TỊCH`` -> ``PHÓ CHỦ TỊCH``).

    A token ending in punctuation (``VT.``, ``TP;``) belongs to the recipients column and ends
    the run; so does a token with lower-case letters.
    """
    out: list[str] = []
    for token in reversed(text.split()):
        bare = token.rstrip(".,;:")
        if bare != token and out:
            break
        if bare in ("-", "–") or (bare.isalpha() and bare.isupper()):
            if bare != token:
                break
            out.append(bare)
        else:
            break
    while out and out[-1] in ("-", "–"):
        out.pop()
    return " ".join(reversed(out))


def _title_part(line: Line, page: PageLines) -> str:
    """What of a signer-block line is capitals: the whole line, or its tail on a merged text line."""
    text = line.text.strip(" .,;:")
    if page.has_boxes:
        return text if is_upper_text(text) else ""  # OCR may read one capital as lower case
    return text if is_upper_text(text) and not any(c.islower() for c in text) else _upper_tail(line.text)


def _printed_position(text: str) -> tuple[str, float]:
    """``(position, strength)``: the position as printed, accents restored when it is a known one.

    A position read as valid Vietnamese is kept as printed (``TRƯỞNG PHÒNG TƯ PHÁP``) even when
    no list knows it; one garbled by OCR is snapped to the nearest known position, or kept with
    a strength that sends it to review.
    """
    text = squash(text.strip(" .,:;-"))
    snapped = snap_position(text)
    if snapped and snapped[1] == 1.0:
        return snapped[0], 1.0
    words = [w.strip(".,") for w in text.split()]
    if all(fold(w) in _TITLE_ABBREVIATIONS or is_syllable(w) for w in words):
        return text, 0.9
    if snapped:
        return snapped[0], 0.9 * snapped[1]
    return text, 0.5


def _left_of_signer(line: Line, page: PageLines) -> bool:
    """True for lines of the left half (recipients), which never hold the signer block."""
    cx = line.centre_x
    return bool(page.has_boxes and page.width and cx is not None and cx < page.width * 0.45)


def _block_lines(page: PageLines) -> list[Line]:
    """The page's lines that may hold the signer block, split where a text line merges two columns."""
    out: list[Line] = []
    for line in page.lines:
        if _left_of_signer(line, page):
            continue
        if page.has_boxes:
            out.append(line)
            continue
        key = line.folded
        marks = (" tm.", " kt.", " tl.", " tuq.", " q.")
        cut = min((key.find(m) for m in marks if key.find(m) > 0), default=-1)
        if cut > 0 and not key.lstrip(" -").startswith(("tm", "kt", "tl", "tuq")):
            out.append(Line(line.text[cut + 1 :], line.page, line.index, line.conf))
        else:
            out.append(line)
    return out


def _adjacent(prev: Line, line: Line, page: PageLines) -> bool:
    """True when ``line`` sits right under ``prev`` (no signature space between them)."""
    if not page.has_boxes or prev.bottom is None or line.top is None:
        return True
    height = max(1, (prev.bottom or 0) - (prev.top or 0))
    return line.top - prev.bottom <= 1.2 * height


def _seal_text(text: str, context: FieldContext) -> bool:
    """True for capitals that name the issuer (a seal's ring text read by OCR), not a position."""
    key = squash(fold(text))
    if len(key) < 4 or snap_issuer_line(text, context):
        return True
    return any(key in squash(fold(line)) for line in context.issuer_lines())


def _signer_position(
    lines: list[Line], page: PageLines, context: FieldContext
) -> tuple[int, str, float] | None:
    """``(index of the block's last title line, position, confidence)`` of the signer block on a page.

    The block is the lowest authority line (``TM.``, ``KT.``, ``TUQ.``, ``TL.``, ``Q.``) or the
    lowest line naming a known position, whichever is lower. The position is the capitals lines
    right under the lowest authority line, as printed (``TUQ. CHỦ TỊCH`` / ``TRƯỞNG PHÒNG TƯ
    PHÁP`` gives ``TRƯỞNG PHÒNG TƯ PHÁP``); with no such line, ``KT. CHỦ TỊCH`` still says a
    deputy signed (``PHÓ CHỦ TỊCH``, doubtful).
    """
    start = None
    for i in range(len(lines) - 1, -1, -1):
        title = _title_part(lines[i], page)
        if not title:
            continue
        if _authority(title) or snap_position(title):
            start = i
            break
    if start is None:
        return _position_above_name(lines, page)
    title = _title_part(lines[start], page)
    if not _authority(title) and start > 0:
        above = _title_part(lines[start - 1], page)
        if above and _authority(above) and _adjacent(lines[start - 1], lines[start], page):
            start, title = start - 1, above
    auth = _authority(title)
    if auth is None:
        parts, last = [title], start
    else:
        parts, last = [], start
    for j in range(last + 1, min(len(lines), last + 3)):
        more = _title_part(lines[j], page)
        if not more or _authority(more) or not _adjacent(lines[j - 1], lines[j], page):
            break
        if parts and not parts[-1].rstrip().endswith(("-", "–")) and snap_position(" ".join(parts)):
            break  # a full position already; capitals further down are the seal's ring text
        if _seal_text(more, context):
            break
        parts.append(more)
        last = j
    conf = sum(ln.conf for ln in lines[start : last + 1]) / (last - start + 1)
    if parts:
        position, strength = _printed_position(" ".join(parts))
        return last, position, strength * conf
    prefix, rest = auth if auth else ("", "")
    if not rest or prefix == "tm":
        return None  # "TM. ỦY BAN NHÂN DÂN" names the body, not the signer's position
    head, strength = _printed_position(rest)
    if prefix == "kt":
        if not fold(head).startswith("pho "):
            return last, f"PHÓ {head}", 0.85 * strength * conf
        return last, head, 0.85 * strength * conf
    # "Q. CHỦ TỊCH": the acting head signs under the head's title; "TL."/"TUQ." alone lost the
    # signer's own title line, so the head's title stands in, doubtful.
    return last, head, (0.85 if prefix == "q" else 0.6) * strength * conf


def _position_above_name(lines: list[Line], page: PageLines) -> tuple[int, str, float] | None:
    """A block with no authority line and no known position: the capitals right above the last name.

    ``CÔNG CHỨC TƯ PHÁP -`` / ``HỘ TỊCH`` / (signature) / name. Read as printed, a little doubtful.
    """
    for n in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        if not looks_like_name(" ".join(name_tail(lines[n].text))):
            continue
        parts: list[str] = []
        first = n
        for j in range(n - 1, max(-1, n - 4), -1):
            title = _title_part(lines[j], page)
            if not title or _is_motto(lines[j]) or title_type(title):
                break
            parts.insert(0, title)
            first = j
        if not parts:
            return None
        position, strength = _printed_position(" ".join(parts))
        conf = sum(ln.conf for ln in lines[first:n]) / (n - first)
        return n - 1, position, 0.9 * strength * conf
    return None


def _signer(pages: list[PageLines], context: FieldContext) -> tuple[str | None, float, str | None, float]:
    """Signer name and position from the last page that has a signer block.

    The name is the last name-like line below the position, past the signature and seal, in
    the right half where the page has boxes. A name whose surname is unlisted is kept, with a
    confidence that sends it to review.
    """
    for page in reversed(pages):
        lines = _block_lines(page)
        found = _signer_position(lines, page, context)
        if found is None:
            continue
        pos_idx, position, pos_conf = found
        name, name_conf = None, 0.0
        for line in lines[pos_idx + 1 :]:
            tail = name_tail(line.text)
            if page.has_boxes:
                candidate = " ".join(tail) if len(tail) == len(line.text.split()) else ""
            else:
                candidate = " ".join(tail)
            if candidate and looks_like_name(candidate):
                strength = name_strength(candidate)
                if name is None or strength >= name_strength(name):
                    name, name_conf = candidate, 0.95 * line.conf * strength
        return name, name_conf, position, pos_conf
    return None, 0.0, None, 0.0


# --- people, identifiers, codes --------------------------------------------------------------

# Labels after which a form prints a person's name.
_NAME_LABELS = re.compile(
    r"(?:ho,?\s*chu\s*dem,?\s*(?:va\s*)?ten|ho\s*va\s*ten|ho\s*ten|ten\s*chu\s*ho|chu\s*ho"
    r"|nguoi\s*(?:yeu\s*cau|de\s*nghi|duoc\s*cap|nop\s*(?:ho\s*so|don)|dai\s*dien|giam\s*ho|duoc\s*giam\s*ho"
    r"|khai|dung\s*ten|dung\s*don|khieu\s*nai|to\s*cao|dang\s*ky)|cap\s*cho)"
    r"(?P<rest>[^:]{0,40}):\s*"
)
# Labels that are themselves "Họ tên ..." carry no honorific before the name; the others may.
_HONORIFICS = {"ong", "ba", "ong/ba", "anh", "chi", "chau", "em"}
# "anh", "chị", "em", "cháu" are also common words: a name after them needs a listed surname.
_WEAK_HONORIFICS = {"anh", "chi", "chau", "em"}
# Form labels that may follow a name on the same line ("… MINH ANH Giới tính: Nữ").
_FORM_LABELS = (
    "gioi tinh", "ngay sinh", "sinh ngay", "nam sinh", "ngay, thang, nam sinh", "dan toc", "quoc tich",
    "noi sinh", "noi cu tru", "que quan", "so dinh danh", "dia chi", "thuong tru", "tam tru", "cmnd",
    "cccd", "can cuoc", "ho chieu", "nghe nghiep", "chuc vu", "dien thoai", "ton giao", "trinh do",
    "quan he", "sinh nam", "noi o", "cu tru", "nam sinh",
)


# Words that never stand inside a person's name: a position or a unit follows the name in a
# table row ("Ông Khuất Văn Lân Chủ tịch UBND").
_NEVER_IN_NAME = frozenset((
    "chủ", "phó", "trưởng", "giám", "cán", "ủy", "uỷ", "phường", "xã", "tỉnh", "huyện", "quận", "phòng", "sở",
    "ban", "ngày", "tháng", "số", "mã", "họ", "giấy", "nơi", "địa", "tổ", "thôn", "xóm", "ấp", "đường",
    "chánh",
))  # fmt: skip


def _known_label_at(tokens: list[str], k: int) -> bool:
    rest = fold(" ".join(tokens[k : k + 6]))
    return any(rest.startswith(label) for label in _FORM_LABELS)


def _starts_label(tokens: list[str], k: int) -> bool:
    """True when ``tokens[k:]`` opens a form label: a known one, or a word then lower case up to ``:``.

    ``… Văn An sinh năm: 1970``: a known label right after ``An`` makes ``An`` part of the name.
    """
    if _known_label_at(tokens, k):
        return True
    if _known_label_at(tokens, k + 1):
        return False
    for j in range(k + 1, min(len(tokens), k + 5)):
        word = tokens[j]
        if word.endswith(":"):
            return word[:1].islower() or word.isupper()
        if not word[:1].islower():
            return False
    return False


def _name_run(tokens: list[str], allow_caps: bool) -> list[str]:
    """The name at the start of ``tokens``: capitalised syllables up to punctuation or a label.

    Capitals are title-cased when ``allow_caps`` (forms print names in capitals). A token that
    opens the next label (``Giới tính:``) or ends in ``:`` is not part of the name.
    """
    run: list[str] = []
    for k, token in enumerate(tokens[:6]):
        if token.endswith(":") or (k and _starts_label(tokens, k)):
            break
        bare = token.rstrip(",.;)")
        if allow_caps and bare.isalpha() and bare.isupper():
            bare = bare.capitalize()
        if not is_name_token(bare) or (k and bare.lower() in _NEVER_IN_NAME):
            break
        run.append(bare)
        if len(bare) != len(token):  # punctuation ends the name
            break
    return run[:5]


def _strip_leaders(tokens: list[str]) -> list[str]:
    """Drop the dot leaders a form prints before a filled-in value (``……``, ``____``)."""
    while tokens and not any(c.isalnum() for c in tokens[0]):
        tokens = tokens[1:]
    if tokens and tokens[0][:1] in ".…_" and any(c.isalpha() for c in tokens[0]):
        tokens = [tokens[0].lstrip("._…"), *tokens[1:]]
    return tokens


def _height(line: Line) -> float:
    return float(max(1, (line.bottom or 0) - (line.top or 0)))


def _strip_honorific(tokens: list[str]) -> list[str]:
    if len(tokens) > 2 and fold(tokens[0]).strip(":,") in _HONORIFICS:
        return tokens[1:]
    return tokens


def _subject_names(pages: list[PageLines], exclude: set[str]) -> tuple[list[str], float]:
    """People the result is about: labelled names (``Họ, chữ đệm và tên:``) and honorific + name.

    Open-vocabulary: any capitalised Vietnamese syllables in a name position make a name; a
    listed surname only adds confidence. The honorific search runs over each page's lines
    joined, so a name wrapped onto the next line is read whole; every sighting then goes to
    :func:`fields_names.consolidate`.
    """
    sightings: list[NameSighting] = []
    for page in pages:
        for line in page.lines:
            for m in _NAME_LABELS.finditer(line.folded):
                if m.start() and line.folded[m.start() - 1].isalpha():
                    continue  # "…chồng" inside another word
                words = _strip_leaders(line.text[m.end() :].split())
                if not words and line.index + 1 < len(page.lines):
                    # The value printed far right of its label is a line of its own on OCR'd pages.
                    following = page.lines[line.index + 1]
                    if line.top is None or (following.top or 0) - (line.top or 0) < 0.8 * _height(line):
                        words = _strip_leaders(following.text.split())
                if not fold(m.group(0)).startswith("ho"):
                    words = _strip_honorific(words)
                run = _name_run(words, allow_caps=True)
                if len(run) >= 2 and looks_like_name(" ".join(run)):
                    caps = words[0].isupper()
                    sightings.append(NameSighting(" ".join(run), line.conf, caps))
        tokens = [(tok, k) for k, ln in enumerate(page.lines) for tok in ln.text.split()]
        for t, (tok, _line) in enumerate(tokens):
            honorific = fold(tok).strip("(:,")
            if honorific not in _HONORIFICS:
                continue
            sentence_start = t == 0 or tokens[t - 1][0][-1:] in ".:;"
            if honorific in _WEAK_HONORIFICS and not tok[:1].islower() and not sentence_start:
                continue  # "Anh" capitalised inside a name is a given name, not "brother"
            start = t + 1
            if start < len(tokens) and fold(tokens[start][0]).strip("()/:,") == "ba":
                start += 1  # "Ông/bà", "Ông (bà):"
            following = tokens[start : start + 6]
            if not following:
                continue
            first_line = following[0][1]
            words = []
            for tok2, k2 in following:
                bare = tok2.rstrip(",.;:)")
                # A name wrapped onto the next line goes on with syllables that fit a name.
                if k2 != first_line and (
                    (len(words) >= 3 and not is_name_syllable(bare)) or not can_open_name(bare)
                ):
                    break
                words.append(tok2)
            caps = len(words) >= 2 and all(w.rstrip(",.;:)").isupper() for w in words[:2])
            run = _name_run(words, allow_caps=caps)
            if not 2 <= len(run) <= 5 or not looks_like_name(" ".join(run)):
                continue
            if caps and not is_surname(run[0]):
                continue  # "ông UBND …": capitals after an honorific are a name only from a surname
            if honorific in _WEAK_HONORIFICS and not is_surname(run[0]):
                continue
            sightings.append(NameSighting(" ".join(run), page.lines[first_line].conf * 0.9, False))
    names: list[str] = []
    confs_out: list[float] = []
    for name, conf in consolidate(sightings):
        if fold(name) not in exclude:
            names.append(name)
            confs_out.append(conf)
    return names, (min(confs_out) if confs_out else 0.0)


_ID12 = re.compile(r"(?<![0-9./-])([0-9]{12})(?![0-9])")
_ID_LABEL = (
    r"(?:dinh\s*danh|cccd|cmnd|cmtnd|can\s*cuoc|chung\s*minh|giay\s*to\s*tuy\s*than"
    r"|ma\s*so\s*(?:ho\s*kinh\s*doanh|thue|doanh\s*nghiep)|so\s*dang\s*ky)"
)
_ID_LABEL_BEFORE = re.compile(_ID_LABEL[:-1] + r"|ca\s*nhan|so\s*dinh)")
_ID_LABELLED = re.compile(_ID_LABEL + r"[^:0-9]{0,40}:?\s*([0-9oil][0-9oil ]{7,16}[0-9])(?![0-9.])")
_DOSSIER = re.compile(
    r"([0-9OIl]{3}\s*[.,]\s*[0-9OIl]{2}\s*[.,]\s*[0-9OIl]{2}\s*[.,]\s*[A-Z1|][0-9OIl]{2})\s*[-–]\s*"
    r"([0-9OIl]{6})\s*[-–]\s*([0-9OIl]{4})"
)
_PROCEDURE = re.compile(r"(?<![0-9.])([0-9])\s*[.,]\s*([0-9OIl]{6})(?![0-9])")
_PASSPORT = re.compile(
    r"(?:ho\s*chieu|passport|giay\s*to\s*tuy\s*than)[^:0-9]{0,30}:?\s*([a-z])\s?([0-9]{7})(?![0-9])"
)


def _id_numbers(lines: Iterable[Line]) -> tuple[list[str], float]:
    """Personal numbers: CCCD / personal number (12 digits) anywhere; where a label names them,
    CMND (9 digits), business and tax codes (10-13 digits) and passports (a letter + 7 digits)."""
    found: list[str] = []
    confs: list[float] = []
    for line in lines:
        key = line.folded
        for m in _ID12.finditer(key):
            if m.group(1) not in found:
                # A 12-digit number with no label before it may be some other number: doubtful.
                labelled = _ID_LABEL_BEFORE.search(key[max(0, m.start() - 45) : m.start()])
                found.append(m.group(1))
                confs.append(line.conf * (1.0 if labelled else 0.75))
        for m in _ID_LABELLED.finditer(key):
            digits = fix_digits(m.group(1)).replace(" ", "")
            if digits.isdigit() and (len(digits) == 9 or 10 <= len(digits) <= 13) and digits not in found:
                found.append(digits)
                confs.append(line.conf * 0.9)
        for m in _PASSPORT.finditer(key):
            code = line.text[m.start(1) : m.start(1) + 1].upper() + m.group(2)
            if code not in found:
                found.append(code)
                confs.append(line.conf * 0.9)
    return found, (min(confs) if confs else 0.0)


def _dossier_code(lines: Iterable[Line], context: FieldContext) -> tuple[str | None, float]:
    """``000.00.12.H62-240610-0001`` (TT 01/2018 Điều 19), or a code in the province's own pattern.

    The organ code's letter is mended from the caller's organ codes: OCR reads the ``H`` of
    ``H62`` as ``I`` or ``1``, and only the province knows which letter its codes carry.
    """
    for line in lines:
        m = _DOSSIER.search(line.text)
        if m:
            unit = re.sub(r"\s*[.,]\s*", ".", m.group(1))
            head, _, tail = unit.rpartition(".")
            letter, digits = tail[0], fix_digits(tail[1:])
            strength = 1.0
            known = [c for c in context.organ_codes if c[1:] == digits]
            if known:
                letter = known[0][0]
            elif not letter.isalpha():
                strength = 0.7  # a digit where the organ code's letter stands: unsure
            unit = fix_digits(head) + "." + letter.upper() + digits
            return f"{unit}-{fix_digits(m.group(2))}-{fix_digits(m.group(3))}", strength * line.conf
        for pattern in context.compiled_dossier_patterns():
            found = pattern.search(line.text)
            if found:
                return squash(found.group(0)), 0.9 * line.conf
    return None, 0.0


def _procedure_code(lines: Iterable[Line]) -> tuple[str | None, float]:
    for line in lines:
        key = line.folded
        if "thu tuc" not in key and "tthc" not in key:
            continue
        m = _PROCEDURE.search(key)
        if m:
            return f"{m.group(1)}.{fix_digits(m.group(2))}", line.conf
    return None, 0.0


_VALID_MONTHS = re.compile(r"gia\s*tri[^.]{0,40}?([0-9]{1,2})\s*thang[\s,]*(?:ke\s*tu|tinh\s*tu)")
_VALID_UNTIL = re.compile(r"(?:gia\s*tri|hieu\s*luc)[^.]{0,30}?den\s*(?:het\s*)?")


def _valid_until(lines: list[Line], issued: dt.date | None) -> tuple[str | None, float]:
    """Validity stated in the text: ``có giá trị đến ngày …`` or ``… 6 tháng kể từ ngày cấp``."""
    for line in lines:
        key = line.folded
        m = _VALID_UNTIL.search(key)
        if m:
            dates = [d for d, s, _ in find_dates(key) if s >= m.end() - 2]
            if dates:
                return dates[0].isoformat(), 0.9 * line.conf
        m = _VALID_MONTHS.search(key)
        if m and issued is not None:
            return add_months(issued, int(m.group(1))).isoformat(), 0.8 * line.conf
    return None, 0.0


_BUSINESS_CODE = re.compile(
    r"(?:ma\s*so\s*ho\s*kinh\s*doanh|so\s*giay\s*chung\s*nhan\s*dang\s*ky\s*ho\s*kinh\s*doanh)\s*[:.]?\s*"
    r"([0-9oil][0-9oil ]{8,14}[0-9oil]|[0-9]{2}[a-z][0-9]{6,10})(?![0-9a-z])"
)


def _symbol_field(number: str | None, context: FieldContext) -> str | None:
    """A công văn's field from its drafting unit, the symbol's last part (12/UBND-TP is Tư pháp's)."""
    if not number or "/" not in number:
        return None
    parts = number.split("/")[-1].split("-")
    return context.drafting_field(parts[-1]) if len(parts) >= 2 else None


def _business_code(lines: list[Line]) -> tuple[str | None, float]:
    """``Mã số hộ kinh doanh: 2500123456``: the number of a household business certificate."""
    for line in lines[:30]:
        m = _BUSINESS_CODE.search(line.folded)
        if m:
            if re.fullmatch(r"[0-9]{2}[a-z][0-9]{6,10}", m.group(1)):
                return line.text[m.start(1) : m.end(1)].upper(), 0.9 * line.conf
            digits = fix_digits(m.group(1)).replace(" ", "")
            if digits.isdigit() and 8 <= len(digits) <= 14:
                return digits, 0.95 * line.conf
    return None, 0.0


def _doc_type(title_line: Line | None, number: str | None) -> tuple[str | None, str | None, float, float]:
    """``(doc_type, title, type confidence, title confidence)`` from the title line or the symbol."""
    if title_line is not None:
        found = title_type(title_line.text)
        if found:
            phrase, doc_type, sim = found
            key_len = len(phrase)
            printed = title_line.text if sim == 1.0 else phrase
            printed = restore_accents(printed[:key_len], phrase) + printed[key_len:] if sim == 1.0 else phrase
            title = sentence_case(squash(printed).strip(" .,:;"))
            return doc_type, title, sim * title_line.conf, sim * title_line.conf
    if number and "/" in number:
        parts = number.split("/")[-1].split("-")
        sym = fold(parts[0])
        if sym in SYMBOL_TYPES:
            return SYMBOL_TYPES[sym], None, 0.7, 0.0
        if len(parts) >= 2:
            # A công văn's symbol is the issuing body then the drafting unit: 12/UBND-VX.
            return "Công văn", None, 0.6, 0.0
    return None, None, 0.0, 0.0


def extract_fields(pages: list[PageText], context: FieldContext | None = None) -> ExtractedFields:
    """Read the 15 metadata fields of one document from its pages (first page first).

    Works on OCR'd pages (using word boxes for the layout) and on text-layer pages (text
    patterns only). Missing fields are ``None``/``[]`` with confidence 0. ``context`` carries
    the caller's unit names and province codes (:class:`FieldContext`); without it the
    defaults of :data:`DEFAULT_CONTEXT` apply.
    """
    context = context or DEFAULT_CONTEXT
    result = ExtractedFields()
    if not pages:
        return result
    laid = [page_lines(p) for p in pages]
    header, first_lines = _header(laid[0])
    laid[0] = PageLines(laid[0].number, first_lines, laid[0].width, laid[0].height, laid[0].has_boxes,
                        laid[0].confidence)
    all_lines = [ln for p in laid for ln in p.lines]

    issuer, c = _issuer(header, context)
    result.set("issuer", issuer, c)
    number, c = _number(header, first_lines)
    result.set("number", number, c)
    date, c, place, pc = _issued(header, first_lines, laid, context)
    result.set("issued_date", date.isoformat() if date else None, c)
    result.set("place", place, pc)

    title_line = first_lines[header.title_at] if header.title_at is not None else None
    doc_type, title, tc, tlc = _doc_type(title_line, number)
    result.set("doc_type", doc_type, tc)
    result.set("title", title, tlc)
    summary, c = _summary(header, first_lines, laid[0], allow_plain=doc_type in _TYPES_WITH_SUMMARY)
    result.set("summary", summary, c)
    if doc_type == "Công văn" and summary and summary.startswith("V/v"):
        # No type line, a body-unit symbol and a "V/v" summary: the three marks of a công văn.
        result.set("doc_type", doc_type, 0.95 * max(result.confidence["number"], c))
    elif doc_type is None and title_line is None and summary and summary.startswith("V/v"):
        # No type line and a "V/v" summary, whatever the symbol ("112/UBND"): a công văn.
        doc_type = "Công văn"
        result.set("doc_type", doc_type, 0.85 * c)

    signer, sc, position, pc = _signer(laid, context)
    result.set("signer", signer, sc)
    result.set("signer_title", position, pc)

    exclude = {fold(signer)} if signer else set()
    names, c = _subject_names(laid, exclude)
    result.set("subject_names", names, c)
    ids, c = _id_numbers(all_lines)
    # A household business certificate's number is its business code: not an identifier of a subject.
    result.set("id_numbers", [i for i in ids if i != number], c)

    field_name = _symbol_field(number, context) if doc_type == "Công văn" else None
    field_conf = 0.85
    if field_name is None:
        body = "\n".join(ln.text for ln in all_lines[header.body_from : header.body_from + 60])
        field_name, field_conf = infer_field(title, summary, body)
    result.set("field", field_name, field_conf)
    code, c = _dossier_code(all_lines, context)
    result.set("dossier_code", code, c)
    code, c = _procedure_code(all_lines)
    result.set("procedure_code", code, c)
    valid, c = _valid_until(all_lines, date)
    result.set("valid_until", valid, c)
    return result
