"""Clerks' commands for documents: ingest scans, show one document, list the newest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sohoa.commands.base import Context, command, common_options, emit_json, option, pass_ctx, run_state
from sohoa.commands.progress import progress_for
from sohoa.i18n import N_, _, format_date, format_datetime
from sohoa.i18n import lazy_gettext as L_

if TYPE_CHECKING:
    from sohoa.archive.store import Archive
    from sohoa.executors import PageExecutor

#: How each outcome reads in the summary line (the JSON keeps the English tokens).
_OUTCOME_WORDS = {
    "stored": L_("đã lưu"),
    "duplicate": L_("trùng"),
    "failed": L_("lỗi"),
    "pending": L_("còn chờ"),
}


@command(
    help=N_(
        "Lưu trữ các tệp và thư mục quét (cả thư mục con): nhận dạng chữ (OCR), lưu, lập "
        "chỉ mục.\n"
        "\n"
        "Mỗi tệp kết thúc ở trạng thái đã lưu, trùng hoặc lỗi; tệp lỗi được sao vào thư "
        "mục\n"
        "cách ly kèm lý do. Bị ngắt giữa chừng? Chạy lại đúng lệnh đó để làm tiếp.\n"
        "Với --queue, tệp được đưa vào kho dùng chung và các worker đọc chúng;\n"
        "'sohoa batches resume ID' theo dõi (hoặc làm tiếp) lô từ bất kỳ máy nào."
    )
)
@common_options
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@option("--unit", "unit", required=True, help=N_("Đơn vị sở hữu kết quả: mã hoặc tên ('khai quang')."))
@option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help=N_(
        "Số trang đọc cùng lúc (mặc định: mọi lõi CPU). Không dùng với --queue: worker "
        "tự đặt (--concurrency)."
    ),
)
@option(
    "--split",
    type=click.Choice(["auto", "blank", "none"]),
    default="auto",
    show_default=True,
    help=N_("Cách cắt một bản quét nhiều văn bản thành từng văn bản."),
)
@option("--json", "json_out", is_flag=True, help=N_("In kết quả lô dạng JSON."))
@option(
    "--queue",
    "queued",
    is_flag=True,
    help=N_("Giao các trang cho tiến trình 'sohoa worker' qua hàng đợi (chỉ kho PostgreSQL)."),
)
@option("--no-wait", is_flag=True, help=N_("Với --queue: in mã lô rồi trả về ngay."))
@pass_ctx
def ingest(
    ctx: Context,
    paths: tuple[Path, ...],
    unit: str,
    jobs: int | None,
    split: str,
    json_out: bool,
    queued: bool,
    no_wait: bool,
) -> None:
    if no_wait and not queued:
        raise click.UsageError(_("--no-wait chỉ dùng cùng --queue"))
    if jobs and queued:  # the desk reads no page: a silently ignored --jobs would mislead
        raise click.UsageError(
            _(
                "--jobs không dùng cùng --queue: với --queue máy bàn không đọc trang nào, các worker đọc; "
                "số trang đọc cùng lúc đặt trên mỗi worker bằng 'sohoa worker --concurrency N'"
            )
        )
    executor = None if queued else _start_readers(jobs)
    try:
        from sohoa.ingest import IngestOptions
        from sohoa.ingest import ingest as run_ingest

        options = IngestOptions(unit=unit, split=split)
        if jobs:
            options.jobs = jobs
        if queued:
            from sohoa.queue.desk import submit

            report = submit(ctx.archive, list(paths), options, progress_for(json_out), wait=not no_wait)
            if no_wait:
                print_queued(report.batch_id, json_out)
                return
        else:
            report = run_ingest(ctx.archive, list(paths), options, progress_for(json_out), executor)
    finally:
        if executor is not None:
            executor.shutdown()
    if json_out:
        emit_json(report.to_json())
    else:
        _print_ingest_summary(ctx.archive, report)
    sys.exit(int(report.exit_code))


def _start_readers(jobs: int | None) -> PageExecutor:
    """The local reading processes, started before the archive's modules are imported: their
    own start-up (the page reader's imports, in the fork server) runs beside the parent's on the
    second core, and the first pages are read sooner."""
    from sohoa.executors import LocalPool, default_jobs

    executor = LocalPool(jobs or default_jobs())
    executor.start()
    return executor


def print_queued(batch_id: int, json_out: bool) -> None:
    """``--no-wait``: the batch id alone on stdout (scripts keep it), what to do next on stderr."""
    if json_out:
        emit_json({"batch": batch_id})
    else:
        click.echo(batch_id)
    click.echo(
        _("Lô %(id)s đã vào hàng đợi; theo dõi hoặc làm tiếp bằng 'sohoa batches resume %(id)s'")
        % {"id": batch_id},
        err=True,
    )


def print_ingest_summary(archive: Archive, report: Any) -> None:
    """The table a clerk reads after a batch (local or queued)."""
    _print_ingest_summary(archive, report)


def _print_ingest_summary(archive: Archive, report: Any) -> None:
    out = Console()
    verb = _("làm tiếp") if report.resumed else _("mới")
    shown = (
        ("stored", "duplicate", "failed", "pending")
        if report.count("pending")
        else ("stored", "duplicate", "failed")
    )
    counts = ", ".join(f"{report.count(s)} {_OUTCOME_WORDS[s]}" for s in shown)
    summary = _("Lô %(id)s (%(verb)s): %(counts)s; %(pages)s trang trong %(seconds)s giây") % {
        "id": report.batch_id,
        "verb": verb,
        "counts": counts,
        "pages": report.pages,
        "seconds": f"{report.seconds:.1f}",
    }
    if report.skipped:
        summary += "; " + _("bỏ qua %(n)s tệp không phải bản quét") % {"n": len(report.skipped)}
    out.print(summary)
    failed = [item for item in report.items if item.status == "failed"]
    if failed:  # file names and messages are printed as they are, never read as markup
        table = Table(_("tệp"), _("lý do"), title=_("Tệp lỗi (đã chép vào thư mục cách ly)"))
        for item in failed:
            table.add_row(Text(item.path), Text(f"{item.reason_code}: {item.error or ''}"))
        out.print(table)
        out.print(
            Text(
                _("Thư mục cách ly: %(dir)s (sohoa batches --failed liệt kê từng bản)")
                % {"dir": archive.quarantine_dir}
            )
        )
    pending = [item for item in report.items if item.status == "pending"]
    if pending:
        table = Table(_("tệp"), _("lý do"), title=_("Để lại cho lần chạy sau của đúng lệnh này"))
        for item in pending:
            table.add_row(Text(item.path), Text(item.error or ""))
        out.print(table)


# -- show / list ---------------------------------------------------------------------------
@command(help=N_("Xem một văn bản: các trường và nội dung (lần xem được ghi vào nhật ký)."))
@common_options
@click.argument("document_id", type=int)
@option("--json", "json_out", is_flag=True, help=N_("In văn bản dạng JSON."))
@pass_ctx
def show(ctx: Context, document_id: int, json_out: bool) -> None:
    from sohoa.app import cli_actor
    from sohoa.app import documents as app_documents

    archive = ctx.archive
    data = app_documents.show(archive, cli_actor(archive, run_state["as_user"]), document_id)
    if json_out:
        emit_json(data)
        return
    out = Console()
    out.print(
        f"[bold]#{data['id']}[/bold] {escape(data['source_name'])} — {escape(data['unit'])}, "
        + _("%(n)s trang") % {"n": data["pages"]}
        + f", {data['status']}, {format_datetime(data['created_at'])}"
    )
    for warning in data["warnings"]:
        out.print(f"  [yellow]! {escape(warning)}[/yellow]")
    for name, value in data["fields"].items():
        if value:
            out.print(f"  {name}: {escape(', '.join(value) if isinstance(value, list) else str(value))}")
    out.print()
    out.print(data["text"].replace("\f", "\n" + "─" * 40 + "\n"), markup=False, highlight=False)


@command("list", help=N_("Liệt kê các văn bản mới nhất."))
@common_options
@option("--unit", help=N_("Chỉ đơn vị này (và các đơn vị trực thuộc)."))
@option("--limit", type=click.IntRange(1), default=50, show_default=True)
@option("--json", "json_out", is_flag=True, help=N_("In các văn bản dạng JSON."))
@pass_ctx
def list_cmd(ctx: Context, unit: str | None, limit: int, json_out: bool) -> None:
    from sohoa.app import cli_actor
    from sohoa.app import documents as app_documents

    archive = ctx.archive
    rows = app_documents.list_documents(archive, cli_actor(archive, run_state["as_user"]), unit, limit)
    if json_out:
        emit_json(rows)
        return
    table = Table("id", _("tệp"), _("đơn vị"), _("trang"), _("loại"), _("số"), _("ngày"))
    for r in rows:
        table.add_row(
            str(r["id"]),
            *(
                Text(str(value or ""))
                for value in (
                    r["source_name"].rsplit("/", 1)[-1],
                    r["unit"],
                    r["pages"],
                    r["doc_type"],
                    r["number"],
                    format_date(r["issued_date"]),
                )
            ),
        )
    Console().print(table)
