"""Units: the ones a person may pick in a form (theirs with sub-units, or all for an admin), and
the admin's changes to the tree (add, rename, organisation code), each audited here so the CLI
is parse -> call -> print.

A province has hundreds of units, so forms do not list them all: the field takes a typed name or
code (``choose_unit`` resolves it on the server, folded, with a clear message when it names no
unit or several), and ``suggest_units`` answers the few that match what is typed so far.
"""

from __future__ import annotations

from typing import Any

from sohoa.app.actor import Actor
from sohoa.archive import units as unit_ops
from sohoa.archive.handover.records import set_organ_code
from sohoa.archive.models import AuditEvent, Unit
from sohoa.archive.store import Archive
from sohoa.errors import UnitError, UsageError
from sohoa.i18n import _
from sohoa.text import fold, nfc

#: The kinds of unit and the city at the top of the tree, for the CLI's choices and defaults.
KINDS = unit_ops.KINDS
CITY = unit_ops.CITY
#: At most this many suggestions per keystroke: a short list to pick from, never the whole tree.
SUGGEST_LIMIT = 12


def visible_units(archive: Archive, actor: Actor) -> list[dict[str, Any]]:
    """``[{"code", "name"}]`` of the units the actor acts in, in the archive's order."""
    with archive.sessions() as session:
        return [
            {"code": u.code, "name": u.name}
            for u in unit_ops.all_units(session)
            if actor.unit_ids is None or u.id in actor.unit_ids
        ]


def suggest_units(
    archive: Archive, actor: Actor, text: str, limit: int = SUGGEST_LIMIT
) -> list[dict[str, Any]]:
    """The actor's units whose name, code or another name contains ``text`` (folded: no
    diacritics needed), those starting with it first; ``[{"code", "name"}]``."""
    wanted = fold(nfc(text))
    if not wanted:
        return []
    starts, contains = [], []
    with archive.sessions() as session:
        for unit in unit_ops.all_units(session):
            if actor.unit_ids is not None and unit.id not in actor.unit_ids:
                continue
            forms = [fold(unit.code), *(fold(n) for n in [unit.name, *(unit.aliases or [])])]
            words = [w for form in forms for w in form.split()]
            entry = {"code": unit.code, "name": unit.name}
            if any(form.startswith(wanted) for form in forms) or any(w.startswith(wanted) for w in words):
                starts.append(entry)
            elif any(wanted in form for form in forms):
                contains.append(entry)
    return (starts + contains)[:limit]


def choose_unit(archive: Archive, actor: Actor, text: str) -> str:
    """The code of the unit ``text`` names (a code, a name with or without diacritics, "UBND
    phường …"), among the actor's units; a clear message when it names none, several, or one
    that is not theirs."""
    typed = nfc(text).strip()
    if not typed:
        raise UsageError(_("chọn đơn vị: gõ tên hoặc mã đơn vị"))
    with archive.sessions() as session:
        try:
            unit = unit_ops.resolve_unit(session, typed)
        except UnitError as exc:
            mine = suggest_units(archive, actor, typed, limit=5)
            hint = ", ".join(f"{u['name']} ({u['code']})" for u in mine)
            values = {"typed": typed, "hint": hint, "why": exc.message}
            if hint:
                message = _(
                    "không xác định được đơn vị '%(typed)s': có phải %(hint)s? Gõ đủ tên hoặc mã (%(why)s)"
                )
            else:
                message = _("không xác định được đơn vị '%(typed)s': gõ đủ tên hoặc mã đơn vị (%(why)s)")
            raise UnitError(message % values) from None
        if actor.unit_ids is not None and unit.id not in actor.unit_ids:
            raise UsageError(
                _("đơn vị '%(name)s' (%(code)s) nằm ngoài các đơn vị của bạn")
                % {"name": unit.name, "code": unit.code}
            )
        return unit.code


def _unit_json(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
        "aliases": list(unit.aliases or []),
    }


def list_units(archive: Archive) -> list[dict[str, Any]]:
    """Every unit (``sohoa units list --json``): code, name, kind, parent code, other names."""
    with archive.sessions() as session:
        return [_unit_json(u) for u in unit_ops.all_units(session)]


def add_unit(archive: Archive, actor: Actor, code: str, name: str, kind: str, parent: str) -> dict[str, Any]:
    """Add a unit under ``parent`` (a code or name), audited as ``unit.add``; the new unit."""
    actor.require("units")
    with archive.sessions.begin() as session:
        unit = unit_ops.add_unit(session, code, nfc(name), kind, unit_ops.resolve_unit(session, parent))
        session.add(
            AuditEvent(actor=actor.name, action="unit.add", unit_id=unit.id,
                       detail={"code": unit.code, "name": unit.name})
        )  # fmt: skip
        return _unit_json(unit)


def rename_unit(archive: Archive, actor: Actor, unit: str, new_name: str) -> tuple[str, str, str]:
    """Rename a unit (its old name keeps working), audited as ``unit.rename``; (code, old, new)."""
    actor.require("units")
    with archive.sessions.begin() as session:
        target = unit_ops.resolve_unit(session, unit)
        old = unit_ops.rename_unit(session, target, new_name)
        session.add(
            AuditEvent(actor=actor.name, action="unit.rename", unit_id=target.id,
                       detail={"old": old, "new": target.name})
        )  # fmt: skip
        return target.code, old, target.name


def set_unit_code(archive: Archive, actor: Actor, unit: str, code: str) -> tuple[str, str | None, str]:
    """Set a unit's organisation code (mã định danh), audited as ``unit.set_code``; (unit code,
    old organisation code, new one). A malformed code is refused before anything changes."""
    actor.require("units")
    with archive.sessions.begin() as session:
        target = unit_ops.resolve_unit(session, unit)
        old = set_organ_code(target, code)
        session.add(
            AuditEvent(actor=actor.name, action="unit.set_code", unit_id=target.id,
                       detail={"old": old, "new": target.organ_code})
        )  # fmt: skip
        return target.code, old, str(target.organ_code)
