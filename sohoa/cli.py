"""The ``sohoa`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints. Results go to
stdout (tables, or exactly the documented JSON with ``--json``); logs, warnings and progress
go to stderr. Every failure becomes its documented exit code in one place (``main``): sohoa's
own errors, database failures (exit 6, explained without the SQL or its parameters), and
anything unexpected (exit 1, one line; the traceback only with ``-vv``).
"""

from __future__ import annotations

import errno
import importlib
import sys
import traceback
from pathlib import Path

import click
from click.utils import make_default_short_help

from sohoa import i18n
from sohoa.commands.base import Context, configure_logging, run_state, share_options
from sohoa.errors import ArchiveError, ExitCode, SohoaError, database_error, is_database_failure
from sohoa.i18n import _

# -- the commands, one module per role -------------------------------------------------------
# name -> ("module:attribute", the one-line help ``sohoa --help`` lists). A command's module (and
# with it SQLAlchemy, Alembic, the search engines) is imported only when that command runs, so
# ``sohoa --help`` answers at once; tests/test_cli_contract.py checks each line against the
# command's own help. A new command is one line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": (
        "sohoa.commands.documents:ingest",
        "Archive scanned files and folders (recursively): OCR, store, index.",
    ),
    "show": (
        "sohoa.commands.documents:show",
        "Show one document: its fields and its text (the view is recorded in the audit trail).",
    ),
    "list": ("sohoa.commands.documents:list_cmd", "List the newest documents."),
    "batches": (
        "sohoa.commands.batches:batches",
        "List ingest batches, newest first, with how many files were stored, duplicate, failed or pending.",
    ),
    "units": ("sohoa.commands.units:units", "The units (wards, commune, departments) results belong to."),
    "search": (
        "sohoa.commands.search:search",
        "Find results: names with or without diacritics, numbers like 1234/QĐ-UBND, ID numbers, "
        '"quoted phrases", AND/OR/NOT, field:value (number:, name:, id:, type:, unit: ...).',
    ),
    "index": ("sohoa.commands.search:index_group", "Keep the search index in step with the archive."),
    "review": (
        "sohoa.commands.review:review",
        "List documents whose card needs a clerk (missing or doubtful fields), worst first.",
    ),
    "edit": (
        "sohoa.commands.review:edit",
        "Correct a document's fields by hand (kept over any later automatic pass, audited, re-indexed).",
    ),
    "reextract": (
        "sohoa.commands.review:reextract",
        "Read every document's fields again from its stored text (after an upgrade of sohoa).",
    ),
    "register": (
        "sohoa.commands.reports:register",
        "The backlog register (sổ theo dõi kết quả): import, match to documents, link, baselines.",
    ),
    "report": (
        "sohoa.commands.reports:report",
        "Progress toward the year's targets per unit: backlog (≥20%) and new results (100%).",
    ),
    "init": (
        "sohoa.commands.archive:init",
        "Create an archive (its id and settings); on an existing one, show them and change nothing.",
    ),
    "verify": (
        "sohoa.commands.archive:verify",
        "Kiểm tra toàn vẹn: re-hash originals and searchable PDFs; list missing, altered and orphan "
        "files with their document ids (exit 3 if any).",
    ),
    "backup": (
        "sohoa.commands.archive:backup",
        "Consistent copy of the database (SQLite online backup) and the files its rows name into OUT (a "
        "new or empty folder).",
    ),
    "void": (
        "sohoa.commands.archive:void",
        "Void a document: its record and files are kept, it leaves counts and search (audited).",
    ),
    "move": (
        "sohoa.commands.archive:move",
        "File a document under another unit (its counts move with it; audited).",
    ),
    "pdfa": (
        "sohoa.commands.handover:pdfa",
        "Convert the archive's searchable PDFs to two-layer PDF/A-2b (audited replacements, new checksums).",
    ),
    "export": (
        "sohoa.commands.handover:export",
        "Export documents as a BagIt bag: originals, PDF/A files, TT 05/2025 metadata (XML, JSON), history.",
    ),
    "import": (
        "sohoa.commands.handover:import_cmd",
        "Import a bag made by 'sohoa export': files bit for bit, fields with manual marks, units, register.",
    ),
    "handover-defaults": (
        "sohoa.commands.handover:handover_defaults",
        "Access mode (Mode) and retention (Maintenance) an export writes for each document type.",
    ),
    "worker": (
        "sohoa.commands.worker:worker",
        "Read pages of queued batches (sohoa ingest --queue) until stopped; needs SOHOA_HOME, SOHOA_DB_URL "
        "and SOHOA_BROKER_URL.",
    ),
    "audit": (
        "sohoa.commands.audit:audit",
        "Nhật ký truy cập (audit trail): searches, views, exports, reports and changes, newest first.",
    ),
    "users": (
        "sohoa.commands.users:users",
        "Người dùng (users): add, list, disable, passwords and API tokens.",
    ),
    "serve": (
        "sohoa.commands.serve:serve",
        "Run the web desk (Vietnamese, server-rendered) and its JSON API.",
    ),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use, with their help lines known beforehand."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            share_options(command)  # -v/-vv after any sub-command too
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from the table, without importing them."""
        width = formatter.width - 6 - max(len(name) for name in self.lazy)
        rows = [(name, make_default_short_help(self.lazy[name][1], width)) for name in sorted(self.lazy)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _choose_language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """The language of every message of this run: ``--lang``, else ``SOHOA_LANG``, else Vietnamese."""
    i18n.set_language(value)


def _remember_actor(name: str | None) -> None:
    """Who the commands act as (``--as``/``SOHOA_USER``), read by ``sohoa.app.cli_actor``."""
    run_state["as_user"] = name


@click.group(cls=LazyGroup, lazy=COMMANDS)
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
@click.option(
    "--as",
    "as_user",
    envvar="SOHOA_USER",
    expose_value=False,
    callback=lambda _ctx, _param, value: _remember_actor(value),
    help="Act as this sohoa user (its role, units and masking; audited under its name). "
    "Default: the archive's owner, as admin.",
)
@click.option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES, case_sensitive=False),
    envvar="SOHOA_LANG",
    expose_value=False,
    is_eager=True,
    callback=_choose_language,
    help="Language of messages: vi (default) or en; overrides $SOHOA_LANG.",
)
@click.option("-v", "--verbose", count=True, help="More log lines; -vv shows the details of errors.")
@click.version_option(package_name="sohoa")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, db_url: str | None, verbose: int) -> None:
    """sohoa: số hóa kết quả giải quyết TTHC — digitise, search and report procedure results."""
    configure_logging(verbose)
    ctx.obj = Context(home, db_url, verbose)
    ctx.call_on_close(ctx.obj.close)


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
            _("không đọc/ghi được tệp '%(name)s' của kho (%(code)s): kiểm tra quyền và ổ đĩa của thư mục kho")
            % {"name": name, "code": errno.errorcode.get(exc.errno or 0, "?")}
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
    message = _("lỗi nội bộ (%(kind)s) — chạy lại với -vv để xem chi tiết và báo lỗi kèm phần đó") % {
        "kind": type(exc).__name__
    }
    click.echo(f"sohoa: {message}", err=True)
    return int(ExitCode.internal_error)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every failure into its documented exit code."""
    run_state["verbose"] = 0
    run_state["as_user"] = None
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
        click.echo("sohoa: " + _("đã dừng: chạy lại đúng lệnh này để làm tiếp"), err=True)
        sys.exit(ExitCode.interrupted)
    except BaseException as exc:  # noqa: BLE001 - the one place that turns anything into an exit code
        sys.exit(_fail(exc))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
