"""Commands for the units (wards, commune, departments) results belong to."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from sohoa.app import cli_actor
from sohoa.app import units as app_units
from sohoa.app.units import CITY, KINDS
from sohoa.commands.base import Context, common_options, emit_json, pass_ctx, plain, run_state
from sohoa.i18n import _


@click.group()
@common_options
def units() -> None:
    """The units (wards, commune, departments) results belong to."""


@units.command("list")
@common_options
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def units_list(ctx: Context, json_out: bool) -> None:
    """List all units."""
    rows = app_units.list_units(ctx.archive)
    if json_out:
        emit_json(rows)
        return
    table = Table(_("mã"), _("tên"), _("loại"), _("đơn vị cấp trên"), _("tên khác"))
    for r in rows:
        table.add_row(*plain(r["code"], r["name"], r["kind"], r["parent"], ", ".join(r["aliases"])))
    Console().print(table)


@units.command("add")
@common_options
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), default="department", show_default=True)
@click.option("--parent", default=CITY, show_default=True, help="Parent unit (code or name).")
@pass_ctx
def units_add(ctx: Context, code: str, name: str, kind: str, parent: str) -> None:
    """Add a unit, e.g. sohoa units add qlda "Ban Quản lý dự án" --kind department."""
    archive = ctx.archive
    unit = app_units.add_unit(archive, cli_actor(archive, run_state["as_user"]), code, name, kind, parent)
    click.echo(_("đã thêm %(code)s: %(name)s") % {"code": unit["code"], "name": unit["name"]})


@units.command("rename")
@common_options
@click.argument("unit")
@click.argument("new_name")
@pass_ctx
def units_rename(ctx: Context, unit: str, new_name: str) -> None:
    """Rename a unit; its old name keeps working."""
    archive = ctx.archive
    code, old, new = app_units.rename_unit(archive, cli_actor(archive, run_state["as_user"]), unit, new_name)
    click.echo(_("đã đổi tên %(code)s: %(old)s -> %(new)s") % {"code": code, "old": old, "new": new})


@units.command("set-code")
@common_options
@click.argument("unit")
@click.argument("code")
@pass_ctx
def units_set_code(ctx: Context, unit: str, code: str) -> None:
    """Set a unit's organisation code (mã định danh, e.g. 000.00.12.H62) that FileCode starts with."""
    archive = ctx.archive
    unit_code, old, new = app_units.set_unit_code(
        archive, cli_actor(archive, run_state["as_user"]), unit, code
    )
    label = _("mã định danh")
    click.echo(f"{unit_code}: {label} {old or '-'} -> {new}")
