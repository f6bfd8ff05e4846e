"""Commands that look after the archive itself: create it, check it, back it up, void and move records."""

from __future__ import annotations

import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.archive import backup as backup_ops
from sohoa.archive import fixity, lifecycle
from sohoa.commands.base import Context, emit_json, err_console, pass_ctx
from sohoa.errors import ExitCode
from sohoa.i18n import _, format_datetime
from sohoa.i18n import lazy_gettext as L_

_KIND_VI = {"missing": L_("mất tệp"), "altered": L_("bị sửa"), "orphan": L_("tệp lạ")}


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


# -- verify ----------------------------------------------------------------------------------
@click.command()
@click.argument("what", required=False, type=click.Choice(["history"]))
@click.option("--unit", help="Chỉ tệp của đơn vị này (only this unit's files, sub-units included).")
@click.option(
    "--sample",
    type=click.FloatRange(0, 100, min_open=True),
    metavar="PERCENT",
    help="Chỉ kiểm tra PERCENT phần trăm số tệp, tệp lâu chưa kiểm tra nhất trước "
    "(check that share of the files, least recently checked first).",
)
@click.option("--history", "history", is_flag=True, help="Liệt kê các lần kiểm tra trước (past runs).")
@click.option(
    "--limit", type=click.IntRange(1), default=20, show_default=True, help="Runs shown by --history."
)
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def verify(
    ctx: Context,
    what: str | None,
    unit: str | None,
    sample: float | None,
    history: bool,
    limit: int,
    json_out: bool,
) -> None:
    """Kiểm tra toàn vẹn: re-hash originals and searchable PDFs; list missing, altered and orphan
    files with their document ids (exit 3 if any). `sohoa verify history` lists past runs."""
    if history or what == "history":
        runs = fixity.fixity_history(ctx.archive, limit)
        if json_out:
            emit_json(runs)
        else:
            _print_history(runs, ctx.archive.tz)
        return
    result = _verify_with_progress(ctx, unit, sample)
    if json_out:
        emit_json(result.to_json())
    else:
        _print_verify(result)
    if not result.ok:
        sys.exit(int(ExitCode.partial))


