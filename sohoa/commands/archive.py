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
from sohoa.commands.base import Context, command, emit_json, err_console, option, pass_ctx
from sohoa.errors import ExitCode
from sohoa.i18n import N_, _, format_datetime
from sohoa.i18n import lazy_gettext as L_

_KIND_VI = {"missing": L_("mất tệp"), "altered": L_("bị sửa"), "orphan": L_("tệp lạ")}


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


# -- verify ----------------------------------------------------------------------------------
@command(
    help=N_(
        "Kiểm tra toàn vẹn: băm lại bản gốc và PDF tìm kiếm được; liệt kê tệp thiếu, bị "
        "sửa và tệp lạc\n"
        "kèm số văn bản (mã thoát 3 nếu có). `sohoa verify history` liệt kê các lần kiểm "
        "tra trước."
    )
)
@click.argument("what", required=False, type=click.Choice(["history"]))
@option("--unit", help=N_("Chỉ tệp của đơn vị này (kể cả đơn vị trực thuộc)."))
@option(
    "--sample",
    type=click.FloatRange(0, 100, min_open=True),
    metavar="PERCENT",
    help=N_("Chỉ kiểm tra PERCENT phần trăm số tệp, tệp lâu chưa kiểm tra nhất trước."),
)
@option("--history", "history", is_flag=True, help=N_("Liệt kê các lần kiểm tra trước."))
@option(
    "--limit",
    type=click.IntRange(1),
    default=20,
    show_default=True,
    help=N_("Số lần kiểm tra mà --history hiện."),
)
@option("--json", "json_out", is_flag=True)
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
@command(help=N_("Tạo kho lưu trữ (mã kho và thiết lập); với kho đã có thì chỉ hiện chúng, không đổi gì."))
@option(
    "--search-backend",
    type=click.Choice(lifecycle.SEARCH_BACKENDS),
    help=N_("Công cụ tìm kiếm (mặc định tantivy, hoặc $SOHOA_SEARCH_BACKEND)."),
)
@option("--tz", "tz", help=N_("Múi giờ của kho (mặc định Asia/Ho_Chi_Minh hoặc $SOHOA_TZ)."))
@option(
    "--group-mode",
    type=click.Choice(lifecycle.GROUP_MODES),
    help=N_("Quyền của một nhóm (group) trên các tệp (mặc định: không có)."),
)
@option("--update", is_flag=True, help=N_("Với kho đã có: áp dụng các thiết lập đã nêu (ghi nhật ký)."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def init(
    ctx: Context,
    search_backend: str | None,
    tz: str | None,
    group_mode: str | None,
    update: bool,
    json_out: bool,
) -> None:
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
@command(
    help=N_(
        "Sao chép nhất quán cơ sở dữ liệu (sao lưu trực tuyến SQLite) và các tệp mà nó "
        "ghi tên vào OUT\n"
        "(thư mục mới hoặc trống). Khôi phục: dùng OUT làm thư mục kho. PostgreSQL: xem "
        "README (pg_dump)."
    )
)
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def backup(ctx: Context, out: Path, json_out: bool) -> None:
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


@command(help=N_("Hủy một văn bản: giữ hồ sơ và tệp, nhưng không còn được đếm và tìm thấy (ghi nhật ký)."))
@click.argument("document_id", type=int)
@option("--reason", required=True, help=N_("Lý do văn bản không được tính (lưu trong nhật ký)."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def void(ctx: Context, document_id: int, reason: str, json_out: bool) -> None:
    _print_lifecycle(lifecycle.void_document(ctx.archive, document_id, reason), json_out)


@command(help=N_("Chuyển văn bản sang đơn vị khác (số liệu của nó chuyển theo; ghi nhật ký)."))
@click.argument("document_id", type=int)
@option("--unit", required=True, help=N_("Đơn vị của văn bản: mã hoặc tên."))
@option("--reason", help=N_("Lý do (lưu trong nhật ký)."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def move(ctx: Context, document_id: int, unit: str, reason: str | None, json_out: bool) -> None:
    _print_lifecycle(lifecycle.move_document(ctx.archive, document_id, unit, reason), json_out)
