"""Reading a register file into numbered rows of cells: CSV in any encoding Excel writes, and XLSX.

Private to ``register``. Row numbers are the ones the clerk sees: the spreadsheet's row number
for XLSX, the record number (1 = first line) for CSV, so an error report points at the right
line when the file is opened in Excel or LibreOffice.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sohoa.errors import InputFileError
from sohoa.i18n import _

#: What a row of a register file is: its number and its cells (str, numbers, dates, None).
NumberedRow = tuple[int, list[Any]]


def read_rows(path: Path, sheet: str | None = None) -> Iterator[NumberedRow]:
    """The rows of ``path`` (CSV or XLSX, chosen by content, not by the name alone)."""
    if not path.is_file():
        raise InputFileError(path, "missing", _("không có tệp này"))
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK"):
        return _read_xlsx(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(
            path, "xls", _("tệp Excel 97-2003 (.xls) cũ: mở bằng Excel, lưu lại dạng .xlsx hoặc CSV UTF-8")
        )
    return _read_csv(path)


def _decode(path: Path, raw: bytes) -> str:
    """Excel's 'CSV UTF-8' has a BOM, plain 'CSV' on a Vietnamese Windows is Windows-1258."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path,
            "encoding",
            _("nội dung không phải UTF-8 cũng không phải Windows-1258: lưu lại dạng 'CSV UTF-8'"),
        ) from exc


def _read_csv(path: Path) -> Iterator[NumberedRow]:
    text = _decode(path, path.read_bytes())
    sample = text[:65536]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for number, record in enumerate(reader, start=1):
            yield number, list(record)
    except csv.Error as exc:
        raise InputFileError(
            path, "csv", _("CSV hỏng gần bản ghi %(n)s: %(why)s") % {"n": reader.line_num, "why": exc}
        ) from exc


def _read_xlsx(path: Path, sheet: str | None) -> Iterator[NumberedRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(
            path, "xlsx", _("không đọc được như sổ tính Excel (%(why)s)") % {"why": exc}
        ) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            names = ", ".join(book.sheetnames)
            raise InputFileError(path, "sheet", f"has no sheet '{sheet}' (it has: {names})")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            yield number, list(values)
    finally:
        book.close()
