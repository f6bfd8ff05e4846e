"""Every failure a user can meet, with the exit code the ``sohoa`` command returns for it.

The exit codes are a stable interface (documented in the README): scripts that drive
``sohoa ingest`` from a scanner's hot folder branch on them. One handler in ``cli`` turns
these exceptions into codes; library code raises them and never calls ``sys.exit``.
"""

from __future__ import annotations

from enum import IntEnum


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
    """The database is unreachable, locked, full or refused the work; nothing half-done is kept."""


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
