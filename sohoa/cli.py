"""The ``sohoa`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints. Results go to
stdout (tables, or exactly the documented JSON with ``--json``); logs, warnings and progress
go to stderr. ``SohoaError``s become their documented exit codes in one place (``main``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sohoa.archive import documents as docs
from sohoa.archive import units as unit_ops
from sohoa.archive.models import AuditEvent, Unit
from sohoa.archive.store import Archive
from sohoa.commands.base import Context, emit_json, err_console, pass_ctx
from sohoa.errors import ExitCode, SohoaError
from sohoa.progress import NullProgress, Progress
from sohoa.text import nfc

log = logging.getLogger("sohoa")
_state = {"verbose": 0}


@click.group()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SOHOA_HOME",
    help="Archive folder (default: $SOHOA_HOME or the per-user data folder).",
)
@click.option(
    "--db-url",
    envvar="SOHOA_DB_URL",
    help="SQLAlchemy URL of the database (default: SQLite in the archive folder).",
)
@click.option("-v", "--verbose", count=True, help="More log lines; -vv shows tracebacks of errors.")
@click.version_option(package_name="sohoa")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, db_url: str | None, verbose: int) -> None:
    """sohoa: số hóa kết quả giải quyết TTHC — digitise, search and report procedure results."""
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    if sys.stderr.isatty():  # log lines print above the progress bar instead of through it
        from rich.logging import RichHandler

        logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(console=err_console)])
    else:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    _state["verbose"] = verbose
    ctx.obj = Context(home, db_url, verbose)
    ctx.call_on_close(ctx.obj.close)


# -- ingest --------------------------------------------------------------------------------
class RichProgress:
    """A progress bar on stderr: documents, pages, pages/min and ETA."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self.bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=err_console,
            transient=False,
        )
        self.files_task = self.bar.add_task("tệp (files)", total=0, rate="")
        self.pages_task = self.bar.add_task("trang (pages)", total=0, rate="")
        self.started = 0.0

    def start(self, files: int) -> None:
        import time

        self.started = time.monotonic()
        self.bar.update(self.files_task, total=files)
        self.bar.start()

    def pages_found(self, count: int) -> None:
        task = self.bar.tasks[self.pages_task]
        self.bar.update(self.pages_task, total=(task.total or 0) + count)

    def page_done(self, count: int = 1) -> None:
        import time

        self.bar.advance(self.pages_task, count)
        done = self.bar.tasks[self.pages_task].completed
        minutes = max(time.monotonic() - self.started, 1e-6) / 60
        self.bar.update(self.pages_task, rate=f"{done / minutes:.0f} trang/phút")

    def file_done(self, name: str, status: str) -> None:
        self.bar.advance(self.files_task, 1)
        if status == "failed":
            self.bar.console.print(f"[red]lỗi[/red] {name}")

    def finish(self) -> None:
        self.bar.stop()


class LogProgress(NullProgress):
    """Plain lines on stderr when stderr is not a terminal (cron jobs, hot-folder scripts)."""

    def __init__(self) -> None:
        self.files = 0
        self.done = 0

    def start(self, files: int) -> None:
        self.files = files

    def file_done(self, name: str, status: str) -> None:
        self.done += 1
        click.echo(f"[{self.done}/{self.files}] {status}: {name}", err=True)


def _progress(json_out: bool) -> Progress:
    if sys.stderr.isatty():
        return RichProgress()
    return NullProgress() if json_out else LogProgress()


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--unit", "unit", required=True, help="Unit the results belong to: code or name ('khai quang')."
)
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=None, help="Pages read at once (default: all cores)."
)
@click.option(
    "--split",
    type=click.Choice(["auto", "blank", "none"]),
    default="auto",
    show_default=True,
    help="How to cut a batch scan into documents.",
)
@click.option("--json", "json_out", is_flag=True, help="Print the batch result as JSON.")
@pass_ctx
def ingest(
    ctx: Context, paths: tuple[Path, ...], unit: str, jobs: int | None, split: str, json_out: bool
) -> None:
    """Archive scanned files and folders (recursively): OCR, store, index.

    Every file ends as stored, duplicate or failed; failed files are copied to the
    quarantine folder with a reason. Interrupted? Run the same command again to resume.
    """
    from sohoa.ingest import IngestOptions
    from sohoa.ingest import ingest as run_ingest

    options = IngestOptions(unit=unit, split=split)
    if jobs:
        options.jobs = jobs
    report = run_ingest(ctx.archive, list(paths), options, _progress(json_out))
    if json_out:
        emit_json(report.to_json())
    else:
        _print_ingest_summary(ctx.archive, report)
    sys.exit(int(report.exit_code))


def _print_ingest_summary(archive: Archive, report: Any) -> None:
    out = Console()
    verb = "resumed" if report.resumed else "new"
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("stored", "duplicate", "failed"))
    out.print(
        f"Batch {report.batch_id} ({verb}): {counts}; {report.pages} pages in {report.seconds:.1f} s"
        + (f"; {len(report.skipped)} non-scan files skipped" if report.skipped else "")
    )
    failed = [item for item in report.items if item.status == "failed"]
    if failed:
        table = Table("file", "reason", title="Failed files (copied to quarantine)")
        for item in failed:
            table.add_row(item.path, item.error or "")
        out.print(table)
        out.print(f"Quarantine: {archive.quarantine_dir / f'batch-{report.batch_id}'}")


