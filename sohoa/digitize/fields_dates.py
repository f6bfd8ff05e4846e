"""Dates as Vietnamese documents print them, read tolerantly from OCR text.

``ngày 5 tháng 3 năm 2019``, ``ngày 05 tháng 03 năm 2019`` and the OCR'd ``ngáy O5 thảng 3 nãm
2019`` all mean 2019-03-05; so does ``05/03/2019``. Matching runs on folded text (see
``fields_text.fold``), so tone-mark errors in the keywords do not matter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

from sohoa.digitize.fields_text import fix_digits

_D = r"[0-9OoIl]"
# "ngay 10 thang 6 nam 2024"; OCR may glue or split the keywords, and may drop the space.
WORDED_DATE = re.compile(
    rf"ng[a-z]?y\s*[:.,]?\s*({_D}{{1,2}})\s*[,.]?\s*th[a-z]?ng\s*({_D}{{1,2}})\s*[,.]?\s*n[a-z]?m\s*({_D}{{4}})"
)
NUMERIC_DATE = re.compile(rf"(?<![0-9])({_D}{{1,2}})\s*[/.-]\s*({_D}{{1,2}})\s*[/.-]\s*({_D}{{4}})(?![0-9])")


def make_date(day: str, month: str, year: str) -> dt.date | None:
    """Build a date from OCR'd parts, or ``None`` when they do not form a real date."""
    try:
        d, m, y = int(fix_digits(day)), int(fix_digits(month)), int(fix_digits(year))
        if not 1900 <= y <= 2100:
            return None
        return dt.date(y, m, d)
    except ValueError:
        return None


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


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus whole months, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    total = date.month - 1 + months
    year, month = date.year + total // 12, total % 12 + 1
    day = min(date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)
