"""The backlog register: importing the units' registers and the one-stop software's exports.

The targets are counted against a register — one row per completed result — because the
archive alone cannot know what it has *not* digitised. ``import_register`` reads a CSV or XLSX
export as it comes: title lines above the header are skipped, Vietnamese headers are recognised
with or without diacritics (``Mã hồ sơ``, ``Tên thủ tục``, ``Lĩnh vực``, ``Đơn vị``, ``Chủ hồ sơ
/ Người nộp``, ``Số ký hiệu kết quả``, ``Ngày ban hành / Ngày trả kết quả``, ``Còn hiệu lực``,
``Đã lưu kho``; ``--map`` names any other), dates may be ``dd/mm/yyyy`` or ISO.

Rules, decided the way a unit's manager would:

* A row is one result, known by its dossier code; without one, by unit + result number + year
  (numbers restart every year). A later export of the same results updates the rows; a paper
  register row later found in the one-stop export adopts its dossier code instead of doubling.
* A blank cell never erases what an earlier import said (registers are often partial copies);
  a column that says something new changes it.
* ``Còn hiệu lực`` blank or absent means still valid (registers mark the exceptions).
* ``Đã lưu kho``: a date is the day the result entered the store; "có" on a row seen for the
  first time means it was in the store before we knew of it (so it is no backlog); "có" on a
  row an earlier import listed as not stored means it entered the store by the export's date
  (``as_of``, default today), which counts as digitised on that day.
* The date of a row is ``Ngày ban hành``, else ``Ngày trả kết quả`` (kept as ``date_kind`` so
  matching allows the days between signing and handing out). A row without a valid date, with
  an unknown unit, without both a dossier code and a result number, or repeating an earlier row
  of the same file is reported with its row number and reason; nothing is dropped silently.
* The import is one transaction: all of the good rows or nothing (``strict``: nothing at all
  when any row is bad). Each import leaves one ``register.import`` audit event with counts, the
  file's name and checksum — never a cell of personal data.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sohoa.errors import ArchiveError, InputFileError, SohoaError, UsageError
from sohoa.i18n import _
from sohoa.text import fold, nfc

from ._register_files import NumberedRow, read_rows
from .models import AuditEvent, RegisterLink, RegisterRow, Unit, utcnow
from .store import Archive
from .units import resolve_unit

log = logging.getLogger(__name__)

#: The columns a register can give, with the Vietnamese header shown to clerks.
COLUMNS: dict[str, str] = {
    "dossier_code": "Mã hồ sơ",
    "procedure": "Tên thủ tục",
    "field": "Lĩnh vực",
    "unit": "Đơn vị",
    "applicant": "Chủ hồ sơ / Người nộp",
    "result_number": "Số ký hiệu kết quả",
    "symbol": "Ký hiệu",
    "issued_date": "Ngày ban hành",
    "returned_date": "Ngày trả kết quả",
    "valid": "Còn hiệu lực",
    "in_store": "Đã lưu kho",
    "issuer": "Cơ quan ban hành",
    "ignore": "(bỏ qua)",
}

# Folded header texts (punctuation as spaces) -> column. Exports name the same thing many ways.
# fmt: off
_ALIASES: dict[str, tuple[str, ...]] = {
    "dossier_code": ("ma ho so", "ma so ho so", "so ho so", "ma hs", "ma ho so tthc", "ma so ho so tthc"),
    "procedure": (
        "ten thu tuc", "ten thu tuc hanh chinh", "thu tuc", "thu tuc hanh chinh", "ten tthc", "ten ho so",
    ),
    "field": ("linh vuc", "ten linh vuc", "linh vuc giai quyet"),
    "unit": (
        "don vi", "don vi giai quyet", "don vi xu ly", "co quan giai quyet", "co quan xu ly",
        "don vi thuc hien", "noi giai quyet", "don vi tiep nhan",
    ),
    "applicant": (
        "chu ho so", "nguoi nop", "nguoi nop ho so", "ten nguoi nop", "ho ten nguoi nop",
        "chu ho so nguoi nop", "to chuc ca nhan", "ten to chuc ca nhan", "ho va ten", "ho ten",
        "nguoi dang ky", "cong dan",
    ),
    "result_number": (
        "so ky hieu ket qua", "so ky hieu", "so ky hieu van ban", "so ket qua", "so hieu ket qua",
        "so van ban", "so ky hieu ket qua giai quyet", "so quyet dinh", "so giay chung nhan", "so giay phep",
        "so hieu", "so",
    ),
    "symbol": ("ky hieu", "ky hieu ket qua", "ky hieu van ban"),
    "issued_date": (
        "ngay ban hanh", "ngay ky", "ngay cap", "ngay van ban", "ngay ban hanh ket qua", "ngay ky ket qua",
        "ngay thang nam ban hanh", "ngay thang ban hanh",
    ),
    "returned_date": ("ngay tra ket qua", "ngay tra", "ngay hoan thanh", "ngay tra kq", "ngay co ket qua"),
    "valid": ("con hieu luc", "hieu luc", "tinh trang hieu luc", "con hieu luc khong", "con hl"),
    "in_store": (
        "da luu kho", "luu kho", "da luu kho du lieu", "da so hoa", "da so hoa luu kho", "kho du lieu",
        "trang thai luu kho", "da luu kho dien tu",
    ),
    "issuer": ("co quan ban hanh", "noi ban hanh", "don vi ban hanh"),
}
# fmt: on
_HEADER_TO_COLUMN = {alias: key for key, aliases in _ALIASES.items() for alias in aliases}

# fmt: off
_YES = {"co", "c", "x", "yes", "y", "1", "true", "con", "con hieu luc", "con hl", "hieu luc", "dung", "roi",
        "da", "da luu", "da luu kho", "da so hoa"}
_NO = {"khong", "k", "ko", "no", "n", "0", "false", "het", "het hieu luc", "het hl", "khong con hieu luc",
       "thu hoi", "da thu hoi", "huy", "da huy", "chua", "chua luu", "chua luu kho",
       "chua so hoa"}
# fmt: on

_PUNCT = re.compile(r"[\s,.;:*_\-–—()\[\]/\\]+")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COLUMN_NUMBERS = re.compile(r"^\(?\d{1,2}\)?$")
_SPACES = re.compile(r"\s+")
_MULTISPACE = re.compile(r"\s\s|[\t\r\n\xa0]")
_TOTAL_LINE = re.compile(r"^(tong cong|tong so|cong)\b")
_CHUNK = 500
_LOOKUP_CHUNK = 2000  # bound parameters per lookup query (SQLite allows 32,766)
_HEADER_SEARCH_ROWS = 30


# -- identifiers shared with matching ---------------------------------------------------------
def dossier_key(text: str | None) -> str | None:
    """A dossier code as compared: no spaces, upper case, plain hyphens (``000.00.12.H62-240610-0001``)."""
    if not text:
        return None
    key = re.sub(r"\s+", "", nfc(str(text))).upper().replace("–", "-").replace("—", "-")
    return key or None


def number_key(text: str | None) -> tuple[str | None, str | None]:
    """(key, leading number) of a result number: folded, no spaces, no ``Số:``, no leading zeros.

    ``Số: 05/UBND-TP`` and ``5/UBND-TP`` give ``('5/ubnd-tp', '5')``: the printed form pads
    numbers under 10, registers often do not.
    """
    if not text:
        return None, None
    key = fold(str(text)).replace("–", "-").replace("—", "-")
    key = re.sub(r"^so\s*[:.]?\s*", "", key)
    key = re.sub(r"\s+", "", key)
    match = re.match(r"^0*(\d+)(.*)$", key)
    if match is None:
        return (key or None), None
    return match.group(1) + match.group(2), match.group(1)


# -- results -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """A row the import refused: its number in the file and why, in words a clerk can act on."""

    row: int
    reason: str


@dataclass
class ImportResult:
    """What one import did. ``to_json`` is the documented shape of ``register import --json``."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    unit_ids: set[int] = field(default_factory=set)
    committed: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"row": e.row, "reason": e.reason} for e in self.errors],
        }


