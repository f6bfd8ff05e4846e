"""``sohoa worker``: read pages for batches desks queued, on any machine that sees the archive."""

from __future__ import annotations

import sys

import click

from sohoa.commands.base import Context, pass_ctx


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Pages read at once (one Tesseract process each; at most the machine's cores).",
)
@pass_ctx
def worker(ctx: Context, concurrency: int) -> None:
    """Read pages of queued batches (sohoa ingest --queue) until stopped; needs SOHOA_HOME, SOHOA_DB_URL and
    SOHOA_BROKER_URL.

    Run one per machine that sees the archive folder (shared storage), the PostgreSQL database
    and the broker (Redis). SIGTERM stops it after the page in hand; a worker killed outright
    loses nothing: its page goes to another worker when its lease expires.
    """
    from sohoa.queue.worker import run_worker

    loglevel = "DEBUG" if ctx.verbose > 1 else "INFO" if ctx.verbose else "WARNING"
    sys.exit(run_worker(ctx.archive, concurrency, loglevel))
