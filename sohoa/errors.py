"""Every failure a user can meet, with the exit code the ``sohoa`` command returns for it.

The exit codes are a stable interface (documented in the README): scripts that drive
``sohoa ingest`` from a scanner's hot folder branch on them. One handler in ``cli`` turns
these exceptions into codes; library code raises them and never calls ``sys.exit``.
"""

from __future__ import annotations

import errno
from enum import IntEnum

from sohoa.i18n import N_, _


class ExitCode(IntEnum):
    """Exit codes of the ``sohoa`` command."""

    ok = 0
    internal_error = 1  # a bug: please report it with the -v traceback
    usage = 2  # wrong options or arguments (click's own code)
    partial = 3  # a batch finished but some files failed (see quarantine)
    input_file = 4  # an input file cannot be read as a document
    missing_dependency = 5  # Tesseract or its Vietnamese model is not installed
    archive = 6  # the archive (database or storage folder) cannot be used
    not_found = 7  # the document, unit or row asked for does not exist
    unit = 8  # unknown or ambiguous unit name
    interrupted = 130  # Ctrl-C: the batch can be resumed by running the same command again


class SohoaError(Exception):
    """Base of all errors meant for the user; ``message`` says what to do about it."""

    exit_code: ExitCode = ExitCode.internal_error

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(SohoaError):
    """A user mistake in options or values (a date that does not exist, an unknown field)."""

    exit_code = ExitCode.usage


class ConflictError(SohoaError):
    """What was asked clashes with what is stored (a name that exists, a deadline before the baseline)."""

    exit_code = ExitCode.usage


