"""``sohoa batches``: what each ingest run did, and why each failed file failed; ``resume`` a queued one."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.archive import batches as batch_ops
from sohoa.commands.base import Context, emit_json, group, option, pass_ctx
from sohoa.commands.progress import progress_for
from sohoa.i18n import N_, _, format_datetime


@group(
    "batches",
    invoke_without_command=True,
    help=N_(
        "Liệt kê các lô nhập, mới nhất trước, với số tệp đã lưu, trùng, lỗi hoặc còn "
        "chờ.\n"
        "\n"
        "Với --failed, mỗi tệp lỗi được liệt kê kèm lý do và bản sao trong thư mục cách "
        "ly.\n"
        "'sohoa batches resume ID' làm tiếp một lô xếp hàng (ingest --queue) từ bất kỳ "
        "máy nào."
    ),
)
@option("--failed", "failed_only", is_flag=True, help=N_("Chỉ các lô có tệp lỗi, liệt kê từng tệp."))
@option(
    "--limit", type=click.IntRange(1), default=50, show_default=True, help=N_("Số lô mới nhất được hiện.")
)
@option("--json", "json_out", is_flag=True, help=N_("In các lô dạng JSON (cấu trúc trong README)."))
@click.pass_context
def batches(click_ctx: click.Context, failed_only: bool, limit: int, json_out: bool) -> None:
    if click_ctx.invoked_subcommand is not None:
        return
    archive = click_ctx.find_object(Context).archive
    with archive.sessions() as session:
        found = batch_ops.list_batches(session, failed_only=failed_only, limit=limit, tz=archive.tz)
    if json_out:
        emit_json([b.to_json() for b in found])
        return
    out = Console()
    table = Table(title=_("Các lô đã nạp"))
    table.add_column(_("lô"), no_wrap=True)
    table.add_column(_("đơn vị"))
    table.add_column(_("trạng thái"), no_wrap=True)
    table.add_column(_("bắt đầu"), no_wrap=True)
    for header in (_("đã lưu"), _("trùng"), _("lỗi"), _("còn chờ")):  # stored, duplicate, failed, pending
        table.add_column(header, justify="right", no_wrap=True)
    for b in found:
        table.add_row(
            str(b.id),
            Text(b.unit),
            b.status,
            format_datetime(b.started_at),
            *(str(b.counts[o]) for o in batch_ops.OUTCOMES),
        )
    out.print(table)
    if not failed_only:
        return
    for b in found:  # one block per file: paths and messages are long, a table would cut them
        out.print(
            Text(
                "\n"
                + _("Lô %(id)s, %(unit)s: %(failed)s tệp lỗi")
                % {"id": b.id, "unit": b.unit, "failed": b.counts["failed"]}
            )
        )
        for f in b.failed or []:
            out.print(Text(f"  ✗ {f.path}"), soft_wrap=True)
            out.print(Text(f"    {f.reason_code}: {f.message or ''}"), soft_wrap=True)
            out.print(Text("    " + _("bản cách ly") + f": {f.quarantine_path or '-'}"), soft_wrap=True)
    out.print(Text("\n" + _("Thư mục cách ly") + f": {archive.quarantine_dir}"), soft_wrap=True)


@batches.command(
    "resume",
    help=N_(
        "Làm tiếp một lô xếp hàng từ bất kỳ máy nào: xếp hàng các tệp máy trước chưa "
        "xếp, rồi chờ các worker.\n"
        "\n"
        "Mã thoát 0 khi mọi tệp đã lưu hoặc trùng, 3 khi có tệp lỗi hoặc còn chờ,\n"
        "6 khi không worker nào chạy trong 5 phút (chạy 'sohoa worker' rồi chạy lại lệnh "
        "này)."
    ),
)
@click.argument("batch_id", type=int)
@option("--json", "json_out", is_flag=True, help=N_("In kết quả lô dạng JSON (như ingest --json)."))
@option("--no-wait", is_flag=True, help=N_("Xếp hàng phần còn lại rồi trả về ngay."))
@pass_ctx
def resume(ctx: Context, batch_id: int, json_out: bool, no_wait: bool) -> None:
    from sohoa.commands.documents import print_ingest_summary, print_queued
    from sohoa.queue.desk import resume as resume_batch

    report = resume_batch(ctx.archive, batch_id, progress_for(json_out), wait=not no_wait)
    if no_wait:
        print_queued(report.batch_id, json_out)
        return
    if json_out:
        emit_json(report.to_json())
    else:
        print_ingest_summary(ctx.archive, report)
    sys.exit(int(report.exit_code))
