"""Plumbing every command shares: the lazily opened archive, the shared options, the JSON printer."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:  # the archive (and SQLAlchemy) load only when a command opens it: --help stays fast
    from sohoa.archive.store import Archive

err_console = Console(stderr=True)
log = logging.getLogger("sohoa")

F = TypeVar("F", bound=Callable[..., Any])

# What the whole run chose, for the one error handler in ``sohoa.cli.main``: how verbose to be,
# and which database a failure is about (a URL without its password, or the SQLite file).
run_state: dict[str, Any] = {"verbose": 0, "database": ""}


def _redacted(url: str) -> str:
    from sohoa.archive.db import _redact

    return _redact(url)


class Context:
    """What the group options chose; the archive opens lazily (``--help`` needs no database)."""

    def __init__(self, home: Path | None, db_url: str | None, verbose: int) -> None:
        self.home, self.db_url = home, db_url
        run_state["verbose"] = verbose
        run_state["database"] = _redacted(db_url) if db_url else "SQLite archive.db"
        self._archive: Archive | None = None

    @property
    def verbose(self) -> int:
        return int(run_state["verbose"])

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            from sohoa.archive.store import open_archive

            self._archive = open_archive(self.home, self.db_url)
        return self._archive

    def close(self) -> None:
        """Fold the read audit spool if the database is free right now, then let go of it."""
        if self._archive is not None:
            from sohoa.archive import audit

            audit.fold_spool_quietly(self._archive)
            self._archive.close()


pass_ctx = click.make_pass_decorator(Context)


# -- logging and the shared options --------------------------------------------------------
def configure_logging(verbose: int) -> None:
    """Log to stderr at the chosen level: warnings by default, -v info, -vv debug (and tracebacks)."""
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    root = logging.getLogger()
    if not root.handlers:
        if sys.stderr.isatty():  # log lines print above the progress bar instead of through it
            from rich.logging import RichHandler

            logging.basicConfig(format="%(message)s", handlers=[RichHandler(console=err_console)])
        else:
            logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    root.setLevel(level)


def _more_verbose(ctx: click.Context, _param: click.Parameter, count: int) -> None:
    if count:
        run_state["verbose"] = int(run_state["verbose"]) + count
        configure_logging(int(run_state["verbose"]))


_VERBOSE_NAME = "_shared_verbose"


def common_options(command: F) -> F:
    """Options every command and sub-command accepts, wherever they are typed.

    ``-v``/``-vv`` after the sub-command (``sohoa ingest x -vv``) adds to the count given before it.
    """
    return click.option(
        "-v",
        "--verbose",
        _VERBOSE_NAME,
        count=True,
        expose_value=False,
        callback=_more_verbose,
        help="More log lines; -vv shows the details of errors.",
    )(command)


def share_options(command: click.Command) -> None:
    """Give ``command`` and all its sub-commands the common options they lack (one call in ``cli``)."""
    if not any(p.name == _VERBOSE_NAME for p in command.params):
        common_options(command)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            share_options(sub)


class DateType(click.ParamType):
    """A day typed as ``dd/mm/yyyy`` or ``yyyy-mm-dd``: a wrong one is a usage error (exit 2)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        from sohoa.archive.register import parse_date

        try:
            return parse_date(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = DateType()


def plain(*values: Any) -> list[Text]:
    """Table cells that print as typed: a file name or field value like ``[b]`` is never markup."""
    return [Text("" if v is None else str(v)) for v in values]


def emit_json(data: Any) -> None:
    """Exactly the documented JSON on stdout: UTF-8 Vietnamese, not escapes."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