@dataclass
class _Parsed:
    """One good row of the file: the values of the columns it fills, keyed by model attribute."""

    row: int
    unit: Unit
    values: dict[str, Any]
    in_store: bool | None
    stored_date: date | None

    @property
    def dossier(self) -> str | None:
        return self.values.get("dossier_code")

    @property
    def result_key(self) -> str | None:
        return self.values.get("result_key")


# -- header mapping ------------------------------------------------------------------------
def _fold_header(text: Any) -> str:
    folded = fold(nfc(str(text or "")))
    folded = re.sub(r"\(.*?\)", " ", folded)  # "Ngày ban hành (dd/mm/yyyy)"
    return _PUNCT.sub(" ", folded).strip()


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``--map "Số GCN=Số ký hiệu kết quả"``: file header -> column (by key or Vietnamese name).

    ``-`` or ``bỏ qua`` as the target ignores the column. Unknown targets are refused up front.
    """
    mapping: dict[str, str] = {}
    labels = {_fold_header(label): key for key, label in COLUMNS.items()}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(_("--map '%(pair)s' phải có dạng 'Tiêu đề trong tệp=cột'") % {"pair": pair})
        header, target = (part.strip() for part in pair.rsplit("=", 1))
        folded_target = _fold_header(target)
        if target in COLUMNS:
            key = target
        elif target in ("-", "") or folded_target == "bo qua":
            key = "ignore"
        elif folded_target in labels:
            key = labels[folded_target]
        elif folded_target in _HEADER_TO_COLUMN:
            key = _HEADER_TO_COLUMN[folded_target]
        else:
            known = ", ".join(f"{k} ({v})" for k, v in COLUMNS.items())
            raise UsageError(
                _("--map '%(pair)s': không có cột '%(target)s'. Các cột: %(known)s")
                % {"pair": pair, "target": target, "known": known}
            )
        mapping[_fold_header(header)] = key
    return mapping


def _column_of(header: Any, mapping: dict[str, str]) -> str | None:
    folded = _fold_header(header)
    if not folded:
        return None
    if folded in mapping:
        return mapping[folded]
    if folded in _HEADER_TO_COLUMN:
        return _HEADER_TO_COLUMN[folded]
    # "Chủ hồ sơ / Người nộp", "Ngày ban hành / Ngày trả kết quả": the first part that is known.
    for part in re.split(r"/|\bhoac\b", fold(nfc(str(header)))):
        key = _HEADER_TO_COLUMN.get(_PUNCT.sub(" ", part).strip())
        if key:
            return key
    return None


@dataclass
class _Header:
    row: int
    columns: dict[int, str]  # cell index -> column key
    ignored: list[str]


def _find_header(rows: list[NumberedRow], mapping: dict[str, str], path: Path) -> _Header:
    """The row naming the most known columns among the first rows (titles sit above it)."""
    best: _Header | None = None
    for number, cells in rows[:_HEADER_SEARCH_ROWS]:
        columns: dict[int, str] = {}
        ignored: list[str] = []
        for index, cell in enumerate(cells):
            key = _column_of(cell, mapping)
            if key is None or key == "ignore" or key in columns.values():
                if str(cell or "").strip():
                    ignored.append(nfc(str(cell)).strip())
                continue
            columns[index] = key
        if len(columns) >= 2 and (best is None or len(columns) > len(best.columns)):
            best = _Header(number, columns, ignored)
    if best is None:
        expected = ", ".join(COLUMNS[k] for k in ("dossier_code", "result_number", "issued_date", "unit"))
        raise InputFileError(
            path,
            "header",
            _(
                "không thấy dòng tiêu đề trong %(rows)s dòng đầu (cần các cột như %(expected)s); đặt tên "
                "tiêu đề khác bằng --map 'Tiêu đề=cột'"
            )
            % {"rows": _HEADER_SEARCH_ROWS, "expected": expected},
        )
    keys = set(best.columns.values())
    if not keys & {"dossier_code", "result_number"}:
        raise InputFileError(path, "header", _("không có cột 'Mã hồ sơ' lẫn cột 'Số ký hiệu kết quả'"))
    if not keys & {"issued_date", "returned_date"}:
        raise InputFileError(path, "header", _("không có cột 'Ngày ban hành' lẫn cột 'Ngày trả kết quả'"))
    return best


def _is_column_numbering(cells: list[Any]) -> bool:
    """The '(1) (2) (3) …' line Vietnamese registers print under the header."""
    filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    return len(filled) >= 3 and all(_COLUMN_NUMBERS.match(c) for c in filled)


# -- cell parsing --------------------------------------------------------------------------
def _text(cell: Any) -> str:
    """A cell as NFC text with single spaces (the fast path matters: a file has a million cells)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        text = cell.strip()
        if text and not text.isascii() and not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        return _SPACES.sub(" ", text) if _MULTISPACE.search(text) else text
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return _text(str(cell))


