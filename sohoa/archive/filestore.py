"""The archive's file store: originals, searchable PDFs and queued inputs, named by key.

Rows name stored files by a **key**, a relative POSIX path such as
``originals/ab/<sha256>.png`` or ``documents/ab/<sha256>-p1.pdf`` (the same strings the rows
have always held), never by a machine's absolute path. Every program that puts or reads an
archive file goes through :class:`FileStore`, obtained from :func:`open_store`, so the
archive's files can live somewhere other than a mounted folder without touching its callers.

Today there is one backend, :class:`LocalStorage`: the archive's home folder (a local disk or
a mount every desk and worker sees, e.g. NFS). It keeps the guarantees the archive was built
on: a file is written to a temp file in the same file system, fsynced, and renamed into place,
and the folder entry is fsynced, so a crash leaves the whole file or nothing under its key.

Adding an S3-compatible backend (MinIO, Ceph RGW, a provider's object store) is one class in a
new module plus one branch in :func:`open_store` (chosen by a ``SOHOA_STORAGE_URL`` such as
``s3://bucket/prefix``). What it must guarantee, because fixity, export and crash recovery
rely on it:

- ``put`` is all or nothing: a single PUT (or a multipart upload completed only at the end)
  so a reader never sees half an object; it sends the SHA-256 the caller gives (or computes
  it while reading the local file) as the object's checksum (``x-amz-checksum-sha256``) so
  the store refuses corrupted bytes, and returns the same hash and size a local put returns.
  A put of the same key with the same bytes (a retry after a crash) simply replaces it.
- ``open`` raises ``FileNotFoundError`` for a missing key, like ``open()``: ``verify`` turns
  that into a *missing* finding. It streams; it never loads a 500 MB scan into memory.
- ``list`` yields every key under a prefix (paginating ``ListObjectsV2``), sorted, so
  ``verify`` can find orphans; ``exists`` and ``delete`` are a HEAD and a DELETE (a missing
  key is not an error for ``delete``).
- ``local_path`` returns None: programs that need a file (Tesseract, pdfplumber, ocrmypdf)
  get one from :func:`local_copy`, which downloads the object into the process's work folder.
- Originals are written once and never changed: a bucket with object lock or versioning may
  enforce it; credentials come from the environment as the AWS SDK reads them, never from
  the database or the archive's settings.

The work folders, batch locks and quarantine (``storage``) stay on the machine that runs the
command: they are one process's scratch space, not archive content.

Still by path under the home folder (each would need the backend's ``list`` or ``open``):
``fixity.find_orphans`` walks ``originals/`` and ``documents/`` itself (its rules for symbolic
links are the folder's); ``backup`` copies the folder as it is; ``handover.bag_import`` places
a bag's files with one ``os.sync`` for the whole bag instead of a put's fsync per file; the
web's downloads and page images (``app.documents``) hand a path to the HTTP response.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from sohoa.errors import ArchiveError, UsageError
from sohoa.i18n import N_, _

from . import storage
from .storage import FileModes

STORAGE_URL_ENV = "SOHOA_STORAGE_URL"


@dataclass(frozen=True)
class StoredObject:
    """What a put stored: the key, and the SHA-256 and size of exactly the bytes under it."""

    key: str
    sha256: str
    size: int


class FileStore(Protocol):
    """Where the archive's files live, by key. See the module docstring for what a backend guarantees."""

    def put(
        self, key: str, file: Path, *, sha256: str | None = None, read_only: bool = False
    ) -> StoredObject:
        """Move the finished local ``file`` under ``key``, atomically and durably; the file is consumed.

        ``sha256`` is given when the caller hashed exactly these bytes as it wrote and fsynced
        them (an input's copy); otherwise the store hashes the file as it makes it durable.
        ``read_only`` marks an original: written once, never changed.
        """
        ...

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store a small result (a read page) under ``key``, atomically and durably."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes for reading; ``FileNotFoundError`` if there is nothing under ``key``."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing under it is no error)."""
        ...

    def list(self, prefix: str) -> Iterator[str]:
        """Every key under the folder-like ``prefix`` (``queue/batch-3/``), sorted."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A file system path of ``key`` when the backend has one (a mounted folder), else None."""
        ...


def check_key(key: str) -> str:
    """A key is a relative POSIX path with no ``..``, no empty or hidden-temp parts: else a bug."""
    parts = PurePosixPath(key).parts
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "\x00" in key
        or any(part in ("", ".", "..") for part in parts)
        or str(PurePosixPath(*parts)) != key
    ):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _what(key: str) -> str:
    """The words of an error while writing ``key`` (msgids: ``archive_error`` translates them)."""
    top = key.split("/", 1)[0]
    words = {
        "originals": N_("lưu bản gốc"),
        "documents": N_("lưu tệp PDF"),
        "queue": N_("chép tệp vào kho dùng chung"),
    }
    return words.get(top, N_("lưu tệp vào kho"))


