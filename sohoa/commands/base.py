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

from sohoa.i18n import N_, gettext

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


# -- help in the reader's language ----------------------------------------------------------
class TranslatedHelp:
    """``help`` holds the Vietnamese msgid and reads in the language active when it is shown.

    Commands are defined (and their modules imported) once per process, but ``--lang`` or
    ``SOHOA_LANG`` decide the language of each run, so help is translated when click shows it,
    never when the decorator runs. Write help as ``help=N_("tiếng Việt")`` so the catalog has it.
    """

    _help_msgid: str | None = None

    @property
    def help(self) -> str | None:
        return gettext(self._help_msgid) if self._help_msgid else self._help_msgid

    @help.setter
    def help(self, value: str | None) -> None:
        self._help_msgid = value


class TranslatedLayout:
    """The headings click writes in English (usage, options, commands), in the reader's language."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=gettext("Cách dùng: "))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [row for param in self.get_params(ctx) if (row := param.get_help_record(ctx))]  # type: ignore[attr-defined]
        if rows:
            with formatter.section(gettext("Tùy chọn")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class TranslatedOption(TranslatedHelp, click.Option):
    """An option whose help follows the language."""


def _translate_help_option(option: click.Option | None) -> click.Option | None:
    """``--help``'s own line, which click writes in English."""
    if option is not None:
        option.help = gettext("Hiện hướng dẫn này rồi thoát.")
    return option


class TranslatedCommand(TranslatedHelp, TranslatedLayout, click.Command):
    """A command whose help, and its ``--help`` option's, follow the language."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _translate_help_option(super().get_help_option(ctx))


class TranslatedGroup(TranslatedHelp, TranslatedLayout, click.Group):
    """A group whose help and sub-commands' help follow the language."""

    command_class = TranslatedCommand
    group_class = type  # sub-groups are TranslatedGroup too

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _translate_help_option(super().get_help_option(ctx))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        shown = [(name, command) for name, command in commands if command is not None and not command.hidden]
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _command in shown)
            with formatter.section(gettext("Lệnh")):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown])


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """``click.command`` with help in the reader's language."""
    return click.command(*args, cls=kwargs.pop("cls", TranslatedCommand), **kwargs)


def group(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Group]:
    """``click.group`` with help in the reader's language."""
    return click.group(*args, cls=kwargs.pop("cls", TranslatedGroup), **kwargs)


def option(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``click.option`` with help in the reader's language."""
    return click.option(*args, cls=kwargs.pop("cls", TranslatedOption), **kwargs)


_VERBOSE_NAME = "_shared_verbose"


def common_options(command: F) -> F:
    """Options every command and sub-command accepts, wherever they are typed.

    ``-v``/``-vv`` after the sub-command (``sohoa ingest x -vv``) adds to the count given before it.
    """
    return option(
        "-v",
        "--verbose",
        _VERBOSE_NAME,
        count=True,
        expose_value=False,
        callback=_more_verbose,
        help=N_("Hiện thêm thông tin khi chạy; -vv hiện chi tiết lỗi."),
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
