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

from sohoa import i18n
from sohoa.commands.base import (
    Context,
    TranslatedGroup,
    TranslatedOption,
    configure_logging,
    group,
    option,
    run_state,
    share_options,
)
from sohoa.errors import ArchiveError, ExitCode, SohoaError, database_error, is_database_failure
from sohoa.i18n import N_, _

# -- the commands, one module per role -------------------------------------------------------
# name -> ("module:attribute", the one-line help ``sohoa --help`` lists). The line is a Vietnamese
# msgid, shown in the reader's language. A command's module (and with it SQLAlchemy, Alembic, the
# search engines) is imported only when that command runs, so ``sohoa --help`` answers at once;
# tests/test_cli_contract.py checks each line against the command's own help in both languages.
# A new command is one line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": (
        "sohoa.commands.documents:ingest",
        N_("Lưu trữ các tệp và thư mục quét (cả thư mục con): nhận dạng chữ (OCR), lưu, lập chỉ mục."),
    ),
    "show": (
        "sohoa.commands.documents:show",
        N_("Xem một văn bản: các trường và nội dung (lần xem được ghi vào nhật ký)."),
    ),
    "list": ("sohoa.commands.documents:list_cmd", N_("Liệt kê các văn bản mới nhất.")),
    "batches": (
        "sohoa.commands.batches:batches",
        N_("Liệt kê các lô nhập, mới nhất trước, với số tệp đã lưu, trùng, lỗi hoặc còn chờ."),
    ),
    "units": ("sohoa.commands.units:units", N_("Các đơn vị (phường, xã, phòng ban) sở hữu kết quả.")),
    "search": (
        "sohoa.commands.search:search",
        N_(
            'Tìm kết quả: tên có dấu hoặc không dấu, số như 1234/QĐ-UBND, số định danh, "cụm từ '
            'trong ngoặc kép", AND/OR/NOT, trường:giá_trị (number:, name:, id:, type:, unit: ...).'
        ),
    ),
    "index": ("sohoa.commands.search:index_group", N_("Giữ chỉ mục tìm kiếm khớp với kho.")),
    "review": (
        "sohoa.commands.review:review",
        N_("Liệt kê văn bản có phiếu cần cán bộ xem (trường thiếu hoặc đáng ngờ), tệ nhất trước."),
    ),
    "edit": (
        "sohoa.commands.review:edit",
        N_(
            "Sửa tay các trường của văn bản (giữ nguyên qua mọi lần đọc tự động sau, ghi nhật ký, "
            "lập lại chỉ mục)."
        ),
    ),
    "reextract": (
        "sohoa.commands.review:reextract",
        N_("Đọc lại các trường của mọi văn bản từ nội dung đã lưu (sau khi nâng cấp sohoa)."),
    ),
    "register": (
        "sohoa.commands.reports:register",
        N_("Sổ theo dõi kết quả tồn đọng: nhập, đối chiếu với văn bản, liên kết, mốc."),
    ),
    "report": (
        "sohoa.commands.reports:report",
        N_("Tiến độ so với chỉ tiêu năm của từng đơn vị: tồn đọng (≥20%) và kết quả mới (100%)."),
    ),
    "init": (
        "sohoa.commands.archive:init",
        N_("Tạo kho lưu trữ (mã kho và thiết lập); với kho đã có thì chỉ hiện chúng, không đổi gì."),
    ),
    "verify": (
        "sohoa.commands.archive:verify",
        N_(
            "Kiểm tra toàn vẹn: băm lại bản gốc và PDF tìm kiếm được; liệt kê tệp thiếu, bị sửa "
            "và tệp lạc kèm số văn bản (mã thoát 3 nếu có)."
        ),
    ),
    "backup": (
        "sohoa.commands.archive:backup",
        N_(
            "Sao chép nhất quán cơ sở dữ liệu (sao lưu trực tuyến SQLite) và các tệp mà nó ghi "
            "tên vào OUT (thư mục mới hoặc trống)."
        ),
    ),
    "void": (
        "sohoa.commands.archive:void",
        N_("Hủy một văn bản: giữ hồ sơ và tệp, nhưng không còn được đếm và tìm thấy (ghi nhật ký)."),
    ),
    "move": (
        "sohoa.commands.archive:move",
        N_("Chuyển văn bản sang đơn vị khác (số liệu của nó chuyển theo; ghi nhật ký)."),
    ),
    "pdfa": (
        "sohoa.commands.handover:pdfa",
        N_(
            "Chuyển các PDF tìm kiếm được của kho sang PDF/A-2b hai lớp (thay thế có ghi nhật ký, "
            "mã băm mới)."
        ),
    ),
    "export": (
        "sohoa.commands.handover:export",
        N_("Xuất văn bản thành gói BagIt: bản gốc, tệp PDF/A, siêu dữ liệu TT 05/2025 (XML, JSON), lịch sử."),
    ),
    "import": (
        "sohoa.commands.handover:import_cmd",
        N_(
            "Nhập gói do 'sohoa export' tạo: tệp giữ nguyên từng bit, trường kèm dấu sửa tay, đơn "
            "vị, sổ theo dõi."
        ),
    ),
    "handover-defaults": (
        "sohoa.commands.handover:handover_defaults",
        N_("Chế độ sử dụng (Mode) và thời hạn bảo quản (Maintenance) mà lần xuất ghi cho từng loại văn bản."),
    ),
    "worker": (
        "sohoa.commands.worker:worker",
        N_(
            "Đọc trang của các lô xếp hàng (sohoa ingest --queue) cho đến khi bị dừng; cần "
            "SOHOA_HOME, SOHOA_DB_URL và SOHOA_BROKER_URL."
        ),
    ),
    "audit": (
        "sohoa.commands.audit:audit",
        N_("Nhật ký truy cập: tìm kiếm, xem, xuất, báo cáo và thay đổi, mới nhất trước."),
    ),
    "users": ("sohoa.commands.users:users", N_("Người dùng: thêm, liệt kê, khóa, mật khẩu và mã API.")),
    "serve": (
        "sohoa.commands.serve:serve",
        N_("Chạy bàn làm việc trên web (tiếng Việt, dựng trên máy chủ) và API JSON của nó."),
    ),
}


