"""The ``sohoa`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints. Results go to
stdout (tables, or exactly the documented JSON with ``--json``); logs, warnings and progress
go to stderr. Every failure becomes its documented exit code in one place (``main``): sohoa's
own errors, database failures (exit 6, explained without the SQL or its parameters), and
anything unexpected (exit 1, one line; the traceback only with ``-vv``).
"""

from __future__ import annotations

import errno
import sys
import traceback
from pathlib import Path

import click

from sohoa.commands import archive as _archive
from sohoa.commands import audit as _audit
from sohoa.commands import batches as _batches
from sohoa.commands import documents as _documents
from sohoa.commands import reports as _reports
from sohoa.commands import review as _review
from sohoa.commands import search as _search
from sohoa.commands import units as _units
from sohoa.commands.base import Context, configure_logging, run_state, share_options
from sohoa.errors import ArchiveError, ExitCode, SohoaError, database_error, is_database_failure


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
@click.option("-v", "--verbose", count=True, help="More log lines; -vv shows the details of errors.")
@click.version_option(package_name="sohoa")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, db_url: str | None, verbose: int) -> None:
    """sohoa: số hóa kết quả giải quyết TTHC — digitise, search and report procedure results."""
    configure_logging(verbose)
    ctx.obj = Context(home, db_url, verbose)
    ctx.call_on_close(ctx.obj.close)


# -- the commands, one module per role -------------------------------------------------------
cli.add_command(_documents.ingest)
cli.add_command(_documents.show)
cli.add_command(_documents.list_cmd)
cli.add_command(_batches.batches)
cli.add_command(_units.units)
cli.add_command(_search.search)
cli.add_command(_search.index_group)
cli.add_command(_review.review)
cli.add_command(_review.edit)
cli.add_command(_review.reextract)
cli.add_command(_reports.register)
cli.add_command(_reports.report)
cli.add_command(_archive.init)
cli.add_command(_archive.verify)
cli.add_command(_archive.backup)
cli.add_command(_archive.void)
cli.add_command(_archive.move)
cli.add_command(_audit.audit)

# -v/-vv after any sub-command too, including the ones added above without the decorator
for _command in cli.commands.values():
    share_options(_command)


# -- one place for every failure -----------------------------------------------------------
_ARCHIVE_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO})


def _as_sohoa_error(exc: BaseException) -> SohoaError | None:
    """The user-facing error ``exc`` stands for; None for a bug."""
    if isinstance(exc, SohoaError):
        return exc
    if is_database_failure(exc):
        return database_error(exc, str(run_state["database"]))
    if isinstance(exc, OSError) and exc.errno in _ARCHIVE_ERRNOS:
        name = Path(str(exc.filename)).name if exc.filename else "?"
        return ArchiveError(
            f"không đọc/ghi được tệp '{name}' của kho (archive file not readable or writable: "
            f"{errno.errorcode.get(exc.errno or 0, '?')}): kiểm tra quyền và ổ đĩa của thư mục kho"
        )
    return None


def _fail(exc: BaseException) -> int:
    """Print one line about ``exc`` (the traceback only with -vv) and return its exit code."""
    verbose = int(run_state["verbose"])
    if verbose > 1:
        traceback.print_exception(exc, file=sys.stderr)
    known = _as_sohoa_error(exc)
    if known is not None:
        click.echo(f"sohoa: {known.message}", err=True)
        return int(known.exit_code)
    click.echo(
        f"sohoa: lỗi nội bộ (internal error: {type(exc).__name__}) — chạy lại với -vv để xem chi tiết "
        "và báo lỗi kèm phần đó (run again with -vv and report it)",
        err=True,
    )
    return int(ExitCode.internal_error)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every failure into its documented exit code."""
    run_state["verbose"] = 0
    try:
        code = cli.main(args=argv, prog_name="sohoa", standalone_mode=False)
    except SystemExit:
        raise  # a command chose its exit code (ingest: 3 when some files failed)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.usage if isinstance(exc, click.UsageError) else exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("sohoa: đã dừng (interrupted): chạy lại đúng lệnh này để làm tiếp", err=True)
        sys.exit(ExitCode.interrupted)
    except BaseException as exc:  # noqa: BLE001 - the one place that turns anything into an exit code
        sys.exit(_fail(exc))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
