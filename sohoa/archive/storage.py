"""Files of the archive: originals by SHA-256, searchable PDFs, temp work, and crash safety.

An input is copied into the process's own temp folder while it is hashed (one read of the
source); everything after (OCR, the PDF, storing) works from that copy, so the stored
original is named by the hash of exactly the bytes stored, even if the source changes
meanwhile. Files reach ``originals/`` and ``documents/`` by an fsynced rename, so a crash
leaves the whole file or nothing there.

Cleanup never guesses from age: each ingest works in ``tmp/w-<pid>-<token>/`` holding an
``flock`` on its lock file, and ``sweep_tmp`` removes only work folders whose lock is free
(their writer is gone). Nothing in ``originals/`` or ``documents/`` is ever deleted here: a
file no row names is reported by ``sohoa verify`` as an orphan, for a person to judge (it may
belong to a database restored from an older backup).
"""

from __future__ import annotations

import errno
import fcntl
import filecmp
import hashlib
import itertools
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sohoa.errors import ArchiveError, InputFileError
from sohoa.i18n import N_, _

from .faults import fault_point

CHUNK = 1 << 20
SETTLE_ENV = "SOHOA_SETTLE_SECONDS"
DEFAULT_SETTLE_S = 1.0
_LOCK_NAME = ".lock"
_WORKDIR = re.compile(r"^w-(\d+)-[0-9a-f]+$")
_NEW_WORKDIR = re.compile(r"^\.new-(\d+)-[0-9a-f]+$")
_LOOSE = re.compile(r"^\.?(\d+)-")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (scans can be hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- modes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileModes:
    """Permission bits of what the archive writes: the owner only, plus the group if the setting says so."""

    directory: int = 0o700
    file: int = 0o600
    original: int = 0o400

    @classmethod
    def from_setting(cls, group_mode: str | None) -> FileModes:
        """``group_mode`` ``r`` lets the group read (and enter folders), ``rw`` also write; else none."""
        mode = (group_mode or "").strip().lower()
        if mode == "rw":
            return cls(0o770, 0o660, 0o440)
        if mode == "r":
            return cls(0o750, 0o640, 0o440)
        return cls()


def archive_error(exc: OSError, what: str) -> ArchiveError:
    """An archive write that failed, in words a clerk can act on (disk full above all)."""
    if exc.errno in _DISK_FULL:
        return ArchiveError(
            _(
                "ổ đĩa của kho lưu trữ đã đầy khi %(what)s: giải phóng chỗ trống rồi chạy lại đúng lệnh này "
                "để tiếp tục"
            )
            % {"what": _(what)}
        )
    return ArchiveError(
        _(
            "không ghi được vào thư mục kho lưu trữ khi %(what)s (%(why)s): kiểm tra quyền và ổ đĩa, rồi "
            "chạy lại đúng lệnh này"
        )
        % {"what": _(what), "why": exc.strerror or exc}
    )


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (the folder entry itself is fsynced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: Path, top: Path, mode: int) -> None:
    """Create ``path`` (under ``top``) with ``mode`` whatever the umask, fsyncing each new entry."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current != top and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        os.chmod(folder, mode)
        fsync_dir(folder.parent)


def place_file(tmp: Path, final: Path, mode: int, modes: FileModes, home: Path) -> None:
    """Rename a finished, fsynced temp file into place with its mode, durably (raises ``OSError``)."""
    os.chmod(tmp, mode)
    make_dirs(final.parent, home, modes.directory)
    os.replace(tmp, final)  # same bytes at the same path: a crashed earlier try is simply replaced
    fsync_dir(final.parent)


# -- the work folder of one process --------------------------------------------------------
class WorkDir:
    """This process's temp folder under ``tmp/``, alive exactly as long as its ``flock`` is held.

    The lock dies with the process (kill -9 and power cuts included), which is how
    ``sweep_tmp`` in a later run knows the folder's writer is gone. It is made under a
    ``.new-`` name and renamed once locked, so a sweep never sees it unlocked.
    """

    def __init__(self, tmp_dir: Path, modes: FileModes | None = None) -> None:
        self.modes = modes or FileModes()
        token = secrets.token_hex(6)
        try:
            make_dirs(tmp_dir, tmp_dir.parent, self.modes.directory)
            new = tmp_dir / f".new-{os.getpid()}-{token}"
            new.mkdir()
            os.chmod(new, 0o700)
            self._fd = os.open(new / _LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.path = tmp_dir / f"w-{os.getpid()}-{token}"
            os.rename(new, self.path)
        except OSError as exc:
            raise archive_error(exc, N_("tạo thư mục tạm")) from exc
        self._count = itertools.count(1)  # next() is atomic: a worker's finishing thread shares the folder

    def file(self, label: str) -> Path:
        """A fresh path inside the work folder (``label`` is a kind, never a file name)."""
        return self.path / f"{next(self._count):06d}-{label}"

    def close(self) -> None:
        """Remove the folder and release the lock (the batch is over, or stopped cleanly)."""
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)


def _lock_is_free(lock_path: Path) -> int | None:
    """An fd holding ``lock_path``'s lock if nobody else holds it, else None."""
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _pid_alive(pid_text: str) -> bool:
    """Whether a process with this id runs (then a temp file it named may be in use)."""
    if not pid_text.isdigit():
        return True  # not ours to judge: keep it
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_tmp(tmp_dir: Path) -> list[str]:
    """Remove temp work whose writer is gone; return the names removed.

    - a work folder ``w-<pid>-…`` whose lock nobody holds (never one whose lock is held);
    - a ``.new-<pid>-…`` folder or a loose ``<pid>-…`` file of a process no longer running;
    - a batch lock file nobody holds (removed while locked, see :class:`BatchLock`).

    Anything else in ``tmp/`` is left alone, and ``originals/`` and ``documents/`` are never touched.
    """
    removed: list[str] = []
    if not tmp_dir.is_dir():
        return removed
    for entry in sorted(tmp_dir.iterdir()):
        name = entry.name
        try:
            if entry.is_dir() and not entry.is_symlink():
                if _WORKDIR.match(name):
                    fd = _lock_is_free(entry / _LOCK_NAME)
                    if fd is None:
                        if (entry / _LOCK_NAME).exists() or _pid_alive(_WORKDIR.match(name)[1]):
                            continue
                        shutil.rmtree(entry)  # no lock file at all and its process is gone
                    else:
                        try:
                            shutil.rmtree(entry)
                        finally:
                            os.close(fd)
                    removed.append(name)
                elif (match := _NEW_WORKDIR.match(name)) and not _pid_alive(match[1]):
                    shutil.rmtree(entry)
                    removed.append(name)
            elif name.startswith(BatchLock.PREFIX) and name.endswith(".lock"):
                fd = _lock_is_free(entry)
                if fd is not None:
                    try:
                        entry.unlink()
                    finally:
                        os.close(fd)
                    removed.append(name)
            elif (match := _LOOSE.match(name)) and not _pid_alive(match[1]):
                entry.unlink()
                removed.append(name)
        except OSError:
            continue
    return removed


class BatchLock:
    """One runner per ingest command at a time: a second run of the same command waits for the first.

    The lock file lives in ``tmp/``; after taking the lock we check the path still names the
    file we locked (a sweep may have removed a free lock file meanwhile), else we try again.
    """

    PREFIX = "batch-"

    def __init__(self, tmp_dir: Path, key: str) -> None:
        self.path = tmp_dir / f"{self.PREFIX}{key[:40]}.lock"
        self._fd: int | None = None

    def acquire(self, blocking: bool) -> bool:
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
            except OSError as exc:
                raise archive_error(exc, N_("khóa lô")) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                os.close(fd)
                return False
            except BaseException:
                os.close(fd)
                raise
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return True
            os.close(fd)

    def release(self) -> None:
        """Remove the lock file while still holding it, then let go (a waiter then retries the path)."""
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


# -- taking a source in --------------------------------------------------------------------
@dataclass(frozen=True)
class SourceCopy:
    """The private copy of an input: its path in the work folder, SHA-256 and size."""

    path: Path
    sha256: str
    size: int


class SourceChangingError(Exception):
    """The source changed while it was read (a scanner or a copy still writing it)."""


def settle_seconds() -> float:
    """How long a file must stay unchanged to be taken (``SOHOA_SETTLE_SECONDS``, default 1 s)."""
    try:
        return max(0.0, float(os.environ.get(SETTLE_ENV, DEFAULT_SETTLE_S)))
    except ValueError:
        return DEFAULT_SETTLE_S


def file_signature(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def wait_until_settled(path: Path, quiet_s: float, seen: tuple[tuple[int, int], float] | None = None) -> bool:
    """True once ``path``'s size and mtime have not changed for ``quiet_s``; False if still
    changing after five times that (the file is left for the next run).

    ``seen`` is a signature taken earlier with its ``time.monotonic()``: if the file has not
    changed since and enough time has passed, no wait is needed. A file not modified for
    ``quiet_s`` (by its mtime) is taken at once.
    """
    signature = file_signature(path)
    if time.time() - signature[1] / 1e9 >= quiet_s:
        return True
    if seen is not None and seen[0] == signature and time.monotonic() - seen[1] >= quiet_s:
        return True
    deadline = time.monotonic() + 5 * quiet_s
    while time.monotonic() < deadline:
        time.sleep(min(quiet_s, max(0.0, deadline - time.monotonic())))
        current = file_signature(path)
        if current == signature:
            return True
        signature = current
    return False


def copy_source(src: Path, work: WorkDir) -> SourceCopy:
    """Copy ``src`` into the work folder while hashing it: the one read of the source.

    Raises :class:`InputFileError` (``unreadable``) when the source cannot be read,
    :class:`SourceChangingError` when it changed during the read (the copy is removed), and
    :class:`ArchiveError` when the archive cannot be written (disk full above all).
    """
    digest = hashlib.sha256()
    target = work.file("source")
    size = 0
    try:
        inp = open(src, "rb")  # noqa: SIM115 - closed below; read and write errors are told apart
    except FileNotFoundError:
        raise InputFileError(src, "unreadable", _("tệp không còn ở đó: đã bị chuyển hoặc xóa?")) from None
    except IsADirectoryError:
        raise InputFileError(src, "unreadable", _("đây là thư mục, không phải tệp")) from None
    except OSError as exc:
        raise InputFileError(
            src,
            "unreadable",
            _("không đọc được tệp (%(why)s): kiểm tra quyền đọc") % {"why": exc.strerror or exc},
        ) from None
    try:
        before = os.fstat(inp.fileno())
        out_fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with open(out_fd, "wb") as out:
            while True:
                try:
                    chunk = inp.read(CHUNK)
                except OSError as exc:
                    raise InputFileError(
                        src, "unreadable", _("đọc tệp bị lỗi (%(why)s)") % {"why": exc.strerror or exc}
                    ) from None
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        after = os.fstat(inp.fileno())
        changed = (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns)
        if changed or size != after.st_size:
            raise SourceChangingError(str(src))
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise archive_error(exc, N_("chép tệp vào thư mục tạm")) from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        inp.close()
    fault_point("source-copied")
    return SourceCopy(target, digest.hexdigest(), size)


# -- storing -------------------------------------------------------------------------------
def place_original(copy: Path, final: Path, home: Path, modes: FileModes) -> None:
    """Put the hashed copy of an input in ``originals/`` (read-only); it was fsynced when copied."""
    try:
        place_file(copy, final, modes.original, modes, home)
    except OSError as exc:
        raise archive_error(exc, N_("lưu bản gốc")) from exc
    fault_point("original-copied")


def place_pdf(tmp: Path, final: Path, home: Path, modes: FileModes) -> tuple[str, int]:
    """Put a document's searchable PDF in place; returns the SHA-256 and size of its bytes.

    The hash is taken while the file is fsynced, just after it was written (its pages are
    still in the page cache), so what is registered is what reached the disk.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with open(tmp, "rb+") as handle:
            half = os.fstat(handle.fileno()).st_size // 2
            for limit in (half, None):
                while (want := CHUNK if limit is None else min(CHUNK, limit - size)) > 0:
                    chunk = handle.read(want)
                    if not chunk:
                        break
                    digest.update(chunk)
                    size += len(chunk)
                if limit is not None:
                    fault_point("pdf-half-written")
            os.fsync(handle.fileno())
        place_file(tmp, final, modes.file, modes, home)
    except OSError as exc:
        raise archive_error(exc, N_("lưu tệp PDF")) from exc
    return digest.hexdigest(), size


def original_relpath(sha256: str, suffix: str) -> str:
    """Where an original lives under the archive home: fanned out by hash prefix."""
    ext = suffix.lower() if suffix and len(suffix) <= 6 else ""
    return f"originals/{sha256[:2]}/{sha256}{ext}"


def pdf_relpath(sha256: str, page_from: int) -> str:
    """Where a document's searchable PDF lives: keyed by content, so a retry rewrites the same path."""
    return f"documents/{sha256[:2]}/{sha256}-p{page_from}.pdf"


def quarantine(
    src: Path,
    quarantine_dir: Path,
    reason_code: str,
    message: str,
    *,
    problem: str = "",
    action: str = "",
    copy: bool = True,
) -> Path:
    """Copy a failed file aside with a ``.reason.txt`` a clerk can read; returns where it went.

    The reason file says in Vietnamese first what is wrong (``problem``) and what to do
    (``action``), then the detailed message and the reason code. Returns the copy's path, or
    the reason file's when there is nothing to copy (``copy=False``: a half-written file) or
    the file cannot be read: the reason file alone then stands for the file. Names longer than
    a folder entry allows are shortened, so a long name never stops the batch.
    """
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    stem, suffix = _short_stem(src.stem, src.suffix)
    target = quarantine_dir / f"{stem}{suffix}"
    n = 1
    while target.exists() or target.with_name(target.name + ".reason.txt").exists():
        if copy and _same_file(src, target):
            break  # a run killed after copying but before recording it: that copy is this file's
        target = quarantine_dir / f"{stem}.{n}{suffix}"
        n += 1
    reason = target.with_name(target.name + ".reason.txt")
    kept = target
    if copy and not target.exists():
        try:
            shutil.copyfile(src, target)
        except OSError:
            target.unlink(missing_ok=True)
            kept = reason
    else:
        kept = reason
    lines = [
        _("Tệp:") + f" {src}",
        _("Lỗi:") + f" {problem}" if problem else "",
        _("Cần làm:") + f" {action}" if action else "",
        _("Chi tiết:") + f" {message}",
        _("Mã lỗi:") + f" {reason_code}",
        _("Bản sao trong thư mục cách ly:")
        + " "
        + (target.name if kept == target else _("không có (không chép được tệp)")),
    ]
    reason.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return kept


def _same_file(src: Path, target: Path) -> bool:
    try:
        return target.is_file() and filecmp.cmp(src, target, shallow=False)
    except OSError:
        return False


def _short_stem(stem: str, suffix: str, limit: int = 180) -> tuple[str, str]:
    """A stem and suffix that leave room for ``.N`` and ``.reason.txt`` in a 255-byte name."""
    if len(suffix.encode("utf-8", "surrogateescape")) > 16:
        stem, suffix = stem + suffix, ""
    room = limit - len(suffix.encode("utf-8", "surrogateescape"))
    raw = stem.encode("utf-8", "surrogateescape")
    if len(raw) <= room:
        return stem, suffix
    return raw[: room - 3].decode("utf-8", "ignore") + "…", suffix
