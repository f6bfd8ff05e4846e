"""Attestations (chứng thực): the "Lời chứng" a commune or a notary writes on a paper it attests.

Nghị định 23/2015 and Thông tư 01/2020/TT-BTP give the attester's wording: a copy's stamp
(``Chứng thực bản sao đúng với bản chính. / Số chứng thực: 123 Quyển số: 01-SCT/BS / Ngày 15 tháng
3 năm 2024``), a signature's or a contract's "Lời chứng" (``Hôm nay, ngày mười lăm tháng ba năm hai
nghìn hai mươi tư, tại Ủy ban nhân dân …``), and the short ``Số: 123/SCT/BS``. The attestation has
no ``Số:`` under an issuer and no place-date line under the motto, so the header readers miss
it; this module reads its number, register book and date from the attester's own lines.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sohoa.digitize.fields_dates import find_dates, find_dates_in_words
from sohoa.digitize.fields_text import Line, PageLines, fix_digits

# What marks an attestation: its heading, its number label, the copy's formula, a register book.
_MARK = re.compile(
    r"loi\s*chung|so\s*chung\s*thuc|chung\s*thuc\s*ban\s*sao|nguoi\s*thuc\s*hien\s*chung\s*thuc"
    r"|sct\s*/\s*(?:bs|ck|hd)"
)
_HEADING = re.compile(r"^\W*loi\s*chung\b")
_NUMBER = re.compile(r"so\s*chung\s*thuc\s*[:.]?\s*([0-9oil]{1,6})(?![0-9])")
# "Số: 123/SCT/BS", never the register book's "Quyển số: 01/2024-SCT/BS".
_SHORT_NUMBER = re.compile(
    r"(?<!quyen )(?<!quyen)\bso\s*[:.]?\s*([0-9oil]{1,6})\s*/\s*(?:[0-9]{4}\s*[-/]\s*)?sct\s*/\s*([a-z]{2,5})"
)
_BOOK = re.compile(r"quyen\s*so\s*[:.]?\s*([0-9oil]{1,4}(?:\s*/\s*[0-9]{4})?\s*[-/]?\s*sct\s*/\s*[a-z]{2,5})")
# Dates near an attestation that are not its own: a birth, the copied paper's issue, a validity.
_OTHER = re.compile(r"sinh|cap\s*ngay|ngay\s*cap|hieu\s*luc|gia\s*tri|het\s*han")


@dataclass(frozen=True)
class Attestation:
    """What an attestation prints: its number, its register book, its date, and their confidences."""

    number: str | None
    number_conf: float
    book: str | None
    date: dt.date | None
    date_conf: float
    heading: bool  # a "LỜI CHỨNG" heading printed as the paper's title


def _upper_book(line: Line, start: int, end: int) -> str:
    return "".join(line.text[start:end].split()).upper()


def _date_near(lines: list[Line], at: int) -> tuple[dt.date, float] | None:
    """The attestation's date: ``Ngày … tháng … năm …`` (digits or words) from a few lines above its
    mark (``Hôm nay, ngày …``) to a few below (under the number), never one labelled as another date."""
    order = [*range(at, min(len(lines), at + 6)), *range(at - 1, max(-1, at - 12), -1)]
    for i in order:
        key = lines[i].folded
        found = list(find_dates(key)) + list(find_dates_in_words(key))
        for date, start, _ in sorted(found, key=lambda f: f[1]):
            if not _OTHER.search(key[max(0, start - 25) : start]):
                return date, lines[i].conf
    return None


def read_attestation(pages: list[PageLines]) -> Attestation | None:
    """The attestation on the pages (the last one, where the attester signs), or ``None``."""
    lines = [ln for page in pages for ln in page.lines]
    marks = [i for i, ln in enumerate(lines) if _MARK.search(ln.folded)]
    if not marks:
        return None
    heading = any(_HEADING.search(lines[i].folded) for i in marks)
    number, number_conf, book = None, 0.0, None
    for i in marks:
        line, key = lines[i], lines[i].folded
        m = _NUMBER.search(key) or _SHORT_NUMBER.search(key)
        if m and number is None:
            raw = m.group(1)
            number = fix_digits(raw)
            # A letter read for a digit, or an unsure line: the clerk checks it.
            number_conf = line.conf * (0.9 if raw == number else 0.6)
            if m.re is _SHORT_NUMBER:
                number = f"{number}/SCT/{m.group(2).upper()}"
        b = _BOOK.search(key)
        if b and book is None:
            book = _upper_book(line, b.start(1), b.end(1))
    anchor = next((i for i in marks if _NUMBER.search(lines[i].folded)), marks[-1])
    dated = _date_near(lines, anchor)
    date, date_conf = (dated[0], 0.9 * dated[1]) if dated else (None, 0.0)
    return Attestation(number, number_conf, book, date, date_conf, heading)