class LazyGroup(TranslatedGroup):
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
        """List the commands from the table, without importing them, in the reader's language."""
        width = formatter.width - 6 - max(len(name) for name in self.lazy)
        rows = [(name, _short_help(_(self.lazy[name][1]), width)) for name in sorted(self.lazy)]
        if rows:
            with formatter.section(_("Lệnh")):
                formatter.write_dl(rows)


def _short_help(text: str, width: int) -> str:
    """A table line of at most ``width`` characters, cut at a word (click's own helper is deprecated)."""
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    import textwrap  # only when a line is too long for the terminal

    return textwrap.shorten(line, max(width, 3), placeholder="...", break_on_hyphens=False)


def _choose_language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """The language of every message of this run: ``--lang``, else ``SOHOA_LANG``, else Vietnamese."""
    i18n.set_language(value)


def _remember_actor(name: str | None) -> None:
    """Who the commands act as (``--as``/``SOHOA_USER``), read by ``sohoa.app.cli_actor``."""
    run_state["as_user"] = name


@group(
    cls=LazyGroup,
    lazy=COMMANDS,
    help=N_("sohoa: số hóa kết quả giải quyết TTHC — số hóa, tìm kiếm và báo cáo kết quả thủ tục."),
)
@option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SOHOA_HOME",
    help=N_("Thư mục kho (mặc định: $SOHOA_HOME hoặc thư mục dữ liệu của người dùng)."),
)
@option(
    "--db-url",
    envvar="SOHOA_DB_URL",
    help=N_("Địa chỉ SQLAlchemy của cơ sở dữ liệu (mặc định: SQLite trong thư mục kho)."),
)
@option(
    "--as",
    "as_user",
    envvar="SOHOA_USER",
    expose_value=False,
    callback=lambda _ctx, _param, value: _remember_actor(value),
    help=N_(
        "Làm việc với tư cách người dùng sohoa này (vai trò, đơn vị và che thông tin của "
        "họ; ghi nhật ký dưới tên họ). Mặc định: chủ kho, với quyền admin."
    ),
)
@option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES, case_sensitive=False),
    envvar="SOHOA_LANG",
    expose_value=False,
    is_eager=True,
    callback=_choose_language,
    help=N_("Ngôn ngữ thông báo: vi (mặc định) hoặc en; ưu tiên hơn $SOHOA_LANG."),
)
@option("-v", "--verbose", count=True, help=N_("Hiện thêm thông tin khi chạy; -vv hiện chi tiết lỗi."))
@click.version_option(package_name="sohoa", cls=TranslatedOption, help=N_("Hiện phiên bản rồi thoát."))
@click.pass_context
def cli(ctx: click.Context, home: Path | None, db_url: str | None, verbose: int) -> None:
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
