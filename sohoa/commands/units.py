"""Commands for the units (wards, commune, departments) results belong to."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table

from sohoa.archive import units as unit_ops
from sohoa.archive.handover.records import set_organ_code
from sohoa.archive.models import AuditEvent, Unit
from sohoa.commands.base import Context, common_options, emit_json, pass_ctx, plain
from sohoa.i18n import _
from sohoa.text import nfc


@click.group()
@common_options
def units() -> None:
    """The units (wards, commune, departments) results belong to."""


def _unit_json(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
        "aliases": list(unit.aliases or []),
    }


@units.command("list")
@common_options
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def units_list(ctx: Context, json_out: bool) -> None:
    """List all units."""
    with ctx.archive.sessions() as session:
        rows = [_unit_json(u) for u in unit_ops.all_units(session)]
    if json_out:
        emit_json(rows)
        return
    table = Table("code", "name", "kind", "parent", "also known as")
    for r in rows:
        table.add_row(*plain(r["code"], r["name"], r["kind"], r["parent"], ", ".join(r["aliases"])))
    Console().print(table)


@units.command("add")
@common_options
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(unit_ops.KINDS), default="department", show_default=True)
@click.option("--parent", default=unit_ops.CITY, show_default=True, help="Parent unit (code or name).")
@pass_ctx
def units_add(ctx: Context, code: str, name: str, kind: str, parent: str) -> None:
    """Add a unit, e.g. sohoa units add qlda "Ban Quản lý dự án" --kind department."""
    archive = ctx.archive
    with archive.sessions.begin() as session:
        unit = unit_ops.add_unit(session, code, nfc(name), kind, unit_ops.resolve_unit(session, parent))
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="unit.add",
                unit_id=unit.id,
                detail={"code": unit.code, "name": unit.name},
            )
        )
        click.echo(f"added {unit.code}: {unit.name}")


@units.command("rename")
@common_options
@click.argument("unit")
@click.argument("new_name")
@pass_ctx
def units_rename(ctx: Context, unit: str, new_name: str) -> None:
    """Rename a unit; its old name keeps working."""
    archive = ctx.archive
    with archive.sessions.begin() as session:
        target = unit_ops.resolve_unit(session, unit)
        old = unit_ops.rename_unit(session, target, new_name)
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="unit.rename",
                unit_id=target.id,
                detail={"old": old, "new": target.name},
            )
        )
        click.echo(f"renamed {target.code}: {old} -> {target.name}")


@units.command("set-code")
@common_options
@click.argument("unit")
@click.argument("code")
@pass_ctx
def units_set_code(ctx: Context, unit: str, code: str) -> None:
    """Set a unit's organisation code (mã định danh, e.g. 000.00.12.H62) that FileCode starts with."""
    archive = ctx.archive
    with archive.sessions.begin() as session:
        target = unit_ops.resolve_unit(session, unit)
        old = set_organ_code(target, code)
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="unit.set_code",
                unit_id=target.id,
                detail={"old": old, "new": target.organ_code},
            )
        )
        label = _("mã định danh")
        click.echo(f"{target.code}: {label} {old or '-'} -> {target.organ_code}")
