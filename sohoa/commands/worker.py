"""``sohoa worker``: read pages for batches desks queued, on any machine that sees the archive."""

from __future__ import annotations

import sys

import click

from sohoa.commands.base import Context, command, option, pass_ctx
from sohoa.i18n import N_


@command(
    "worker",
    help=N_(
        "Đọc trang của các lô xếp hàng (sohoa ingest --queue) cho đến khi bị dừng; cần "
        "SOHOA_HOME, SOHOA_DB_URL và\n"
        "SOHOA_BROKER_URL.\n"
        "\n"
        "Chạy một worker trên mỗi máy thấy thư mục kho (lưu trữ dùng chung), cơ sở dữ "
        "liệu PostgreSQL\n"
        "và broker (Redis). SIGTERM dừng nó sau trang đang đọc; worker bị tắt ngang "
        "không\n"
        "mất gì: trang của nó chuyển sang worker khác khi hết hạn thuê."
    ),
)
@option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help=N_("Số trang đọc cùng lúc (mỗi trang một tiến trình Tesseract; tối đa số lõi của máy)."),
)
@pass_ctx
def worker(ctx: Context, concurrency: int) -> None:
    from sohoa.queue.worker import run_worker

    loglevel = "DEBUG" if ctx.verbose > 1 else "INFO" if ctx.verbose else "WARNING"
    sys.exit(run_worker(ctx.archive, concurrency, loglevel))