class InputFileError(SohoaError):
    """A file cannot be turned into pages: the reason names the file and the remedy.

    ``reason_code`` is a short stable token (``empty``, ``truncated``, ``encrypted`` ...)
    that the batch summary and quarantine reason files carry next to the message.
    """

    exit_code = ExitCode.input_file

    def __init__(self, path: object, reason_code: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.reason_code = reason_code
        self.detail = message


class MissingDependencyError(SohoaError):
    """An external program or language model is missing."""

    exit_code = ExitCode.missing_dependency


class OcrError(SohoaError):
    """Tesseract failed on a page (non-zero exit, no output, or a time-out)."""

    exit_code = ExitCode.input_file


class ArchiveError(SohoaError):
    """The database or the storage folder cannot be used."""

    exit_code = ExitCode.archive


class DatabaseError(ArchiveError):
    """The database is unreachable, locked, full or refused the work; nothing half-done is kept.

    ``kind`` is a short stable token (see ``database_failure_kind``) for scripts and tests.
    """

    kind: str = "refused"


class IdentityError(ArchiveError):
    """The archive folder and the database belong to different archives: nothing is touched."""


class NotFoundError(SohoaError):
    """A document, unit or register row asked for does not exist."""

    exit_code = ExitCode.not_found


class UnitError(SohoaError):
    """A unit name matches no unit or several; the message lists the close matches."""

    exit_code = ExitCode.unit


class BatchInterruptedError(SohoaError):
    """The batch was interrupted; running the same command again resumes it."""

    exit_code = ExitCode.interrupted


class SearchIndexError(SohoaError):
    """The search index cannot be read or written (full disk, damaged or outdated index).

    The archive keeps such documents marked as pending; ``sohoa index sync`` (or the next
    run) adds them once the cause is fixed, and ``sohoa index rebuild`` recreates the index.
    """

    exit_code = ExitCode.archive


class IndexBusyError(SearchIndexError):
    """Another process kept the index write lock longer than the wait limit."""


# -- database failures, described without their text -----------------------------------------
# A driver's or SQLAlchemy's message quotes the SQL and its parameters (page text, names,
# dossier codes): it is never shown. The failure is told apart by its stable codes instead
# (SQLite's error name, PostgreSQL's SQLSTATE, the OS errno) and explained with what to do.
_DB_ADVICE = {
    "unreachable": N_(
        "không kết nối được cơ sở dữ liệu: kiểm tra máy chủ CSDL đang chạy, mạng, và địa chỉ "
        "--db-url / SOHOA_DB_URL"
    ),
    "lost": N_(
        "mất kết nối tới cơ sở dữ liệu giữa chừng: khi máy chủ chạy lại, chạy lại đúng lệnh này để làm tiếp"
    ),
    "auth": N_("máy chủ CSDL từ chối đăng nhập: kiểm tra tên người dùng và mật khẩu trong --db-url"),
    "locked": N_("cơ sở dữ liệu đang bị một lệnh khác khóa: chờ lệnh kia xong rồi chạy lại"),
    "full": N_(
        "đĩa hoặc cơ sở dữ liệu đã đầy: giải phóng dung lượng rồi chạy lại đúng lệnh này; phần chưa ghi "
        "xong không được giữ"
    ),
    "readonly": N_(
        "không ghi được vào cơ sở dữ liệu (chỉ đọc hoặc không có quyền): kiểm tra quyền của tài khoản "
        "chạy sohoa trên tệp và thư mục CSDL"
    ),
    "damaged": N_("tệp cơ sở dữ liệu bị hỏng hoặc không phải CSDL: khôi phục từ bản sao lưu"),
    "io": N_(
        "lỗi đọc/ghi đĩa khi dùng cơ sở dữ liệu: kiểm tra ổ đĩa còn chỗ trống (df -h) và không bị lỗi, "
        "rồi chạy lại đúng lệnh này"
    ),
    "refused": N_(
        "cơ sở dữ liệu từ chối thao tác: chạy lại lệnh; nếu vẫn lỗi, chạy lại với -vv và báo lỗi kèm "
        "phần chi tiết"
    ),
}
_SQLITE_KINDS = {
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_FULL": "full",
    "SQLITE_READONLY": "readonly",
    "SQLITE_PERM": "readonly",
    "SQLITE_AUTH": "readonly",
    "SQLITE_CANTOPEN": "readonly",
    "SQLITE_CORRUPT": "damaged",
    "SQLITE_NOTADB": "damaged",
    "SQLITE_IOERR": "io",
}
_SQLSTATE_KINDS = {  # PostgreSQL error codes, most specific prefix first
    "53100": "full",
    "53300": "unreachable",  # too many connections
    "57P01": "lost",
    "57P02": "lost",
    "57P03": "unreachable",
    "3D000": "unreachable",  # no such database
    "25006": "readonly",
    "42501": "readonly",
    "55P03": "locked",
    "40P01": "locked",
    "40001": "locked",
    "08": "lost",
    "28": "auth",
    "53": "full",
}
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def database_failure_kind(exc: BaseException) -> str:
    """``unreachable``, ``lost``, ``auth``, ``locked``, ``full``, ``readonly``, ``damaged``, ``io``
    or ``refused``: what went wrong, read from codes, never from the message text."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return "full"
    driver = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's exception
    name = getattr(driver, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, kind in _SQLITE_KINDS.items():
            if name.startswith(prefix):
                return kind
        return "refused"
    state = getattr(driver, "sqlstate", None)
    if isinstance(state, str) and state:
        for prefix, kind in _SQLSTATE_KINDS.items():
            if state.startswith(prefix):
                return kind
        return "refused"
    if type(driver).__name__ == "OperationalError" or getattr(exc, "connection_invalidated", False):
        return "unreachable"  # psycopg raises connection failures without an SQLSTATE
    return "refused"


def is_database_failure(exc: BaseException) -> bool:
    """True for a failure of the database or its disk (SQLAlchemy, sqlite3, psycopg, a full disk)."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    if isinstance(exc, DBAPIError | PoolTimeoutError | sqlite3.Error):
        return True
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    try:
        import psycopg
    except ImportError:  # the PostgreSQL driver is optional
        return False
    return isinstance(exc, psycopg.Error)


def database_error(exc: BaseException, where: str = "") -> DatabaseError:
    """A ``DatabaseError`` (exit 6) saying what to do about ``exc``, without its text.

    ``where`` names the database (a URL without its password) so the reader knows which one.
    """
    kind = database_failure_kind(exc)
    driver = getattr(exc, "orig", None) or exc
    place = f" [{where}]" if where else ""
    advice = _(_DB_ADVICE[kind])
    error = DatabaseError(f"{advice}{place} ({type(driver).__name__})")
    error.kind = kind
    return error


def no_document_error(document_id: object) -> NotFoundError:
    """The one wording of "no such document" (also said for a document outside the caller's units)."""
    return NotFoundError(
        _("không có văn bản số %(id)s: xem danh sách bằng 'sohoa list'") % {"id": document_id}
    )