def parse_date(cell: Any) -> date:
    """``dd/mm/yyyy`` (also with ``-`` or ``.``, and a trailing time), ISO, or a spreadsheet date.

    Raises ``ValueError`` with the reason; two-digit years are refused (``24`` could be 1924).
    """
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool) and 20000 < cell < 80000:
        return date(1899, 12, 30) + timedelta(days=int(cell))  # a date cell formatted as a number
    text = _text(cell)
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            raise ValueError(
                _("'%(text)s' không phải ngày (viết dd/mm/yyyy hoặc yyyy-mm-dd)") % {"text": text}
            )
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(_("'%(text)s' không phải ngày có thật") % {"text": text}) from None


def _yes_no(cell: Any, text: str) -> bool | None:
    """True, False, or None for a blank cell; ``ValueError`` for a word that is neither."""
    if isinstance(cell, bool):
        return cell
    if not text:
        return None
    answer = _yes_no_word(text)
    if answer is None:
        raise ValueError(_("'%(text)s' không phải có (có, x) hay không (không)") % {"text": text})
    return answer


@functools.lru_cache(maxsize=256)
def _yes_no_word(text: str) -> bool | None:
    folded = _PUNCT.sub(" ", fold(text)).strip()
    return True if folded in _YES else False if folded in _NO else None


