"""Admins' commands for the people who use the desk: add, list, disable, passwords, API tokens."""

from __future__ import annotations

import sys
from datetime import datetime, tzinfo

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.app import ROLES, cli_actor
from sohoa.app import users as app_users
from sohoa.clock import local_moment
from sohoa.commands.base import Context, common_options, emit_json, group, option, pass_ctx, run_state
from sohoa.i18n import N_, _, format_datetime


def _read_password(from_stdin: bool) -> str:
    """The first line of standard input (newline stripped) or a hidden prompt asked twice."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt(_("Mật khẩu"), hide_input=True, confirmation_prompt=True)


@group("users", help=N_("Người dùng: thêm, liệt kê, khóa, mật khẩu và mã API."))
@common_options
def users() -> None:
    pass


@users.command(
    "add",
    help=N_(
        "Thêm người dùng với vai trò và đơn vị (mật khẩu nhập khi được hỏi hoặc qua "
        "--password-stdin, ≥10 ký tự)."
    ),
)
@common_options
@click.argument("name")
@option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help=N_("clerk (cán bộ), staff (nhân viên), manager (lãnh đạo) hoặc admin (quản trị)."),
)
@option("--unit", "units", multiple=True, help=N_("Đơn vị người dùng làm việc (mã hoặc tên); lặp lại được."))
@option("--full-name", help=N_("Họ tên đầy đủ, như bàn làm việc hiện."))
@option("--password-stdin", is_flag=True, help=N_("Đọc mật khẩu từ dòng đầu của stdin."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def users_add(
    ctx: Context,
    name: str,
    role: str,
    units: tuple[str, ...],
    full_name: str | None,
    password_stdin: bool,
    json_out: bool,
) -> None:
    password = _read_password(password_stdin)
    archive = ctx.archive
    info = app_users.add_user(
        archive, cli_actor(archive, run_state["as_user"]), name, role, list(units), password, full_name
    )
    if json_out:
        emit_json(info.to_json())
    else:
        added = _("đã thêm người dùng %(name)s") % {"name": info.name}
        click.echo(f"{added}: {info.role} {', '.join(info.units)}", err=True)


@users.command("list", help=N_("Liệt kê người dùng, vai trò, đơn vị và số mã API còn hiệu lực của họ."))
@common_options
@option("--json", "json_out", is_flag=True)
@pass_ctx
def users_list(ctx: Context, json_out: bool) -> None:
    archive = ctx.archive
    found = app_users.list_users(archive, cli_actor(archive, run_state["as_user"]))
    if json_out:
        emit_json([u.to_json() for u in found])
        return
    table = Table(
        _("tên"), _("họ tên"), _("vai trò"), _("đơn vị"), _("khóa"), "token", _("token dùng lần cuối")
    )  # fmt: skip
    for u in found:
        table.add_row(
            Text(u.name),
            Text(u.full_name or ""),
            u.role,
            Text(", ".join(u.units)),
            "x" if u.disabled else "",
            str(u.tokens),
            _when(u.last_used, archive.tz),
        )
    Console().print(table)


def _when(moment: datetime | None, tz: tzinfo) -> str:
    return format_datetime(local_moment(moment, tz)) if moment else ""


@users.command(
    "tokens", help=N_("Liệt kê mã API của NAME: nhãn, ngày tạo, lần dùng cuối (đến phút), đã thu hồi.")
)
@common_options
@click.argument("name")
@option("--json", "json_out", is_flag=True)
@pass_ctx
def users_tokens(ctx: Context, name: str, json_out: bool) -> None:
    archive = ctx.archive
    found = app_users.list_tokens(archive, cli_actor(archive, run_state["as_user"]), name)
    if json_out:
        emit_json([t.to_json() for t in found])
        return
    table = Table(_("nhãn"), _("tạo"), _("dùng lần cuối"), _("thu hồi"))
    for t in found:
        table.add_row(
            Text(t.label or ""), _when(t.created, archive.tz), _when(t.last_used, archive.tz),
            "x" if t.revoked else "",
        )  # fmt: skip
    Console().print(table)


@users.command("disable", help=N_("Khóa người dùng (vẫn giữ trong nhật ký) và thu hồi mọi mã API của họ."))
@common_options
@click.argument("name")
@pass_ctx
def users_disable(ctx: Context, name: str) -> None:
    archive = ctx.archive
    revoked = app_users.disable_user(archive, cli_actor(archive, run_state["as_user"]), name)
    click.echo(_("đã khóa %(name)s; %(n)s token bị thu hồi") % {"name": name, "n": revoked}, err=True)


@users.command(
    "passwd", help=N_("Đặt mật khẩu người dùng (nhập khi được hỏi hoặc qua --password-stdin, ≥10 ký tự).")
)
@common_options
@click.argument("name")
@option("--password-stdin", is_flag=True, help=N_("Đọc mật khẩu từ dòng đầu của stdin."))
@pass_ctx
def users_passwd(ctx: Context, name: str, password_stdin: bool) -> None:
    password = _read_password(password_stdin)
    archive = ctx.archive
    app_users.set_password(archive, cli_actor(archive, run_state["as_user"]), name, password)
    click.echo(_("đã đổi mật khẩu cho %(name)s") % {"name": name}, err=True)


@users.command(
    "token", help=N_("Tạo mã API mới cho NAME và in riêng nó trên một dòng (chỉ hiện một lần, lưu dạng băm).")
)
@common_options
@click.argument("name")
@option("--label", help=N_("Mã dùng để làm gì (đếm trong 'users list', dùng cho revoke-token)."))
@pass_ctx
def users_token(ctx: Context, name: str, label: str | None) -> None:
    archive = ctx.archive
    token = app_users.new_token(archive, cli_actor(archive, run_state["as_user"]), name, label)
    click.echo(token)


@users.command("revoke-token", help=N_("Thu hồi mã API của người dùng (tất cả, hoặc các mã có --label)."))
@common_options
@click.argument("name")
@option("--label", help=N_("Chỉ các mã có nhãn này (mặc định: mọi mã của người dùng)."))
@pass_ctx
def users_revoke_token(ctx: Context, name: str, label: str | None) -> None:
    archive = ctx.archive
    revoked = app_users.revoke_tokens(archive, cli_actor(archive, run_state["as_user"]), name, label)
    click.echo(_("%(n)s token bị thu hồi") % {"n": revoked}, err=True)
