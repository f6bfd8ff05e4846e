"""The header of a result and what sits near it: issuer, number, place and date, title, trích yếu.

NĐ 30/2020 puts the issuing body top left with the number under it, the motto and the
place-and-date top right, the title and summary centred. Pages with word boxes are read by
that geometry; text-layer pages (and lines merged across the two columns) by text patterns.
Forms print some of these elsewhere (a certificate's ``Số: 38`` under its title, its
place-and-date above the signer), so each reader looks where forms put them, weaker rules last
and with lower confidence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from sohoa.digitize.fields_context import FieldContext
from sohoa.digitize.fields_dates import WORDED_DATE, date_at, find_dates, printed_as_digits
from sohoa.digitize.fields_text import (
    Line,
    PageLines,
    fix_digits,
    is_upper_text,
    sentence_case,
    span_conf,
)
from sohoa.digitize.fields_vocab import (
    SYMBOL_TYPES,
    restore_accents,
    snap_issuer_line,
    title_type,
)
from sohoa.text import fold_aligned, squash

_MOTTO_KEYS = ("cong hoa xa hoi", "doc lap", "tu do", "hanh phuc", "chu nghia viet nam")
_NUMBER_LABEL = re.compile(r"^\s*(?:s|5)[o0]\s*(?:[:;.,]\s*|(?=[0-9oil]))")
_NUMBER_BODY = re.compile(
    r"(?P<num>[0-9OIl][0-9OIl ]{0,7})"
    r"(?P<year>\s*/\s*[0-9OIl]{4}(?=\s*/|\s*$|[\s,;.)]))?"
    r"(?P<sym>\s*/\s*[A-Za-zĐđÐ][A-Za-zĐđÐ0-9]*(?:\s*[-–]\s*[A-Za-zĐđÐ][A-Za-zĐđÐ0-9]*)*)?"
)
_PLACE_DATE = re.compile(r"(?P<place>[a-z][a-z .]{1,30}?)\s*[,.]\s*ng[a-z]?y\s*[:.,]?\s*[0-9oil]")


@dataclass
class Header:
    left: list[Line]
    right: list[Line]
    title_at: int | None  # index into the first page's lines of the title line
    body_from: int  # first line index after the header (and title, summary)


def is_motto(line: Line) -> bool:
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
        if line.zone == "right" or is_motto(line) or _NUMBER_LABEL.match(line.folded):
            continue
        cx = line.centre_x
        if page.has_boxes and page.width and cx is not None and abs(cx - page.width / 2) > 0.15 * page.width:
            continue
        if not is_upper_text(line.text):
            continue
        if title_type(line.text):
            return i
    return None


def read_header(page: PageLines) -> tuple[Header, list[Line]]:
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
                line.zone = "right" if (is_motto(line) or _PLACE_DATE.match(line.folded)) else ""
    title_at = _find_title(lines, page)
    end = title_at if title_at is not None else min(len(lines), 12)
    if title_at is None:
        # A công văn has no title line: its header ends where the body starts.
        for i, line in enumerate(lines[:end]):
            key = line.folded
            if key.startswith(("kinh gui", "can cu", "ubnd ")) and i > 2 and not _NUMBER_LABEL.match(key):
                end = i
                break
    left, right = [], []
    for line in lines[:end]:
        if line.zone == "right" or (line.zone == "" and is_motto(line)):
            right.append(line)
        elif line.zone in ("left", ""):
            left.append(line)
        elif line.zone == "centre" and is_motto(line):
            right.append(line)
    return Header(left, right, title_at, end), lines


# A parent line that is only a kind of body needs the line under it to name the issuer.
_GENERIC_BODIES = {"uy ban nhan dan", "hoi dong nhan dan"}


def read_issuer(header: Header, context: FieldContext) -> tuple[str | None, float]:
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
        if is_motto(line):
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
    if len(parts) > 1 and fold_aligned(parts[0]) not in _GENERIC_BODIES:
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


# Tesseract's word confidence (0-100) below which a word that prints a number or a date was read
# unsure: the value is then the clerk's to check, however sure the rest of its line. Clean print
# reads at 85-97; 'Số: 232/QĐ-UBND' on a clean page read right at 9, then 42 from its region alone.
_UNSURE_WORD = 50.0
_DOUBTFUL_NUMBER = 0.6


def _number_at(line: Line, start: int, strength: float) -> tuple[str | None, float]:
    """The number printed in ``line`` from ``start`` (just after its label), with its strength:
    doubtful when a word that prints it was read unsure (:data:`_UNSURE_WORD`) or the print
    goes on past the number (:func:`_runs_on`)."""
    code = _CODE_NUMBER.match(line.text, start)
    if code and re.search(r"[A-Za-z]", code.group(1)):  # "25A8001234": an older business code
        return code.group(1).upper(), _as_read(line, code.start(1), code.end(1), 0.9 * strength * line.conf)
    body = _NUMBER_BODY.match(line.text, start)
    if not body or not re.search(r"[0-9]", fix_digits(body.group("num"))):
        return None, 0.0
    number = clean_number(body.group(0).rstrip(" -/"))
    if not re.match(r"^[0-9]+(/|$)", number):
        return None, 0.0
    conf = (strength if body.group("sym") else 0.9 * strength) * line.conf
    end = body.start() + len(body.group(0).rstrip())
    if _runs_on(line.text, end):
        conf = min(conf, _DOUBTFUL_NUMBER)
    return number, _as_read(line, body.start(), end, conf)


def _as_read(line: Line, start: int, end: int, conf: float) -> float:
    """``conf``, or at most :data:`_DOUBTFUL_NUMBER` when a word printing ``line.text[start:end]``
    was read unsure: however sure the rest of its line, the clerk checks that number."""
    return min(conf, _DOUBTFUL_NUMBER) if span_conf(line, start, end) < _UNSURE_WORD else conf


def _runs_on(text: str, end: int) -> bool:
    """True when the printed number goes on past what was understood of it: '379/QĐ-UBND' read
    '3/9/QĐ-UBND' gives the number '3', and the '/9/QĐ-UBND' after it says it was misread."""
    return end < len(text) and not text[end].isspace() and text[end] not in ",;.)"


def read_number(header: Header, lines: list[Line]) -> tuple[str | None, float]:
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
    number, conf = read_business_code(lines)
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
    key = fold_aligned(text)
    for place in places:
        if fold_aligned(place) == key:
            return restore_accents(text, place), 1.0
    for place in places:
        if key.endswith(" " + fold_aligned(place)):
            return place, 0.9
    if places:
        best = max(places, key=lambda p: fuzz.ratio(key, fold_aligned(p)))
        score = fuzz.ratio(key, fold_aligned(best))
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
# A civil-status certificate has no place-and-date line: its registration date is its date.
_REGISTERED_LABEL = re.compile(
    r"(?:ngay,?\s*thang,?\s*nam\s*dang\s*ky|ngay\s*dang\s*ky|dang\s*ky\s*ket\s*hon\s*ngay)\s*[:.]?\s*"
)
# "CCCD số … cấp ngày …": the identity card's date, not the paper's.
_ID_PAPER = re.compile(r"cmnd|cccd|can\s*cuoc|chung\s*minh|ho\s*chieu|giay\s*to|tuy\s*than|dinh\s*danh")
# A household business certificate dates each registration under its title: "Đăng ký lần đầu,
# ngày 12 tháng 3 năm 2021", "Đăng ký thay đổi lần thứ 2, ngày …".
_REGISTRATION = re.compile(
    r"^\W*dang\s*ky\s*(?:lan\s*dau|thay\s*doi\s*lan\s*thu\s*[:.]?\s*(?P<nth>[0-9oil]{1,2}))\s*[:,.]?\s*"
)
# Strength of a date a labelled rule gave that may not be the paper's own (a civil-status
# registration date read where no place-date line was found: an extract prints the original
# registration's date beside its own, and OCR may have missed the latter).
_GUESSED_DATE = 0.75


def _other_date(key: str, start: int) -> bool:
    """True when the date at ``start`` of folded ``key`` is labelled as another date (birth, validity...)."""
    return bool(_OTHER_DATE.search(key[max(0, start - 40) : start]))


def _place_date(line: Line, context: FieldContext) -> tuple[dt.date, str | None, float, bool] | None:
    """``(date, place, place confidence, date read cleanly)`` of a ``Place, ngày … tháng … năm …``
    line, or ``None``; the date is read cleanly when no word of it was read unsure and no letter
    of it was taken for a digit."""
    key = line.folded
    pd = _PLACE_DATE.search(key)
    if not pd or _NOT_PLACE.search(key[: pd.end("place")]):
        return None
    if re.search(r"dang\s*ky", key[pd.start("place") : pd.end("place")]):
        return None  # "Đăng ký lần đầu, ngày …": a registration, not a place
    if not line.text[pd.start("place")].isupper():
        return None  # "… lúc 10 giờ, ngày …": a place name is capitalised
    found = [d for d in find_dates(key) if pd.end() - 12 <= d[1] <= pd.end()]
    if not found:
        return None
    place, place_conf = _snap_place(line.text[pd.start("place") : pd.end("place")], context)
    date, start, end = found[0]
    clean = span_conf(line, start, end) >= _UNSURE_WORD and printed_as_digits(key, start)
    return date, place, place_conf, clean


def read_issued(
    header: Header, lines: list[Line], pages: list[PageLines], context: FieldContext
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
            conf = line.conf
            if _a_digit_off_another(found[0], line, pages) or not found[3]:
                conf = min(conf, _GUESSED_DATE)
            return found[0], conf, found[1], found[2] * line.conf
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
                conf = 0.9 * line.conf if found[3] else min(0.9 * line.conf, _GUESSED_DATE)
                return found[0], conf, found[1], 0.9 * found[2] * line.conf
    registered = _latest_registration(pages[0]) if pages else None
    if registered:
        return registered[0], registered[1], None, 0.0
    for page in pages:
        for line in page.lines:
            key = line.folded
            m = _ISSUE_LABEL.search(key)
            if not m or _of_an_identity_paper(page, line, m.start()):
                continue
            dates = [d for d, s, _ in find_dates(key) if m.end() - 2 <= s <= m.end() + 2]
            if dates:
                return dates[0], 0.85 * line.conf, None, 0.0
    for page in pages[:1]:
        for line in page.lines:
            m = _REGISTERED_LABEL.search(line.folded)
            date = date_at(line.folded, m.end()) if m else None
            if date:
                return date, _GUESSED_DATE * line.conf, None, 0.0  # a good guess, for a clerk to confirm
    for line in lines[: header.body_from]:
        key = line.folded
        for date, start, _ in find_dates(key, numeric=False):
            if not _other_date(key, start) and ":" not in key[max(0, start - 3) : start]:
                return date, 0.7 * line.conf, None, 0.0
    return None, 0.0, None, 0.0


def _a_digit_off_another(date: dt.date, line: Line, pages: list[PageLines]) -> bool:
    """True when another date of the same month on the first page has a day one printed digit
    off ``date``'s (28 and 26, 13 and 18).

    A household business certificate prints its registration date beside the place-date line,
    and the two often agree; read at 96 under a 2-degree skew, the 28 of one came back 26. Two
    such days are one of OCR's digit slips far more often than two real dates, so the clerk
    looks at the paper.
    """
    for other in pages[0].lines if pages else []:
        if other is line:
            continue
        for found, _, _ in find_dates(other.folded):
            if (found.year, found.month) == (date.year, date.month) and found.day != date.day:
                mine, theirs = f"{date.day:02d}", f"{found.day:02d}"
                if sum(a != b for a, b in zip(mine, theirs, strict=True)) == 1:
                    return True
    return False


def _of_an_identity_paper(page: PageLines, line: Line, start: int) -> bool:
    """True when a ``Ngày cấp:`` at ``start`` of ``line`` dates an identity paper: one is named
    before it on the line, or on the line above when the label opens its line (``Số giấy tờ
    pháp lý của cá nhân: …`` / ``Ngày cấp: …  Nơi cấp: …``)."""
    if _ID_PAPER.search(line.folded[max(0, start - 60) : start]):
        return True
    if line.folded[:start].strip(" -.0123456789") or line.index == 0:
        return False
    above = page.lines[line.index - 1] if line.index < len(page.lines) else None
    return above is not None and above is not line and bool(_ID_PAPER.search(above.folded))


def _latest_registration(page: PageLines) -> tuple[dt.date, float] | None:
    """``(date, confidence)`` of the latest registration a certificate prints under its title.

    A household business certificate carries no place-date line: each change of registration
    re-issues it, so the paper in hand is dated by its latest registration ("Đăng ký thay đổi
    lần thứ 2, ngày …" over "Đăng ký lần đầu, ngày …"). A change whose date was not read leaves
    the date to a clerk.
    """
    found: list[tuple[int, dt.date | None, float]] = []
    for line in page.lines:
        m = _REGISTRATION.match(line.folded)
        if m:
            nth = int(fix_digits(m.group("nth"))) if m.group("nth") else 0
            found.append((nth, date_at(line.folded, m.end()), line.conf))
    if not found:
        return None
    nth, date, conf = max(found, key=lambda f: (f[0], f[1] or dt.date.min))
    if date is None:
        dated = [f for f in found if f[1] is not None]
        if not dated:
            return None
        nth, date, conf = max(dated, key=lambda f: (f[0], f[1] or dt.date.min))
        return date, min(conf, _GUESSED_DATE - 0.15)
    return date, 0.9 * conf


# "V/v" as OCR gives it: "V/w", "Vlv", and on fax "VW", its slash lost.
_SUMMARY_START = re.compile(r"^[\s\-_.•~]*(?:v\s*[/l|1]?\s*[vw]|ve\s+viec)\b")
_VV_PREFIX = re.compile(r"^[\s\-_.•~]*[vV]\s*[/l|1]?\s*[vVwW]\b\.?")
_BODY_START = ("can cu", "kinh gui", "xet ", "theo de nghi", "dieu ", "chu tich", "uy ban nhan dan")


# Types whose title is followed by a trích yếu even without "Về việc" ("THÔNG BÁO" / "Lịch tiếp
# công dân tháng 7"); certificates, permits and extracts have none.
TYPES_WITH_SUMMARY = {
    "Quyết định", "Nghị quyết", "Chỉ thị", "Thông báo", "Kế hoạch", "Báo cáo", "Tờ trình", "Hướng dẫn",
    "Biên bản", "Giấy mời",
}  # fmt: skip


def _plain_summary_start(header: Header, lines: list[Line], page: PageLines) -> int | None:
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


def read_summary(
    header: Header, lines: list[Line], page: PageLines, allow_plain: bool = False
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
        if key.startswith(_BODY_START) or is_motto(line) or WORDED_DATE.search(key):
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


_BUSINESS_CODE = re.compile(
    r"(?:ma\s*so\s*ho\s*kinh\s*doanh|so\s*giay\s*chung\s*nhan\s*dang\s*ky\s*ho\s*kinh\s*doanh)\s*[:.]?\s*"
    r"([0-9oil][0-9oil ]{8,14}[0-9oil]|[0-9]{2}[a-z][0-9]{6,10})(?![0-9a-z])"
)


def read_business_code(lines: list[Line]) -> tuple[str | None, float]:
    """``Mã số hộ kinh doanh: 2500123456``: the number of a household business certificate."""
    for line in lines[:30]:
        m = _BUSINESS_CODE.search(line.folded)
        if m:
            if re.fullmatch(r"[0-9]{2}[a-z][0-9]{6,10}", m.group(1)):
                return line.text[m.start(1) : m.end(1)].upper(), _as_read(line, *m.span(1), 0.9 * line.conf)
            digits = fix_digits(m.group(1)).replace(" ", "")
            if digits.isdigit() and 8 <= len(digits) <= 14:
                return digits, _as_read(line, *m.span(1), 0.95 * line.conf)
    return None, 0.0


def read_doc_type(title_line: Line | None, number: str | None) -> tuple[str | None, str | None, float, float]:
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
        sym = fold_aligned(parts[0])
        if sym in SYMBOL_TYPES:
            return SYMBOL_TYPES[sym], None, 0.7, 0.0
        if len(parts) >= 2:
            # A công văn's symbol is the issuing body then the drafting unit: 12/UBND-VX.
            return "Công văn", None, 0.6, 0.0
    return None, None, 0.0, 0.0
