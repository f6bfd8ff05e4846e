"""A document's metadata in the terms of TT 05/2025/TT-BNV (NĐ 30/2020 Phụ lục VI names).

sohoa keeps its fields under its own names (``sohoa.fields.FIELD_NAMES``); a handover speaks the
standard's: FileCode, TypeName (with its 01–32 code), CodeNumber, CodeNotation, IssuedDate,
OrganName, Subject, Language, PageAmount, Position, FullName, ConfidenceLevel, Mode,
Maintenance, Description. :func:`standard_record` maps one onto the other; the XML and the JSON
of a bag carry the same record.

Type codes: the domain notes fix 01 Nghị quyết, 02 Quyết định, 22 Công văn and 32 Khác. The
others follow NĐ 30/2020 Phụ lục III, the list of administrative document types with their
abbreviations, in its order: its 27 types (NQ … PB) with Công văn (which has no abbreviation)
placed at 22, then its three copy forms (SY, TrS, SL) at 29–31, which with 32 Khác makes
exactly 32. Kinds sohoa reads that the list does not name (giấy chứng nhận, giấy phép, trích
lục, giấy xác nhận, thư công) are 32 Khác, and TypeName keeps the document's own kind as its
text. A kind can also be named by its Phụ lục III abbreviation (``QĐ``, ``GUQ``).

Access mode (Mode) and retention (Maintenance) come from per-type defaults in the archive's
settings (``handover.mode.<code>``, ``handover.maintenance.<code>``, falling back to
``handover.mode.default`` / ``handover.maintenance.default``, then to 02 conditional — results
hold personal data — and 01 permanent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from sohoa.text import fold, nfc

TYPE_CODES: dict[str, str] = {
    "01": "Nghị quyết", "02": "Quyết định", "03": "Chỉ thị", "04": "Quy chế", "05": "Quy định",
    "06": "Thông cáo", "07": "Thông báo", "08": "Hướng dẫn", "09": "Chương trình", "10": "Kế hoạch",
    "11": "Phương án", "12": "Đề án", "13": "Dự án", "14": "Báo cáo", "15": "Biên bản",
    "16": "Tờ trình", "17": "Hợp đồng", "18": "Công điện", "19": "Bản ghi nhớ", "20": "Bản thỏa thuận",
    "21": "Giấy ủy quyền", "22": "Công văn", "23": "Giấy mời", "24": "Giấy giới thiệu",
    "25": "Giấy nghỉ phép", "26": "Phiếu gửi", "27": "Phiếu chuyển", "28": "Phiếu báo",
    "29": "Bản sao y", "30": "Bản trích sao", "31": "Bản sao lục", "32": "Khác",
}  # fmt: skip
#: NĐ 30/2020 Phụ lục III's abbreviation of each coded kind (Công văn and Khác have none).
ABBREVIATIONS: dict[str, str] = {
    "01": "NQ", "02": "QĐ", "03": "CT", "04": "QC", "05": "QyĐ", "06": "TC", "07": "TB", "08": "HD",
    "09": "CTr", "10": "KH", "11": "PA", "12": "ĐA", "13": "DA", "14": "BC", "15": "BB", "16": "TTr",
    "17": "HĐ", "18": "CĐ", "19": "BGN", "20": "BTT", "21": "GUQ", "23": "GM", "24": "GGT", "25": "GNP",
    "26": "PG", "27": "PC", "28": "PB", "29": "SY", "30": "TrS", "31": "SL",
}  # fmt: skip
OTHER = "32"
_CODE_OF = {fold(name): code for code, name in TYPE_CODES.items()}
_CODE_OF |= {"sao y": "29", "ban sao y ban chinh": "29", "trich sao": "30", "sao luc": "31"}
#: Abbreviations match exactly (case and đ/d matter: ``CT`` Chỉ thị is not ``CTr`` Chương trình).
_CODE_OF_ABBREVIATION = {abbreviation: code for code, abbreviation in ABBREVIATIONS.items()}

#: The standard's elements, in the order the XML writes them.
ELEMENTS: tuple[str, ...] = (
    "FileCode", "TypeName", "CodeNumber", "CodeNotation", "IssuedDate", "OrganName", "Subject",
    "Language", "PageAmount", "Position", "FullName", "ConfidenceLevel", "Mode", "Maintenance",
    "Description",
)  # fmt: skip
LIMITS = {"CodeNumber": 11, "CodeNotation": 30, "OrganName": 200, "Subject": 500, "Position": 100,
          "FullName": 50, "Description": 500}  # fmt: skip

BORN_DIGITAL, DIGITISED, MIXED = "01", "02", "03"
MODE_KEY, MAINTENANCE_KEY = "handover.mode.", "handover.maintenance."
DEFAULT_MODE, DEFAULT_MAINTENANCE = "02", "01"
LANGUAGE = "Tiếng Việt"


def type_code(doc_type: str | None) -> str:
    """The 01–32 code of a document kind (32 Khác when it is unknown or not in the list)."""
    text = nfc(doc_type or "").strip()
    return _CODE_OF_ABBREVIATION.get(text) or _CODE_OF.get(fold(text), OTHER)


def split_number(number: str | None) -> tuple[str | None, str | None]:
    """``1234/QĐ-UBND`` -> (``1234``, ``QĐ-UBND``); a normative ``15/2024/QĐ-UBND`` keeps its
    year with the number (``15/2024``); a number without a symbol has no CodeNotation."""
    if not number:
        return None, None
    text = nfc(str(number)).strip()
    if m := re.fullmatch(r"\s*(\d+\s*/\s*(?:19|20)\d{2})\s*/\s*(.+)", text):
        return re.sub(r"\s+", "", m.group(1)), m.group(2).strip()
    head, sep, tail = text.partition("/")
    return head.strip() or None, (tail.strip() or None) if sep else None


def confidence_level(page_methods: list[str]) -> str:
    """01 born-digital (every page from a text layer), 02 digitised (every page OCR'd), 03 mixed."""
    methods = {"text" if m == "text-layer" else "scan" for m in page_methods}
    if methods == {"text"}:
        return BORN_DIGITAL
    return MIXED if len(methods) > 1 else DIGITISED


def file_code(organ_code: str | None, year: int | None, code: str) -> str | None:
    """Mã hồ sơ: the unit's organisation code, the year, and the file notation (the results of
    one kind and year form one hồ sơ: its type code). None when the unit has no organ code."""
    if not organ_code:
        return None
    return f"{organ_code}.{year if year else '0000'}.{code}"


def type_defaults(settings: Mapping[str, str], code: str) -> tuple[str, str]:
    """(Mode, Maintenance) for a type code from the archive's settings."""
    mode = settings.get(MODE_KEY + code) or settings.get(MODE_KEY + "default") or DEFAULT_MODE
    keep = settings.get(MAINTENANCE_KEY + code) or settings.get(MAINTENANCE_KEY + "default")
    return mode, keep or DEFAULT_MAINTENANCE


def _cut(name: str, value: Any) -> Any:
    if isinstance(value, str) and name in LIMITS:
        return value[: LIMITS[name]]
    return value


def standard_record(
    fields: Mapping[str, Any],
    *,
    organ_code: str | None,
    organ_name: str,
    page_methods: list[str],
    settings: Mapping[str, str],
    description: str | None,
) -> dict[str, Any]:
    """The TT 05/2025 record of one document (JSON-ready; TypeName is ``{"code", "name"}``)."""
    code = type_code(fields.get("doc_type"))
    number, notation = split_number(fields.get("number"))
    issued = fields.get("issued_date") or None
    year = int(issued[:4]) if isinstance(issued, str) and issued[:4].isdigit() else None
    mode, maintenance = type_defaults(settings, code)
    record = {
        "FileCode": file_code(organ_code, year, code),
        "TypeName": {"code": code, "name": fields.get("doc_type") or TYPE_CODES[code]},
        "CodeNumber": number,
        "CodeNotation": notation,
        "IssuedDate": issued,
        "OrganName": fields.get("issuer") or organ_name,
        "Subject": fields.get("summary") or fields.get("title"),
        "Language": LANGUAGE,
        "PageAmount": len(page_methods),
        "Position": fields.get("signer_title"),
        "FullName": fields.get("signer"),
        "ConfidenceLevel": confidence_level(page_methods),
        "Mode": mode,
        "Maintenance": maintenance,
        "Description": description,
    }
    return {name: _cut(name, value) for name, value in record.items()}


def record_xml(record: Mapping[str, Any], *, identifier: str) -> bytes:
    """The record as XML with the standard's element names (UTF-8, NFC; empty elements for unknowns)."""
    root = ET.Element("Document", {"Identifier": identifier})
    for name in ELEMENTS:
        value = record.get(name)
        element = ET.SubElement(root, name)
        if name == "TypeName" and isinstance(value, Mapping):
            element.set("code", str(value["code"]))
            element.text = nfc(str(value["name"]))
        elif value is not None:
            element.text = nfc(str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


_ORGAN_CODE = re.compile(r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}")


def set_organ_code(unit: Any, code: str) -> str | None:
    """Give ``unit`` its organisation code (mã định danh, 13 characters like ``000.00.12.H62``);
    returns the previous one. A malformed code is refused (exit 2) before anything changes."""
    from sohoa.errors import UsageError
    from sohoa.i18n import _

    value = nfc(code).strip().upper()
    if not _ORGAN_CODE.fullmatch(value):
        raise UsageError(
            _("mã định danh '%(code)s' không đúng dạng 000.00.12.H62 (13 ký tự)") % {"code": code}
        )
    old = unit.organ_code
    unit.organ_code = value
    return old
