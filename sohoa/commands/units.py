"""Commands for the units (wards, commune, departments) results belong to."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from sohoa.app import cli_actor
from sohoa.app import units as app_units
from sohoa.app.units import CITY, KINDS
from sohoa.commands.base import Context, common_options, emit_json, group, option, pass_ctx, plain, run_state
from sohoa.i18n import N_, _


@group(help=N_("Các đơn vị (phường, xã, phòng ban) sở hữu kết quả."))
@common_options
def units() -> None:
    pass


@units.command("list", help=N_("Liệt kê mọi đơn vị."))
@common_options
@option("--json", "json_out", is_flag=True)
@pass_ctx
def units_list(ctx: Context, json_out: bool) -> None:
    rows = app_units.list_units(ctx.archive)
    if json_out:
        emit_json(rows)
        return
    table = Table(_("mã"), _("tên"), _("loại"), _("đơn vị cấp trên"), _("tên khác"))
    for r in rows:
        table.add_row(*plain(r["code"], r["name"], r["kind"], r["parent"], ", ".join(r["aliases"])))
    Console().print(table)


@units.command(
    "add", help=N_('Thêm một đơn vị, ví dụ sohoa units add qlda "Ban Quản lý dự án" --kind department.')
)
@common_options
@click.argument("code")
@click.argument("name")
@option("--kind", type=click.Choice(KINDS), default="department", show_default=True)
@option("--parent", default=CITY, show_default=True, help=N_("Đơn vị cấp trên (mã hoặc tên)."))
@pass_ctx
def units_add(ctx: Context, code: str, name: str, kind: str, parent: str) -> None:
    archive = ctx.archive
    unit = app_units.add_unit(archive, cli_actor(archive, run_state["as_user"]), code, name, kind, parent)
    click.echo(_("đã thêm %(code)s: %(name)s") % {"code": unit["code"], "name": unit["name"]})


@units.command("rename", help=N_("Đổi tên một đơn vị; tên cũ vẫn dùng được."))
@common_options
@click.argument("unit")
@click.argument("new_name")
@pass_ctx
def units_rename(ctx: Context, unit: str, new_name: str) -> None:
    archive = ctx.archive
    code, old, new = app_units.rename_unit(archive, cli_actor(archive, run_state["as_user"]), unit, new_name)
    click.echo(_("đã đổi tên %(code)s: %(old)s -> %(new)s") % {"code": code, "old": old, "new": new})


@units.command(
    "set-code", help=N_("Đặt mã định danh của đơn vị (ví dụ 000.00.12.H62), phần đầu của FileCode.")
)
@common_options
@click.argument("unit")
@click.argument("code")
@pass_ctx
def units_set_code(ctx: Context, unit: str, code: str) -> None:
    archive = ctx.archive
    unit_code, old, new = app_units.set_unit_code(
        archive, cli_actor(archive, run_state["as_user"]), unit, code
    )
    label = _("mã định danh")
    click.echo(f"{unit_code}: {label} {old or '-'} -> {new}")