# -- show / list ---------------------------------------------------------------------------
@cli.command()
@click.argument("document_id", type=int)
@click.option("--json", "json_out", is_flag=True, help="Print the document as JSON.")
@pass_ctx
def show(ctx: Context, document_id: int, json_out: bool) -> None:
    """Show one document: its fields and its text (the view is recorded in the audit trail)."""
    archive = ctx.archive
    with archive.sessions.begin() as session:
        doc = docs.get_document(session, document_id)
        data = docs.document_json(doc)
        docs.record_view(archive, session, doc)
    if json_out:
        emit_json(data)
        return
    out = Console()
    out.print(
        f"[bold]#{data['id']}[/bold] {escape(data['source_name'])} — {escape(data['unit'])}, "
        f"{data['pages']} trang, {data['status']}, {data['created_at'][:19]}"
    )
    for warning in data["warnings"]:
        out.print(f"  [yellow]! {escape(warning)}[/yellow]")
    for name, value in data["fields"].items():
        if value:
            out.print(f"  {name}: {escape(', '.join(value) if isinstance(value, list) else str(value))}")
    out.print()
    out.print(data["text"].replace("\f", "\n" + "─" * 40 + "\n"), markup=False, highlight=False)


@cli.command("list")
@click.option("--unit", help="Only this unit (and its sub-units).")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "json_out", is_flag=True, help="Print the documents as JSON.")
@pass_ctx
def list_cmd(ctx: Context, unit: str | None, limit: int, json_out: bool) -> None:
    """List the newest documents."""
    with ctx.archive.sessions() as session:
        unit_ids = unit_ops.descendant_ids(session, unit_ops.resolve_unit(session, unit)) if unit else None
        rows = [
            {
                "id": d.id,
                "source_name": d.original.source_name,
                "unit": d.unit.name,
                "pages": d.page_count,
                "status": d.status,
                "doc_type": (d.fields or {}).get("doc_type"),
                "number": (d.fields or {}).get("number"),
                "issued_date": (d.fields or {}).get("issued_date"),
                "created_at": d.created_at.isoformat(),
            }
            for d in docs.list_documents(session, unit_ids, limit)
        ]
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "file", "unit", "pages", "type", "number", "date")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["source_name"].rsplit("/", 1)[-1],
            r["unit"],
            str(r["pages"]),
            r["doc_type"] or "",
            r["number"] or "",
            r["issued_date"] or "",
        )
    Console().print(table)


# -- units ---------------------------------------------------------------------------------
@cli.group()
def units() -> None:
    """The units (wards, commune, departments) results belong to."""


def _unit_json(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
        "aliases": list(unit.aliases or []),
    }


@units.command("list")
@click.option("--json", "json_out", is_flag=True)
@pass_ctx
def units_list(ctx: Context, json_out: bool) -> None:
    """List all units."""
    from sqlalchemy import select

    with ctx.archive.sessions() as session:
        rows = [_unit_json(u) for u in session.scalars(select(Unit).order_by(Unit.id))]
    if json_out:
        emit_json(rows)
        return
    table = Table("code", "name", "kind", "parent", "also known as")
    for r in rows:
        table.add_row(r["code"], r["name"], r["kind"], r["parent"] or "", ", ".join(r["aliases"]))
    Console().print(table)


@units.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(unit_ops.KINDS), default="department", show_default=True)
@click.option("--parent", default=unit_ops.CITY, show_default=True, help="Parent unit (code or name).")
@pass_ctx
def units_add(ctx: Context, code: str, name: str, kind: str, parent: str) -> None:
    """Add a unit, e.g. sohoa units add qlda "Ban Quản lý dự án" --kind department."""
    archive = ctx.archive
    with archive.sessions.begin() as session:
        unit = unit_ops.add_unit(session, code, nfc(name), kind, unit_ops.resolve_unit(session, parent))
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="unit.add",
                unit_id=unit.id,
                detail={"code": unit.code, "name": unit.name},
            )
        )
        click.echo(f"added {unit.code}: {unit.name}")


@units.command("rename")
@click.argument("unit")
@click.argument("new_name")
@pass_ctx
def units_rename(ctx: Context, unit: str, new_name: str) -> None:
    """Rename a unit; its old name keeps working."""
    archive = ctx.archive
    with archive.sessions.begin() as session:
        target = unit_ops.resolve_unit(session, unit)
        old = unit_ops.rename_unit(session, target, new_name)
        session.add(
            AuditEvent(
                actor=archive.actor,
                action="unit.rename",
                unit_id=target.id,
                detail={"old": old, "new": target.name},
            )
        )
        click.echo(f"renamed {target.code}: {old} -> {target.name}")


# -- commands of other roles (each module adds its own here) --------------------------------
# (search, index, review, register and report commands are registered below this line)
from sohoa.commands import reports as _reports  # noqa: E402
from sohoa.commands import review as _review  # noqa: E402
from sohoa.commands import search as _search  # noqa: E402

cli.add_command(_search.search)
cli.add_command(_search.index_group)
cli.add_command(_review.review)
cli.add_command(_review.edit)
cli.add_command(_review.reextract)
cli.add_command(_reports.register)
cli.add_command(_reports.report)


# -- entry point ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning sohoa's errors into their documented exit codes."""
    try:
        cli.main(args=argv, prog_name="sohoa", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.usage if isinstance(exc, click.UsageError) else ExitCode.internal_error)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.interrupted)
    except SohoaError as exc:
        if _state["verbose"] > 1:
            log.exception("error")
        click.echo(f"sohoa: {exc.message}", err=True)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        click.echo("sohoa: interrupted", err=True)
        sys.exit(ExitCode.interrupted)
    sys.exit(0)


if __name__ == "__main__":
    main()
