"""Index folders as atomic generations under one write lock: shared by file-based engines.

Layout of an index folder::

    CURRENT        name of the live generation (replaced atomically by a rebuild)
    write.lock     flock()ed by whoever writes: ingest, sync, delete, rebuild
    g000001/       one engine's index files plus ``SCHEMA_VERSION`` (engine and version)

Why generations: a rebuild writes a complete new index beside the live one and then swaps
the one-line pointer with ``os.replace``, so searches keep answering from the old generation
until the new one is whole, and a crash mid-rebuild leaves the old index untouched. Readers
that opened the old generation keep their open files after it is deleted (POSIX unlink
semantics); a reader racing the swap retries on the new pointer.

Why an ``flock`` of our own on top of the engine's: it covers the pointer swap as well as
the engine's writer, waits with backoff instead of failing at once, and the kernel releases
it when a process dies, so a crashed ingest never leaves the index locked. Readers never
take it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sohoa.errors import IndexBusyError
from sohoa.i18n import _

_POINTER = "CURRENT"
_LOCK = "write.lock"
STAMP_FILE = "SCHEMA_VERSION"
_GEN_PREFIX = "g"


class Generations:
    """The generation folders of one index folder (``path``)."""

    def __init__(self, path: Path, lock_timeout: float) -> None:
        self.path = path
        self.lock_timeout = lock_timeout

    def live(self) -> str | None:
        """Name of the live generation, or None when no index was ever written."""
        try:
            name = (self.path / _POINTER).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name or None

    def stamp(self, gen: str) -> str | None:
        """What built ``gen`` (engine and schema version), None if unreadable."""
        try:
            return (self.path / gen / STAMP_FILE).read_text().strip()
        except OSError:
            return None

    def create(self, stamp: str) -> Path:
        """A new, empty generation folder (not live yet) stamped with ``stamp``."""
        self.path.mkdir(parents=True, exist_ok=True)
        existing = self._all()
        number = int(existing[-1][1:]) + 1 if existing else 1
        directory = self.path / f"{_GEN_PREFIX}{number:06d}"
        directory.mkdir()
        (directory / STAMP_FILE).write_text(stamp + "\n")
        return directory

    def swap(self, gen: str) -> None:
        """Point CURRENT at ``gen`` atomically (write a temp file, fsync, rename)."""
        fd, tmp = tempfile.mkstemp(prefix=".CURRENT.", dir=self.path)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(gen + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path / _POINTER)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename durable
            dirfd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(dirfd)
            finally:
                os.close(dirfd)

    def remove_orphans(self) -> None:
        """Delete generations other than the live one (retired, or left by a crash)."""
        live = self.live()
        for gen in self._all():
            if gen != live:
                shutil.rmtree(self.path / gen, ignore_errors=True)

    def _all(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(
            p.name
            for p in self.path.iterdir()
            if p.is_dir() and p.name.startswith(_GEN_PREFIX) and p.name[1:].isdigit()
        )

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold ``write.lock`` (flock), waiting with jittered backoff up to ``lock_timeout``."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / _LOCK, "a+b")  # noqa: SIM115 - closed in finally
        try:
            deadline = time.monotonic() + self.lock_timeout
            delay = 0.01
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise IndexBusyError(
                            _(
                                "Chỉ mục tìm kiếm tại %(path)s đang bận: một lần nhập hoặc dựng lại "
                                "khác đã ghi hơn %(seconds)s giây; tài liệu vẫn chờ, chạy "
                                "`sohoa index sync` sau."
                            )
                            % {"path": self.path, "seconds": f"{self.lock_timeout:g}"}
                        ) from None
                    time.sleep(min(remaining, delay * (0.5 + random.random())))
                    delay = min(delay * 2, 0.5)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()
