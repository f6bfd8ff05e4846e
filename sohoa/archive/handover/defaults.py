"""Per-type hand-over defaults: the access mode (Mode) and retention (Maintenance) of each TypeName.

A hand-over record's Mode and Maintenance are not read off the page: the archive decides them
per kind of document (a decision may be public, a civil-status extract conditional, since it
holds personal data). They live in the archive's settings as ``handover.mode.<code>`` and
``handover.maintenance.<code>`` (``<code>`` a TypeName code 01–32, or ``default`` for every type
without its own), so an export reads them with the rest of the settings. Values are checked
against TT 05/2025's lists (``../shared/domain.md`` §2) before anything is written, and each
change is in the audit trail with the values it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sohoa.errors import UsageError
from sohoa.i18n import LazyText, _
from sohoa.i18n import lazy_gettext as L_
from sohoa.text import fold, nfc

from ..models import AuditEvent
from ..settings import read_settings, write_setting
from ..store import Archive
from .records import MAINTENANCE_KEY, MODE_KEY, OTHER, TYPE_CODES, type_code, type_defaults

#: Labels shown in the choices of a refused --mode / --maintenance, in the reader's language.
MODES: dict[str, LazyText] = {"01": L_("Công khai"), "02": L_("Sử dụng có điều kiện"), "03": L_("Mật")}
MAINTENANCES: dict[str, LazyText] = {
    "01": L_("Vĩnh viễn"), "02": L_("70 năm"), "03": L_("50 năm"), "04": L_("30 năm"), "05": L_("20 năm"),
    "06": L_("10 năm"), "07": L_("Khác"),
}  # fmt: skip
DEFAULT = "default"


@dataclass(frozen=True)
class TypeDefault:
    """One type's effective Mode and Maintenance, and whether each is set for it or inherited."""

    code: str
    name: str
    mode: str
    maintenance: str
    mode_set: bool
    maintenance_set: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.code,
            "name": self.name,
            "mode": self.mode,
            "maintenance": self.maintenance,
            "mode_set": self.mode_set,
            "maintenance_set": self.maintenance_set,
        }


def resolve_type(text: str) -> str:
    """A TypeName code from ``02``, ``2``, ``Quyết định``, ``quyet dinh``, ``QĐ`` or ``default``;
    anything else is a usage error (exit 2)."""
    value = nfc(text).strip()
    if fold(value) == DEFAULT:
        return DEFAULT
    if value.isdigit() and f"{int(value):02d}" in TYPE_CODES:
        return f"{int(value):02d}"
    code = type_code(value)
    if code != OTHER or fold(value) == fold(TYPE_CODES[OTHER]):
        return code
    raise UsageError(
        _(
            "--type '%(text)s': không phải mã loại văn bản 01–32, tên loại hay 'default': "
            "xem 'sohoa handover-defaults list'"
        )
        % {"text": text}
    )


def _check(option: str, value: str | None, allowed: dict[str, LazyText]) -> str | None:
    if value is None:
        return None
    code = value.strip()
    if code.isdigit() and f"{int(code):02d}" in allowed:
        return f"{int(code):02d}"
    choices = ", ".join(f"{k} {v}" for k, v in allowed.items())
    raise UsageError(
        _("%(option)s '%(value)s': giá trị không hợp lệ; chọn một trong: %(choices)s")
        % {"option": option, "value": value, "choices": choices}
    )


def set_type_default(
    archive: Archive, type_text: str, *, mode: str | None = None, maintenance: str | None = None
) -> dict[str, Any]:
    """Set a type's (or the ``default``) Mode and/or Maintenance; audited; returns old and new values."""
    code = resolve_type(type_text)
    new = {
        "mode": _check("--mode", mode, MODES),
        "maintenance": _check("--maintenance", maintenance, MAINTENANCES),
    }
    if new["mode"] is None and new["maintenance"] is None:
        raise UsageError(_("cần --mode, --maintenance hoặc cả hai"))
    keys = {"mode": MODE_KEY + code, "maintenance": MAINTENANCE_KEY + code}
    with archive.sessions.begin() as session:
        settings = read_settings(session)
        change = {}
        for what, value in new.items():
            if value is not None:
                change[what] = {"old": settings.get(keys[what]), "new": value}
                write_setting(session, keys[what], value)
        session.add(
            AuditEvent(actor=archive.actor, action="handover.defaults", detail={"type": code, **change})
        )
    for what, value in new.items():  # this process's view of the settings follows the change
        if value is not None:
            archive.settings[keys[what]] = value
    return {"type": code, **change}


def list_type_defaults(archive: Archive) -> list[TypeDefault]:
    """Every TypeName code (and ``default``) with the Mode and Maintenance an export would write."""
    with archive.sessions() as session:
        settings = read_settings(session)
    rows = []
    for code, name in [(DEFAULT, _("Mặc định")), *TYPE_CODES.items()]:
        mode, keep = type_defaults(settings, code)
        rows.append(
            TypeDefault(
                code, name, mode, keep, MODE_KEY + code in settings, MAINTENANCE_KEY + code in settings
            )
        )
    return rows
