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
from sohoa.commands.base import Context, common_options, emit_json, pass_ctx, run_state
from sohoa.i18n import _


def _read_password(from_stdin: bool) -> str:
    """The first line of standard input (newline stripped) or a hidden prompt asked twice."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt(_("Mật khẩu"), hide_input=True, confirmation_prompt=True)


@click.group("users")
@common_options
def users() -> None:
    """Người dùng (users): add, list, disable, passwords and API tokens."""


@users.command("add")
@common_options
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="clerk, staff, manager or admin.")
@click.option("--unit", "units", multiple=True, help="A unit the user acts in (code or name); repeatable.")
@click.option("--full-name", help="The person's full name, as the desk shows it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--json", "json_out", is_flag=True)
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
    """Add a user with a role and units (the password from a prompt or --password-stdin, ≥10 characters)."""
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


@users.command("list")
@common_options
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def users_list(ctx: Context, json_out: bool) -> None:
    """List the users, their roles, units and how many live API tokens they hold."""
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
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M") if moment else ""


@users.command("tokens")
@common_options
@click.argument("name")
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def users_tokens(ctx: Context, name: str, json_out: bool) -> None:
    """List NAME's API tokens: label, made, last used (to the minute), revoked."""
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


@users.command("disable")
@common_options
@click.argument("name")
@pass_ctx
def users_disable(ctx: Context, name: str) -> None:
    """Disable a user (kept in the audit trail) and revoke all their API tokens."""
    archive = ctx.archive
    revoked = app_users.disable_user(archive, cli_actor(archive, run_state["as_user"]), name)
    click.echo(_("đã khóa %(name)s; %(n)s token bị thu hồi") % {"name": name, "n": revoked}, err=True)


@users.command("passwd")
@common_options
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_ctx
def users_passwd(ctx: Context, name: str, password_stdin: bool) -> None:
    """Set a user's password (from a prompt or --password-stdin, ≥10 characters)."""
    password = _read_password(password_stdin)
    archive = ctx.archive
    app_users.set_password(archive, cli_actor(archive, run_state["as_user"]), name, password)
    click.echo(_("đã đổi mật khẩu cho %(name)s") % {"name": name}, err=True)


@users.command("token")
@common_options
@click.argument("name")
@click.option("--label", help="What the token is for (shown by 'users list' counts, used by revoke-token).")
@pass_ctx
def users_token(ctx: Context, name: str, label: str | None) -> None:
    """Make a new API token for NAME and print it alone on one line (shown once, kept hashed)."""
    archive = ctx.archive
    token = app_users.new_token(archive, cli_actor(archive, run_state["as_user"]), name, label)
    click.echo(token)


@users.command("revoke-token")
@common_options
@click.argument("name")
@click.option("--label", help="Only the tokens with this label (default: all of the user's tokens).")
@pass_ctx
def users_revoke_token(ctx: Context, name: str, label: str | None) -> None:
    """Revoke a user's API tokens (all, or those with --label)."""
    archive = ctx.archive
    revoked = app_users.revoke_tokens(archive, cli_actor(archive, run_state["as_user"]), name, label)
    click.echo(_("%(n)s token bị thu hồi") % {"n": revoked}, err=True)
