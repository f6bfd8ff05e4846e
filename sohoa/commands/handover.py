"""Commands that hand the archive over: PDF/A conversion, BagIt export and import."""

from __future__ import annotations

import sys

import click
from rich.text import Text

from sohoa.commands.base import Context, emit_json, err_console, pass_ctx
from sohoa.errors import ExitCode


# -- pdfa ------------------------------------------------------------------------------------
@click.command()
@click.option("--unit", help="Chỉ văn bản của đơn vị này (only this unit's documents, sub-units included).")
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def pdfa(ctx: Context, unit: str | None, json_out: bool) -> None:
    """Convert the archive's searchable PDFs to two-layer PDF/A-2b (audited replacements, new checksums).

    PDFs already conforming are left alone, so running it again changes nothing; a PDF that
    cannot conform (a born-digital file with a font it does not embed) is listed and kept, and
    the command exits 3.
    """
    from sohoa.archive.handover.pdfa import convert_archive

    result = convert_archive(ctx.archive, unit=unit)
    if json_out:
        emit_json(result.to_json())
    else:
        click.echo(
            f"PDF/A-2b: {len(result.converted)} đã chuyển (converted), {result.already} đã đạt sẵn "
            f"(already PDF/A), {len(result.failed)} không chuyển được (left as plain PDF)"
        )
        for doc_id, why in result.failed:
            err_console.print(Text(f"  văn bản {doc_id}: {why}"))
    if result.failed:
        sys.exit(int(ExitCode.partial))