def _verify_with_progress(ctx: Context, unit: str | None, sample: float | None) -> fixity.VerifyResult:
    """Run verify, with a progress bar on stderr when it is a terminal."""
    if not err_console.is_terminal:
        return fixity.verify(ctx.archive, unit=unit, sample=sample)
    from rich.progress import Progress as Bar

    with Bar(console=err_console, transient=True) as bar:
        task = bar.add_task(_("kiểm tra tệp"), total=None)
        return fixity.verify(
            ctx.archive,
            unit=unit,
            sample=sample,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def _print_verify(result: fixity.VerifyResult) -> None:
    out = Console()
    counts = ", ".join(f"{result.count(k)} {_KIND_VI[k]}" for k in ("missing", "altered", "orphan"))
    state = (
        "[green]" + _("toàn vẹn") + "[/green]" if result.ok else "[bold red]" + _("CÓ VẤN ĐỀ") + "[/bold red]"
    )
    out.print(
        _("Lần kiểm tra %(run)s: %(checked)s tệp, %(size)s đã kiểm tra — %(state)s")
        % {"run": result.run_id, "checked": result.checked, "size": _mb(result.bytes), "state": state}
        + ("" if result.ok else f": {counts}")
    )
    if not result.scope.get("orphans"):
        out.print("(" + _("không tìm tệp lạ khi giới hạn theo đơn vị") + ")")
    if result.findings:
        table = Table(_("loại"), _("văn bản"))
        table.add_column(_("tệp trong kho"), overflow="fold")
        for f in result.findings:
            table.add_row(str(_KIND_VI[f.kind]), str(f.document_id or "—"), Text(f.path))
        out.print(table)


def _print_history(runs: list[dict[str, Any]], tz: tzinfo) -> None:
    table = Table(
        "#", _("bắt đầu"), _("người chạy"), _("phạm vi"), _("tệp"), "MB",
        _("mất"), _("bị sửa"), _("tệp lạ"), title=_("Lịch sử kiểm tra toàn vẹn"),
    )  # fmt: skip
    for run in runs:
        scope = run["scope"] or {}
        parts = [f"unit={scope['unit']}" if scope.get("unit") else "", f"{scope['sample']:g}%" if scope.get(
            "sample") else ""]  # fmt: skip
        table.add_row(
            str(run["id"]),
            format_datetime(datetime.fromisoformat(run["started_at"]).astimezone(tz))
            + ("" if run["finished_at"] else " (" + _("dở dang") + ")"),
            Text(run["actor"]),
            Text(" ".join(p for p in parts if p) or _("toàn bộ")),
            str(run["checked"]),
            f"{run['bytes'] / 1_000_000:,.1f}",
            str(run["missing"]),
            str(run["altered"]),
            str(run["orphan"]),
        )
    Console().print(table)


# -- init ------------------------------------------------------------------------------------
@click.command()
@click.option(
    "--search-backend",
    type=click.Choice(lifecycle.SEARCH_BACKENDS),
    help="Search engine (default tantivy, or $SOHOA_SEARCH_BACKEND).",
)
@click.option("--tz", "tz", help="The archive's time zone (default Asia/Ho_Chi_Minh or $SOHOA_TZ).")
@click.option(
    "--group-mode",
    type=click.Choice(lifecycle.GROUP_MODES),
    help="What a group may do with the files (default none).",
)
@click.option("--update", is_flag=True, help="On an existing archive, apply the settings given (audited).")
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def init(
    ctx: Context,
    search_backend: str | None,
    tz: str | None,
    group_mode: str | None,
    update: bool,
    json_out: bool,
) -> None:
    """Create an archive (its id and settings); on an existing one, show them and change nothing."""
    result = lifecycle.init_archive(
        ctx.home, ctx.db_url, search_backend=search_backend, tz=tz, group_mode=group_mode, update=update
    )
    if json_out:
        emit_json(result.to_json())
        return
    out = Console(highlight=False)
    verb = _("Đã tạo kho") if result.created else _("Kho đã có")
    out.print(f"{verb}: {result.archive_id}", markup=False)
    out.print("  " + _("thư mục") + f": {result.home}", markup=False)
    for key, value in sorted(result.settings.items()):
        if key != "archive_id":
            out.print(f"  {key}: {value}", markup=False)
    if result.not_applied:
        asked = ", ".join(f"{k}={v}" for k, v in result.not_applied.items())
        err_console.print(
            _("Không thay đổi %(asked)s: kho đã tồn tại, dùng --update để đổi") % {"asked": asked},
            markup=False,
        )


# -- backup ----------------------------------------------------------------------------------
@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def backup(ctx: Context, out: Path, json_out: bool) -> None:
    """Consistent copy of the database (SQLite online backup) and the files its rows name into OUT
    (a new or empty folder). Restore by using OUT as the archive folder. PostgreSQL: see README (pg_dump)."""
    result = backup_ops.backup_archive(ctx.archive, out)
    if json_out:
        emit_json(result.to_json())
    else:
        out_console = Console(highlight=False)
        what = _("cơ sở dữ liệu + ") if result.database_copied else ""
        out_console.print(
            _("Đã sao lưu %(what)s%(files)s tệp (%(size)s) vào %(out)s")
            % {"what": what, "files": result.files, "size": _mb(result.bytes), "out": result.out},
            markup=False,
        )
        if result.pg_dump_command:
            out_console.print(
                _(
                    "Cơ sở dữ liệu PostgreSQL KHÔNG được sao chép bởi lệnh này: chạy pg_dump TRƯỚC lệnh "
                    "này, ví dụ:"
                ),
                markup=False,
            )
            out_console.print(f"  {result.pg_dump_command}", markup=False)
    if result.missing:
        err_console.print(
            _(
                "%(n)s tệp có trong cơ sở dữ liệu nhưng không có trên đĩa, không sao lưu được: "
                "chạy sohoa verify"
            )
            % {"n": len(result.missing)},
            markup=False,
        )
        sys.exit(int(ExitCode.partial))


# -- void / move -----------------------------------------------------------------------------
def _print_lifecycle(result: lifecycle.LifecycleResult, json_out: bool) -> None:
    if json_out:
        emit_json(result.to_json())
        return
    if result.action == "void":
        msg = _("Đã hủy văn bản %(id)s: không còn tính vào báo cáo và tìm kiếm") % {"id": result.document_id}
    else:
        msg = _("Đã chuyển văn bản %(id)s: %(before)s -> %(after)s") % {
            "id": result.document_id,
            "before": result.unit_before,
            "after": result.unit_after,
        }
    if result.unlinked_row is not None:
        msg += "; " + _("bỏ liên kết dòng sổ %(row)s") % {"row": result.unlinked_row}
    if result.relinked_row is not None:
        msg += "; " + _("liên kết lại dòng sổ %(row)s") % {"row": result.relinked_row}
    click.echo(msg)
    if result.index_error:
        err_console.print(
            _("Chỉ mục chưa cập nhật (%(why)s); chạy 'sohoa index sync'") % {"why": result.index_error},
            markup=False,
        )


@click.command()
@click.argument("document_id", type=int)
@click.option("--reason", required=True, help="Why the document must not count (kept in the audit trail).")
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def void(ctx: Context, document_id: int, reason: str, json_out: bool) -> None:
    """Void a document: its record and files are kept, it leaves counts and search (audited)."""
    _print_lifecycle(lifecycle.void_document(ctx.archive, document_id, reason), json_out)


@click.command()
@click.argument("document_id", type=int)
@click.option("--unit", required=True, help="The unit the document belongs to: code or name.")
@click.option("--reason", help="Why (kept in the audit trail).")
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def move(ctx: Context, document_id: int, unit: str, reason: str | None, json_out: bool) -> None:
    """File a document under another unit (its counts move with it; audited)."""
    _print_lifecycle(lifecycle.move_document(ctx.archive, document_id, unit, reason), json_out)