class _RowProblem(Exception):
    pass


class _Parser:
    """Turns the data rows into ``_Parsed`` rows or ``RowError``s; resolves units once per name."""

    _LIMITS = {"procedure": 500, "field": 200, "applicant": 300, "issuer": 200, "result_number": 100}

    def __init__(self, session: Session, header: _Header, default_unit: Unit | None, as_of: date) -> None:
        self.session, self.header, self.default_unit, self.as_of = session, header, default_unit, as_of
        self.units: dict[str, Unit | str] = {}

    def parse(self, number: int, cells: list[Any], texts: list[str]) -> _Parsed:
        try:
            return self._parse(number, cells, texts)
        except _RowProblem:
            # Only a row that is no result anyway is called a total line ("Công nhận …" is a procedure).
            first = next((t for t in texts if t), "")
            if first[:1] in "TtCc" and _TOTAL_LINE.match(fold(first)):
                reason = f"a total line ('{first[:40]}'), not a result: nothing imported from it"
                raise _RowProblem(reason) from None
            raise

    def _parse(self, number: int, cells: list[Any], texts: list[str]) -> _Parsed:
        cell = {key: cells[i] if i < len(cells) else None for i, key in self.header.columns.items()}
        txt = {key: texts[i] if i < len(texts) else "" for i, key in self.header.columns.items()}
        values: dict[str, Any] = {}
        unit = self._unit(txt.get("unit", ""))
        for key in ("procedure", "field", "applicant", "issuer"):
            text = txt.get(key, "")
            if text:
                if len(text) > self._LIMITS[key]:
                    raise _RowProblem(f"{COLUMNS[key]} is longer than {self._LIMITS[key]} characters")
                values[key] = text
        dossier = dossier_key(txt.get("dossier_code"))
        if dossier:
            if len(dossier) > 60:
                raise _RowProblem(f"{COLUMNS['dossier_code']} '{dossier[:70]}' is longer than 60 characters")
            values["dossier_code"] = dossier
        issued, kind = self._date(cell, txt)
        values["issued_date"], values["date_kind"] = issued, kind
        result = self._result_number(txt)
        if result:
            key, number_no = number_key(result)
            values.update(result_number=result, number_key=key, number_no=number_no)
            values["result_key"] = f"{unit.code}|{key}|{issued.year}"
        if not dossier and not result:
            raise _RowProblem("neither a Mã hồ sơ nor a Số ký hiệu kết quả: the row cannot be identified")
        try:
            valid = _yes_no(cell.get("valid"), txt.get("valid", ""))
        except ValueError as exc:
            raise _RowProblem(f"{COLUMNS['valid']}: {exc}") from None
        if valid is not None:
            values["valid"] = valid
        in_store, stored_date = self._in_store(cell.get("in_store"), txt.get("in_store", ""))
        values["unit_id"] = unit.id
        return _Parsed(number, unit, values, in_store, stored_date)

    def _unit(self, text: str) -> Unit:
        if not text:
            if self.default_unit is None:
                raise _RowProblem("no Đơn vị in the row, and no --unit given for the file")
            return self.default_unit
        found = self.units.get(text)
        if found is None:
            try:
                found = resolve_unit(self.session, text)
            except SohoaError as exc:
                found = f"Đơn vị: {exc.message}"
            self.units[text] = found
        if isinstance(found, str):
            raise _RowProblem(found)
        return found

    def _date(self, cell: dict[str, Any], txt: dict[str, str]) -> tuple[date, str]:
        for key, kind in (("issued_date", "issued"), ("returned_date", "returned")):
            if not txt.get(key):
                continue
            try:
                day = parse_date(cell[key])
            except ValueError as exc:
                raise _RowProblem(f"{COLUMNS[key]}: {exc}") from None
            if day > self.as_of:
                raise _RowProblem(f"{COLUMNS[key]} {day:%d/%m/%Y} is in the future")
            if day.year < 1945:
                raise _RowProblem(f"{COLUMNS[key]} {day:%d/%m/%Y} is before 1945")
            return day, kind
        raise _RowProblem("no Ngày ban hành / Ngày trả kết quả: the row cannot be counted in a period")

    def _result_number(self, txt: dict[str, str]) -> str | None:
        number = txt.get("result_number", "")
        if number[:1] in "Ss":
            number = re.sub(r"^(?i:số)\s*[:.]?\s*", "", number)
        symbol = txt.get("symbol", "")
        if symbol and number and "/" not in number:
            number = f"{number}/{symbol}"
        if len(number) > self._LIMITS["result_number"]:
            raise _RowProblem(f"{COLUMNS['result_number']} is longer than 100 characters")
        return number or None

    def _in_store(self, cell: Any, text: str) -> tuple[bool | None, date | None]:
        if not text:
            return None, None
        if isinstance(cell, datetime | date) or re.match(r"^\d", text) and not re.fullmatch(r"[01]", text):
            try:
                return True, parse_date(cell)
            except ValueError as exc:
                raise _RowProblem(f"{COLUMNS['in_store']}: {exc}") from None
        try:
            return _yes_no(cell, text), None
        except ValueError as exc:
            raise _RowProblem(f"{COLUMNS['in_store']}: {exc}") from None


