"""Files of the archive: originals by SHA-256, searchable PDFs, quarantine, and crash safety.

Every file is written to ``tmp/`` first, fsynced, then renamed into place, so a crash leaves
either the whole file or nothing. Originals are content-addressed and read-only: the same
bytes always land at the same path, which makes a resumed batch idempotent. The database row
is committed only after its files are in place; ``sweep_orphans`` removes files a crash left
without a row.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import time
from pathlib import Path

from sohoa.errors import ArchiveError

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (scans can be hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _place(tmp: Path, final: Path, read_only: bool) -> None:
    """Rename a finished temp file into place, durably."""
    if read_only:
        os.chmod(tmp, 0o444)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    _fsync_dir(final.parent)


def _tmp_path(tmp_dir: Path, name: str) -> Path:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    return tmp_dir / f"{os.getpid()}-{time.monotonic_ns()}-{name}"


def copy_in(src: Path, final: Path, tmp_dir: Path, read_only: bool = True) -> None:
    """Copy ``src`` to ``final`` through a temp file; an existing identical file is kept as is."""
    if final.exists():
        return
    tmp = _tmp_path(tmp_dir, final.name)
    try:
        with open(src, "rb") as inp, open(tmp, "wb") as out:
            shutil.copyfileobj(inp, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        _place(tmp, final, read_only)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArchiveError(f"cannot store {src.name} in {final.parent}: {exc.strerror or exc}") from exc


def move_in(tmp: Path, final: Path, read_only: bool = True) -> None:
    """Put a finished file made in ``tmp/`` into place."""
    try:
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        _place(tmp, final, read_only)
    except OSError as exc:
        raise ArchiveError(f"cannot store {final.name} in {final.parent}: {exc.strerror or exc}") from exc


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
        f"Tệp (file): {src}",
        f"Lỗi: {problem}" if problem else "",
        f"Cần làm: {action}" if action else "",
        f"Chi tiết: {message}",
        f"Mã lỗi (reason code): {reason_code}",
        "Bản sao trong thư mục cách ly (quarantine copy): "
        + (target.name if kept == target else "không có (none: the file could not be copied)"),
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


def _pid_alive(pid_text: str) -> bool:
    """Whether the process that named a temp file is still running (then its file is in use)."""
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_orphans(home: Path, referenced: set[str], min_age_s: float = 600.0) -> list[str]:
    """Delete files a crash left behind: temp files and stored files no database row names.

    Only files older than ``min_age_s`` go, so a concurrent ingest's file that is about to be
    committed is never touched.
    """
    removed: list[str] = []
    now = time.time()
    for sub in ("tmp", "originals", "documents"):
        base = home / sub
        if not base.exists():
            continue
        for path in base.rglob("*"):
            if not path.is_file():
                continue
            rel = path.relative_to(home).as_posix()
            if sub != "tmp" and rel in referenced:
                continue
            try:
                dead_writer = sub == "tmp" and not _pid_alive(path.name.lstrip(".").split("-", 1)[0])
                if not dead_writer and now - path.stat().st_mtime < min_age_s:
                    continue
                path.unlink()
                removed.append(rel)
            except OSError:
                continue
    return removed
