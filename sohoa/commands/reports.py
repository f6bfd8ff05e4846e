"""Managers' commands: the backlog register (import, match, link, baselines) and the report.

Thin adapters: each parses its options, calls one library function in ``sohoa.archive``
(``register``, ``matching``, ``reports``, ``report_render``) and prints. Results go to stdout,
summaries and warnings to stderr.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.app import cli_actor
from sohoa.app import reports as app_reports
from sohoa.archive import matching, reports
from sohoa.archive import register as register_ops
from sohoa.archive import units as unit_ops
from sohoa.commands.base import (
    DATE,
    Context,
    command,
    common_options,
    emit_json,
    err_console,
    group,
    option,
    pass_ctx,
    plain,
    run_state,
)
from sohoa.errors import ExitCode
from sohoa.i18n import N_, _


# -- register ------------------------------------------------------------------------------
@group("register", help=N_("Sổ theo dõi kết quả tồn đọng: nhập, đối chiếu với văn bản, liên kết, mốc."))
@common_options
def register() -> None:
    pass


@register.command(
    "import",
    help=N_(
        "Nhập sổ theo dõi: tệp CSV hoặc XLSX xuất từ phần mềm một cửa hoặc từ sổ giấy "
        "của đơn vị.\n"
        "\n"
        "Nhập lại cùng tệp không đổi gì; bản xuất sau cập nhật các dòng của nó. Dòng sai "
        "được\n"
        "liệt kê kèm số dòng và lý do; khi đó mã thoát là 3."
    ),
)
@common_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--unit", help=N_("Đơn vị của các dòng không có cột hoặc ô 'Đơn vị' (mã hoặc tên)."))
@option(
    "--map",
    "maps",
    multiple=True,
    metavar="HEADER=COLUMN",
    help=N_(
        "Đọc một tiêu đề khác như một cột đã biết, ví dụ --map 'Số GCN=Số ký hiệu kết "
        "quả' (hoặc =result_number; '=-' bỏ qua một cột). Lặp lại được."
    ),
)
@option("--sheet", help=N_("Trang tính XLSX cần đọc (mặc định: trang đầu)."))
@option("--as-of", type=DATE, help=N_("Ngày lấy bản xuất (mặc định: hôm nay)."))
@option("--strict", is_flag=True, help=N_("Không nhập gì khi có dòng sai."))
@option("--no-match", is_flag=True, help=N_("Không đối chiếu văn bản với các dòng sau khi nhập."))
@option("--json", "json_out", is_flag=True, help=N_('In {"imported","updated","unchanged","errors"}.'))
@pass_ctx
def register_import(
    ctx: Context,
    file: Path,
    unit: str | None,
    maps: tuple[str, ...],
    sheet: str | None,
    as_of: date | None,
    strict: bool,
    no_match: bool,
    json_out: bool,
) -> None:
    archive = ctx.archive
    result = register_ops.import_register(
        archive,
        file,
        unit=unit,
        mapping=register_ops.parse_mapping(maps),
        sheet=sheet,
        as_of=as_of,
        strict=strict,
    )
    if result.ignored_columns:
        click.echo(f"columns not used: {', '.join(result.ignored_columns)}", err=True)
    if result.committed and not no_match and (result.imported or result.updated):
        summary = matching.match_documents(archive)
        click.echo(_match_line(summary), err=True)
    if json_out:
        emit_json(result.to_json())
    else:
        _print_import(result, strict)
    if result.errors:
        sys.exit(int(ExitCode.partial))


def _print_import(result: register_ops.ImportResult, strict: bool) -> None:
    out = Console()
    if not result.committed:
        out.print(f"[red]nothing imported[/red] (--strict): {len(result.errors)} bad rows")
    else:
        out.print(f"imported {result.imported}, updated {result.updated}, unchanged {result.unchanged}")
    if result.errors:
        table = Table(_("dòng"), _("lý do"), title=f"{len(result.errors)} rows refused")
        for error in result.errors:
            table.add_row(str(error.row), Text(error.reason))  # quotes cells: never markup
        out.print(table)


def _match_line(summary: matching.MatchSummary) -> str:
    return (
        f"matched {summary.linked} of {summary.considered} unlinked documents "
        f"({summary.linked_by_dossier} by dossier code, {summary.linked_by_number} by number); "
        f"{summary.ambiguous} ambiguous, {summary.unmatched} without a row"
    )


@register.command(
    "match", help=N_("Đối chiếu lại mọi văn bản chưa liên kết với sổ theo dõi (ví dụ sau khi sửa).")
)
@common_options
@option("--unit", help=N_("Chỉ văn bản của đơn vị này (và các đơn vị trực thuộc)."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def register_match(ctx: Context, unit: str | None, json_out: bool) -> None:
    archive = ctx.archive
    unit_ids = None
    if unit:
        with archive.sessions() as session:
            unit_ids = unit_ops.descendant_ids(session, unit_ops.resolve_unit(session, unit))
    summary = matching.match_documents(archive, unit_ids=unit_ids)
    if json_out:
        emit_json(summary.to_json())
    else:
        click.echo(_match_line(summary))


@register.command(
    "unmatched", help=N_("Văn bản chưa có dòng, dòng chưa có văn bản, và các khớp chưa rõ cần liên kết tay.")
)
@common_options
@option("--unit", help=N_("Chỉ đơn vị này (và các đơn vị trực thuộc)."))
@option("--limit", type=click.IntRange(1), default=50, show_default=True, help=N_("Số dòng mỗi danh sách."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def register_unmatched(ctx: Context, unit: str | None, limit: int, json_out: bool) -> None:
    with ctx.archive.sessions() as session:
        unit_ids = unit_ops.descendant_ids(session, unit_ops.resolve_unit(session, unit)) if unit else None
        found = matching.list_unmatched(session, unit_ids, limit)
    if json_out:
        emit_json(found.to_json())
        return
    out = Console()
    docs = Table("doc", "unit", "number", "issued", "dossier code", "digitised",
                 title=f"Documents without a register row ({found.documents_total})")  # fmt: skip
    for d in found.documents:
        docs.add_row(*plain(d["id"], d["unit"], d["number"], d["issued_date"], d["dossier_code"],
                            d["digitised_on"]))  # fmt: skip
    out.print(docs)
    rows = Table("row", "unit", "dossier code", "number", "date", "procedure",
                 title=f"Register rows without a document ({found.rows_total})")  # fmt: skip
    for r in found.rows:
        rows.add_row(*plain(r["id"], r["unit"], r["dossier_code"], r["result_number"], r["issued_date"],
                            r["procedure"]))  # fmt: skip
    out.print(rows)
    if found.ambiguous:
        amb = Table(
            "doc", "candidate rows (score, why)", title="Ambiguous: link by hand with 'register link'"
        )
        for a in found.ambiguous:
            amb.add_row(
                str(a["document"]),
                Text("; ".join(f"{c['row']} ({c['score']:.1f}, {c['reason']})" for c in a["candidates"])),
            )
        out.print(amb)


@register.command(
    "link",
    help=N_("Liên kết tay văn bản DOCUMENT_ID với dòng ROW của sổ (số dòng hoặc Mã hồ sơ); ghi nhật ký."),
)
@common_options
@click.argument("document_id", type=int)
@click.argument("row")
@option("--replace", is_flag=True, help=N_("Chuyển liên kết đã có của văn bản hoặc của dòng."))
@pass_ctx
def register_link(ctx: Context, document_id: int, row: str, replace: bool) -> None:
    result = matching.link_document(ctx.archive, document_id, row, replace=replace)
    if result.unchanged:
        click.echo(f"document {result.document_id} is already linked to row {result.row_id}")
        return
    moved = "".join(f"; unlinked document {d} from row {r}" for d, r in result.replaced)
    click.echo(f"linked document {result.document_id} to row {result.row_id}{moved}")


@register.command(
    "baseline",
    help=N_(
        "Đặt (hoặc, khi không có tùy chọn, xem) ngày mốc, chỉ tiêu và hạn của một đơn vị "
        "trong một năm.\n"
        "\n"
        "Đơn vị trực thuộc không có mốc riêng thì lấy của đơn vị cấp trên. Mặc định: 1 "
        "tháng 1, 20%, 31 tháng 12."
    ),
)
@common_options
@click.argument("unit")
@option(
    "--year", type=click.IntRange(2000, 2100), help=N_("Năm chỉ tiêu (mặc định: năm của mốc, hoặc năm nay).")
)
@option("--date", "baseline", type=DATE, help=N_("Ngày mốc: tồn đọng là phần còn lại tại ngày này."))
@option(
    "--target",
    type=click.FloatRange(0, 100, min_open=True),
    help=N_("Tỷ lệ tồn đọng cần số hóa, tính bằng %."),
)
@option("--deadline", type=DATE, help=N_("Hạn hoàn thành chỉ tiêu (mặc định: 31 tháng 12)."))
@option("--json", "json_out", is_flag=True)
@pass_ctx
def register_baseline(
    ctx: Context,
    unit: str,
    year: int | None,
    baseline: date | None,
    target: float | None,
    deadline: date | None,
    json_out: bool,
) -> None:
    archive = ctx.archive
    year = year or (baseline.year if baseline else archive.today().year)
    if baseline is None and target is None and deadline is None:
        with archive.sessions() as session:
            found = reports.unit_target(session, unit_ops.resolve_unit(session, unit), year)
    else:
        found = reports.set_target(archive, unit, year, baseline=baseline, percent=target, deadline=deadline)
    data = {
        "unit": unit,
        "year": year,
        "baseline_date": found.baseline.isoformat(),
        "target_percent": found.percent,
        "deadline": found.deadline.isoformat(),
        "set_by": found.source,
    }
    if json_out:
        emit_json(data)
    else:
        click.echo(
            f"{year}: baseline {found.baseline:%d/%m/%Y}, target {found.percent:g}%, "
            f"deadline {found.deadline:%d/%m/%Y} (set by: {found.source})"
        )


# -- report --------------------------------------------------------------------------------
@command(
    "report", help=N_("Tiến độ so với chỉ tiêu năm của từng đơn vị: tồn đọng (≥20%) và kết quả mới (100%).")
)
@common_options
@option("--unit", help=N_("Chỉ đơn vị này và các đơn vị trực thuộc (mặc định: mọi đơn vị)."))
@option("--period", help=N_("2024, 2024-Q2, 2024-06 hoặc TỪ..ĐẾN (mặc định: năm nay)."))
@option("--as-of", type=DATE, help=N_("Tính những gì đã làm đến ngày này (mặc định: cuối kỳ, hoặc hôm nay)."))
@option("--format", "fmt", type=click.Choice(app_reports.FORMATS), default="table", show_default=True)
@option("--out", type=click.Path(dir_okay=False, path_type=Path), help=N_("Ghi ra tệp này."))
@option("--no-match", is_flag=True, help=N_("Không đối chiếu trước các văn bản mới số hóa."))
@pass_ctx
def report(
    ctx: Context,
    unit: str | None,
    period: str | None,
    as_of: date | None,
    fmt: str,
    out: Path | None,
    no_match: bool,
) -> None:
    if fmt == "xlsx" and out is None:
        raise click.UsageError(_("--format xlsx cần --out TỆP.xlsx"))
    archive = ctx.archive
    result = app_reports.report(
        archive, cli_actor(archive, run_state["as_user"]), unit=unit, period=period, as_of=as_of, fmt=fmt,
        match=not no_match, exported_to=out.name if out is not None else None,
    )  # fmt: skip
    if fmt == "table":
        if out is None:
            console = Console()
            if not console.is_terminal:
                console = Console(width=200)  # a pipe or a file: do not squeeze columns to 80
            console.print(result.table())
        else:
            with open(out, "w", encoding="utf-8") as handle:
                Console(file=handle, width=240, color_system=None).print(result.table())
    else:
        rendered = result.render(fmt)
        if isinstance(rendered, bytes):
            assert out is not None
            out.write_bytes(rendered)
        elif out is None:
            text = rendered.lstrip("\ufeff") if fmt == "csv" else rendered
            click.echo(text, nl=not text.endswith("\n"))
        else:
            out.write_text(rendered, encoding="utf-8", newline="")
    if out is not None:
        err_console.print(Text(f"written: {out}"))