# -- the import ----------------------------------------------------------------------------
_EXISTING_COLUMNS = (
    RegisterRow.id, RegisterRow.unit_id, RegisterRow.dossier_code, RegisterRow.result_key,
    RegisterRow.result_number, RegisterRow.number_key, RegisterRow.number_no, RegisterRow.procedure,
    RegisterRow.field, RegisterRow.issuer, RegisterRow.applicant, RegisterRow.issued_date,
    RegisterRow.date_kind, RegisterRow.valid, RegisterRow.stored_at, RegisterRow.digitised_on,
)  # fmt: skip
_COMPARED = (
    "unit_id", "dossier_code", "result_key", "result_number", "number_key", "number_no", "procedure", "field",
    "issuer", "applicant", "issued_date", "date_kind", "valid", "stored_at", "digitised_on",
)  # fmt: skip


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load_existing(session: Session, parsed: list[_Parsed]) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """Rows already in the register that the file may update, by dossier code and by result key."""
    by_dossier: dict[str, dict] = {}
    by_result: dict[str, list[dict]] = {}
    query = select(*_EXISTING_COLUMNS, RegisterLink.digitised_on.label("link_on")).outerjoin(
        RegisterLink, RegisterLink.row_id == RegisterRow.id
    )
    seen: set[int] = set()

    def keep(rows: Iterable[Any]) -> None:
        for row in rows:
            if row.id in seen:
                continue
            seen.add(row.id)
            record = dict(row._mapping)
            if record["dossier_code"]:
                by_dossier[record["dossier_code"]] = record
            if record["result_key"]:
                by_result.setdefault(record["result_key"], []).append(record)

    dossiers = sorted({p.dossier for p in parsed if p.dossier})
    for chunk in _chunks(dossiers, _LOOKUP_CHUNK):
        keep(session.execute(query.where(RegisterRow.dossier_code.in_(chunk))))
    # By result key: every row for a row without a dossier code; only paper rows (no code) for a
    # new dossier, which may adopt one. A re-import of an export finds everything by code.
    anyone = sorted({p.result_key for p in parsed if p.result_key and not p.dossier})
    for chunk in _chunks(anyone, _LOOKUP_CHUNK):
        keep(session.execute(query.where(RegisterRow.result_key.in_(chunk))))
    new = [p for p in parsed if p.result_key and p.dossier and p.dossier not in by_dossier]
    papers = sorted({p.result_key for p in new})
    paper_rows = query.where(RegisterRow.dossier_code.is_(None))
    for chunk in _chunks(papers, _LOOKUP_CHUNK):
        keep(session.execute(paper_rows.where(RegisterRow.result_key.in_(chunk))))
    return by_dossier, by_result