class LocalStorage:
    """The archive's home folder (local or mounted): keys are paths under it.

    Puts rename an fsynced file into place and fsync the folder (``storage.place_*``): the
    home's own file system makes them atomic. Folders are made with the archive's modes
    whatever the umask; originals are read-only.
    """

    def __init__(self, home: Path, modes: FileModes | None = None) -> None:
        self.home = home
        self.modes = modes or FileModes()

    def _path(self, key: str) -> Path:
        return self.home / check_key(key)

    def put(
        self, key: str, file: Path, *, sha256: str | None = None, read_only: bool = False
    ) -> StoredObject:
        final = self._path(key)
        for attempt in (1, 2):  # a delete pruned the new, still empty folder meanwhile: make it again
            try:
                return self._place(key, final, file, sha256, read_only)
            except (ArchiveError, OSError) as exc:
                lost_folder = isinstance(exc, FileNotFoundError) or isinstance(
                    exc.__cause__, FileNotFoundError
                )
                if attempt == 2 or not lost_folder or not file.exists():
                    if isinstance(exc, ArchiveError):
                        raise
                    raise storage.archive_error(exc, _what(key)) from exc
        raise AssertionError("unreachable")

    def _place(self, key: str, final: Path, file: Path, sha256: str | None, read_only: bool) -> StoredObject:
        if sha256 is None:  # hashed while fsynced: what is registered is what reached the disk
            sha, size = storage.place_pdf(file, final, self.home, self.modes)
            return StoredObject(key, sha, size)
        size = os.stat(file).st_size
        if read_only:
            storage.place_original(file, final, self.home, self.modes)
        else:
            storage.place_file(file, final, self.modes.file, self.modes, self.home)
        return StoredObject(key, sha256, size)

    def put_bytes(self, key: str, data: bytes) -> None:
        final = self._path(key)
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        try:
            storage.make_dirs(final.parent, self.home, self.modes.directory)
            fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, self.modes.file)
            with open(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
            storage.fsync_dir(final.parent)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise storage.archive_error(exc, _what(key)) from exc

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")  # noqa: SIM115 - the caller closes it

    def exists(self, key: str) -> bool:
        return os.path.lexists(self._path(key))  # anything at that name takes the key

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != self.home and folder.parent != self.home:  # empty folders go, top folders stay
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent

    def list(self, prefix: str) -> Iterator[str]:
        top = self._path(prefix.rstrip("/"))
        if not top.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            base = Path(dirpath).relative_to(self.home).as_posix()
            for name in sorted(filenames):
                if not name.startswith("."):  # a put's temp file is not stored yet
                    yield f"{base}/{name}"

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


def open_store(home: Path, modes: FileModes | None = None) -> FileStore:
    """The file store of the archive at ``home``: the one place that chooses a backend.

    ``SOHOA_STORAGE_URL`` unset or ``file:`` means the home folder; any other scheme is refused
    until its backend exists (see the module docstring for what one must do).
    """
    url = os.environ.get(STORAGE_URL_ENV, "").strip()
    if url and not url.startswith("file:"):
        raise UsageError(
            _("%(name)s=%(scheme)s://… chưa được hỗ trợ: bỏ biến này để dùng thư mục kho (SOHOA_HOME)")
            % {"name": STORAGE_URL_ENV, "scheme": url.split("://", 1)[0]}
        )
    return LocalStorage(home, modes)


def copy_to(store: FileStore, key: str, dst: Path) -> None:
    """Copy ``key``'s bytes to the local file ``dst`` (the kernel's copy when the backend has a path).

    ``FileNotFoundError`` when nothing (or no regular file) is stored under ``key``.
    """
    path = store.local_path(key)
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(key)
        shutil.copyfile(path, dst)
        return
    with store.open(key) as src, open(dst, "wb") as out:
        shutil.copyfileobj(src, out, storage.CHUNK)


@contextmanager
def local_copy(store: FileStore, key: str, work: storage.WorkDir | Path) -> Iterator[Path]:
    """A local file holding ``key``'s bytes, for programs that need a path (Tesseract, pdfplumber).

    The backend's own path when it has one (whether or not the file is there: the caller's
    open tells); else a copy in the work folder, removed afterwards (``FileNotFoundError``
    when nothing is stored under ``key``). ``work`` is the process's work folder, or a temp folder
    (``tmp/``) where the copy is a loose ``<pid>-…`` file that ``sweep_tmp`` removes should the
    process die.
    """
    path = store.local_path(key)
    if path is not None:  # the file itself: a missing one surfaces where the caller opens it
        yield path
        return
    suffix = PurePosixPath(key).suffix.lower()[:8]  # readers pick the format by it
    if isinstance(work, storage.WorkDir):
        target = work.file("stored" + suffix)
    else:
        target = work / f"{os.getpid()}-stored-{secrets.token_hex(6)}{suffix}"
    try:
        with store.open(key) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, storage.CHUNK)
        yield target
    finally:
        target.unlink(missing_ok=True)
