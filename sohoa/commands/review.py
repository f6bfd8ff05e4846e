"""Clerks' commands for the index cards: the review queue and corrections.

Each parses its options, calls one function of ``sohoa.app.review`` as the acting user, prints.
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.app import cli_actor
from sohoa.app import review as app_review
from sohoa.commands.base import Context, command, common_options, emit_json, option, pass_ctx, run_state
from sohoa.i18n import N_, _


@command(help=N_("Liệt kê văn bản có phiếu cần cán bộ xem (trường thiếu hoặc đáng ngờ), tệ nhất trước."))
@common_options
@option("--unit", help=N_("Chỉ đơn vị này (và các đơn vị trực thuộc)."))
@option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=app_review.DEFAULT_THRESHOLD,
    show_default=True,
    help=N_("Trường đọc với độ tin cậy thấp hơn mức này cần được xem."),
)
@option("--limit", type=click.IntRange(1), default=50, show_default=True)
@option(
    "--accept",
    "accept_ids",
    type=int,
    multiple=True,
    help=N_("Đánh dấu văn bản số ID đã kiểm tra (lặp lại được)."),
)
@option("--json", "json_out", is_flag=True)
@pass_ctx
def review(
    ctx: Context, unit: str | None, threshold: float, limit: int, accept_ids: tuple[int, ...], json_out: bool
) -> None:
    archive = ctx.archive
    actor = cli_actor(archive, run_state["as_user"])
    if accept_ids:
        app_review.accept(archive, actor, list(accept_ids))
        click.echo(f"accepted: {', '.join(map(str, accept_ids))}", err=True)
        return
    entries = app_review.queue(archive, actor, unit, threshold, limit)
    if json_out:
        emit_json(entries)
        return
    table = Table(
        "id",
        "file",
        "unit",
        "missing",
        "doubtful",
        "duplicate of",
        _("cảnh báo"),
        title=_("Cần kiểm tra"),
    )
    for e in entries:  # names and values are printed as they are, never read as markup
        table.add_row(
            str(e["id"]),
            Text(e["source_name"].rsplit("/", 1)[-1]),
            Text(e["unit"]),
            ", ".join(e["missing"]),
            ", ".join(f"{k} {v:.2f}" for k, v in e["low_confidence"].items()),
            str(e["duplicate_of"] or ""),
            Text("; ".join(e["warnings"])),
        )
    Console().print(table)


@command(
    help=N_(
        "Đọc lại các trường của mọi văn bản từ nội dung đã lưu (sau khi nâng cấp sohoa).\n"
        "\n"
        "Không nhận dạng chữ lại, và các trường cán bộ đã sửa tay được giữ nguyên."
    )
)
@common_options
@option("--unit", help=N_("Chỉ đơn vị này (và các đơn vị trực thuộc)."))
@pass_ctx
def reextract(ctx: Context, unit: str | None) -> None:
    archive = ctx.archive
    changed = app_review.reextract(archive, cli_actor(archive, run_state["as_user"]), unit)
    click.echo(f"{changed} documents changed", err=True)


@command(
    help=N_(
        "Sửa tay các trường của văn bản (giữ nguyên qua mọi lần đọc tự động sau, ghi "
        "nhật ký, lập lại chỉ mục)."
    )
)
@common_options
@click.argument("document_id", type=int)
@option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    metavar="FIELD=VALUE",
    help=N_(
        "Một trường đã sửa, ví dụ --set number=1234/QĐ-UBND --set "
        "issued_date=10/06/2024; danh sách ngăn cách bằng ';'. Lặp lại được."
    ),
)
@pass_ctx
def edit(ctx: Context, document_id: int, assignments: tuple[str, ...]) -> None:
    for item in assignments:
        if "=" not in item:
            raise click.BadParameter(f"needs FIELD=VALUE, got '{item}'", param_hint="--set")
    changes = app_review.parse_assignments(list(assignments))
    archive = ctx.archive
    changed = app_review.edit(archive, cli_actor(archive, run_state["as_user"]), document_id, changes)
    click.echo(f"document {document_id}: updated {', '.join(changed)}", err=True)
