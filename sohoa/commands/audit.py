"""The access audit trail: ``sohoa audit`` reads who searched, viewed, changed or exported what."""

from __future__ import annotations

from datetime import date

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.archive import audit as audit_ops
from sohoa.commands.base import DATE, Context, common_options, emit_json, pass_ctx


@click.command("audit")
@common_options
@click.option("--user", "actor", help="Only what this account did.")
@click.option(
    "--document", "document_id", type=click.IntRange(1), help="Only what touched or showed document ID."
)
@click.option("--from", "date_from", type=DATE, help="From this day (dd/mm/yyyy or yyyy-mm-dd), included.")
@click.option("--to", "date_to", type=DATE, help="Up to this day, included.")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@click.option("--json", "json_out", is_flag=True, help="Print the events as JSON, newest first.")
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
    """Nhật ký truy cập (audit trail): searches, views, exports, reports and changes, newest first.

    Times are in the archive's time zone. Reading the trail is itself recorded.
    """
    if date_from and date_to and date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    archive = ctx.archive
    asked = {"user": actor, "document": document_id, "from": date_from, "to": date_to}
    audit_ops.record(archive, "audit.read", detail=asked)
    audit_ops.fold_spool(archive)
    with archive.sessions() as session:
        entries = audit_ops.read_trail(
            session, archive.tz, actor=actor, document_id=document_id,
            date_from=date_from, date_to=date_to, limit=limit,
        )  # fmt: skip
    if json_out:
        emit_json([e.to_json() for e in entries])
        return
    table = Table(
        "thời điểm", "người dùng", "thao tác", "văn bản", "chi tiết", title="Nhật ký truy cập (audit)"
    )
    for e in entries:
        table.add_row(
            e.at.strftime("%d/%m/%Y %H:%M:%S"),
            Text(e.actor),
            audit_ops.ACTION_LABELS.get(e.action, e.action),
            str(e.document_id or ""),
            Text(audit_ops.describe(e)),  # typed text: never read as markup
        )
    Console().print(table)
    if not entries:
        click.echo("không có sự kiện nào (no events)", err=True)
