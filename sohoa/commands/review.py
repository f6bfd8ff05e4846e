"""Clerks' commands for the index cards: the review queue and corrections."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.archive import audit
from sohoa.archive import review as review_ops
from sohoa.archive import units as unit_ops
from sohoa.archive.indexing import sync_index
from sohoa.archive.matching import match_documents
from sohoa.commands.base import Context, common_options, emit_json, pass_ctx


@click.command()
@common_options
@click.option("--unit", help="Only this unit (and its sub-units).")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=review_ops.DEFAULT_THRESHOLD,
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
    if accept_ids:
        with archive.sessions.begin() as session:
            for doc_id in accept_ids:
                review_ops.accept(archive, session, doc_id)
        click.echo(f"accepted: {', '.join(map(str, accept_ids))}", err=True)
        return
    with archive.sessions() as session:
        unit_ids = unit_ops.descendant_ids(session, unit_ops.resolve_unit(session, unit)) if unit else None
        entries = review_ops.review_queue(session, unit_ids, threshold, limit)
    audit.record(
        archive, "review.list", detail={"unit": unit, "shown": [e.document_id for e in entries]}
    )
    if json_out:
        emit_json([e.to_json() for e in entries])
        return
    table = Table(
        "id",
        "file",
        "unit",
        "missing",
        "doubtful",
        "duplicate of",
        "cảnh báo (warnings)",
        title="Cần kiểm tra (review queue)",
    )
    for e in entries:  # names and values are printed as they are, never read as markup
        table.add_row(
            str(e.document_id),
            Text(e.source_name.rsplit("/", 1)[-1]),
            Text(e.unit),
            ", ".join(e.missing),
            ", ".join(f"{k} {v:.2f}" for k, v in e.doubtful.items()),
            str(e.duplicate_of or ""),
            Text("; ".join(e.warnings)),
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
    with archive.sessions() as session:
        unit_ids = unit_ops.descendant_ids(session, unit_ops.resolve_unit(session, unit)) if unit else None
    changed = review_ops.reextract(archive, unit_ids)
    match_documents(archive)
    sync_index(archive)
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
    changes: dict[str, str] = {}
    for item in assignments:
        if "=" not in item:
            raise click.BadParameter(f"needs FIELD=VALUE, got '{item}'", param_hint="--set")
        name, value = item.split("=", 1)
        changes[name.strip()] = value
    archive = ctx.archive
    with archive.sessions.begin() as session:
        review_ops.edit_fields(archive, session, document_id, changes)
    match_documents(archive, document_ids=[document_id])  # a corrected number may now match the register
    sync_index(archive, [document_id])
    click.echo(f"document {document_id}: updated {', '.join(changes)}", err=True)
