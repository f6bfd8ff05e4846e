"""Codes and dates of the one-stop system: dossier code, procedure code, validity, drafting unit.

Province-specific parts (organ-code letters, extra dossier-code patterns, drafting-unit
abbreviations) come from the caller's :class:`~sohoa.digitize.fields_context.FieldContext`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from sohoa.digitize.fields_context import FieldContext
from sohoa.digitize.fields_dates import add_months, find_dates
from sohoa.digitize.fields_text import Line, fix_digits
from sohoa.text import squash

_DOSSIER = re.compile(
    r"([0-9OIl]{3}\s*[.,]\s*[0-9OIl]{2}\s*[.,]\s*[0-9OIl]{2}\s*[.,]\s*[A-Z1|][0-9OIl]{2})\s*[-–]\s*"
    r"([0-9OIl]{6})\s*[-–]\s*([0-9OIl]{4})"
)
_PROCEDURE = re.compile(r"(?<![0-9.])([0-9])\s*[.,]\s*([0-9OIl]{6})(?![0-9])")

def read_dossier_code(lines: Iterable[Line], context: FieldContext) -> tuple[str | None, float]:
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


def read_procedure_code(lines: Iterable[Line]) -> tuple[str | None, float]:
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


def read_valid_until(lines: list[Line], issued: dt.date | None) -> tuple[str | None, float]:
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


def symbol_field(number: str | None, context: FieldContext) -> str | None:
    """A công văn's field from its drafting unit, the symbol's last part (12/UBND-TP is Tư pháp's)."""
    if not number or "/" not in number:
        return None
    parts = number.split("/")[-1].split("-")
    return context.drafting_field(parts[-1]) if len(parts) >= 2 else None