def _stored_at(p: _Parsed, existing: dict | None, as_of: date) -> date | None:
    """The day the result entered the store, by the rules in the module docstring."""
    previous = existing["stored_at"] if existing else None
    if p.in_store is None:
        return previous
    if not p.in_store:
        return None
    if p.stored_date is not None:
        return p.stored_date
    if previous is not None:
        return previous
    return as_of if existing is not None else p.values["issued_date"]


def _earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def import_register(
    archive: Archive,
    path: Path,
    *,
    unit: str | None = None,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    as_of: date | None = None,
    strict: bool = False,
) -> ImportResult:
    """Import (or re-import) a register file; see the module docstring for the rules.

    ``unit`` is the unit of rows whose file has no ``Đơn vị`` column (or a blank cell);
    ``as_of`` is the day the export was taken (default today).
    """
    path = Path(path)
    as_of = as_of or archive.today()  # the archive's day, not the machine's
    rows = list(read_rows(path, sheet))
    header = _find_header(rows, mapping or {}, path)
    result = ImportResult(ignored_columns=header.ignored)
    with archive.sessions() as session:
        default_unit = resolve_unit(session, unit) if unit else None
        if default_unit is None and "unit" not in header.columns.values():
            raise InputFileError(
                path, "unit", _("không có cột 'Đơn vị': cho biết sổ của đơn vị nào bằng --unit")
            )
        parser = _Parser(session, header, default_unit, as_of)
        parsed = _parse_rows(parser, rows, header.row, result)
        if strict and result.errors:
            result.committed = False
            return result
        by_dossier, by_result = _load_existing(session, parsed)
        inserts, updates = _plan(parsed, by_dossier, by_result, as_of, result)
        if strict and result.errors:
            result.committed = False
            return result
        now = utcnow()
        try:
            _write_rows(session, inserts, updates, now)
            session.add(_audit_event(archive, path, result, len(rows) - header.row, as_of))
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise ArchiveError(
                _("sổ đã thay đổi trong lúc nhập (một lần nhập khác cùng lúc?): chạy lại lệnh")
            ) from exc
    log.info(
        "register import %s: %d imported, %d updated, %d unchanged, %d errors",
        path.name, result.imported, result.updated, result.unchanged, len(result.errors),
    )  # fmt: skip
    return result


def _write_rows(session: Session, inserts: list[dict], updates: list[dict], now: datetime) -> None:
    """Core executemany (batched multi-row INSERTs on PostgreSQL): the ORM's bulk path splits
    rows into tiny groups by which values are None, which cost seconds per 100,000 rows."""
    table = RegisterRow.__table__
    for chunk in _chunks(inserts, 5000):
        session.execute(insert(table), [{**v, "created_at": now, "updated_at": now} for v in chunk])
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for values in updates:
        columns = tuple(sorted(k for k in values if k != "id"))
        by_columns.setdefault(columns, []).append(values)
    for columns, group in by_columns.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({c: bindparam(c) for c in (*columns, "updated_at")})
        )
        for chunk in _chunks(group, 5000):
            params = [{**{c: v[c] for c in columns}, "row_id": v["id"], "updated_at": now} for v in chunk]
            session.execute(statement, params)


