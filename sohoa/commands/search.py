"""Staff's commands: search the archive, and keep its index in step."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.markup import escape

from sohoa.app import cli_actor
from sohoa.app import documents as app_documents
from sohoa.app.documents import MARK_END, MARK_START, SearchRequest
from sohoa.archive import indexing
from sohoa.commands.base import (
    Context,
    command,
    common_options,
    emit_json,
    group,
    option,
    pass_ctx,
    run_state,
)
from sohoa.errors import ExitCode, SearchIndexError
from sohoa.i18n import N_, _
from sohoa.search import BACKENDS


def _highlight(snippet: str) -> str:
    """Rich markup for a snippet: matched words in bold yellow, everything else escaped."""
    out, rest = [], snippet
    while MARK_START in rest:
        before, _, tail = rest.partition(MARK_START)
        word, _, rest = tail.partition(MARK_END)
        out.append(escape(before) + f"[bold yellow]{escape(word)}[/bold yellow]")
    return "".join(out) + escape(rest)


@command(
    help=N_(
        "Tìm kết quả: tên có dấu hoặc không dấu, số như 1234/QĐ-UBND, số định danh,\n"
        '"cụm từ trong ngoặc kép", AND/OR/NOT, trường:giá_trị (number:, name:, id:, '
        "type:, unit: ...)."
    )
)
@common_options
@click.argument("query", nargs=-1)
@option("--unit", help=N_("Chỉ đơn vị này (và các đơn vị trực thuộc): mã hoặc tên."))
@option("--type", "doc_type", help=N_("Loại văn bản, ví dụ 'Quyết định', 'giay chung nhan'."))
@option("--field", "field_", help=N_("Lĩnh vực thủ tục, ví dụ 'Hộ tịch'."))
@option(
    "--from",
    "date_from",
    type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]),
    help=N_("Ban hành từ ngày này trở đi."),
)
@option("--to", "date_to", type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]), help=N_("Ban hành đến ngày này."))
@option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@option("--offset", type=click.IntRange(0), default=0, help=N_("Bỏ qua ngần này kết quả (các trang sau)."))
@option(
    "--fuzzy", is_flag=True, help=N_("Chấp nhận lỗi nhận dạng chữ trong các từ gõ vào (chậm hơn, rộng hơn).")
)
@option("--json", "json_out", is_flag=True)
@pass_ctx
def search(
    ctx: Context,
    query: tuple[str, ...],
    unit: str | None,
    doc_type: str | None,
    field_: str | None,
    date_from,
    date_to,
    sort: str,
    limit: int,
    offset: int,
    fuzzy: bool,
    json_out: bool,
) -> None:  # noqa: ANN001
    archive = ctx.archive
    request = SearchRequest(
        query=" ".join(query),
        unit=unit,
        doc_type=doc_type,
        field=field_,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        sort=sort,
        limit=limit,
        offset=offset,
        fuzzy=fuzzy,
    )
    result = app_documents.search(archive, cli_actor(archive, run_state["as_user"]), request)
    if json_out:
        emit_json(result)
        return
    out = Console()
    out.print(
        _("%(total)s kết quả cho %(query)s")
        % {"total": result["total"], "query": f"[bold]{escape(result['query'])}[/bold]"}
    )
    for hit in result["hits"]:
        f = hit["fields"]
        head = " · ".join(
            escape(str(v))
            for v in (f.get("number"), f.get("doc_type"), f.get("issued_date"), f.get("unit_name"))
            if v
        )
        out.print(f"\n[bold cyan]#{hit['id']}[/bold cyan] {head}")
        subject = f.get("summary") or f.get("title")
        names = ", ".join(f.get("subject_names") or [])
        if subject or names:
            out.print("  " + escape(" — ".join(x for x in (subject, names) if x)))
        out.print("  " + _highlight(hit["snippet"]))


@group("index", help=N_("Giữ chỉ mục tìm kiếm khớp với kho."))
@common_options
def index_group() -> None:
    pass


@index_group.command(
    "sync", help=N_("Lập chỉ mục mọi văn bản còn chờ (sau sự cố, chỉ mục bị khóa, đầy đĩa).")
)
@common_options
@pass_ctx
def index_sync(ctx: Context) -> None:
    result = indexing.sync_index(ctx.archive)
    click.echo(
        _("đã đưa vào chỉ mục %(indexed)s; còn chờ %(pending)s")
        % {"indexed": result.indexed, "pending": result.pending}
    )
    if result.error:
        raise SearchIndexError(_("không ghi được chỉ mục: %(why)s") % {"why": result.error})


@index_group.command(
    "rebuild", help=N_("Dựng chỉ mục mới từ kho ở chỗ riêng rồi thay vào (vẫn tìm kiếm được trong lúc dựng).")
)
@common_options
@option("--backend", type=click.Choice(sorted(BACKENDS)), help=N_("Đổi công cụ tìm kiếm (được lưu lại)."))
@pass_ctx
def index_rebuild(ctx: Context, backend: str | None) -> None:
    count = indexing.rebuild_index(ctx.archive, backend=backend)
    click.echo(f"rebuilt the index with {count} documents ({indexing.backend_name(ctx.archive)})")


@index_group.command(
    "check",
    help=N_(
        "Liệt kê văn bản thiếu trong chỉ mục, lỗi thời trong chỉ mục hoặc chỉ mục có mà "
        "kho không có (mã thoát 3 nếu có)."
    ),
)
@common_options
@option("--json", "json_out", is_flag=True)
@pass_ctx
def index_check(ctx: Context, json_out: bool) -> None:
    report = indexing.check_index(ctx.archive)
    data = {"missing": report.missing, "stale": report.stale, "unknown": report.unknown}
    if report.damaged:
        data["damaged"] = report.damaged
        click.echo(
            _("Chỉ mục tìm kiếm bị hỏng: chạy `sohoa index rebuild`"),
            err=True,
        )
    if json_out:
        emit_json(data)
    else:
        for key, ids in data.items():
            click.echo(
                f"{key}: {len(ids)}"
                + (f" ({', '.join(map(str, ids[:20]))}{' ...' if len(ids) > 20 else ''})" if ids else "")
            )
    if not report.ok:
        sys.exit(int(ExitCode.partial))
