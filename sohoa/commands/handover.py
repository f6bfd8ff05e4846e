"""Commands that hand the archive over: PDF/A conversion, BagIt export and import."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.text import Text

from sohoa.commands.base import Context, common_options, emit_json, err_console, pass_ctx, plain
from sohoa.errors import ExitCode
from sohoa.i18n import _


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
            "PDF/A-2b: "
            + _(
                "%(converted)s đã chuyển, %(refreshed)s cập nhật XMP theo trường đã sửa, %(already)s đã đạt "
                "sẵn, %(failed)s không chuyển được (giữ PDF thường)"
            )
            % {
                "converted": len(result.converted),
                "refreshed": len(result.refreshed),
                "already": result.already,
                "failed": len(result.failed),
            }
        )
        for doc_id, why in result.failed:
            err_console.print(Text("  " + _("văn bản %(id)s: %(why)s") % {"id": doc_id, "why": why}))
    if result.failed:
        sys.exit(int(ExitCode.partial))


# -- export ----------------------------------------------------------------------------------
@click.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--unit", help="Văn bản của đơn vị này, kể cả đơn vị trực thuộc (this unit's documents).")
@click.option(
    "--period",
    help="Chỉ văn bản ban hành trong kỳ (issued in): 2024, 2024-Q2, 2024-06, 2024-01-01..2024-06-30.",
)
@click.option("--documents", "documents", metavar="IDS", help="Danh sách số văn bản, ví dụ 1,2,5-9.")
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def export(
    ctx: Context, out: Path, unit: str | None, period: str | None, documents: str | None, json_out: bool
) -> None:
    """Export documents as a BagIt bag: originals, PDF/A files, TT 05/2025 metadata (XML, JSON), history.

    OUT must be new or empty. Give --unit U (optionally --period P, by issued date) or
    --documents 1,2,5-9. The export is recorded in the audit trail.
    """
    from sohoa.archive.handover.export import export_bag

    result = export_bag(ctx.archive, out, unit=unit, period=period, documents=documents)
    if result.units_without_code:
        err_console.print(
            Text(
                _(
                    "cảnh báo: đơn vị chưa có mã định danh, FileCode để trống: %(units)s — đặt bằng "
                    "'sohoa units set-code UNIT CODE'"
                )
                % {"units": ", ".join(result.units_without_code)}
            )
        )
    if json_out:
        emit_json(result.to_json())
        return
    click.echo(
        _(
            "đã xuất %(documents)s văn bản, %(originals)s tệp gốc, %(rows)s dòng sổ vào %(out)s "
            "(BagIt, SHA-256)"
        )
        % {
            "documents": result.documents,
            "originals": result.originals,
            "rows": result.register_rows,
            "out": result.out,
        }
    )


# -- import ----------------------------------------------------------------------------------
@click.command("import")
@click.argument("bag", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def import_cmd(ctx: Context, bag: Path, json_out: bool) -> None:
    """Import a bag made by 'sohoa export': files bit for bit, fields with manual marks, units, register.

    The whole bag is validated first (exit 4 if it does not, nothing stored); the import is
    atomic (all of the bag or nothing), and a second import of the same bag stores nothing.
    """
    from sohoa.archive.handover.bag_import import import_bag

    result = import_bag(ctx.archive, bag)
    if json_out:
        emit_json(result.to_json())
        return
    click.echo(
        _(
            "đã nhập %(imported)s văn bản, %(already)s đã có sẵn, %(units)s đơn vị mới, %(rows)s dòng sổ "
            "mới, %(links)s liên kết sổ (từ %(bag)s)"
        )
        % {
            "imported": len(result.imported),
            "already": result.already,
            "units": len(result.units_added),
            "rows": result.register_rows_added,
            "links": result.links_added,
            "bag": bag,
        }
    )


# -- handover-defaults -----------------------------------------------------------------------
@click.group("handover-defaults")
@common_options
def handover_defaults() -> None:
    """Access mode (Mode) and retention (Maintenance) an export writes for each document type.

    Mode: 01 public, 02 conditional, 03 secret. Maintenance: 01 permanent, 02 70 years, 03 50,
    04 30, 05 20, 06 10, 07 other. A type without its own values takes the 'default' row's.
    """


@handover_defaults.command("set")
@common_options
@click.option(
    "--type", "type_", required=True, metavar="CODE", help="Mã loại 01–32, tên loại, hoặc 'default'."
)
@click.option(
    "--mode", metavar="01|02|03", help="Chế độ sử dụng (access): 01 công khai, 02 có điều kiện, 03 mật."
)
@click.option(
    "--maintenance", metavar="01..07", help="Thời hạn bảo quản (retention): 01 vĩnh viễn … 07 khác."
)
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def handover_defaults_set(
    ctx: Context, type_: str, mode: str | None, maintenance: str | None, json_out: bool
) -> None:
    """Set a type's Mode and/or Maintenance, e.g. --type 02 --mode 01 --maintenance 04 (audited)."""
    from sohoa.archive.handover.defaults import set_type_default

    change = set_type_default(ctx.archive, type_, mode=mode, maintenance=maintenance)
    if json_out:
        emit_json(change)
        return
    for what in ("mode", "maintenance"):
        if what in change:
            old, new = change[what]["old"], change[what]["new"]
            click.echo(f"loại {change['type']}: {what} {old or '-'} -> {new}")


@handover_defaults.command("list")
@common_options
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def handover_defaults_list(ctx: Context, json_out: bool) -> None:
    """List every type's effective Mode and Maintenance (* marks a value set for that type)."""
    from rich.console import Console
    from rich.table import Table

    from sohoa.archive.handover.defaults import list_type_defaults

    rows = list_type_defaults(ctx.archive)
    if json_out:
        emit_json([row.to_json() for row in rows])
        return
    table = Table(_("mã"), _("tên loại"), "Mode", "Maintenance")
    for row in rows:
        mode = row.mode + ("*" if row.mode_set else "")
        keep = row.maintenance + ("*" if row.maintenance_set else "")
        table.add_row(*plain(row.code, row.name, mode, keep))
    Console().print(table)
