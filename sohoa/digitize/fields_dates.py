"""Dates as Vietnamese documents print them, read tolerantly from OCR text.

``ngày 5 tháng 3 năm 2019``, ``ngày 05 tháng 03 năm 2019`` and the OCR'd ``ngáy O5 thảng 3 nãm
2019`` all mean 2019-03-05; so does ``05/03/2019``. Matching runs on folded text (see
``sohoa.text.fold_aligned``), so tone-mark errors in the keywords do not matter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

from sohoa.digitize.fields_text import fix_digits

# A digit of a date, or a letter OCR reads for one in folded (lower-case) text: o for 0, i and l
# for 1, g for 6 (an italic 6 on a 1-bit fax: 'ngày 2G tháng II' for 'ngày 26 tháng 11').
_D = r"[0-9oilg]"
_DATE_DIGITS = str.maketrans({"g": "6"})
# A digit and then the letter OCR reads for that same digit: perhaps one glyph read twice
# ('tháng 6G' for 'tháng 6': the italic 6 was split into a 6 and a G).
_READ_TWICE = re.compile(r"^([0-9])([oilg])$")


def _as_digits(part: str) -> str:
    return fix_digits(part.translate(_DATE_DIGITS))


def _once(part: str) -> str:
    """``part`` with a digit read twice taken once (``6g`` -> ``6``); else as :func:`_as_digits`."""
    twice = _READ_TWICE.match(part)
    if twice and _as_digits(twice.group(2)) == twice.group(1):
        return twice.group(1)
    return _as_digits(part)


# "ngay 10 thang 6 nam 2024"; OCR may glue or split the keywords, and may drop the space.
WORDED_DATE = re.compile(
    rf"ng[a-z]?y\s*[:.,]?\s*({_D}{{1,2}})\s*[,.]?\s*th[a-z]?ng\s*({_D}{{1,2}})\s*[,.]?\s*n[a-z]?m\s*({_D}{{4}})"
)
NUMERIC_DATE = re.compile(rf"(?<![0-9])({_D}{{1,2}})\s*[/.-]\s*({_D}{{1,2}})\s*[/.-]\s*({_D}{{4}})(?![0-9])")
# "15 tháng 5 năm 2025" with no "ngày" before it: a form whose label already says "Ngày đăng ký:".
BARE_WORDED_DATE = re.compile(
    rf"({_D}{{1,2}})\s*[,.]?\s*th[a-z]?ng\s*({_D}{{1,2}})\s*[,.]?\s*n[a-z]?m\s*({_D}{{4}})"
)


def make_date(day: str, month: str, year: str) -> dt.date | None:
    """Build a date from OCR'd parts, or ``None`` when they do not form a real date.

    A part that makes no date as read (``tháng 6G``: month 66) is tried as one digit read twice;
    one that does (``tháng 1l``: 11) is kept as read.
    """
    for read in (_as_digits, _once):
        try:
            d, m, y = (int(read(part)) for part in (day, month, year))
        except ValueError:
            return None
        if not 1900 <= y <= 2100:
            return None
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    return None


def printed_as_digits(folded: str, start: int) -> bool:
    """True when the date at ``start`` of ``folded`` text (as :func:`find_dates` found it) has
    digits for its day, month and year: no letter was taken for one."""
    for pattern in (WORDED_DATE, NUMERIC_DATE):
        m = pattern.match(folded, start)
        if m:
            return all(part.isdigit() for part in m.groups())
    return True


def find_dates(folded: str, numeric: bool = True) -> Iterator[tuple[dt.date, int, int]]:
    """Yield ``(date, start, end)`` for each date written out in ``folded`` text, in order."""
    found: list[tuple[dt.date, int, int]] = []
    for m in WORDED_DATE.finditer(folded):
        date = make_date(*m.groups())
        if date is not None:
            found.append((date, m.start(), m.end()))
    if numeric:
        for m in NUMERIC_DATE.finditer(folded):
            date = make_date(*m.groups())
            if date is not None and not any(s <= m.start() < e for _, s, e in found):
                found.append((date, m.start(), m.end()))
    found.sort(key=lambda t: t[1])
    yield from found


_DAY_WORD = re.compile(r"\s*ng[a-z]?y\s*[:.,]?\s*")


def date_at(folded: str, pos: int, slack: int = 3) -> dt.date | None:
    """The date written right at ``pos`` of ``folded`` text (up to ``slack`` characters later), or ``None``.

    For a value after its label (``Ngày đăng ký: 15 tháng 5 năm 2025``, ``Đăng ký lần đầu, ngày
    12/3/2021``): worded with or without ``ngày``, or numeric.
    """
    lead = _DAY_WORD.match(folded, pos)
    if lead and lead.end() > pos and NUMERIC_DATE.match(folded, lead.end()):
        pos = lead.end()  # "ngày 20/01/2023"
    for pattern in (WORDED_DATE, BARE_WORDED_DATE, NUMERIC_DATE):
        for m in pattern.finditer(folded, pos, min(len(folded), pos + slack + 40)):
            if m.start() > pos + slack:
                break
            date = make_date(*m.groups())
            if date is not None:
                return date
    return None


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus whole months, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    total = date.month - 1 + months
    year, month = date.year + total // 12, total % 12 + 1
    day = min(date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


# --- dates in words ------------------------------------------------------------------------------
# Attestations and civil-status papers write dates out: "Hôm nay, ngày mười lăm tháng ba năm hai
# nghìn hai mươi tư". Folded, "mười" and "mươi" are both "muoi", "năm" (five) and "năm" (year) both
# "nam": the grammar of the date line tells them apart.
_NUMBER_WORDS = {
    "khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6, "bay": 7,
    "tam": 8, "chin": 9,
}  # fmt: skip
_N = r"(?:khong|mot|hai|ba|bon|tu|nam|lam|sau|bay|tam|chin|muoi|tram|nghin|ngan|linh|le)"
DATE_IN_WORDS = re.compile(
    rf"\bngay\s*:?\s*(?:mong\s+|mung\s+)?(?P<d>{_N}(?:\s+{_N}){{0,2}}?)\s*,?\s*thang\s+(?P<m>{_N}(?:\s+{_N}){{0,2}}?)\s*,?\s*"
    rf"nam\s+(?P<y>{_N}(?:[\s,]+{_N}){{2,9}})\b"
)


def words_number(text: str) -> int | None:
    """The number a Vietnamese phrase spells (``hai nghìn không trăm hai mươi tư`` -> 2024), folded input.

    Returns ``None`` for a phrase holding anything but number words.
    """
    total, hundreds, tens, pending = 0, 0, 0, None
    for word in text.replace(",", " ").split():
        if word in _NUMBER_WORDS:
            pending = _NUMBER_WORDS[word]
        elif word == "muoi":
            tens, pending = (1 if pending is None else pending) * 10, None
        elif word == "tram":
            hundreds, pending = (pending or 0) * 100, None
        elif word in ("nghin", "ngan"):
            total += (hundreds + tens + (pending or 0)) * 1000
            hundreds, tens, pending = 0, 0, None
        elif word not in ("linh", "le"):
            return None
    return total + hundreds + tens + (pending or 0)


def find_dates_in_words(folded: str) -> Iterator[tuple[dt.date, int, int]]:
    """Yield ``(date, start, end)`` for each date spelt out in words in ``folded`` text."""
    for m in DATE_IN_WORDS.finditer(folded):
        parts = [words_number(m.group(k)) for k in ("d", "m", "y")]
        if None in parts:
            continue
        day, month, year = (int(p) for p in parts if p is not None)
        date = make_date(str(day), str(month), str(year))
        if date is not None:
            yield date, m.start(), m.end()
