"""The access audit trail: ``sohoa audit`` reads who searched, viewed, changed or exported what."""

from __future__ import annotations

from datetime import date

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.app import cli_actor
from sohoa.app import trail as app_trail
from sohoa.commands.base import DATE, Context, command, common_options, emit_json, option, pass_ctx, run_state
from sohoa.i18n import N_, _


@command(
    "audit",
    help=N_(
        "Nhật ký truy cập: tìm kiếm, xem, xuất, báo cáo và thay đổi, mới nhất trước.\n"
        "\n"
        "Giờ theo múi giờ của kho. Việc đọc nhật ký cũng được ghi lại."
    ),
)
@common_options
@option("--user", "actor", help=N_("Chỉ những gì tài khoản này đã làm."))
@option(
    "--document",
    "document_id",
    type=click.IntRange(1),
    help=N_("Chỉ những gì đụng tới hoặc hiện văn bản số ID."),
)
@option(
    "--from", "date_from", type=DATE, help=N_("Từ ngày này (dd/mm/yyyy hoặc yyyy-mm-dd), tính cả ngày đó.")
)
@option("--to", "date_to", type=DATE, help=N_("Đến ngày này, tính cả ngày đó."))
@option("--limit", type=click.IntRange(1), default=100, show_default=True)
@option("--json", "json_out", is_flag=True, help=N_("In các sự kiện dạng JSON, mới nhất trước."))
@pass_ctx
def audit(
    ctx: Context,
    actor: str | None,
    document_id: int | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    json_out: bool,
) -> None:
    if date_from and date_to and date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    archive = ctx.archive
    lines = app_trail.read_trail(
        archive, cli_actor(archive, run_state["as_user"]), user=actor, document_id=document_id,
        date_from=date_from, date_to=date_to, limit=limit,
    )  # fmt: skip
    if json_out:
        emit_json([line.data for line in lines])
        return
    table = Table(
        _("thời điểm"),
        _("người dùng"),
        _("thao tác"),
        _("văn bản"),
        _("chi tiết"),
        title=_("Nhật ký truy cập"),
    )
    for line in lines:
        table.add_row(
            line.at,
            Text(line.data["actor"]),
            line.label,
            str(line.data["document_id"] or ""),
            Text(line.description),  # typed text: never read as markup
        )
    Console().print(table)
    if not lines:
        click.echo(_("không có sự kiện nào"), err=True)
