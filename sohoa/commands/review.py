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
from sohoa.commands.base import Context, common_options, emit_json, pass_ctx, run_state
from sohoa.i18n import _


@click.command()
@common_options
@click.option("--unit", help="Only this unit (and its sub-units).")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=app_review.DEFAULT_THRESHOLD,
    show_default=True,
    help="Fields read with less confidence than this need a look.",
)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option(
    "--accept", "accept_ids", type=int, multiple=True, help="Mark document ID as checked (repeatable)."
)
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def review(
    ctx: Context, unit: str | None, threshold: float, limit: int, accept_ids: tuple[int, ...], json_out: bool
) -> None:
    """List documents whose card needs a clerk (missing or doubtful fields), worst first."""
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


@click.command()
@common_options
@click.option("--unit", help="Only this unit (and its sub-units).")
@pass_ctx
def reextract(ctx: Context, unit: str | None) -> None:
    """Read every document's fields again from its stored text (after an upgrade of sohoa).

    No OCR is repeated, and fields a clerk corrected by hand are kept.
    """
    archive = ctx.archive
    changed = app_review.reextract(archive, cli_actor(archive, run_state["as_user"]), unit)
    click.echo(f"{changed} documents changed", err=True)


@click.command()
@common_options
@click.argument("document_id", type=int)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    metavar="FIELD=VALUE",
    help="A corrected field, e.g. --set number=1234/QĐ-UBND --set issued_date=10/06/2024; "
    "lists are separated by ';'. Repeatable.",
)
@pass_ctx
def edit(ctx: Context, document_id: int, assignments: tuple[str, ...]) -> None:
    """Correct a document's fields by hand (kept over any later automatic pass, audited, re-indexed)."""
    for item in assignments:
        if "=" not in item:
            raise click.BadParameter(f"needs FIELD=VALUE, got '{item}'", param_hint="--set")
    changes = app_review.parse_assignments(list(assignments))
    archive = ctx.archive
    changed = app_review.edit(archive, cli_actor(archive, run_state["as_user"]), document_id, changes)
    click.echo(f"document {document_id}: updated {', '.join(changed)}", err=True)
