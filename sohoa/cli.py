"""The ``sohoa`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints. Results go to
stdout (tables, or exactly the documented JSON with ``--json``); logs, warnings and progress
go to stderr. ``SohoaError``s become their documented exit codes in one place (``main``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from sohoa.commands import documents as _documents
from sohoa.commands import reports as _reports
from sohoa.commands import review as _review
from sohoa.commands import search as _search
from sohoa.commands import units as _units
from sohoa.commands.base import Context, err_console
from sohoa.errors import ExitCode, SohoaError

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


# -- the commands, one module per role -------------------------------------------------------
cli.add_command(_documents.ingest)
cli.add_command(_documents.show)
cli.add_command(_documents.list_cmd)
cli.add_command(_units.units)
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
        # Without standalone mode click returns ``ctx.exit(n)``'s code instead of raising.
        returned = cli.main(args=argv, prog_name="sohoa", standalone_mode=False)
        if isinstance(returned, int) and not isinstance(returned, bool) and returned:
            sys.exit(returned)
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
