"""Commands that hand the archive over: PDF/A conversion, BagIt export and import."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.text import Text

from sohoa.commands.base import (
    Context,
    command,
    common_options,
    emit_json,
    err_console,
    group,
    option,
    pass_ctx,
    plain,
)
from sohoa.errors import ExitCode
from sohoa.i18n import N_, _


# -- pdfa ------------------------------------------------------------------------------------
@command(
    help=N_(
        "Chuyển các PDF tìm kiếm được của kho sang PDF/A-2b hai lớp (thay thế có ghi "
        "nhật ký, mã băm mới).\n"
        "\n"
        "PDF đã đạt chuẩn được giữ nguyên, nên chạy lại không đổi gì; PDF không thể đạt "
        "chuẩn\n"
        "(tệp số gốc có phông chữ không nhúng) được liệt kê và giữ nguyên, và lệnh thoát "
        "với mã 3."
    )
)
@option("--unit", help=N_("Chỉ văn bản của đơn vị này (kể cả đơn vị trực thuộc)."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def pdfa(ctx: Context, unit: str | None, json_out: bool) -> None:
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
@command(
    help=N_(
        "Xuất văn bản thành gói BagIt: bản gốc, tệp PDF/A, siêu dữ liệu TT 05/2025 (XML, "
        "JSON), lịch sử.\n"
        "\n"
        "OUT phải mới hoặc trống. Cho --unit U (có thể kèm --period P, theo ngày ban "
        "hành) hoặc\n"
        "--documents 1,2,5-9. Lần xuất được ghi vào nhật ký."
    )
)
@click.argument("out", type=click.Path(path_type=Path))
@option("--unit", help=N_("Văn bản của đơn vị này, kể cả đơn vị trực thuộc."))
@option(
    "--period",
    help=N_("Chỉ văn bản ban hành trong kỳ: 2024, 2024-Q2, 2024-06, 2024-01-01..2024-06-30."),
)
@option("--documents", "documents", metavar="IDS", help=N_("Danh sách số văn bản, ví dụ 1,2,5-9."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def export(
    ctx: Context, out: Path, unit: str | None, period: str | None, documents: str | None, json_out: bool
) -> None:
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
@command(
    "import",
    help=N_(
        "Nhập gói do 'sohoa export' tạo: tệp giữ nguyên từng bit, trường kèm dấu sửa "
        "tay, đơn vị, sổ theo dõi.\n"
        "\n"
        "Cả gói được kiểm tra trước (mã thoát 4 nếu không hợp lệ, không lưu gì); việc "
        "nhập là\n"
        "nguyên khối (cả gói hoặc không gì), và nhập lại cùng gói không lưu thêm gì."
    ),
)
@click.argument("bag", type=click.Path(exists=True, file_okay=False, path_type=Path))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def import_cmd(ctx: Context, bag: Path, json_out: bool) -> None:
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
@group(
    "handover-defaults",
    help=N_(
        "Chế độ sử dụng (Mode) và thời hạn bảo quản (Maintenance) mà lần xuất ghi cho "
        "từng loại văn bản.\n"
        "\n"
        "Mode: 01 công khai, 02 có điều kiện, 03 mật. Maintenance: 01 vĩnh viễn, 02 70 "
        "năm, 03 50,\n"
        "04 30, 05 20, 06 10, 07 khác. Loại không có giá trị riêng lấy giá trị của dòng "
        "'default'."
    ),
)
@common_options
def handover_defaults() -> None:
    pass


@handover_defaults.command(
    "set",
    help=N_(
        "Đặt Mode và/hoặc Maintenance của một loại, ví dụ --type 02 --mode 01 --maintenance 04 (ghi nhật ký)."
    ),
)
@common_options
@option("--type", "type_", required=True, metavar="CODE", help=N_("Mã loại 01–32, tên loại, hoặc 'default'."))
@option("--mode", metavar="01|02|03", help=N_("Chế độ sử dụng: 01 công khai, 02 có điều kiện, 03 mật."))
@option("--maintenance", metavar="01..07", help=N_("Thời hạn bảo quản: 01 vĩnh viễn … 07 khác."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def handover_defaults_set(
    ctx: Context, type_: str, mode: str | None, maintenance: str | None, json_out: bool
) -> None:
    from sohoa.archive.handover.defaults import set_type_default

    change = set_type_default(ctx.archive, type_, mode=mode, maintenance=maintenance)
    if json_out:
        emit_json(change)
        return
    for what in ("mode", "maintenance"):
        if what in change:
            old, new = change[what]["old"], change[what]["new"]
            click.echo(f"loại {change['type']}: {what} {old or '-'} -> {new}")


@handover_defaults.command(
    "list",
    help=N_(
        "Liệt kê Mode và Maintenance đang áp dụng của mọi loại (* đánh dấu giá trị đặt riêng cho loại đó)."
    ),
)
@common_options
@option("--json", "json_out", is_flag=True)
@pass_ctx
def handover_defaults_list(ctx: Context, json_out: bool) -> None:
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
