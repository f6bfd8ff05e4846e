"""The archive's file store (``sohoa.archive.filestore``): keys in, the guarantees callers rely on out.

Real files under ``tmp_path``; the ingest, fixity, export and queue tests exercise the same
store through their callers.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sohoa.archive import storage
from sohoa.archive.filestore import LocalStorage, check_key, copy_to, local_copy, open_store
from sohoa.archive.storage import FileModes
from sohoa.errors import ArchiveError, UsageError


def _home(tmp_path: Path) -> Path:
    """An archive folder exists before anything is stored in it (``open_archive`` makes it)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return home


def _finished(folder: Path, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:8]}.tmp"
    path.write_bytes(data)
    return path


def test_put_hashes_what_reached_the_disk_and_consumes_the_file(tmp_path: Path) -> None:
    store = LocalStorage(_home(tmp_path))
    data = b"%PDF-1.4\n" + "Quyết định số 12/QĐ-UBND".encode() * 100
    tmp = _finished(tmp_path / "work", data)
    placed = store.put("documents/ab/abc-p1.pdf", tmp)
    assert (placed.sha256, placed.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert not tmp.exists(), "put moves the finished file: nothing is left in the work folder"
    with store.open("documents/ab/abc-p1.pdf") as handle:
        assert handle.read() == data
    assert store.exists("documents/ab/abc-p1.pdf")
    assert store.local_path("documents/ab/abc-p1.pdf") == tmp_path / "home/documents/ab/abc-p1.pdf"


def test_an_original_is_read_only_and_keeps_the_callers_hash(tmp_path: Path) -> None:
    store = LocalStorage(_home(tmp_path), FileModes.from_setting("r"))
    data = b"scan bytes" * 1000
    sha = hashlib.sha256(data).hexdigest()
    placed = store.put(
        f"originals/{sha[:2]}/{sha}.png", _finished(tmp_path / "w", data), sha256=sha, read_only=True
    )
    path = store.local_path(placed.key)
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o440
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o750, "folders get the archive's modes, not the umask"
    assert (placed.sha256, placed.size) == (sha, len(data))


def test_list_delete_and_put_bytes_under_a_prefix(tmp_path: Path) -> None:
    store = LocalStorage(_home(tmp_path))
    store.put_bytes("queue/batch-1/item-2/page-00002.pickle", b"two")
    store.put_bytes("queue/batch-1/item-2/page-00001.pickle", b"one")
    store.put_bytes("queue/batch-1/item-3/page-00001.pickle", b"other")
    assert list(store.list("queue/batch-1/item-2/")) == [
        "queue/batch-1/item-2/page-00001.pickle",
        "queue/batch-1/item-2/page-00002.pickle",
    ]
    assert list(store.list("queue/batch-9/")) == []
    for key in list(store.list("queue/batch-1/item-2/")):
        store.delete(key)
    store.delete("queue/batch-1/item-2/page-00001.pickle")  # already gone: no error
    assert not (tmp_path / "home/queue/batch-1/item-2").exists(), "an emptied folder goes with its last file"
    assert (tmp_path / "home/queue/batch-1/item-3").is_dir(), "a folder with files stays"
    for key in list(store.list("queue/")):
        store.delete(key)
    assert (tmp_path / "home/queue").is_dir(), "a top folder of the archive is never removed"
    assert not any(name.endswith(".tmp") for _, _, names in os.walk(tmp_path) for name in names)


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../x", "originals/../../x", "a//b", "a/./b", "a\\b", "a/"]
)
def test_a_key_that_is_not_a_relative_path_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).open(key)


def test_missing_keys_read_as_missing_files(tmp_path: Path) -> None:
    store = LocalStorage(_home(tmp_path))
    with pytest.raises(FileNotFoundError):
        store.open("originals/ab/nothing.png")
    with pytest.raises(FileNotFoundError):
        copy_to(store, "originals/ab/nothing.png", tmp_path / "out.png")
    assert not store.exists("originals/ab/nothing.png")


def test_a_full_disk_is_an_archive_error_and_nothing_is_stored(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.fail("/dev/full is needed to simulate a full disk")
    home = tmp_path / "home"
    (home / "queue").mkdir(parents=True)
    store = LocalStorage(home)
    os.symlink("/dev/full", home / "queue" / f".page.pickle.{os.getpid()}.tmp")  # put_bytes writes it first
    with pytest.raises(ArchiveError, match="đầy"):
        store.put_bytes("queue/page.pickle", b"x" * 100_000)
    assert not store.exists("queue/page.pickle")


class _RemoteLike(LocalStorage):
    """A backend without local paths: what an S3 store looks like to its callers."""

    def local_path(self, key: str) -> Path | None:
        return None


def test_programs_that_need_a_file_get_a_local_copy_when_the_backend_has_no_path(tmp_path: Path) -> None:
    store = _RemoteLike(_home(tmp_path))
    store.put_bytes("queue/batch-1/item-1/hồ sơ.pdf", b"%PDF-1.4 bytes")
    work = storage.WorkDir(tmp_path / "home" / "tmp")
    try:
        with local_copy(store, "queue/batch-1/item-1/hồ sơ.pdf", work) as path:
            assert path.read_bytes() == b"%PDF-1.4 bytes"
            assert path.suffix == ".pdf", "readers choose the format by the suffix"
            assert path.parent == work.path
        assert not path.exists(), "the downloaded copy goes when the block ends"
        copy_to(store, "queue/batch-1/item-1/hồ sơ.pdf", tmp_path / "out.pdf")
        assert (tmp_path / "out.pdf").read_bytes() == b"%PDF-1.4 bytes"
    finally:
        work.close()


def test_an_unsupported_storage_url_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOHOA_STORAGE_URL", "s3://bucket/archive")
    with pytest.raises(UsageError):
        open_store(tmp_path)
    env = {**os.environ, "SOHOA_HOME": str(tmp_path / "home"), "SOHOA_STORAGE_URL": "s3://bucket/archive"}
    done = subprocess.run(
        [sys.executable, "-m", "sohoa.cli", "list"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "SOHOA_STORAGE_URL" in done.stderr


def test_a_local_copy_in_a_temp_folder_is_a_loose_file_a_sweep_knows(tmp_path: Path) -> None:
    store = _RemoteLike(_home(tmp_path))
    store.put_bytes("documents/ab/abc-p1.pdf", b"%PDF-1.4 a stored PDF")
    tmp = tmp_path / "home" / "tmp"
    tmp.mkdir()
    with local_copy(store, "documents/ab/abc-p1.pdf", tmp) as path:
        assert path.parent == tmp and path.name.startswith(f"{os.getpid()}-") and path.suffix == ".pdf"
        assert path.read_bytes() == b"%PDF-1.4 a stored PDF"
        assert storage.sweep_tmp(tmp) == [], "a live process's copy is never swept"
    assert list(tmp.iterdir()) == []
    with pytest.raises(FileNotFoundError), local_copy(store, "documents/ab/none.pdf", tmp):
        pass
    assert list(tmp.iterdir()) == [], "nothing half-copied is left"