def _parse_rows(
    parser: _Parser, rows: list[NumberedRow], header_row: int, result: ImportResult
) -> list[_Parsed]:
    """Good rows in file order; bad ones and repeats of an earlier row go to ``result.errors``."""
    parsed: list[_Parsed] = []
    first_by_key: dict[str, int] = {}
    for number, cells in rows:
        if number <= header_row:
            continue
        texts = [_text(c) for c in cells]
        if not any(texts) or number == header_row + 1 and _is_column_numbering(cells):
            continue
        try:
            p = parser.parse(number, cells, texts)
        except _RowProblem as problem:
            result.errors.append(RowError(number, str(problem)))
            continue
        # A row with a dossier code is that dossier; one without is its result number in its year.
        own = f"hs:{p.dossier}" if p.dossier else f"kq:{p.result_key}"
        if own in first_by_key:
            result.errors.append(RowError(number, f"the same result as row {first_by_key[own]} of this file"))
            continue
        first_by_key[own] = number
        if p.dossier and p.result_key:
            first_by_key.setdefault(f"kq:{p.result_key}", number)
        parsed.append(p)
        result.unit_ids.add(p.unit.id)
    return parsed


def _plan(
    parsed: list[_Parsed],
    by_dossier: dict[str, dict],
    by_result: dict[str, list[dict]],
    as_of: date,
    result: ImportResult,
) -> tuple[list[dict], list[dict]]:
    """Decide, row by row, insert / update / unchanged; returns the values to write."""
    inserts: list[dict] = []
    updates: list[dict] = []
    claimed: dict[int, int] = {}
    for p in parsed:
        existing = by_dossier.get(p.dossier) if p.dossier else None
        if existing is None and p.result_key:
            same = by_result.get(p.result_key, [])
            if p.dossier:
                same = [r for r in same if not r["dossier_code"]]
            if len(same) > 1:
                codes = ", ".join(sorted(r["dossier_code"] or f"#{r['id']}" for r in same))
                reason = f"matches {len(same)} rows already in the register ({codes}): add its Mã hồ sơ"
                result.errors.append(RowError(p.row, reason))
                continue
            existing = same[0] if same else None
        if existing is not None and existing["id"] in claimed:
            first = claimed[existing["id"]]
            result.errors.append(RowError(p.row, f"the same result as row {first} of this file"))
            continue
        values = dict(p.values)
        stored_at = _stored_at(p, existing, as_of)
        values["stored_at"] = stored_at
        if existing is None:
            row = dict.fromkeys(_COMPARED)
            row.update(values, valid=values.get("valid", True), digitised_on=stored_at)
            inserts.append(row)
            result.imported += 1
            continue
        claimed[existing["id"]] = p.row
        merged = {k: existing[k] for k in _COMPARED}
        merged.update(values)
        if "result_number" not in values and merged["number_key"]:
            unit_code = p.unit.code
            merged["result_key"] = f"{unit_code}|{merged['number_key']}|{merged['issued_date'].year}"
        merged["digitised_on"] = _earliest(stored_at, existing["link_on"])
        changed = {k: merged[k] for k in _COMPARED if merged[k] != existing[k]}
        if changed:
            updates.append({"id": existing["id"], **changed})
            result.updated += 1
        else:
            result.unchanged += 1
    return inserts, updates


def _audit_event(archive: Archive, path: Path, result: ImportResult, rows: int, as_of: date) -> AuditEvent:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    units = sorted(result.unit_ids)
    return AuditEvent(
        actor=archive.actor,
        action="register.import",
        unit_id=units[0] if len(units) == 1 else None,
        detail={
            "file": path.name,
            "sha256": digest,
            "rows": rows,
            "imported": result.imported,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": len(result.errors),
            "as_of": as_of.isoformat(),
            "units": units,
        },
    )
